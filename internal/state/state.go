// Package state is aport's store for everything that spans tool calls: the
// event windows behind rate limits, the per-day sums behind refund caps, and
// idempotency keys.
//
// Every hook invocation is a new process, so the store is a single small file
// rewritten atomically under an exclusive cross-process file lock: Update
// takes the lock, reads the whole store, runs the caller's function against
// that consistent view, and, if anything changed, writes a new file (temp
// file, fsync, rename, fsync of the directory) before it releases the lock.
// A crash at any point leaves either the old or the new file, never a mix.
// A file that cannot be read back (bad checksum, bad JSON, impossible
// values) is reported as ErrCorrupt and never silently reset: the caller
// denies.
//
// The store is not a database: it holds only what the evaluator needs
// (bounded by pruning every window on write), has no query language, and
// does not decide anything itself.
package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/gofrs/flock"
)

// File names inside the store directory.
const (
	DataFile = "state.json"
	LockFile = "state.lock"
)

const (
	format = "aport-state/1"
	// maxFileSize bounds what Update reads; a bigger file is corrupt.
	maxFileSize = 32 << 20
	// DefaultLockTimeout is used when Open is given a non-positive timeout.
	DefaultLockTimeout = 5 * time.Second
	// MinIdempotencyTTL is how long an idempotency key is kept at least.
	MinIdempotencyTTL = 24 * time.Hour
)

// ErrCorrupt is returned (wrapped) by Update when the store exists but cannot
// be read. The full message names the file and how to reset it.
var ErrCorrupt = errors.New("state store is corrupt")

// ErrLockTimeout is returned (wrapped) by Update when the store's lock could
// not be taken within the Store's lock timeout.
var ErrLockTimeout = errors.New("timed out waiting for the state store lock")

// Store is a state directory. It is safe for concurrent use by several
// goroutines and several processes.
type Store struct {
	dir         string
	lockTimeout time.Duration
}

// Open returns the store kept in dir. It does no file I/O: the directory is
// created (0700) and the lock taken by the first Update. A non-positive
// lockTimeout means DefaultLockTimeout.
func Open(dir string, lockTimeout time.Duration) (*Store, error) {
	if dir == "" {
		return nil, errors.New("state: no state directory given")
	}
	if lockTimeout <= 0 {
		lockTimeout = DefaultLockTimeout
	}
	return &Store{dir: filepath.Clean(dir), lockTimeout: lockTimeout}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Update runs fn under an exclusive lock over the whole store with a
// consistent view of it. What fn did through tx is durably committed before
// Update returns nil; if fn returns an error or panics, or the commit fails,
// nothing is committed and Update returns the error. tx must not be used
// after fn returns.
func (s *Store) Update(fn func(tx *Tx) error) (err error) {
	unlock, err := s.lock()
	if err != nil {
		return err
	}
	defer func() {
		if uerr := unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("state: releasing the lock on %s: %w", filepath.Join(s.dir, LockFile), uerr)
		}
	}()

	d, err := s.read()
	if err != nil {
		return err
	}
	tx := &Tx{d: d}
	if err := run(fn, tx); err != nil {
		return err
	}
	tx.done = true
	if !tx.dirty {
		return nil
	}
	tx.d.prune(tx.now)
	return s.write(tx.d)
}

// run calls fn, turning a panic into an error so that it rolls back.
func run(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			tx.done = true
			err = fmt.Errorf("state: update panicked: %v", r)
		}
	}()
	err = fn(tx)
	if err != nil {
		tx.done = true
	}
	return err
}

