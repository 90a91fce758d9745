package install

import (
	"encoding/json"
	"os"
	"testing"
)

// FuzzMerge: whatever the file, Merge either reports an error or returns
// valid JSON with exactly aport's entries, and merging again changes nothing;
// Remove then leaves valid JSON without them.
func FuzzMerge(f *testing.F) {
	for _, p := range []string{"testdata/claude-settings.json", "testdata/cursor-hooks.json"} {
		b, _ := os.ReadFile(p)
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Add([]byte(`{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"/x/aport eval"}]}]}}`), false)
	f.Add([]byte("{\r\n\t\"a\": [1, 2],\r\n\t\"hooks\": {}\r\n}"), true)
	f.Fuzz(func(t *testing.T, src []byte, cursor bool) {
		host := Claude
		if cursor {
			host = Cursor
		}
		out, err := Merge(host, src, "f", cmdFor(host))
		if err != nil {
			return
		}
		body, _ := splitBOM(out)
		if !json.Valid(body) {
			t.Fatalf("invalid JSON from %q:\n%s", src, out)
		}
		checkInstalled(t, host, out)
		again, err := Merge(host, out, "f", cmdFor(host))
		if err != nil || string(again) != string(out) {
			t.Fatalf("not idempotent on %q: %v\n%s", src, err, Diff("a", "b", out, again))
		}
		back, _, err := Remove(host, out, "f")
		if err != nil {
			t.Fatalf("Remove failed on Merge's output: %v", err)
		}
		if restoreExpected(host, src) && string(back) != string(src) {
			t.Fatalf("uninstall after install did not restore %q:\n%s", src, Diff("original", "back", src, back))
		}
		body, _ = splitBOM(back)
		if !json.Valid(body) || len(aportCommands(t, host, back)) != 0 {
			t.Fatalf("Remove: %s", back)
		}
	})
}

// restoreExpected reports whether Remove(Merge(src)) must give back src: src
// has no aport entries, and no empty object or array on the path aport edits
// (those are removed with aport's entries).
func restoreExpected(host string, src []byte) bool {
	if same, _, err := Remove(host, src, "f"); err != nil || string(same) != string(src) {
		return false
	}
	body, _ := splitBOM(src)
	root, err := parseDoc(body, "f")
	if err != nil || root.kind != '{' || len(root.members) == 0 {
		return false
	}
	hooks, _, err := root.get("hooks")
	if err != nil {
		return false
	}
	if hooks == nil {
		return true
	}
	if len(hooks.members) == 0 {
		return false
	}
	events := CursorEvents
	if host == Claude {
		events = []string{"PreToolUse"}
	}
	for _, ev := range events {
		arr, _, err := hooks.get(ev)
		if err != nil || (arr != nil && len(arr.elems) == 0) {
			return false
		}
	}
	return true
}
