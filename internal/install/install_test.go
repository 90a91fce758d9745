package install

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const testCmd = "/usr/local/bin/aport eval --host claude-code --passport /home/u/.aport/passport.json"
const testCursorCmd = "/usr/local/bin/aport eval --host cursor --passport /home/u/.aport/passport.json"

func cmdFor(host string) string {
	if host == Cursor {
		return testCursorCmd
	}
	return testCmd
}

// aportCommands lists the commands of aport's entries, per event.
func aportCommands(t *testing.T, host string, doc []byte) map[string][]string {
	t.Helper()
	var v struct {
		Hooks map[string]json.RawMessage `json:"hooks"`
	}
	body, _ := splitBOM(doc)
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("result is not valid JSON: %v\n%s", err, doc)
	}
	out := map[string][]string{}
	for ev, raw := range v.Hooks {
		// aport writes and removes its entries under these events only; an
		// "aport eval" a person put under another event is theirs
		if host == Claude && ev != "PreToolUse" || host == Cursor && !slices.Contains(CursorEvents, ev) {
			continue
		}
		var list []map[string]any
		if json.Unmarshal(raw, &list) != nil {
			continue // not an event aport edits
		}
		for _, e := range list {
			if host == Claude {
				m, _ := e["matcher"].(string)
				if m == "" {
					m = "*" // no matcher, or an empty one, matches every tool
				}
				hs, _ := e["hooks"].([]any)
				for _, h := range hs {
					hm, _ := h.(map[string]any)
					if c, _ := hm["command"].(string); IsAportCommand(c) {
						out[ev+"/"+m] = append(out[ev+"/"+m], c)
					}
				}
			} else if c, _ := e["command"].(string); IsAportCommand(c) {
				out[ev] = append(out[ev], c)
				if e["failClosed"] != true {
					t.Errorf("%s entry without failClosed: true", ev)
				}
			}
		}
	}
	return out
}

func checkInstalled(t *testing.T, host string, doc []byte) {
	t.Helper()
	got := aportCommands(t, host, doc)
	want := map[string][]string{"PreToolUse/*": {testCmd}}
	if host == Cursor {
		want = map[string][]string{}
		for _, ev := range CursorEvents {
			want[ev] = []string{testCursorCmd}
		}
	}
	if len(got) != len(want) {
		t.Fatalf("aport entries = %v, want %v\n%s", got, want, doc)
	}
	for k, v := range want {
		if len(got[k]) != 1 || got[k][0] != v[0] {
			t.Fatalf("aport entries = %v, want %v\n%s", got, want, doc)
		}
	}
}

