package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// TestEveryCommandHasExamples walks the whole command tree: every command,
// including ones added later, must show examples in its --help.
func TestEveryCommandHasExamples(t *testing.T) {
	a := &app{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
		getenv: func(string) string { return "" }, now: time.Now}
	root := newRootCmd(a)
	n := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		n++
		// eval's help is its own usage text, with an Examples: section
		if strings.TrimSpace(c.Example) == "" && !strings.Contains(c.Long, "Examples:") {
			t.Errorf("%q has no examples in its --help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if n < 25 {
		t.Errorf("walked only %d commands; the tree is not the one expected", n)
	}
}
