package filelock

import (
	"errors"
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
