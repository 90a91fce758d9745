//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/aporthq/aport/internal/passport"
)

// openPTY opens a pseudo-terminal pair: the test types on the master, the
// command gets the terminal side as stdin and stderr.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open pty: %v", err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.buf.String() }

func (s *screen) waitFor(t *testing.T, text string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if strings.Contains(s.String(), text) {
			return
		}
	}
	t.Fatalf("the terminal never showed %q; it shows:\n%s", text, s)
}

// typeAnswers runs aport with the terminal as stdin and stderr and answers
// each prompt in turn.
func typeAnswers(t *testing.T, env map[string]string, args []string, steps [][2]string) (code int, stdout, screenText string) {
	t.Helper()
	master, tty := openPTY(t)
	scr := &screen{}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := master.Read(b)
			scr.mu.Lock()
			scr.buf.Write(b[:n])
			scr.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(args, tty, &out, tty, func(k string) string { return env[k] }) }()
	for _, s := range steps {
		scr.waitFor(t, s[0])
		master.Write([]byte(s[1] + "\r"))
	}
	select {
	case code = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("aport did not finish; the terminal shows:\n%s", scr)
	}
	return code, out.String(), scr.String()
}

func TestPassportInitWizardOnTerminal(t *testing.T) {
	home := t.TempDir()
	env := map[string]string{"HOME": home, "APORT_HOME": filepath.Join(home, ".aport"), "USER": "alice"}
	code, out, scr := typeAnswers(t, env, []string{"passport", "init"}, [][2]string{
		{"Preset [dev]: ", "strict"},
		{"Agent name [Coding agent (strict)]: ", "Reader"},
		{"[alice]: ", ""},
		{"Capabilities to grant, comma-separated [data.file.read]: ", ""},
		{"Extra paths", "~/notes/**"},
		{"Expires", "never"},
	})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, scr)
	}
	path := filepath.Join(home, ".aport", "passport.json")
	if !strings.Contains(out, "wrote "+path) {
		t.Errorf("stdout %q", out)
	}
	p, err := passport.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Reader" || p.OwnerID != "alice" || !p.ExpiresAt.IsZero() {
		t.Errorf("%+v", p)
	}
	if l, _ := p.Limits("data.file.read").Strings("allowed_paths"); !strings.Contains(strings.Join(l, " "), "~/notes/**") {
		t.Errorf("allowed_paths %v", l)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
}

func TestInstallRunsTheWizardWithoutAPassport(t *testing.T) {
	home := t.TempDir()
	bin := filepath.Join(t.TempDir(), "aport")
	os.WriteFile(bin, []byte("#!/bin/sh\nexit 2\n"), 0o755)
	env := map[string]string{"HOME": home, "APORT_HOME": filepath.Join(home, ".aport"), "USER": "alice"}
	steps := [][2]string{{"Preset [dev]: ", ""}, {"Agent name", ""}, {"Owner", ""}, {"Capabilities", ""}, {"Extra commands", ""}, {"Extra paths", ""}, {"Extra domains", ""}, {"Expires", ""}}
	code, out, scr := typeAnswers(t, env, []string{"install", "claude-code", "--aport", bin}, steps)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, scr)
	}
	if !strings.Contains(scr, "No passport at") || !strings.Contains(out, "installed aport's hook") {
		t.Errorf("stdout %q\nterminal %s", out, scr)
	}
	if _, err := passport.LoadFile(filepath.Join(home, ".aport", "passport.json")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(home, ".claude", "settings.json"))
	if err != nil || !strings.Contains(string(b), bin+" eval --host claude-code --passport "+filepath.Join(home, ".aport", "passport.json")) {
		t.Fatalf("settings: %s %v", b, err)
	}
}