// lock takes the store's exclusive file lock, waiting at most the lock
// timeout. The blocking lock runs in a goroutine so that the wait is FIFO-ish
// in the kernel rather than polled; if it times out, the goroutine releases
// the lock as soon as it gets it.
func (s *Store) lock() (func() error, error) {
	path := filepath.Join(s.dir, LockFile)
	fl := flock.New(path, flock.SetPermissions(0o600))
	// Fast path: an uncontended lock is taken without a goroutine.
	ok, err := fl.TryLock()
	if err != nil && errors.Is(err, fs.ErrNotExist) {
		if merr := os.MkdirAll(s.dir, 0o700); merr != nil {
			return nil, fmt.Errorf("state: creating the state directory: %w", merr)
		}
		ok, err = fl.TryLock()
	}
	if err != nil {
		return nil, fmt.Errorf("state: locking %s: %w", path, err)
	}
	if ok {
		return fl.Unlock, nil
	}
	done := make(chan error, 1)
	go func() { done <- fl.Lock() }()
	t := time.NewTimer(s.lockTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return nil, fmt.Errorf("state: locking %s: %w", path, err)
		}
		return fl.Unlock, nil
	case <-t.C:
		go func() {
			if err := <-done; err == nil {
				_ = fl.Unlock()
			}
		}()
		return nil, fmt.Errorf("state: %w %s after %s (another aport process holds it)", ErrLockTimeout, path, s.lockTimeout)
	}
}

// corrupt wraps ErrCorrupt with the file, the problem and the way out.
func (s *Store) corrupt(why string, err error) error {
	p := filepath.Join(s.dir, DataFile)
	if err != nil {
		why = why + ": " + err.Error()
	}
	return fmt.Errorf("state: %w: %s: %s; to reset the rate-limit counters, daily caps and idempotency keys, delete %s and run `aport doctor`", ErrCorrupt, p, why, p)
}

// read loads the store file; a missing file is an empty store.
func (s *Store) read() (*data, error) {
	p := filepath.Join(s.dir, DataFile)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return newData(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: reading %s: %w", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("state: reading %s: %w", p, err)
	}
	if len(b) > maxFileSize {
		return nil, s.corrupt(fmt.Sprintf("larger than %d MiB", maxFileSize>>20), nil)
	}
	d, err := decode(b)
	if err != nil {
		return nil, s.corrupt("cannot be read", err)
	}
	return d, nil
}

