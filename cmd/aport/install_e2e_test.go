package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstallThenRunTheWrittenCommand builds the real binary, installs the
// hook for each host into a temporary HOME, and runs the exact command line
// written into the host's config on fixture payloads, as the host would.
func TestInstallThenRunTheWrittenCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin", "aport")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "home")
	env := append(os.Environ(), "HOME="+home, "APORT_HOME="+filepath.Join(home, ".aport"))
	run := func(stdin []byte, name string, args ...string) (string, string, int) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		cmd.Dir = dir
		cmd.Stdin = bytes.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	if _, e, code := run(nil, bin, "passport", "init", "--preset", "dev", "--yes"); code != 0 {
		t.Fatalf("passport init: %d %s", code, e)
	}
	if _, e, code := run(nil, bin, "install", "claude-code", "--scope", "user"); code != 0 {
		t.Fatalf("install claude-code: %d %s", code, e)
	}
	if _, e, code := run(nil, bin, "install", "cursor", "--scope", "user"); code != 0 {
		t.Fatalf("install cursor: %d %s", code, e)
	}

	var claude struct {
		Hooks map[string][]struct {
			Hooks []struct{ Command string } `json:"hooks"`
		} `json:"hooks"`
	}
	readJSON(t, filepath.Join(home, ".claude", "settings.json"), &claude)
	if len(claude.Hooks["PreToolUse"]) != 1 || len(claude.Hooks["PreToolUse"][0].Hooks) != 1 {
		t.Fatalf("claude settings: %+v", claude)
	}
	claudeCmd := claude.Hooks["PreToolUse"][0].Hooks[0].Command
	if !strings.HasPrefix(claudeCmd, bin+" eval --host claude-code") {
		t.Fatalf("written command %q", claudeCmd)
	}

	var cursor struct {
		Hooks map[string][]struct {
			Command    string `json:"command"`
			FailClosed bool   `json:"failClosed"`
		} `json:"hooks"`
	}
	readJSON(t, filepath.Join(home, ".cursor", "hooks.json"), &cursor)
	cursorCmd := cursor.Hooks["beforeShellExecution"][0].Command
	if !cursor.Hooks["beforeShellExecution"][0].FailClosed {
		t.Fatal("cursor entry is not failClosed")
	}

	cases := []struct {
		cmd, fixture, want string
		code               int
	}{
		{claudeCmd, "claude-code/bash.json", `"permissionDecision":"allow"`, 0},
		{claudeCmd, "claude-code/bash-dangerous.json", `"permissionDecision":"deny"`, 2},
		{claudeCmd, "claude-code/edit-hook-config.json", `"permissionDecision":"deny"`, 2},
		{cursorCmd, "cursor/beforeShellExecution.json", `"permission":"allow"`, 0},
		{cursorCmd, "cursor/beforeShellExecution-cwd-empty.json", `"permission":"deny"`, 2},
	}
	for _, tc := range cases {
		payload, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hosts", tc.fixture))
		if err != nil {
			t.Fatal(err)
		}
		out, errOut, code := run(payload, "sh", "-c", tc.cmd)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and %s", tc.fixture, code, out, errOut, tc.code, tc.want)
		}
	}
	if out, e, code := run(nil, bin, "audit", "verify"); code != 0 {
		t.Errorf("audit verify after the hook ran: %d %s %s", code, out, e)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
