// Package filelock takes an exclusive advisory lock on a file (flock) with a
// bound on the wait. It is what serialises aport processes that share the
// audit log and the state store; it is not a lock between goroutines.
//
// Waiters block in the kernel rather than poll: a polling waiter can miss
// every release while many processes queue (it sleeps through them), and it
// burns CPU the lock holder needs. A blocked waiter is woken at each release.
package filelock

import (
	"errors"
	"fmt"
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
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, err
	}
	if ok {
		return fl.Unlock, nil
	}
	done := make(chan error, 1)
	go func() { done <- fl.Lock() }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
		return fl.Unlock, nil
	case <-t.C:
		go func() {
			if err := <-done; err == nil {
				_ = fl.Unlock()
			}
		}()
		return nil, fmt.Errorf("%w %s after %s (another aport process holds it)", ErrTimeout, path, timeout)
	}
}
