//go:build unix

package keys

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLoadPublicFIFO: a FIFO in place of a key file is refused at once
// instead of blocking the reader.
func TestLoadPublicFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "key.pub")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := LoadPublic(p); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("LoadPublic of a FIFO: no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LoadPublic of a FIFO blocked")
	}
}
