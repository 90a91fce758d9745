package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"github.com/aporthq/aport/internal/audit"
	"github.com/aporthq/aport/internal/filelock"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aporthq/aport/internal/eval"
	"github.com/aporthq/aport/internal/keys"
)

func evalEnv(t *testing.T) func(string) string {
	dir := t.TempDir()
	env := map[string]string{
		"HOME":            filepath.Join(dir, "home"),
		"APORT_HOME":      filepath.Join(dir, "home", ".aport"),
		"APORT_AUDIT_LOG": filepath.Join(dir, "audit.jsonl"),
		"APORT_STATE_DIR": filepath.Join(dir, "state"),
	}
	p := filepath.Join(dir, "passport.json")
	os.WriteFile(p, []byte(`{"id":"p","capabilities":["web.search"]}`), 0o600)
	env["APORT_PASSPORT"] = p
	return func(k string) string { return env[k] }
}

const searchPayload = `{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"WebSearch","tool_input":{"query":"q"}}`

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestEvalUnwritableStdoutDenies(t *testing.T) {
	var stderr bytes.Buffer
	env := evalEnv(t)
	code := run([]string{"eval"}, strings.NewReader(searchPayload), failWriter{}, &stderr, env)
	if code != 2 {
		t.Fatalf("exit %d with stdout unwritable, want 2", code)
	}
	if !strings.Contains(stderr.String(), "oap.evaluator_error") || strings.Contains(stderr.String(), "oap.allowed") {
		t.Fatalf("stderr %q: want the deny's reason, not the undelivered allow", stderr.String())
	}
	// The allow was audited before the answer failed; the deny that stands
	// is the next event, and the chain is intact.
	b, err := os.ReadFile(env("APORT_AUDIT_LOG"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"decision":"allow"`) ||
		!strings.Contains(lines[1], `"decision":"deny"`) || !strings.Contains(lines[1], `"reason":"oap.evaluator_error"`) {
		t.Fatalf("audit log:\n%s", b)
	}
	k, err := keys.Load(filepath.Join(env("APORT_HOME"), "keys", "audit.ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(env("APORT_AUDIT_LOG"), map[string]ed25519.PublicKey{k.ID: k.Public}, 1); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

// A denied call whose answer cannot be written is recorded once: the event
// already says deny.
func TestEvalUnwritableStdoutOnDenyAuditsOnce(t *testing.T) {
	env := evalEnv(t)
	payload := strings.Replace(searchPayload, "WebSearch", "Bash", 1)
	payload = strings.Replace(payload, `{"query":"q"}`, `{"command":"ls"}`, 1)
	code := run([]string{"eval"}, strings.NewReader(payload), failWriter{}, io.Discard, env)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	b, _ := os.ReadFile(env("APORT_AUDIT_LOG"))
	if n := bytes.Count(b, []byte("\n")); n != 1 || !bytes.Contains(b, []byte(`"decision":"deny"`)) {
		t.Fatalf("audit log (%d events):\n%s", n, b)
	}
}

func TestEvalOversizeInputDenies(t *testing.T) {
	big := `{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"WebSearch","tool_input":{"query":"` + strings.Repeat("a", maxInput) + `"}}`
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval"}, strings.NewReader(big), &stdout, &stderr, evalEnv(t))
	if code != 2 || !strings.Contains(stdout.String(), `"deny"`) || !strings.Contains(stderr.String(), "larger than") {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
}

// panicReader makes the evaluation panic while reading stdin.
type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("boom") }

func TestEvalPanicDenies(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval", "--host", "cursor"}, panicReader{}, &stdout, &stderr, evalEnv(t))
	if code != 2 {
		t.Fatalf("exit %d after a panic, want 2", code)
	}
	var out map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || out["permission"] != "deny" {
		t.Fatalf("stdout %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "oap.evaluator_error") {
		t.Fatalf("stderr %q", stderr.String())
	}
}

// blockingReader never returns: the deadline must answer deny.
type blockingReader struct{ ch chan struct{} }

func (b blockingReader) Read([]byte) (int, error) { <-b.ch; return 0, nil }

func TestEvalDeadlineDenies(t *testing.T) {
	old := evalDeadline
	evalDeadline = 200 * time.Millisecond
	defer func() { evalDeadline = old }()
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval"}, blockingReader{make(chan struct{})}, &stdout, &stderr, evalEnv(t))
	if code != 2 || !strings.Contains(stdout.String(), `"deny"`) {
		t.Fatalf("exit %d stdout %q", code, stdout.String())
	}
}

func TestEvalAllowsAndAudits(t *testing.T) {
	env := evalEnv(t)
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval"}, strings.NewReader(searchPayload), &stdout, &stderr, env)
	if code != 0 || !strings.Contains(stdout.String(), `"allow"`) {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(env("APORT_AUDIT_LOG"))
	if err != nil || bytes.Count(b, []byte("\n")) != 1 {
		t.Fatalf("audit log: %v %q", err, b)
	}
}

// TestEvalDeniesKeyWithForeignPublicLine: an audit key file whose public
// line is another key's would sign events that verify with neither key.
// The call is denied and nothing is written.
func TestEvalDeniesKeyWithForeignPublicLine(t *testing.T) {
	env := evalEnv(t)
	keyPath := filepath.Join(env("APORT_HOME"), "keys", "audit.ed25519")
	if _, _, err := keys.Generate(keyPath); err != nil {
		t.Fatal(err)
	}
	_, other, err := keys.Generate(filepath.Join(t.TempDir(), "other"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(keyPath)
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "aport-ed25519-public:") {
			lines[i] = strings.TrimSpace(string(keys.EncodePublic(other)))
		}
	}
	if err := os.WriteFile(keyPath, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval"}, strings.NewReader(searchPayload), &stdout, &stderr, env)
	if code != 2 || !strings.Contains(stdout.String(), `"deny"`) || !strings.Contains(stderr.String(), "oap.audit_unavailable") ||
		!strings.Contains(stderr.String(), "is not the public key of the seed") {
		t.Fatalf("exit %d stdout %q stderr %q", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(env("APORT_AUDIT_LOG")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an event was written with the mismatched key: %v", err)
	}
}

// TestEvalDeniesAfterEventsDeletedFromTheEnd: once events are cut from the
// end of the log, the next call is denied (the head record still names the
// deleted event) instead of being appended and hiding the cut.
func TestEvalDeniesAfterEventsDeletedFromTheEnd(t *testing.T) {
	env := evalEnv(t)
	for range 3 {
		if code := run([]string{"eval"}, strings.NewReader(searchPayload), &bytes.Buffer{}, &bytes.Buffer{}, env); code != 0 {
			t.Fatalf("exit %d", code)
		}
	}
	log := env("APORT_AUDIT_LOG")
	b, _ := os.ReadFile(log)
	lines := strings.SplitAfter(string(b), "\n")
	os.WriteFile(log, []byte(strings.Join(lines[:2], "")), 0o600)
	for range 2 {
		var stdout, stderr bytes.Buffer
		code := run([]string{"eval"}, strings.NewReader(searchPayload), &stdout, &stderr, env)
		if code != 2 || !strings.Contains(stdout.String(), `"deny"`) || !strings.Contains(stderr.String(), "oap.audit_unavailable") ||
			!strings.Contains(stderr.String(), "events were deleted from the end") {
			t.Fatalf("exit %d stdout %q stderr %q", code, stdout.String(), stderr.String())
		}
	}
	if after, _ := os.ReadFile(log); string(after) != strings.Join(lines[:2], "") {
		t.Fatal("the log changed")
	}
}

func FuzzEval(f *testing.F) {
	f.Add([]byte(searchPayload))
	f.Add([]byte(`{"tool":"web.search","input":{"query":"x"}}`))
	f.Add([]byte(`{"conversation_id":"c","workspace_roots":["/w"],"hook_event_name":"beforeShellExecution","command":"ls","cwd":""}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		env := evalEnv(t)
		var stdout, stderr bytes.Buffer
		code := run([]string{"eval"}, bytes.NewReader(payload), &stdout, &stderr, env)
		if code != 0 && code != 2 {
			t.Fatalf("exit %d", code)
		}
		if !json.Valid(stdout.Bytes()) {
			t.Fatalf("stdout is not JSON: %q", stdout.String())
		}
		if code == 0 && !bytes.Contains(stdout.Bytes(), []byte(`"allow"`)) {
			t.Fatalf("exit 0 without allow: %q", stdout.String())
		}
	})
}

