package breakglass

import (
	"testing"
	"time"
)

// FuzzDecode: the window file never panics the reader, and what it accepts
// is a window of at most MaxDuration with a reason.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"opened_at":"2026-11-22T10:00:00Z","until":"2026-11-22T10:15:00Z","reason":"incident"}`))
	f.Add([]byte(`{"opened_at":"2026-11-22T10:00:00Z","until":"2027-11-22T10:15:00Z","reason":"r"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := decode(b)
		if err != nil {
			return
		}
		if d := w.Until.Sub(w.OpenedAt); d <= 0 || d > MaxDuration || w.Reason == "" {
			t.Errorf("accepted %+v", w)
		}
		_ = w.ActiveAt(time.Now())
	})
}
