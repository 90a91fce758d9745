package termx

import "testing"

func TestSafe(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"plain text", 0, "plain text"},
		{"x\x1b]52;c;ZWNobw==\a\x1b[2J", 0, `x\x1b]52;c;ZWNobw==\x07\x1b[2J`},
		{"tab\there\r\n", 0, `tab\x09here\x0d\x0a`},
		{"c1 \u009b31m", 0, `c1 \u009b31m`},
		{"bad \xff byte", 0, `bad \xff byte`},
		{"naïve café", 0, "naïve café"},
		{"abcdefghij", 8, "abcde…"},
		{"abc", 8, "abc"},
	} {
		if got := Safe(c.in, c.max); got != c.want {
			t.Errorf("Safe(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