// TestEvalAuditLockWaitEndsBeforeDeadline: another process holds the audit
// log's lock for longer than the call has. The append stops waiting before
// the deadline, so the answer is the audited path's own deny
// (oap.audit_unavailable) with no event written, never the deadline's
// answer while an event saying allow may still be written.
func TestEvalAuditLockWaitEndsBeforeDeadline(t *testing.T) {
	old := evalDeadline
	evalDeadline = 2 * time.Second
	defer func() { evalDeadline = old }()
	env := evalEnv(t)
	unlock, err := filelock.Acquire(audit.LockPath(env("APORT_AUDIT_LOG")), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run([]string{"eval", "--host", "cursor"}, strings.NewReader(searchPayload), &stdout, &stderr, env)
	var out map[string]any
	if code != 2 || json.Unmarshal(stdout.Bytes(), &out) != nil || out["permission"] != "deny" {
		t.Fatalf("exit %d stdout %q", code, stdout.String())
	}
	if !strings.Contains(stderr.String(), "oap.audit_unavailable") || strings.Contains(stderr.String(), "could not decide within") {
		t.Fatalf("stderr %q", stderr.String())
	}
	if d := time.Since(start); d >= evalDeadline {
		t.Fatalf("answered after %s, at the deadline", d)
	}
	if b, _ := os.ReadFile(env("APORT_AUDIT_LOG")); len(b) > 0 {
		t.Fatalf("an event was written: %q", b)
	}
}

// panicWriter panics on every write: here, stderr while the --explain trace
// is written, inside the answer itself.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("stderr is gone") }

func TestEvalPanicWhileAnsweringStillAnswers(t *testing.T) {
	var stdout bytes.Buffer
	code := run([]string{"eval", "--explain", "--host", "cursor"}, strings.NewReader(searchPayload), &stdout, panicWriter{}, evalEnv(t))
	var out map[string]any
	if code != 2 || json.Unmarshal(stdout.Bytes(), &out) != nil || out["permission"] != "deny" {
		t.Fatalf("exit %d stdout %q", code, stdout.String())
	}
}

// TestEvalProtectsItsOwnProgram: replacing the hook's program would make
// every later call run the replacement instead of aport.
func TestEvalProtectsItsOwnProgram(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	env := evalEnv(t)
	p := env("APORT_PASSPORT")
	os.WriteFile(p, []byte(`{"id":"p","capabilities":["data.file.write","system.command.execute"],"limits":{"data.file.write":{"allowed_paths":["/**"]},"system.command.execute":{"allowed_commands":["*"]}}}`), 0o600)
	for _, in := range []string{
		`{"file_path":` + strconvQuote(exe) + `,"content":"#!/bin/sh\nexit 0\n"}`,
	} {
		payload := `{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":` + in + `}`
		var stdout, stderr bytes.Buffer
		if code := run([]string{"eval"}, strings.NewReader(payload), &stdout, &stderr, env); code != 2 || !strings.Contains(stderr.String(), "oap.protected_path") {
			t.Errorf("Write to %s: exit %d, stderr %q", exe, code, stderr.String())
		}
	}
	cmd := `{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":` + strconvQuote("go build -o "+exe+" ./x") + `}}`
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval"}, strings.NewReader(cmd), &stdout, &stderr, env); code != 2 || !strings.Contains(stderr.String(), "oap.protected_path") {
		t.Errorf("go build -o %s: exit %d, stderr %q", exe, code, stderr.String())
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestEvalBadFlagAuditsToTheNamedLog: a flag error is a deny, audited in the
// log the command line names even when the bad flag comes before it.
func TestEvalBadFlagAuditsToTheNamedLog(t *testing.T) {
	env := evalEnv(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "named.jsonl")
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval", "--bogus", "--audit", log, "--audit-key", filepath.Join(dir, "k")}, strings.NewReader(searchPayload), &stdout, &stderr, env)
	if code != 2 || !strings.Contains(stderr.String(), "unknown flag: --bogus") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	b, err := os.ReadFile(log)
	if err != nil || !bytes.Contains(b, []byte(`"reason":"oap.invalid_input"`)) {
		t.Fatalf("named log: %v %q", err, b)
	}
	if _, err := os.Stat(env("APORT_AUDIT_LOG")); err == nil {
		t.Fatal("the default log was written too")
	}
}

// TestAuditLockTimeoutWithinDeadline: the waits of one call add up to less
// than its deadline, so the deadline never answers while an event is being
// written.
func TestAuditLockTimeoutWithinDeadline(t *testing.T) {
	r := &evalRun{now: time.Now()}
	if d := r.auditLockTimeout(); d != 8*time.Second {
		t.Errorf("fresh call: %s, want 8s", d)
	}
	r.now = time.Now().Add(-12 * time.Second) // 12 s spent (the state store's waits)
	if d := r.auditLockTimeout(); d > 5*time.Second || d < 4*time.Second {
		t.Errorf("12 s into the call: %s, want about 5s", d)
	}
	r.now = time.Now().Add(-19 * time.Second)
	if d := r.auditLockTimeout(); d != 100*time.Millisecond {
		t.Errorf("19 s into the call: %s, want 100ms", d)
	}
}

// blockingWriter never returns from Write: a host that does not read stderr.
type blockingWriter struct{ ch chan struct{} }

func (b blockingWriter) Write(p []byte) (int, error) { <-b.ch; return len(p), nil }

// TestEvalExitsWhenStderrBlocks: with --explain (written to stderr before
// the answer) and a stderr nobody reads, the deadline still answers deny and
// the call ends: a hook that never exits lets the tool run.
func TestEvalExitsWhenStderrBlocks(t *testing.T) {
	old := evalDeadline
	evalDeadline = 300 * time.Millisecond
	defer func() { evalDeadline = old }()
	stuck := blockingWriter{make(chan struct{})}
	defer close(stuck.ch)
	var stdout bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"eval", "--explain"}, strings.NewReader(searchPayload), &stdout, stuck, evalEnv(t))
	}()
	select {
	case code := <-done:
		if code != 2 || !strings.Contains(stdout.String(), `"deny"`) {
			t.Fatalf("exit %d stdout %q", code, stdout.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after a 300 ms deadline with stderr blocked")
	}
}

// TestEvalClaudeWorkspaceIsTheProject: relative passport globs are anchored
// on CLAUDE_PROJECT_DIR, not on the payload's cwd, which follows a cd.
func TestEvalClaudeWorkspaceIsTheProject(t *testing.T) {
	base := evalEnv(t)
	dir := t.TempDir()
	pp := filepath.Join(dir, "p.json")
	os.WriteFile(pp, []byte(`{"id":"p","capabilities":["data.file.write"],"limits":{"data.file.write":{"allowed_paths":["**"],"denied_paths":[".git/**"]}}}`), 0o600)
	env := func(k string) string {
		switch k {
		case "APORT_PASSPORT":
			return pp
		case "CLAUDE_PROJECT_DIR":
			return "/home/dev/demo"
		}
		return base(k)
	}
	payload := `{"session_id":"s","cwd":"/home/dev/demo/.git","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":"HEAD","content":"x"}}`
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval"}, strings.NewReader(payload), &stdout, &stderr, env); code != 2 || !strings.Contains(stderr.String(), "oap.path_denied") {
		t.Fatalf("Write .git/HEAD after cd .git: exit %d, stderr %q", code, stderr.String())
	}
}

