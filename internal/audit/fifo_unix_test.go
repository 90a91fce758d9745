//go:build unix

package audit

import (
	"bytes"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test if fn does not return within 5 s (a FIFO opened
// with a blocking open waits for ever for its other end).
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: still blocked after 5 s", what)
		return nil
	}
}

// TestFIFOInPlaceOfLogFiles: a FIFO named like a segment or the head record
// is refused at once by verify, tail, show and Append, and Append writes no
// event when it is refused.
func TestFIFOInPlaceOfLogFiles(t *testing.T) {
	mkfifo := func(t *testing.T, path string) {
		t.Helper()
		os.Remove(path)
		if err := syscall.Mkfifo(path, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	t.Run("segment", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 3)
		mkfifo(t, l.opt.Path+".1")
		err := within(t, "verify", func() error { _, err := Verify(l.opt.Path, l.pubs, 1); return err })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("verify: %v", err)
		}
		err = within(t, "show", func() error { return Scan(l.opt.Path, func(Record) bool { return true }) })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("scan: %v", err)
		}
		err = within(t, "tail", func() error { _, err := Tail(l.opt.Path, 10); return err })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("tail: %v", err)
		}
		// with no live file, Append chains from the newest segment: the FIFO
		os.Rename(l.opt.Path, l.opt.Path+".moved")
		os.Remove(HeadPath(l.opt.Path))
		err = within(t, "append", func() error { return Append(l.opt, sampleEvent(9)) })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("append: %v", err)
		}
	})
	t.Run("head", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 3)
		before, _ := os.ReadFile(l.opt.Path)
		mkfifo(t, HeadPath(l.opt.Path))
		err := within(t, "verify", func() error { _, err := Verify(l.opt.Path, l.pubs, 1); return err })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("verify: %v", err)
		}
		err = within(t, "append", func() error { return Append(l.opt, sampleEvent(9)) })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("append: %v", err)
		}
		if after, _ := os.ReadFile(l.opt.Path); !bytes.Equal(before, after) {
			t.Fatal("Append wrote an event although it failed")
		}
	})
	t.Run("live log", func(t *testing.T) {
		l := newTestLog(t)
		mkfifo(t, l.opt.Path)
		err := within(t, "append", func() error { return Append(l.opt, sampleEvent(1)) })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("append: %v", err)
		}
		err = within(t, "verify", func() error { _, err := Verify(l.opt.Path, l.pubs, 1); return err })
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("verify: %v", err)
		}
	})
}

// TestHeadThroughSymlinkRefused: the head record is never read or written
// through a symlink (a dangling one would turn the head check off, and the
// write would create its target).
func TestHeadThroughSymlinkRefused(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 2)
	head := HeadPath(l.opt.Path)
	if err := os.Remove(head); err != nil {
		t.Fatal(err)
	}
	target := head + ".elsewhere"
	if err := os.Symlink(target, head); err != nil {
		t.Fatal(err)
	}
	if err := Append(l.opt, &Event{TS: "2026-01-01T00:00:00.000Z", Decision: "allow"}); err == nil {
		t.Fatal("Append with a symlink as the head record: no error")
	}
	if _, err := os.Lstat(target); err == nil {
		t.Fatal("Append created the symlink's target")
	}
}
