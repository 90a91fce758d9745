//go:build linux

package presets

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-isatty"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the test drives the master like a
// person at a keyboard, the code under test gets the terminal side.
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

// screen collects what the terminal shows.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		ok := strings.Contains(s.buf.String(), text)
		s.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("the terminal never showed %q; it shows:\n%s", text, s.String())
}

func (s *screen) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.buf.String() }

func TestWizardOnPTY(t *testing.T) {
	master, tty := openPTY(t)
	if !isatty.IsTerminal(tty.Fd()) {
		t.Fatal("the pty is not a terminal to isatty")
	}
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
	type result struct {
		o   Options
		err error
	}
	done := make(chan result, 1)
	go func() {
		o, err := Wizard(tty, tty, Options{Owner: "alice", Now: now})
		done <- result{o, err}
	}()
	steps := []struct{ prompt, answer string }{
		{"Preset [dev]: ", "ci"},
		{"Agent name [Coding agent (ci)]: ", ""},
		{"[alice]: ", "bob"},
		{"Capabilities to grant, comma-separated [data.file.read, data.file.write, system.command.execute]: ", ""},
		{"Extra commands", "just test"},
		{"Extra paths", ""},
		{"Expires", "30d"},
	}
	for _, s := range steps {
		scr.waitFor(t, s.prompt)
		if _, err := master.Write([]byte(s.answer + "\r")); err != nil { // Enter sends CR; the terminal turns it into a newline
			t.Fatal(err)
		}
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("wizard: %v\n%s", r.err, scr)
		}
		if r.o.Preset != "ci" || r.o.Owner != "bob" || r.o.Name != "Coding agent (ci)" || r.o.Expires != "30d" || len(r.o.ExtraCommands) != 1 || r.o.ExtraCommands[0] != "just test" {
			t.Errorf("options %+v", r.o)
		}
		if _, _, err := Build(r.o); err != nil {
			t.Errorf("Build: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the wizard did not finish; the terminal shows:\n%s", scr)
	}
	if !strings.Contains(scr.String(), "just test") {
		t.Error("the terminal did not echo the answer")
	}
}
