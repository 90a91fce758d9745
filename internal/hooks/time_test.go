package hooks

import "time"

func mustTime() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) }