func TestMergeAndRemove(t *testing.T) {
	t.Parallel()
	claudeFile, _ := os.ReadFile("testdata/claude-settings.json")
	cursorFile, _ := os.ReadFile("testdata/cursor-hooks.json")
	tests := []struct {
		name     string
		host     string
		in       string
		restores bool // Remove(Merge(in)) == in
		gone     bool // ... or the file is removed
	}{
		{"claude full", Claude, string(claudeFile), true, false},
		{"claude missing file", Claude, "", false, true},
		{"claude blank file", Claude, " \n", false, true},
		{"claude empty object", Claude, "{}", false, true},
		{"claude empty object newline", Claude, "{}\n", false, true},
		{"claude compact", Claude, `{"model":"opus","env":{"A":"1"}}`, true, false},
		{"claude one line spaced", Claude, `{"model": "opus", "env": {"A": "1"}}`, true, false},
		{"claude four spaces", Claude, "{\n    \"model\": \"opus\"\n}\n", true, false},
		{"claude tabs", Claude, "{\n\t\"model\": \"opus\",\n\t\"hooks\": {\n\t\t\"Stop\": []\n\t}\n}\n", true, false},
		{"claude crlf", Claude, "{\r\n  \"model\": \"opus\",\r\n  \"hooks\": {\r\n    \"PreToolUse\": [\r\n      {\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"x\"}]}\r\n    ]\r\n  }\r\n}\r\n", true, false},
		{"claude bom", Claude, "\xef\xbb\xbf{\n  \"model\": \"opus\"\n}\n", true, false},
		{"claude inline groups", Claude, "{\n  \"hooks\": {\"PreToolUse\": [{\n    \"matcher\": \"Bash\",\n    \"hooks\": [{\"type\": \"command\", \"command\": \"x\"}]\n  }]}\n}", true, false},
		{"claude hooks without PreToolUse", Claude, "{\n  \"hooks\": {\n    \"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"say done\"}]}]\n  }\n}\n", true, false},
		{"claude empty hooks", Claude, "{\"hooks\": {}}", false, true},
		{"cursor full", Cursor, string(cursorFile), true, false},
		{"cursor missing file", Cursor, "", false, true},
		{"cursor version only", Cursor, "{\"version\": 1}\n", false, true},
		{"cursor compact", Cursor, `{"version":1,"hooks":{"stop":[{"command":"x"}]}}`, true, false},
		{"cursor preToolUse present", Cursor, "{\n  \"version\": 1,\n  \"hooks\": {\n    \"preToolUse\": [\n      {\"command\": \"./guard.sh\", \"matcher\": \"Shell\"}\n    ]\n  }\n}\n", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Merge(tt.host, []byte(tt.in), "f.json", cmdFor(tt.host))
			if err != nil {
				t.Fatal(err)
			}
			checkInstalled(t, tt.host, out)
			again, err := Merge(tt.host, out, "f.json", cmdFor(tt.host))
			if err != nil || string(again) != string(out) {
				t.Fatalf("second merge changed the file (err %v):\n%s", err, Diff("first", "second", out, again))
			}
			back, gone, err := Remove(tt.host, out, "f.json")
			if err != nil {
				t.Fatal(err)
			}
			if len(aportCommands(t, tt.host, back)) != 0 {
				t.Fatalf("entries left after Remove:\n%s", back)
			}
			if gone != tt.gone {
				t.Errorf("gone = %v, want %v", gone, tt.gone)
			}
			if tt.restores && string(back) != tt.in {
				t.Fatalf("Remove did not restore the original:\n%s", Diff("original", "removed", []byte(tt.in), back))
			}
			if strings.Contains(tt.in, "\r\n") && strings.Count(string(out), "\n") != strings.Count(string(out), "\r\n") {
				t.Errorf("mixed line endings in a CRLF file:\n%q", out)
			}
			if strings.HasPrefix(tt.in, "\xef\xbb\xbf") != strings.HasPrefix(string(out), "\xef\xbb\xbf") {
				t.Errorf("byte order mark not kept")
			}
		})
	}
}

func TestMergeKeepsUntouchedBytes(t *testing.T) {
	t.Parallel()
	in, _ := os.ReadFile("testdata/claude-settings.json")
	out, err := Merge(Claude, in, "f", testCmd)
	if err != nil {
		t.Fatal(err)
	}
	// Everything before the insertion point and after it is the same.
	at := strings.Index(string(in), "\n    ],\n    \"PostToolUse\"")
	if at < 0 || !strings.HasPrefix(string(out), string(in[:at])) || !strings.HasSuffix(string(out), string(in[at:])) {
		t.Fatalf("bytes outside the insertion changed:\n%s", Diff("in", "out", in, out))
	}
}

func TestMergeReplacesOldEntries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, host, in string
		keepsOther     string // a user's command that must stay
	}{
		{"claude new binary path", Claude, `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"log.sh"},{"type":"command","command":"/opt/old/aport eval --host claude-code --passport /old.json","timeout":30}]}]}}`, "log.sh"},
		{"claude quoted old path", Claude, `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"'/my apps/aport' eval --passport /p.json"}]}]}}`, ""},
		{"claude duplicates", Claude, `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"aport eval"}]},{"matcher":"","hooks":[{"type":"command","command":"/bin/aport eval --host claude-code"}]},{"matcher":"Bash","hooks":[{"type":"command","command":"x"}]}]}}`, "x"},
		{"claude only in a Bash group", Claude, `{"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"/bin/aport eval"},{"type":"command","command":"keep.sh"}]}]}}`, "keep.sh"},
		{"claude other timeout", Claude, "{\n  \"hooks\": {\n    \"PreToolUse\": [\n      {\n        \"matcher\": \"*\",\n        \"hooks\": [\n          {\"type\": \"command\", \"command\": \"" + testCmd + "\", \"timeout\": 5}\n        ]\n      }\n    ]\n  }\n}\n", ""},
		{"cursor duplicates and old path", Cursor, `{"version":1,"hooks":{"preToolUse":[{"command":"/old/aport eval --host cursor"},{"command":"keep.sh"},{"command":"/old/aport eval"}],"beforeReadFile":[{"command":"` + testCursorCmd + `","timeout":30}]}}`, "keep.sh"},
		{"not aport: other binary named eval", Claude, `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"/bin/aport-wrapper eval"},{"type":"command","command":"aport version"}]}]}}`, "/bin/aport-wrapper eval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Merge(tt.host, []byte(tt.in), "f", cmdFor(tt.host))
			if err != nil {
				t.Fatal(err)
			}
			checkInstalled(t, tt.host, out)
			if tt.keepsOther != "" && !strings.Contains(string(out), tt.keepsOther) {
				t.Fatalf("%q was dropped:\n%s", tt.keepsOther, out)
			}
			again, _ := Merge(tt.host, out, "f", cmdFor(tt.host))
			if string(again) != string(out) {
				t.Fatalf("not idempotent:\n%s", Diff("a", "b", out, again))
			}
			back, _, err := Remove(tt.host, out, "f")
			if err != nil {
				t.Fatal(err)
			}
			if tt.keepsOther != "" && !strings.Contains(string(back), tt.keepsOther) {
				t.Fatalf("Remove dropped %q:\n%s", tt.keepsOther, back)
			}
			if len(aportCommands(t, tt.host, back)) != 0 {
				t.Fatalf("entries left:\n%s", back)
			}
		})
	}
}