// TestEvalProtectsHookConfigTargets: a hook configuration that is a symlink
// (dotfiles) is protected where it leads as well as by its name.
func TestEvalProtectsHookConfigTargets(t *testing.T) {
	base := evalEnv(t)
	home := base("HOME")
	dots := filepath.Join(t.TempDir(), "dotfiles", "claude")
	os.MkdirAll(dots, 0o755)
	os.MkdirAll(filepath.Join(home, ".claude"), 0o755)
	target := filepath.Join(dots, "settings.json")
	os.WriteFile(target, []byte("{}"), 0o600)
	if err := os.Symlink(target, filepath.Join(home, ".claude", "settings.json")); err != nil {
		t.Fatal(err)
	}
	pp := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(pp, []byte(`{"id":"p","capabilities":["data.file.write"],"limits":{"data.file.write":{"allowed_paths":["/**"]}}}`), 0o600)
	env := func(k string) string {
		if k == "APORT_PASSPORT" {
			return pp
		}
		return base(k)
	}
	payload := `{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":` + strconvQuote(target) + `,"content":"{}"}}`
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval"}, strings.NewReader(payload), &stdout, &stderr, env); code != 2 || !strings.Contains(stderr.String(), "oap.protected_path") {
		t.Fatalf("Write to the config's target: exit %d, stderr %q", code, stderr.String())
	}
}

