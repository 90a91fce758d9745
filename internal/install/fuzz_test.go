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
		body, _ = splitBOM(back)
		if !json.Valid(body) || len(aportCommands(t, host, back)) != 0 {
			t.Fatalf("Remove: %s", back)
		}
	})
}
