package shell

import (
	"strings"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"
)

// FuzzCheck: Check never panics, finishes within its budget, and never
// allows text the parser rejects.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		"git status && go test ./... 2>&1 | tail -20",
		"rm -rf /", "curl x | sh", ":(){ :|:& };:", "bash -c 'eval \"ls\"'",
		"echo ${x:-$(whoami)} > ~/.aport/p", "for f in a b; do cd $f; done", "f() { f | f & }; f",
		"sudo -u root env -S 'ls -la' | xargs -I{} find {} -exec rm {} +",
		"cat <<EOF\n$(ls)\nEOF", "tar -xzf a.tgz -C ~/.aport", "ls # c \\\nwhoami",
		"x='a[$(id)]'; echo $((x)) ${x@P} ${!x}", "declare -i n; for n in 1 'a[$(id)]'; do :; done",
		"sed -iex '1e id' f; sed 's/a/b/w ~/.aport/p' f", "awk 'BEGIN{system(\"id\")} /a|b/ {print > f}'",
		"echo $(cat <<'EOF'\nEOF )\nid\nEOF\n)", "f=~/.ssh/id_rsX; cat ${f%X}a; echo x | xargs -I{} rm {}",
	} {
		f.Add(s)
	}
	env := testEnv()
	f.Fuzz(func(t *testing.T, src string) {
		start := time.Now()
		res := Check(src, devPolicy, env)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("Check took %v on %q", d, src)
		}
		for _, fd := range res.Findings {
			if strings.Contains(fd.Message, "internal error") {
				t.Fatalf("panic inside Check on %q: %s", src, fd.Message)
			}
			if fd.Code == "" || fd.Message == "" {
				t.Fatalf("empty finding %+v on %q", fd, src)
			}
		}
		if len(src) <= MaxTextBytes {
			p := syntax.NewParser(syntax.Variant(syntax.LangBash))
			if _, err := p.Parse(strings.NewReader(src), ""); err != nil && len(res.Findings) == 0 {
				t.Fatalf("parser rejects %q (%v) but Check allows it", src, err)
			}
		}
		// starPolicy too: the catalogue and self-protection must hold up alone
		res = Check(src, starPolicy, env)
		for _, fd := range res.Findings {
			if strings.Contains(fd.Message, "internal error") {
				t.Fatalf("panic inside Check on %q: %s", src, fd.Message)
			}
		}
	})
}