// TestEvalProtectsLinkedConfigDirs: a .claude directory that is a symlink
// (dotfiles), and Claude Code's CLAUDE_CONFIG_DIR, hold hook configurations
// that are protected where they really are.
func TestEvalProtectsLinkedConfigDirs(t *testing.T) {
	base := evalEnv(t)
	home := base("HOME")
	dots := filepath.Join(t.TempDir(), "dot", "claude")
	os.MkdirAll(dots, 0o755)
	os.MkdirAll(home, 0o755)
	if err := os.Symlink(dots, filepath.Join(home, ".claude")); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config", "claude")
	pp := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(pp, []byte(`{"id":"p","capabilities":["data.file.write"],"limits":{"data.file.write":{"allowed_paths":["/**"]}}}`), 0o600)
	env := func(k string) string {
		switch k {
		case "APORT_PASSPORT":
			return pp
		case "CLAUDE_CONFIG_DIR":
			return cfg
		}
		return base(k)
	}
	for _, target := range []string{filepath.Join(dots, "settings.json"), filepath.Join(dots, "hooks", "x.sh"), filepath.Join(cfg, "settings.json")} {
		payload := `{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":` + strconvQuote(target) + `,"content":"{}"}}`
		var stdout, stderr bytes.Buffer
		if code := run([]string{"eval"}, strings.NewReader(payload), &stdout, &stderr, env); code != 2 || !strings.Contains(stderr.String(), "oap.protected_path") {
			t.Errorf("Write %s: exit %d, stderr %q", target, code, stderr.String())
		}
	}
}

// TestHostConfigLinksDangling: a hook configuration that is a link to a file
// that does not exist yet is protected where it leads, so a Write cannot
// create it.
func TestHostConfigLinksDangling(t *testing.T) {
	ws := t.TempDir()
	os.MkdirAll(filepath.Join(ws, ".claude"), 0o755)
	if err := os.Symlink("../dot/local.json", filepath.Join(ws, ".claude", "settings.local.json")); err != nil {
		t.Fatal(err)
	}
	got := hostConfigLinks("", &eval.Call{Workspace: ws}, func(string) string { return "" })
	if !slices.Contains(got, filepath.Join(ws, "dot", "local.json")) {
		t.Fatalf("links %q lack the missing target", got)
	}
}
