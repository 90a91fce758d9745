//go:build linux

package audit

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
)

// TestAppendWriteCutShort: a write the file system cuts short (a full disk;
// here a file-size limit, which makes the kernel write part of the line and
// then fail with EFBIG) is taken back. Append fails, so the hook denies; the
// log is left byte for byte as it was; the next append continues the chain
// with no recovery record, and the log verifies strictly.
func TestAppendWriteCutShort(t *testing.T) {
	if os.Getenv("APORT_TEST_CUT_LOG") != "" {
		appendUnderSizeLimit()
		return
	}
	l := newTestLog(t)
	l.appendN(t, 2)
	before, err := os.ReadFile(l.opt.Path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestAppendWriteCutShort$")
	cmd.Env = append(os.Environ(),
		"APORT_TEST_CUT_LOG="+l.opt.Path,
		"APORT_TEST_CUT_KEY="+l.opt.KeyPath,
		"APORT_TEST_CUT_LIMIT="+strconv.Itoa(len(before)+40))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("append failed: audit log: write:")) {
		t.Fatalf("the append under the size limit did not fail on its write:\n%s", out)
	}
	after, err := os.ReadFile(l.opt.Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatalf("the cut write was not taken back: %d bytes before, %d after:\n%q", len(before), len(after), after[len(before):])
	}
	if err := Append(l.opt, sampleEvent(2)); err != nil {
		t.Fatal(err)
	}
	sum, err := Verify(l.opt.Path, l.pubs, 1)
	if err != nil {
		t.Fatalf("verify after the cut write: %v", err)
	}
	if sum.Events != 3 {
		t.Fatalf("%d events, want 3", sum.Events)
	}
}

// appendUnderSizeLimit runs in the child: it sets RLIMIT_FSIZE so that the
// next event can only be written in part, then appends and reports.
func appendUnderSizeLimit() {
	limit, _ := strconv.ParseUint(os.Getenv("APORT_TEST_CUT_LIMIT"), 10, 64)
	// The Go runtime leaves SIGXFSZ without effect, so the write returns
	// EFBIG instead of killing the process.
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		os.Stdout.WriteString("setrlimit: " + err.Error() + "\n")
		os.Exit(1)
	}
	err := Append(Options{Path: os.Getenv("APORT_TEST_CUT_LOG"), KeyPath: os.Getenv("APORT_TEST_CUT_KEY")}, sampleEvent(2))
	if err == nil {
		os.Stdout.WriteString("append succeeded under the limit\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("append failed: " + err.Error() + "\n")
	os.Exit(0)
}