// write commits d: temp file, fsync, rename over the store, fsync the
// directory. The caller holds the lock.
func (s *Store) write(d *data) error {
	b, err := encode(d)
	if err != nil {
		return fmt.Errorf("state: encoding: %w", err)
	}
	p := filepath.Join(s.dir, DataFile)
	// Temp files left by a writer that was killed: nobody else can be
	// writing one now, since we hold the lock.
	if old, _ := filepath.Glob(p + ".tmp-*"); len(old) > 0 {
		for _, o := range old {
			_ = os.Remove(o)
		}
	}
	f, err := os.CreateTemp(s.dir, DataFile+".tmp-*")
	if err != nil {
		return fmt.Errorf("state: writing %s: %w", p, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("state: writing %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("state: syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("state: writing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("state: replacing %s: %w", p, err)
	}
	ok = true
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("state: syncing directory %s: %w", s.dir, err)
	}
	return nil
}

func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be fsynced there; rename is durable enough
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Tx is the view of the store inside one Update.
type Tx struct {
	d     *data
	dirty bool
	done  bool
	now   time.Time // the latest time any write was made at; prunes on commit
}

func (tx *Tx) touch(now time.Time) bool {
	if tx.done {
		return false
	}
	tx.dirty = true
	if now.After(tx.now) {
		tx.now = now
	}
	return true
}

// Count returns the number of events recorded under key within the window
// ending at now. Events stamped after now (a clock that went backwards) are
// counted too, so that turning the clock back never frees up a limit.
func (tx *Tx) Count(key string, window time.Duration, now time.Time) int {
	w := tx.d.Events[key]
	if w == nil {
		return 0
	}
	from := now.Add(-window).UnixNano()
	i := sort.Search(len(w.T), func(i int) bool { return w.T[i] > from })
	return len(w.T) - i
}

// Record adds one event under key at now and prunes the key's events older
// than the window.
func (tx *Tx) Record(key string, window time.Duration, now time.Time) {
	if window <= 0 || !tx.touch(now) {
		return
	}
	w := tx.d.Events[key]
	if w == nil {
		w = &events{}
		tx.d.Events[key] = w
	}
	w.W = int64(window)
	t := now.UnixNano()
	i := sort.Search(len(w.T), func(i int) bool { return w.T[i] > t })
	w.T = append(w.T, 0)
	copy(w.T[i+1:], w.T[i:])
	w.T[i] = t
	w.prune(now)
}

// Sum returns the sum of the amounts added under key within the window
// ending at now (amounts stamped after now included, as for Count). The sum
// saturates at math.MaxInt64.
func (tx *Tx) Sum(key string, window time.Duration, now time.Time) int64 {
	w := tx.d.Sums[key]
	if w == nil {
		return 0
	}
	from := now.Add(-window).UnixNano()
	var s int64
	for _, e := range w.E {
		if e[0] > from {
			s = addSat(s, e[1])
		}
	}
	return s
}

// Add records amount under key at now and prunes the key's amounts older
// than the window. Non-positive amounts are ignored: a sum can only grow.
func (tx *Tx) Add(key string, amount int64, window time.Duration, now time.Time) {
	if amount <= 0 || window <= 0 || !tx.touch(now) {
		return
	}
	w := tx.d.Sums[key]
	if w == nil {
		w = &amounts{}
		tx.d.Sums[key] = w
	}
	w.W = int64(window)
	t := now.UnixNano()
	i := sort.Search(len(w.E), func(i int) bool { return w.E[i][0] > t })
	w.E = append(w.E, [2]int64{})
	copy(w.E[i+1:], w.E[i:])
	w.E[i] = [2]int64{t, amount}
	w.prune(now)
}

// Idempotency returns the parameters hash stored under an idempotency key.
// A key whose TTL has run out may still be returned until the next write
// prunes it; use IdempotencyAt to respect the TTL exactly.
func (tx *Tx) Idempotency(key string) (paramsHash string, ok bool) {
	e := tx.d.Idem[key]
	if e == nil {
		return "", false
	}
	return e.H, true
}

// IdempotencyAt is Idempotency for a key still within its TTL at now.
func (tx *Tx) IdempotencyAt(key string, now time.Time) (paramsHash string, ok bool) {
	e := tx.d.Idem[key]
	if e == nil || e.X <= now.UnixNano() {
		return "", false
	}
	return e.H, true
}

// PutIdempotency stores paramsHash under key until now+ttl; a ttl shorter
// than MinIdempotencyTTL is raised to it. Storing a key again replaces it.
func (tx *Tx) PutIdempotency(key, paramsHash string, ttl time.Duration, now time.Time) {
	if !tx.touch(now) {
		return
	}
	if ttl < MinIdempotencyTTL {
		ttl = MinIdempotencyTTL
	}
	tx.d.Idem[key] = &idem{H: paramsHash, X: now.Add(ttl).UnixNano()}
}

// View is a Tx seen at a fixed time, for callers that read with an implicit
// clock (Count(key, window) rather than Count(key, window, now)).
type View struct {
	tx  *Tx
	now time.Time
}

// At returns tx seen at now.
func (tx *Tx) At(now time.Time) View { return View{tx, now} }

// Count is Tx.Count at the view's time.
func (v View) Count(key string, window time.Duration) int { return v.tx.Count(key, window, v.now) }

// Sum is Tx.Sum at the view's time.
func (v View) Sum(key string, window time.Duration) int64 { return v.tx.Sum(key, window, v.now) }

// Idempotency is Tx.IdempotencyAt at the view's time.
func (v View) Idempotency(key string) (string, bool) { return v.tx.IdempotencyAt(key, v.now) }

func addSat(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// data is the whole store as it is on disk.
type data struct {
	Events map[string]*events  `json:"events"`
	Sums   map[string]*amounts `json:"sums"`
	Idem   map[string]*idem    `json:"idempotency"`
}

// events is one key's event window: the window and the event times (Unix
// nanoseconds, ascending).
type events struct {
	W int64   `json:"window"`
	T []int64 `json:"t"`
}

// amounts is one key's sum window: the window and (time, amount) pairs,
// ascending by time.
type amounts struct {
	W int64      `json:"window"`
	E [][2]int64 `json:"e"`
}

// idem is one idempotency key: the parameters hash and its expiry.
type idem struct {
	H string `json:"hash"`
	X int64  `json:"expires"`
}

func newData() *data {
	return &data{Events: map[string]*events{}, Sums: map[string]*amounts{}, Idem: map[string]*idem{}}
}

func (w *events) prune(now time.Time) {
	from := now.UnixNano() - w.W
	i := sort.Search(len(w.T), func(i int) bool { return w.T[i] > from })
	w.T = append(w.T[:0:0], w.T[i:]...)
}

func (w *amounts) prune(now time.Time) {
	from := now.UnixNano() - w.W
	i := sort.Search(len(w.E), func(i int) bool { return w.E[i][0] > from })
	w.E = append(w.E[:0:0], w.E[i:]...)
}

// prune drops, across every key, what has left its window at now, so that
// keys nobody touches any more do not grow the store.
func (d *data) prune(now time.Time) {
	if now.IsZero() {
		return
	}
	for k, w := range d.Events {
		w.prune(now)
		if len(w.T) == 0 {
			delete(d.Events, k)
		}
	}
	for k, w := range d.Sums {
		w.prune(now)
		if len(w.E) == 0 {
			delete(d.Sums, k)
		}
	}
	n := now.UnixNano()
	for k, e := range d.Idem {
		if e.X <= n {
			delete(d.Idem, k)
		}
	}
}

// envelope is the file: the format, a checksum of the data's exact bytes,
// and the data.
type envelope struct {
	Format string          `json:"format"`
	SHA256 string          `json:"sha256"`
	Data   json.RawMessage `json:"data"`
}

func encode(d *data) ([]byte, error) {
	body, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	var b bytes.Buffer
	b.Grow(len(body) + 128)
	fmt.Fprintf(&b, `{"format":%q,"sha256":%q,"data":`, format, hex.EncodeToString(sum[:]))
	b.Write(body)
	b.WriteString("}\n")
	return b.Bytes(), nil
}

func decode(b []byte) (*data, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("not a state file: %w", err)
	}
	if dec.More() {
		return nil, errors.New("data after the state object")
	}
	if env.Format != format {
		return nil, fmt.Errorf("format %q, want %q", env.Format, format)
	}
	sum := sha256.Sum256(env.Data)
	if hex.EncodeToString(sum[:]) != env.SHA256 {
		return nil, errors.New("checksum mismatch")
	}
	d := &data{}
	dec = json.NewDecoder(bytes.NewReader(env.Data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(d); err != nil {
		return nil, fmt.Errorf("bad data: %w", err)
	}
	if d.Events == nil || d.Sums == nil || d.Idem == nil {
		return nil, errors.New("missing section")
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

// check rejects values the store never writes.
func (d *data) check() error {
	for k, w := range d.Events {
		if w == nil || w.W <= 0 {
			return fmt.Errorf("events %q: bad window", k)
		}
		for i := 1; i < len(w.T); i++ {
			if w.T[i] < w.T[i-1] {
				return fmt.Errorf("events %q: times out of order", k)
			}
		}
	}
	for k, w := range d.Sums {
		if w == nil || w.W <= 0 {
			return fmt.Errorf("sums %q: bad window", k)
		}
		for i, e := range w.E {
			if e[1] <= 0 {
				return fmt.Errorf("sums %q: non-positive amount", k)
			}
			if i > 0 && e[0] < w.E[i-1][0] {
				return fmt.Errorf("sums %q: times out of order", k)
			}
		}
	}
	for k, e := range d.Idem {
		if e == nil || e.H == "" {
			return fmt.Errorf("idempotency %q: no hash", k)
		}
	}
	return nil
}
