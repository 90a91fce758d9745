//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestE2EEvalBrokenPipe runs aport eval as its own process with stdout or
// stderr connected to a pipe whose reader has closed it. A write there
// raises SIGPIPE; a process killed by it has no exit code, and hosts let the
// tool run. The answer must still be exit 0 or 2, and a deny must stay 2.
func TestE2EEvalBrokenPipe(t *testing.T) {
	const denyPayload = `{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}`
	for _, tc := range []struct {
		name         string
		payload      string
		broken       string // "stdout" or "stderr"
		auditIsDir   bool
		want         int
		wantDenyJSON bool
	}{
		{"deny, stderr broken", denyPayload, "stderr", false, 2, true},
		{"deny after an audit failure, stderr broken", searchPayload, "stderr", true, 2, true},
		{"allow, stderr broken", searchPayload, "stderr", false, 0, false},
		{"deny, stdout broken", denyPayload, "stdout", false, 2, false},
		{"allow, stdout broken", searchPayload, "stdout", false, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t)
			pp := e.file("passport.json", `{"id":"p","capabilities":["web.search"]}`)
			audit := filepath.Join(e.dir, "audit.jsonl")
			if tc.auditIsDir {
				if err := os.Mkdir(audit, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close() // the reader is gone before aport writes
			defer w.Close()
			cmd := exec.Command(os.Args[0], "eval", "--passport", pp, "--audit", audit, "--state", filepath.Join(e.dir, "state"), "--log-level", "warn")
			cmd.Env = e.env
			cmd.Dir = e.dir
			cmd.Stdin = strings.NewReader(tc.payload)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if tc.broken == "stdout" {
				cmd.Stdout = w
			} else {
				cmd.Stderr = w
			}
			err = cmd.Run()
			st := cmd.ProcessState
			if st == nil {
				t.Fatalf("aport did not run: %v", err)
			}
			if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				t.Fatalf("aport was killed by %v (stdout %q, stderr %q)", ws.Signal(), out.String(), errb.String())
			}
			if code := st.ExitCode(); code != tc.want {
				t.Fatalf("exit %d, want %d (stdout %q, stderr %q)", code, tc.want, out.String(), errb.String())
			}
			if tc.wantDenyJSON && !strings.Contains(out.String(), `"permissionDecision":"deny"`) {
				t.Fatalf("stdout %q, want the host's deny answer", out.String())
			}
		})
	}
}

// TestEvalFIFOsInPlaceOfFilesDoNotBlock: a FIFO in the passport's place is
// a prompt, audited deny; one in the break-glass file's place is no window.
// Neither waits for the deadline.
func TestEvalFIFOsInPlaceOfFilesDoNotBlock(t *testing.T) {
	old := evalDeadline
	evalDeadline = 10 * time.Second
	defer func() { evalDeadline = old }()
	env := evalEnv(t)
	pp := env("APORT_PASSPORT")
	good, _ := os.ReadFile(pp)
	os.Remove(pp)
	if err := syscall.Mkfifo(pp, 0o600); err != nil {
		t.Skip(err)
	}
	start := time.Now()
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval"}, strings.NewReader(searchPayload), &stdout, &stderr, env)
	if code != 2 || !strings.Contains(stderr.String(), "not a regular file") || time.Since(start) > 5*time.Second {
		t.Fatalf("FIFO passport: exit %d after %s, stderr %q", code, time.Since(start), stderr.String())
	}
	if b, _ := os.ReadFile(env("APORT_AUDIT_LOG")); !bytes.Contains(b, []byte(`"reason":"oap.passport_invalid"`)) {
		t.Fatalf("FIFO passport: not audited: %q", b)
	}
	os.Remove(pp)
	os.WriteFile(pp, good, 0o600)
	os.MkdirAll(env("APORT_STATE_DIR"), 0o700)
	if err := syscall.Mkfifo(filepath.Join(env("APORT_STATE_DIR"), "breakglass.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"eval"}, strings.NewReader(searchPayload), &stdout, &stderr, env)
	if code != 0 || time.Since(start) > 5*time.Second {
		t.Fatalf("FIFO break-glass file: exit %d after %s, stderr %q", code, time.Since(start), stderr.String())
	}
}
