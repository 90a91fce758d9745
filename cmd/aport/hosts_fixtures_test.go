package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestHostFixturesInScripts: every payload in testdata/hosts goes through
// the binary in eval_hosts_more.txtar. The script holds each one, byte for
// byte, as a hosts/<host>/<file> section and feeds it to a command with
// `stdin`, so a fixture that is added or changed without the script fails
// here.
func TestHostFixturesInScripts(t *testing.T) {
	const script = "testdata/script/eval_hosts_more.txtar"
	ar, err := txtar.ParseFile(script)
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string][]byte{}
	for _, f := range ar.Files {
		sections[f.Name] = f.Data
	}
	fixtures, err := filepath.Glob(filepath.Join("..", "..", "testdata", "hosts", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) < 25 {
		t.Fatalf("found only %d fixtures in testdata/hosts", len(fixtures))
	}
	for _, fx := range fixtures {
		want, err := os.ReadFile(fx)
		if err != nil {
			t.Fatal(err)
		}
		name := "hosts/" + filepath.Base(filepath.Dir(fx)) + "/" + filepath.Base(fx)
		got, ok := sections[name]
		switch {
		case !ok:
			t.Errorf("%s has no %s section", script, name)
			continue
		case !bytes.Equal(got, want):
			t.Errorf("%s: section %s differs from %s", script, name, fx)
		}
		if !strings.Contains(string(ar.Comment), "\nstdin "+name+"\n") {
			t.Errorf("%s never runs %s (no `stdin %s` line)", script, name, name)
		}
	}
}