func TestRemoveLeavesOthers(t *testing.T) {
	t.Parallel()
	in := `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"/bin/aport eval"}]}],"Stop":[]}}`
	out, gone, err := Remove(Claude, []byte(in), "f")
	if err != nil || gone {
		t.Fatal(err, gone)
	}
	if string(out) != `{"hooks":{"Stop":[]}}` {
		t.Fatalf("got %s", out)
	}
	same, gone, err := Remove(Claude, out, "f")
	if err != nil || gone || string(same) != string(out) {
		t.Fatalf("removing from a file without aport changed it: %s %v %v", same, gone, err)
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, host, in, want string
	}{
		{"invalid json", Claude, "{\n  \"model\": \"opus\",\n}\n", "f.json:3:1: invalid JSON"},
		{"trailing data", Claude, "{} {}", "f.json:1:4: invalid JSON"},
		{"array document", Claude, "[]", "f.json:1:1: the document: expected an object, found an array"},
		{"hooks not an object", Claude, "{\n  \"hooks\": \"no\"\n}", "f.json:2:12: hooks: expected an object, found a string"},
		{"PreToolUse not an array", Claude, `{"hooks":{"PreToolUse":{}}}`, "f.json:1:24: hooks.PreToolUse: expected an array of matcher groups, found an object"},
		{"group not an object", Claude, `{"hooks":{"PreToolUse":[1]}}`, "hooks.PreToolUse[0]: expected an object"},
		{"group hooks not an array", Claude, `{"hooks":{"PreToolUse":[{"hooks":"x"}]}}`, "hooks.PreToolUse[0].hooks: expected an array"},
		{"duplicate hooks", Claude, `{"hooks":{},"hooks":{}}`, `duplicate key "hooks"`},
		{"cursor hooks array", Cursor, `{"version":1,"hooks":[]}`, "hooks: expected an object"},
		{"cursor event not array", Cursor, `{"version":1,"hooks":{"preToolUse":{"command":"x"}}}`, "hooks.preToolUse: expected an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Merge(tt.host, []byte(tt.in), "f.json", cmdFor(tt.host))
			var se *SyntaxError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Merge error = %v, want %q", err, tt.want)
			}
			if _, _, err := Remove(tt.host, []byte(tt.in), "f.json"); err == nil && !strings.Contains(tt.name, "PreToolUse") && !strings.Contains(tt.name, "group") && !strings.Contains(tt.name, "event") {
				t.Fatalf("Remove accepted a malformed file")
			}
		})
	}
}

func TestIsAportCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cmd  string
		want bool
	}{
		{"/usr/local/bin/aport eval --host claude-code", true},
		{"aport eval", true},
		{"'/Users/me/my tools/aport' eval --passport /p", true},
		{`"/opt/aport" eval`, true},
		{"$HOME/bin/aport eval", true},
		{"aport", false},
		{"aport version", false},
		{"/bin/aportx eval", false},
		{"/bin/aport/x eval", false},
		{"sh -c 'aport eval'", false},
		{"prettier --write", false},
		{"'unterminated eval", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsAportCommand(tt.cmd); got != tt.want {
			t.Errorf("IsAportCommand(%q) = %v, want %v", tt.cmd, got, tt.want)
		}
	}
}

func TestCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		aport, passport, want string
	}{
		{"/usr/local/bin/aport", "/home/u/.aport/passport.json", "/usr/local/bin/aport eval --host claude-code --passport /home/u/.aport/passport.json"},
		{"/Users/me/my tools/aport", "/Users/me/Agent Passports/p.json", "'/Users/me/my tools/aport' eval --host claude-code --passport '/Users/me/Agent Passports/p.json'"},
		{"/opt/it's/aport", "/p", `"/opt/it's/aport" eval --host claude-code --passport /p`},
	}
	for _, tt := range tests {
		got, err := Command(tt.aport, Claude, tt.passport)
		if err != nil || got != tt.want {
			t.Errorf("Command(%q, %q) = %q, %v; want %q", tt.aport, tt.passport, got, err, tt.want)
		}
		if !IsAportCommand(got) {
			t.Errorf("IsAportCommand(%q) = false", got)
		}
	}
	if _, err := Command("/bin/a\x00port", Claude, "/p"); err == nil {
		t.Error("a NUL byte was accepted")
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	got := Diff("/dev/null", "f", nil, []byte("a\nb\n"))
	want := "--- /dev/null\n+++ f\n@@ -0,0 +1,2 @@\n+a\n+b\n"
	if got != want {
		t.Errorf("new file diff:\n%s\nwant:\n%s", got, want)
	}
	old := []byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n")
	new := []byte("1\n2\n3\n4\nfour and a half\n5\n6\n7\n8\n9\n10\n11\n")
	got = Diff("a", "b", old, new)
	want = "--- a\n+++ b\n@@ -2,6 +2,7 @@\n 2\n 3\n 4\n+four and a half\n 5\n 6\n 7\n@@ -9,4 +10,3 @@\n 9\n 10\n 11\n-12\n"
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if Diff("a", "b", old, old) != "" {
		t.Error("diff of equal content is not empty")
	}
	got = Diff("a", "b", []byte("x"), []byte("y"))
	want = "--- a\n+++ b\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+y\n\\ No newline at end of file\n"
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
}

