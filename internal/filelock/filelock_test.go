package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestAcquire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file description, so a second Acquire
	// in this process contends like another process would.
	if _, err := Acquire(path, 50*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatalf("second Acquire = %v, want ErrTimeout", err)
	}
	// a waiter that is still blocked gets the lock when it is released
	got := make(chan error, 1)
	go func() {
		u, err := Acquire(path, 5*time.Second)
		if err == nil {
			err = u()
		}
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	// the waiter that timed out above released its late grant: the lock is free
	u, err := Acquire(path, time.Second)
	if err != nil {
		t.Fatalf("after a timed-out waiter: %v", err)
	}
	_ = u()
}

func TestAcquireMissingDirectory(t *testing.T) {
	if _, err := Acquire(filepath.Join(t.TempDir(), "no", "x.lock"), time.Second); err == nil {
		t.Fatal("locking in a missing directory succeeded")
	}
}

// TestAcquireAfterTheLockFileIsDeleted: a waiter queued on a lock file that
// is deleted before it is granted must not come back holding the deleted
// file while a newcomer holds the new one.
func TestAcquireAfterTheLockFileIsDeleted(t *testing.T) {
	for _, replace := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "x.lock")
		unlock, err := Acquire(path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan func() error, 1)
		go func() {
			u, err := Acquire(path, 5*time.Second)
			if err != nil {
				t.Error(err)
			}
			got <- u
		}()
		time.Sleep(50 * time.Millisecond) // the waiter is blocked on the first file
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if replace {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
		waiter := <-got
		if waiter == nil {
			t.FailNow()
		}
		// The waiter holds the file at the path: a newcomer must wait.
		if u, err := Acquire(path, 100*time.Millisecond); !errors.Is(err, ErrTimeout) {
			if u != nil {
				u()
			}
			t.Fatalf("replace=%v: a newcomer got the lock while the waiter held it (%v)", replace, err)
		}
		waiter()
	}
}
