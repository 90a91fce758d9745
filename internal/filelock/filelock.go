// Package filelock takes an exclusive advisory lock on a file (flock) with a
// bound on the wait. It is what serialises aport processes that share the
// audit log and the state store; it is not a lock between goroutines.
//
// Waiters block in the kernel rather than poll: a polling waiter can miss
// every release while many processes queue (it sleeps through them), and it
// burns CPU the lock holder needs. A blocked waiter is woken at each release.
//
// A lock belongs to the file (inode) that was open when it was taken, not to
// the path. If the lock file is deleted or replaced while processes wait on
// it, the waiters would hold a lock on a file no newcomer can see, and run
// beside the newcomers that created a new one. So after locking, Acquire
// checks that the locked file is still the one at the path (fstat against
// stat) and, if not, lets it go and locks the file now there.
package filelock

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// ErrTimeout is wrapped by Acquire's error when the wait passes the bound.
var ErrTimeout = errors.New("timed out waiting for the lock")

// Acquire locks path exclusively (creating it 0600 if needed), waiting at
// most timeout, and returns the function that releases it. The blocking
// lock runs in a goroutine; if the wait times out, that goroutine releases
// the lock as soon as it gets it, so a late grant never holds others up.
func Acquire(path string, timeout time.Duration) (unlock func() error, err error) {
	unlock, _, err = acquire(path, os.O_CREATE|os.O_RDWR, timeout)
	return unlock, err
}

// AcquireStat is Acquire that also returns what fstat says of the locked
// file, for callers that must tell it apart from the files it guards.
func AcquireStat(path string, timeout time.Duration) (unlock func() error, locked os.FileInfo, err error) {
	return acquire(path, os.O_CREATE|os.O_RDWR, timeout)
}

// AcquireExisting locks the existing file at path like Acquire, without
// creating it (an error wrapping fs.ErrNotExist when it is missing), and
// also returns what fstat says of the locked file, for callers that open it
// again to use it and must check they opened the same file.
func AcquireExisting(path string, timeout time.Duration) (unlock func() error, locked os.FileInfo, err error) {
	return acquire(path, os.O_RDONLY, timeout)
}

func acquire(path string, flag int, timeout time.Duration) (unlock func() error, locked os.FileInfo, err error) {
	deadline := time.Now().Add(timeout)
	for {
		fl := flock.New(path, flock.SetFlag(flag), flock.SetPermissions(0o600))
		if err := lock(fl, time.Until(deadline)); err != nil {
			if errors.Is(err, ErrTimeout) {
				return nil, nil, fmt.Errorf("%w %s after %s (another aport process holds it)", ErrTimeout, path, timeout)
			}
			return nil, nil, err
		}
		if held, ok := stillAt(fl, path); ok {
			return fl.Unlock, held, nil
		}
		// The file was deleted or replaced while we waited: release it and
		// lock the one at the path now.
		_ = fl.Unlock()
		if !time.Now().Before(deadline) {
			return nil, nil, fmt.Errorf("%w %s after %s (the lock file kept being replaced)", ErrTimeout, path, timeout)
		}
	}
}

// lock takes fl, waiting at most d.
func lock(fl *flock.Flock, d time.Duration) error {
	ok, err := fl.TryLock()
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	done := make(chan error, 1)
	go func() { done <- fl.Lock() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		go func() {
			if err := <-done; err == nil {
				_ = fl.Unlock()
			}
		}()
		return ErrTimeout
	}
}

// stillAt reports whether the file fl holds locked is the one at path.
func stillAt(fl *flock.Flock, path string) (os.FileInfo, bool) {
	held, err := fl.Stat() // fstat of the locked descriptor
	if err != nil {
		return nil, false
	}
	now, err := os.Stat(path)
	return held, err == nil && os.SameFile(held, now)
}