func TestTargetFor(t *testing.T) {
	t.Parallel()
	tests := []struct{ host, scope, want string }{
		{Claude, ScopeUser, "/h/.claude/settings.json"},
		{Claude, ScopeProject, "/p/.claude/settings.json"},
		{Claude, ScopeLocal, "/p/.claude/settings.local.json"},
		{Cursor, ScopeUser, "/h/.cursor/hooks.json"},
		{Cursor, ScopeProject, "/p/.cursor/hooks.json"},
		{Cursor, ScopeLocal, ""},
		{Claude, "global", ""},
		{"vim", ScopeUser, ""},
	}
	for _, tt := range tests {
		tg, err := TargetFor(tt.host, tt.scope, "/h", "/p")
		if tt.want == "" {
			if err == nil {
				t.Errorf("TargetFor(%s, %s) accepted", tt.host, tt.scope)
			}
			continue
		}
		if err != nil || tg.Path != tt.want {
			t.Errorf("TargetFor(%s, %s) = %s, %v; want %s", tt.host, tt.scope, tg.Path, err, tt.want)
		}
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orig, _ := os.ReadFile("testdata/claude-settings.json")
	real := filepath.Join(dir, "dotfiles", "settings.json")
	os.MkdirAll(filepath.Dir(real), 0o755)
	if err := os.WriteFile(real, orig, 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "home", ".claude", "settings.json")
	os.MkdirAll(filepath.Dir(link), 0o700)
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	tg := Target{Host: Claude, Scope: ScopeUser, Path: link, Dir: 0o700, Mode: 0o600}
	c, err := PlanInstall(tg, testCmd)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Changed() || c.Path != real {
		t.Fatalf("Changed %v, Path %s", c.Changed(), c.Path)
	}
	backup, err := c.Apply()
	if err != nil {
		t.Fatal(err)
	}
	if backup != real+BackupSuffix {
		t.Errorf("backup = %s", backup)
	}
	if b, _ := os.ReadFile(backup); string(b) != string(orig) {
		t.Error("backup is not the previous content")
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the symlink was replaced by a file")
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o640 {
		t.Errorf("backup mode = %v, want 0640", fi.Mode().Perm())
	}
	again, err := PlanInstall(tg, testCmd)
	if err != nil || again.Changed() {
		t.Fatalf("second plan: changed %v, %v", again.Changed(), err)
	}

	// The file changes between plan and apply: nothing is written.
	u, err := PlanUninstall(tg)
	if err != nil {
		t.Fatal(err)
	}
	edited, _ := os.ReadFile(real)
	os.WriteFile(real, append(edited, ' '), 0o640)
	if _, err := u.Apply(); !errors.Is(err, ErrChangedMeanwhile) {
		t.Fatalf("Apply after a concurrent change: %v", err)
	}
	os.WriteFile(real, edited, 0o640)
	u, _ = PlanUninstall(tg)
	if _, err := u.Apply(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(real); string(b) != string(orig) {
		t.Fatalf("uninstall did not restore the original:\n%s", Diff("orig", "now", orig, b))
	}
}

func TestApplyNewFileAndDelete(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tg := Target{Host: Cursor, Scope: ScopeUser, Path: filepath.Join(dir, ".cursor", "hooks.json"), Dir: 0o700, Mode: 0o600}
	c, err := PlanInstall(tg, testCursorCmd)
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff("/dev/null", tg.Path, c.Old, c.New); !strings.HasPrefix(d, "--- /dev/null\n") {
		t.Fatalf("diff: %s", d)
	}
	backup, err := c.Apply()
	if err != nil || backup != "" {
		t.Fatal(err, backup)
	}
	if fi, _ := os.Stat(filepath.Dir(tg.Path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(tg.Path); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v", fi.Mode().Perm())
	}
	u, err := PlanUninstall(tg)
	if err != nil || !u.Delete {
		t.Fatal(err, u.Delete)
	}
	if _, err := u.Apply(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tg.Path); !os.IsNotExist(err) {
		t.Fatal("the file aport created is still there")
	}
	u, err = PlanUninstall(tg)
	if err != nil || u.Changed() {
		t.Fatal("uninstall with no file:", err, u.Changed())
	}
}

func TestTooBig(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "settings.json")
	os.WriteFile(p, make([]byte, MaxConfigSize+1), 0o600)
	if _, err := PlanInstall(Target{Host: Claude, Path: p}, testCmd); err == nil {
		t.Fatal("an oversized file was accepted")
	}
}

func TestProjectLinkOutside(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outside := filepath.Join(dir, "elsewhere.json")
	os.WriteFile(outside, []byte("{}"), 0o600)
	proj := filepath.Join(dir, "proj")
	os.MkdirAll(filepath.Join(proj, ".claude"), 0o755)
	os.Symlink(outside, filepath.Join(proj, ".claude", "settings.json"))
	tg, _ := TargetFor(Claude, ScopeProject, filepath.Join(dir, "home"), proj)
	if _, err := PlanInstall(tg, testCmd); err == nil || !strings.Contains(err.Error(), "outside the project") {
		t.Fatalf("PlanInstall through a link out of the project: %v", err)
	}
	// A link inside the project is followed.
	inside := filepath.Join(proj, "shared-settings.json")
	os.WriteFile(inside, []byte("{}"), 0o644)
	os.Symlink(inside, filepath.Join(proj, ".claude", "settings.local.json"))
	tg, _ = TargetFor(Claude, ScopeLocal, filepath.Join(dir, "home"), proj)
	c, err := PlanInstall(tg, testCmd)
	if err != nil || !strings.HasSuffix(c.Path, "shared-settings.json") {
		t.Fatalf("link inside the project: %v %v", c, err)
	}
}

func TestEntries(t *testing.T) {
	t.Parallel()
	for _, host := range []string{Claude, Cursor} {
		out, _ := Merge(host, nil, "f", cmdFor(host))
		got, err := Entries(host, out, "f")
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if host == Cursor {
			want = len(CursorEvents)
		}
		if len(got) != want || got[0].Command != cmdFor(host) {
			t.Errorf("%s: Entries = %+v", host, got)
		}
		if host == Claude && (got[0].Event != "PreToolUse" || got[0].Matcher != "*") {
			t.Errorf("%+v", got[0])
		}
		back, _, _ := Remove(host, out, "f")
		if got, err := Entries(host, back, "f"); err != nil || len(got) != 0 {
			t.Errorf("%s after Remove: %+v %v", host, got, err)
		}
	}
	if _, err := Entries(Claude, []byte(`{"hooks":[]}`), "f"); err == nil {
		t.Error("Entries accepted a malformed file")
	}
}
