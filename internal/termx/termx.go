// Package termx makes text from tool calls safe to show: a tool name or
// command chosen by an agent or a third-party server reaches the operator's
// terminal through aport's messages and audit views.
package termx

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Safe returns s with every control character (C0, DEL and C1: escape
// sequences, bells, carriage returns that overwrite a line) written as a
// visible escape (\x1b, \u009b), invalid UTF-8 as \xNN, and, when max > 0,
// cut to at most max bytes with "…" marking the cut.
func Safe(s string, max int) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean && (max <= 0 || len(s) <= max) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		var piece string
		switch {
		case r == utf8.RuneError && n == 1:
			piece = fmt.Sprintf(`\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			piece = fmt.Sprintf(`\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			piece = fmt.Sprintf(`\u%04x`, r)
		default:
			piece = s[i : i+n]
		}
		if max > 0 && b.Len()+len(piece) > max-len("…") {
			b.WriteString("…")
			return b.String()
		}
		b.WriteString(piece)
		i += n
	}
	return b.String()
}
