package install

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Command returns the hook command for a host: the aport binary, eval, the
// host pinned, and the passport. Words that need it are quoted for a POSIX
// shell (a path with a space becomes '/path/with space/aport').
func Command(aportPath, host, passport string) (string, error) {
	words := []string{aportPath, "eval", "--host", host, "--passport", passport}
	for i, w := range words {
		q, err := syntax.Quote(w, syntax.LangPOSIX)
		if err != nil {
			return "", fmt.Errorf("cannot write %q into a hook command: %w", w, err)
		}
		words[i] = q
	}
	return strings.Join(words, " "), nil
}
