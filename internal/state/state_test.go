package state

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"
	bolt "go.etcd.io/bbolt"
)

// The test binary doubles as the child process of the cross-process tests:
// with APORT_STATE_CHILD set, it does one job against APORT_STATE_TEST_DIR
// and exits instead of running the tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("APORT_STATE_CHILD"); mode != "" {
		os.Exit(child(mode, os.Getenv("APORT_STATE_TEST_DIR")))
	}
	os.Exit(m.Run())
}

func child(mode, dir string) int {
	s, err := Open(dir, 60*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	switch mode {
	case "noop":
		return 0
	case "count": // one Count-then-Record against K=10
		ok := false
		err = s.Update(func(tx *Tx) error {
			now := time.Now()
			if tx.Count("k", time.Hour, now) < 10 {
				tx.Record("k", time.Hour, now)
				ok = true
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(map[bool]string{true: "allowed", false: "denied"}[ok])
		return 0
	case "sum": // one Sum-then-Add of 500 against a cap of 20000
		ok := false
		err = s.Update(func(tx *Tx) error {
			now := time.Now()
			if tx.Sum("usd", 24*time.Hour, now)+500 <= 20000 {
				tx.Add("usd", 500, 24*time.Hour, now)
				ok = true
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(map[bool]string{true: "allowed", false: "denied"}[ok])
		return 0
	case "loop": // record forever, one line per commit, until killed
		for {
			err := s.Update(func(tx *Tx) error {
				tx.Record("k", 24*time.Hour, time.Now())
				tx.PutIdempotency("idem", "h", 0, time.Now())
				return nil
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			os.Stdout.Write([]byte("c\n"))
		}
	}
	fmt.Fprintln(os.Stderr, "unknown child mode", mode)
	return 1
}

func childCmd(t testing.TB, mode, dir string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "APORT_STATE_CHILD="+mode, "APORT_STATE_TEST_DIR="+dir)
	return cmd
}

func open(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func update(t testing.TB, s *Store, fn func(tx *Tx)) {
	t.Helper()
	if err := s.Update(func(tx *Tx) error { fn(tx); return nil }); err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func TestOpenDoesNoIO(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s, err := Open(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open touched the disk: stat %s: %v", dir, err)
	}
	if s.lockTimeout != DefaultLockTimeout {
		t.Errorf("lock timeout %v, want default %v", s.lockTimeout, DefaultLockTimeout)
	}
	if _, err := Open("", time.Second); err == nil {
		t.Error("Open(\"\") succeeded")
	}
	// The first Update creates the directory 0700 and the files 0600.
	update(t, s, func(tx *Tx) { tx.Record("k", time.Minute, t0) })
	for _, c := range []struct {
		path string
		mode os.FileMode
	}{{dir, 0o700 | os.ModeDir}, {filepath.Join(dir, DataFile), 0o600}, {filepath.Join(dir, LockFile), 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, fi.Mode(), c.mode)
		}
	}
}

func TestCountWindow(t *testing.T) {
	s := open(t)
	update(t, s, func(tx *Tx) {
		for _, d := range []time.Duration{0, 10 * time.Second, 30 * time.Second, 59 * time.Second} {
			tx.Record("k", time.Minute, t0.Add(d))
		}
		tx.Record("other", time.Minute, t0)
	})
	tests := []struct {
		name   string
		key    string
		window time.Duration
		now    time.Time
		want   int
	}{
		{"all in window", "k", time.Minute, t0.Add(59 * time.Second), 4},
		{"start is exclusive", "k", time.Minute, t0.Add(time.Minute), 3},
		{"end is inclusive", "k", 20 * time.Second, t0.Add(30 * time.Second), 2},
		{"later events count (clock turned back)", "k", time.Minute, t0, 4},
		{"narrow window", "k", time.Second, t0.Add(59 * time.Second), 1},
		{"all expired", "k", time.Minute, t0.Add(2 * time.Minute), 0},
		{"other key", "other", time.Minute, t0, 1},
		{"unknown key", "nope", time.Minute, t0, 0},
	}
	update(t, s, func(tx *Tx) {
		for _, tc := range tests {
			if got := tx.Count(tc.key, tc.window, tc.now); got != tc.want {
				t.Errorf("%s: Count = %d, want %d", tc.name, got, tc.want)
			}
		}
	})
}

func TestRecordOutOfOrderKeepsSorted(t *testing.T) {
	s := open(t)
	update(t, s, func(tx *Tx) {
		tx.Record("k", time.Hour, t0.Add(30*time.Minute))
		tx.Record("k", time.Hour, t0) // clock went backwards
		tx.Record("k", time.Hour, t0.Add(10*time.Minute))
	})
	update(t, s, func(tx *Tx) {
		if got := tx.Count("k", 15*time.Minute, t0.Add(20*time.Minute)); got != 2 {
			t.Errorf("Count = %d, want 2 (10m and the later 30m)", got)
		}
	})
}

func TestRollback(t *testing.T) {
	s := open(t)
	update(t, s, func(tx *Tx) { tx.Record("k", time.Hour, t0) })
	boom := errors.New("boom")
	err := s.Update(func(tx *Tx) error {
		tx.Record("k", time.Hour, t0)
		tx.Add("sum", 5, time.Hour, t0)
		tx.PutIdempotency("i", "h", time.Hour, t0)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	err = s.Update(func(tx *Tx) error {
		tx.Record("k", time.Hour, t0)
		panic("bad")
	})
	if err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Fatalf("Update after panic = %v, want an error", err)
	}
	update(t, s, func(tx *Tx) {
		if n := tx.Count("k", time.Hour, t0); n != 1 {
			t.Errorf("Count = %d after rollbacks, want 1", n)
		}
		if n := tx.Sum("sum", time.Hour, t0); n != 0 {
			t.Errorf("Sum = %d after rollback, want 0", n)
		}
		if _, ok := tx.Idempotency("i"); ok {
			t.Error("idempotency key survived a rollback")
		}
	})
}

func TestWritesVisibleInsideTx(t *testing.T) {
	s := open(t)
	update(t, s, func(tx *Tx) {
		for i := 0; i < 3; i++ {
			tx.Record("k", time.Hour, t0)
		}
		tx.Add("s", 7, time.Hour, t0)
		tx.PutIdempotency("i", "h1", 0, t0)
		if n := tx.Count("k", time.Hour, t0); n != 3 {
			t.Errorf("Count inside tx = %d, want 3", n)
		}
		if n := tx.Sum("s", time.Hour, t0); n != 7 {
			t.Errorf("Sum inside tx = %d, want 7", n)
		}
		if h, ok := tx.Idempotency("i"); !ok || h != "h1" {
			t.Errorf("Idempotency inside tx = %q %v", h, ok)
		}
	})
}

func TestUseAfterUpdateIsInert(t *testing.T) {
	s := open(t)
	var kept *Tx
	update(t, s, func(tx *Tx) { kept = tx })
	kept.Record("k", time.Hour, t0)
	if n := kept.Count("k", time.Hour, t0); n < 1<<30 {
		t.Errorf("Count through a finished tx = %d, want the fail-closed maximum", n)
	}
	update(t, s, func(tx *Tx) {
		if n := tx.Count("k", time.Hour, t0); n != 0 {
			t.Errorf("a write through a finished tx was committed: Count = %d", n)
		}
	})
}

func TestSum(t *testing.T) {
	s := open(t)
	update(t, s, func(tx *Tx) {
		tx.Add("usd", 500, 24*time.Hour, t0)
		tx.Add("usd", 250, 24*time.Hour, t0.Add(time.Hour))
		tx.Add("usd", -100, 24*time.Hour, t0.Add(time.Hour)) // ignored
		tx.Add("usd", 0, 24*time.Hour, t0.Add(time.Hour))    // ignored
		tx.Add("eur", 1, 24*time.Hour, t0)
	})
	tests := []struct {
		name string
		key  string
		now  time.Time
		want int64
	}{
		{"both", "usd", t0.Add(2 * time.Hour), 750},
		{"first left the window", "usd", t0.Add(24 * time.Hour), 250},
		{"all gone", "usd", t0.Add(25 * time.Hour), 0},
		{"currencies apart", "eur", t0, 1},
	}
	update(t, s, func(tx *Tx) {
		for _, tc := range tests {
			if got := tx.Sum(tc.key, 24*time.Hour, tc.now); got != tc.want {
				t.Errorf("%s: Sum = %d, want %d", tc.name, got, tc.want)
			}
		}
	})
	update(t, s, func(tx *Tx) {
		tx.Add("big", 1<<62, time.Hour, t0)
		tx.Add("big", 1<<62, time.Hour, t0)
		tx.Add("big", 1<<62, time.Hour, t0)
		if got := tx.Sum("big", time.Hour, t0); got != 1<<63-1 {
			t.Errorf("Sum did not saturate: %d", got)
		}
	})
}

func TestSumCapConcurrent(t *testing.T) {
	s := open(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := 0; i < 120; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A Store per goroutine: each Update takes the lock through its
			// own file descriptor, as separate processes do.
			s, _ := Open(s.Dir(), 30*time.Second)
			ok := false
			err := s.Update(func(tx *Tx) error {
				ok = false
				if tx.Sum("usd", 24*time.Hour, t0)+500 <= 20000 {
					tx.Add("usd", 500, 24*time.Hour, t0)
					ok = true
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 40 {
		t.Errorf("%d adds of 500 allowed under a 20000 cap, want exactly 40", allowed)
	}
	update(t, s, func(tx *Tx) {
		if got := tx.Sum("usd", 24*time.Hour, t0); got != 20000 {
			t.Errorf("Sum = %d, want 20000", got)
		}
	})
}

func TestIdempotency(t *testing.T) {
	s := open(t)
	update(t, s, func(tx *Tx) {
		tx.PutIdempotency("a", "h1", 48*time.Hour, t0)
		tx.PutIdempotency("b", "h2", time.Minute, t0) // raised to 24h
	})
	tests := []struct {
		name string
		key  string
		now  time.Time
		hash string
		ok   bool
	}{
		{"fresh", "a", t0, "h1", true},
		{"short ttl raised to the minimum", "b", t0.Add(23 * time.Hour), "h2", true},
		{"minimum ran out", "b", t0.Add(24 * time.Hour), "", false},
		{"long ttl kept", "a", t0.Add(47 * time.Hour), "h1", true},
		{"long ttl ran out", "a", t0.Add(48 * time.Hour), "", false},
		{"unknown", "c", t0, "", false},
	}
	update(t, s, func(tx *Tx) {
		for _, tc := range tests {
			h, ok := tx.IdempotencyAt(tc.key, tc.now)
			if h != tc.hash || ok != tc.ok {
				t.Errorf("%s: IdempotencyAt = %q %v, want %q %v", tc.name, h, ok, tc.hash, tc.ok)
			}
			if h, ok := tx.At(tc.now).Idempotency(tc.key); h != tc.hash || ok != tc.ok {
				t.Errorf("%s: View.Idempotency = %q %v, want %q %v", tc.name, h, ok, tc.hash, tc.ok)
			}
		}
	})
	// A write a day later prunes b but keeps a.
	update(t, s, func(tx *Tx) { tx.Record("x", time.Minute, t0.Add(25*time.Hour)) })
	update(t, s, func(tx *Tx) {
		if _, ok := tx.Idempotency("b"); ok {
			t.Error("expired key b was not pruned")
		}
		if h, ok := tx.Idempotency("a"); !ok || h != "h1" {
			t.Errorf("key a = %q %v, want h1", h, ok)
		}
	})
}

// Markers live in the idempotency bucket with their own, exact TTL.
func TestMarker(t *testing.T) {
	s := open(t)
	update(t, s, func(tx *Tx) {
		tx.PutMarker("m", "1:preToolUse", 10*time.Minute, t0)
		tx.PutMarker("gone", "1:preToolUse", 10*time.Minute, t0)
		tx.PutMarker("zero", "v", 0, t0)           // writes nothing
		tx.PutMarker("empty", "", time.Minute, t0) // writes nothing
		tx.PutIdempotency("i", "h", 0, t0)
	})
	update(t, s, func(tx *Tx) {
		if v, ok := tx.IdempotencyAt("m", t0.Add(10*time.Minute-time.Nanosecond)); !ok || v != "1:preToolUse" {
			t.Errorf("marker before its expiry = %q %v", v, ok)
		}
		if _, ok := tx.IdempotencyAt("m", t0.Add(10*time.Minute)); ok {
			t.Error("marker seen at its expiry: no minimum TTL must apply")
		}
		for _, k := range []string{"zero", "empty"} {
			if _, ok := tx.Idempotency(k); ok {
				t.Errorf("marker %q stored", k)
			}
		}
		tx.DeleteMarker("gone", t0.Add(time.Second))
		if _, ok := tx.IdempotencyAt("gone", t0.Add(time.Second)); ok {
			t.Error("deleted marker still seen inside the transaction")
		}
		tx.DeleteMarker("absent", t0.Add(time.Second)) // no-op
	})
	update(t, s, func(tx *Tx) {
		if raw(tx, bucketIdem, "gone") != nil {
			t.Error("deleted marker still stored")
		}
		if raw(tx, bucketIdem, "m") == nil || raw(tx, bucketIdem, "i") == nil {
			t.Error("DeleteMarker removed other keys")
		}
	})
	// Any write after the expiry prunes the marker; the idempotency key,
	// kept a day, stays.
	update(t, s, func(tx *Tx) { tx.Record("x", time.Minute, t0.Add(11*time.Minute)) })
	update(t, s, func(tx *Tx) {
		if raw(tx, bucketIdem, "m") != nil {
			t.Error("expired marker was not pruned")
		}
		if raw(tx, bucketIdem, "i") == nil {
			t.Error("idempotency key pruned with the marker")
		}
	})
	// A marker write is rolled back with the rest of its transaction.
	err := s.Update(func(tx *Tx) error {
		tx.Record("k", time.Minute, t0)
		tx.PutMarker("r", "1:preToolUse", time.Minute, t0)
		return errors.New("boom")
	})
	if err == nil {
		t.Fatal("Update did not fail")
	}
	update(t, s, func(tx *Tx) {
		if _, ok := tx.Idempotency("r"); ok || tx.Count("k", time.Minute, t0) != 0 {
			t.Error("marker or count survived a rollback")
		}
	})
}

// raw returns the stored value of key in bucket, read straight from bbolt.
func raw(tx *Tx, bucket []byte, key string) []byte {
	b := tx.b.Bucket(bucket)
	if b == nil {
		return nil
	}
	return b.Get([]byte(key))
}

// The store holds at most the events still inside their windows, whatever
// the number of calls, and keys nobody touches any more are pruned by any
// write.
func TestBoundedSize(t *testing.T) {
	s := open(t)
	for i := 0; i < 200; i++ {
		now := t0.Add(time.Duration(i) * time.Second)
		update(t, s, func(tx *Tx) {
			tx.Record("minute", time.Minute, now)
			tx.Add("sum", 1, time.Minute, now)
		})
	}
	update(t, s, func(tx *Tx) {
		w, err := decodeEvents(raw(tx, bucketEvents, "minute"))
		if err != nil || len(w.T) > 60 {
			t.Errorf("%v events stored for a one-minute window at one per second (%v)", w, err)
		}
		a, err := decodeAmounts(raw(tx, bucketSums, "sum"))
		if err != nil || len(a.E) > 60 {
			t.Errorf("%v amounts stored for a one-minute window at one per second (%v)", a, err)
		}
	})
	update(t, s, func(tx *Tx) { tx.Record("other", time.Minute, t0.Add(time.Hour)) })
	update(t, s, func(tx *Tx) {
		if raw(tx, bucketEvents, "minute") != nil {
			t.Error("a stale key survived a later write")
		}
		if raw(tx, bucketSums, "sum") != nil {
			t.Error("a stale sum survived a later write")
		}
		if raw(tx, bucketEvents, "other") == nil {
			t.Error("the key just written is missing")
		}
	})
	// The file does not grow with the number of calls: bbolt reuses the
	// pages freed by pruning.
	fi, err := os.Stat(filepath.Join(s.Dir(), DataFile))
	if err != nil {
		t.Fatal(err)
	}
	before := fi.Size()
	for i := 0; i < 300; i++ {
		now := t0.Add(2*time.Hour + time.Duration(i)*time.Second)
		update(t, s, func(tx *Tx) { tx.Record("minute", time.Minute, now) })
	}
	fi, _ = os.Stat(filepath.Join(s.Dir(), DataFile))
	if fi.Size() > before+64<<10 {
		t.Errorf("store grew from %d to %d bytes over 300 calls in a one-minute window", before, fi.Size())
	}
}

// goodStore returns a store holding one value in each bucket.
func goodStore(t *testing.T) *Store {
	s := open(t)
	update(t, s, func(tx *Tx) {
		tx.Record("k", time.Hour, t0)
		tx.Add("s", 5, time.Hour, t0)
		tx.PutIdempotency("i", "h", 0, t0)
	})
	return s
}

// putRaw writes a value straight into bbolt, behind the store's back.
func putRaw(t *testing.T, s *Store, bucket []byte, key string, v []byte) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(s.Dir(), DataFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), v) }); err != nil {
		t.Fatal(err)
	}
}

func TestCorrupt(t *testing.T) {
	flip := func(v []byte, i int) []byte { v = append([]byte{}, v...); v[i] ^= 0x40; return v }
	ev := (&events{W: int64(time.Hour), T: []int64{t0.UnixNano()}}).encode()
	sm := (&amounts{W: int64(time.Hour), E: [][2]int64{{t0.UnixNano(), 5}}}).encode()
	id := (&idem{H: "h", X: t0.Add(48 * time.Hour).UnixNano()}).encode()
	tests := []struct {
		name string
		// file replaces the whole store file; value replaces one value.
		file   func(good []byte) []byte
		bucket []byte
		key    string
		value  []byte
		// touch: fn reads the damaged key (otherwise only the commit's
		// full check finds it).
		touch bool
	}{
		{name: "empty file", file: func([]byte) []byte { return nil }},
		{name: "garbage", file: func([]byte) []byte { return bytes.Repeat([]byte("\x00not a store"), 4096) }},
		{name: "truncated", file: func(g []byte) []byte { return g[:len(g)/3] }},
		{name: "meta pages overwritten", file: func(g []byte) []byte {
			g = append([]byte{}, g...)
			for i := 0; i < 8192 && i < len(g); i++ {
				g[i] = 0xAA
			}
			return g
		}},
		{name: "events value bit flip", bucket: bucketEvents, key: "k", value: flip(ev, 12), touch: true},
		{name: "sums value bit flip", bucket: bucketSums, key: "s", value: flip(sm, 12), touch: true},
		{name: "idempotency value bit flip", bucket: bucketIdem, key: "i", value: flip(id, 3), touch: true},
		{name: "value cut short", bucket: bucketEvents, key: "k", value: ev[:len(ev)-5], touch: true},
		{name: "unknown version", bucket: bucketEvents, key: "k", value: seal(append([]byte{9}, ev[1:len(ev)-4]...)), touch: true},
		{name: "zero window", bucket: bucketEvents, key: "k", value: (&events{W: 0, T: []int64{1}}).encode(), touch: true},
		{name: "out of order", bucket: bucketEvents, key: "k", value: (&events{W: 5, T: []int64{2, 1}}).encode(), touch: true},
		{name: "negative amount", bucket: bucketSums, key: "s", value: (&amounts{W: 5, E: [][2]int64{{1, -5}}}).encode(), touch: true},
		{name: "untouched key found on commit", bucket: bucketSums, key: "other", value: flip(sm, 12)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := goodStore(t)
			p := filepath.Join(s.Dir(), DataFile)
			if tc.file != nil {
				good, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, tc.file(good), 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				putRaw(t, s, tc.bucket, tc.key, tc.value)
			}
			before, _ := os.ReadFile(p)
			var count int
			var sum int64
			var hash string
			err := s.Update(func(tx *Tx) error {
				if tc.touch {
					count = tx.Count("k", time.Hour, t0)
					sum = tx.Sum("s", time.Hour, t0)
					hash, _ = tx.Idempotency("i")
				}
				tx.Record("new", time.Hour, t0)
				return nil
			})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Update = %v, want ErrCorrupt", err)
			}
			for _, want := range []string{p, "delete", "aport doctor"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if tc.touch && count < 1<<30 && sum < 1<<62 && hash != badHash {
				t.Errorf("a corrupt value read as ordinary: count %d, sum %d, hash %q", count, sum, hash)
			}
			// Never silently reset: the file is left as it was.
			after, _ := os.ReadFile(p)
			if !bytes.Equal(after, before) {
				t.Error("the corrupt store was modified")
			}
		})
	}
	t.Run("directory in its place", func(t *testing.T) {
		s := open(t)
		if err := os.MkdirAll(filepath.Join(s.Dir(), DataFile), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := s.Update(func(tx *Tx) error { return nil }); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Update = %v, want ErrCorrupt", err)
		}
	})
}

func TestLockTimeout(t *testing.T) {
	s := open(t)
	update(t, s, func(tx *Tx) {})
	held := flock.New(filepath.Join(s.Dir(), LockFile))
	if err := held.Lock(); err != nil {
		t.Fatal(err)
	}
	short, _ := Open(s.Dir(), 100*time.Millisecond)
	start := time.Now()
	err := short.Update(func(tx *Tx) error { t.Error("fn ran without the lock"); return nil })
	if !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("Update = %v, want ErrLockTimeout", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("waited %v for a 100ms lock timeout", waited)
	}
	held.Unlock()
	// The abandoned waiter lets go of the lock once it gets it.
	update(t, s, func(tx *Tx) { tx.Record("k", time.Minute, t0) })
}

func TestCrossProcessCount(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 100 processes")
	}
	dir := filepath.Join(t.TempDir(), "state")
	const n = 100
	results := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			cmd := childCmd(t, "count", dir)
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Errorf("child %d: %v: %s", i, err, errb.String())
			}
			results[i] = strings.TrimSpace(out.String())
		}()
	}
	wg.Wait()
	allowed := 0
	for _, r := range results {
		if r == "allowed" {
			allowed++
		} else if r != "denied" {
			t.Errorf("child said %q", r)
		}
	}
	if allowed != 10 {
		t.Errorf("%d of %d processes were allowed against K=10, want exactly 10", allowed, n)
	}
	s, _ := Open(dir, time.Second)
	update(t, s, func(tx *Tx) {
		if c := tx.Count("k", time.Hour, time.Now()); c != 10 {
			t.Errorf("store holds %d records, want 10", c)
		}
	})
}

func TestCrossProcessSumCap(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 120 processes")
	}
	dir := filepath.Join(t.TempDir(), "state")
	const n = 120
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var errb bytes.Buffer
			cmd := childCmd(t, "sum", dir)
			cmd.Stderr = &errb
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("child %d: %v: %s", i, err, errb.String())
			}
			if strings.TrimSpace(string(out)) == "allowed" {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if allowed != 40 {
		t.Errorf("%d of %d adds of 500 allowed under a 20000 cap, want exactly 40", allowed, n)
	}
}

// TestCrash kills a writer with SIGKILL at random points, over and over; the
// store must open every time and hold every commit the writer reported (and
// at most one more per kill: a commit that landed before it was reported).
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	dir := filepath.Join(t.TempDir(), "state")
	s, _ := Open(dir, 10*time.Second)
	reported := 0
	const kills = 30
	for i := 0; i < kills; i++ {
		cmd := childCmd(t, "loop", dir)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan int)
		go func() {
			n := 0
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				n++
			}
			lines <- n
		}()
		time.Sleep(time.Duration(rand.IntN(60)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		n := <-lines
		cmd.Wait()
		if strings.TrimSpace(errb.String()) != "" {
			t.Fatalf("writer %d failed: %s", i, errb.String())
		}
		reported += n
		var got int
		if err := s.Update(func(tx *Tx) error {
			got = tx.Count("k", 24*time.Hour, time.Now())
			return nil
		}); err != nil {
			t.Fatalf("after kill %d the store does not open: %v", i, err)
		}
		if got < reported || got > reported+i+1 {
			t.Fatalf("after kill %d: %d records, writer reported %d commits", i, got, reported)
		}
	}
	if reported == 0 {
		t.Fatal("the writer never committed")
	}
	// A write cleans up temp files that killed writers left behind.
	update(t, s, func(tx *Tx) { tx.Record("k", 24*time.Hour, time.Now()) })
	if left, _ := filepath.Glob(filepath.Join(dir, DataFile+".tmp-*")); len(left) != 0 {
		t.Errorf("temp files left after a write: %v", left)
	}
	t.Logf("%d kills, %d commits reported", kills, reported)
}

// BenchmarkUpdate is one rate-limit check as the hook makes it, in process:
// open, count, record, commit (fsync included).
func BenchmarkUpdate(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "state")
	now := time.Now()
	for b.Loop() {
		s, err := Open(dir, time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Update(func(tx *Tx) error {
			if tx.Count("pp|system.command.execute|rate_per_minute", time.Minute, now) >= 1<<30 {
				return errors.New("limit")
			}
			tx.Record("pp|system.command.execute|rate_per_minute", time.Minute, now)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateFreshProcess is one Count+Record in a new process, as the
// hook pays it; compare with BenchmarkFreshProcess (the same process doing
// nothing) for the store's own share.
func BenchmarkUpdateFreshProcess(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "state")
	for b.Loop() {
		if out, err := childCmd(b, "count", dir).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}

func BenchmarkFreshProcess(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "state")
	for b.Loop() {
		if out, err := childCmd(b, "noop", dir).CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}

// TestLockFileLinkedToDatabase: a lock file that is state.db under another
// name (hard link or symlink) would make the database's own lock wait on it
// until the timeout; it is refused at once, with what to do.
func TestLockFileLinkedToDatabase(t *testing.T) {
	for _, link := range []func(old, new string) error{os.Link, os.Symlink} {
		s := open(t)
		update(t, s, func(tx *Tx) { tx.Record("k", time.Hour, t0) })
		lock, db := filepath.Join(s.dir, LockFile), filepath.Join(s.dir, DataFile)
		if err := os.Remove(lock); err != nil {
			t.Fatal(err)
		}
		if err := link(db, lock); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		err := s.Update(func(tx *Tx) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "under another name") {
			t.Fatalf("Update = %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("refused after %s", d)
		}
		os.Remove(lock)
		update(t, s, func(tx *Tx) {
			if n := tx.Count("k", time.Hour, t0); n != 1 {
				t.Errorf("Count = %d after the lock file was removed", n)
			}
		})
	}
}
