// Package state is aport's store for everything that spans tool calls: the
// event windows behind rate limits, the per-day sums behind refund caps, and
// keyed values with an expiry (refund idempotency keys, and the short-lived
// markers that pair the hook events of one action).
//
// Every hook invocation is a new process. Update takes an exclusive
// cross-process lock (a lock file, waited on for at most the lock timeout),
// opens the store (a bbolt file), runs the caller's function in one bbolt
// write transaction, and commits it (fsync) before it releases the lock, or
// rolls it back. bbolt's copy-on-write pages and double meta page make every
// commit atomic, so a crash at any point leaves the last committed state. A
// store that cannot be read back (bad meta page, a value whose checksum does
// not match, a panic inside the store) is reported as ErrCorrupt and never
// silently reset: the caller denies.
//
// The store is not a database for anything else: it holds only what the
// evaluator needs, bounded by pruning every window on write, and decides
// nothing itself.
package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/aporthq/aport/internal/filelock"
)

// File names inside the store directory.
const (
	DataFile = "state.db"
	LockFile = "state.lock"
)

const (
	// DefaultLockTimeout is used when Open is given a non-positive timeout.
	DefaultLockTimeout = 5 * time.Second
	// MinIdempotencyTTL is how long an idempotency key is kept at least.
	MinIdempotencyTTL = 24 * time.Hour
)

var (
	bucketEvents = []byte("events")
	bucketSums   = []byte("sums")
	bucketIdem   = []byte("idempotency")
)

// ErrCorrupt is returned (wrapped) by Update when the store exists but cannot
// be read. The full message names the file and how to reset it.
var ErrCorrupt = errors.New("state store is corrupt")

// ErrLockTimeout is returned (wrapped) by Update when the store's lock could
// not be taken within the Store's lock timeout.
var ErrLockTimeout = filelock.ErrTimeout

// errNoChange rolls back a transaction that wrote nothing.
var errNoChange = errors.New("no change")

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
// Update returns nil; if fn returns an error or panics, or the store turns
// out corrupt, or the commit fails, nothing is committed and Update returns
// the error. tx must not be used after fn returns.
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
	// A panic from here on comes from the store reading pages it cannot
	// make sense of (fn's own panics are caught closer to it). A fault on
	// the memory-mapped file (a file cut short) becomes such a panic too,
	// rather than killing the process.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = s.corrupt(fmt.Errorf("reading it panicked: %v", r))
		}
	}()

	db, err := s.openDB()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("state: closing %s: %w", db.Path(), cerr)
		}
	}()

	err = db.Update(func(btx *bolt.Tx) error {
		tx := &Tx{b: btx, ev: map[string]*events{}, sm: map[string]*amounts{}, id: map[string]*idem{}}
		defer func() { tx.closed = true }()
		ferr := run(fn, tx)
		tx.sealed = true
		if tx.err != nil {
			return tx.err
		}
		if ferr != nil {
			return ferr
		}
		if !tx.dirty {
			return errNoChange
		}
		return tx.commit()
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	var ce corruptValue
	if errors.As(err, &ce) {
		return s.corrupt(err)
	}
	return err
}

// run calls fn, turning a panic into an error so that it rolls back.
func run(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("state: update panicked: %v", r)
		}
	}()
	return fn(tx)
}

// openDB opens the bbolt file, creating it first if it does not exist. The
// caller holds the lock. A new store is initialised in a temp file and
// renamed into place, so that a crash while it is being created never leaves
// a half-written store behind; an existing file is never re-initialised
// (bbolt would silently reset an empty one).
func (s *Store) openDB() (*bolt.DB, error) {
	p := filepath.Join(s.dir, DataFile)
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := s.create(p); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("state: %w", err)
	case !fi.Mode().IsRegular():
		return nil, s.corrupt(errors.New("not a regular file"))
	case fi.Size() == 0:
		return nil, s.corrupt(errors.New("empty file"))
	}
	db, err := bolt.Open(p, 0o600, &bolt.Options{
		Timeout: s.lockTimeout,
		// Never create here: see create.
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			return os.OpenFile(name, flag&^os.O_CREATE, perm)
		},
	})
	if err == nil {
		return db, nil
	}
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("state: %w %s after %s", ErrLockTimeout, p, s.lockTimeout)
	}
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("state: opening %s: %w", p, err)
	}
	return nil, s.corrupt(err)
}

func (s *Store) create(p string) error {
	f, err := os.CreateTemp(s.dir, DataFile+".new-*")
	if err != nil {
		return fmt.Errorf("state: creating %s: %w", p, err)
	}
	tmp := f.Name()
	f.Close()
	defer os.Remove(tmp) // gone after a successful rename
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("state: creating %s: %w", p, err)
	}
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: s.lockTimeout})
	if err != nil {
		return fmt.Errorf("state: creating %s: %w", p, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketEvents, bucketSums, bucketIdem} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("state: creating %s: %w", p, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("state: creating %s: %w", p, err)
	}
	if err := syncDir(s.dir); err != nil {
		return fmt.Errorf("state: syncing directory %s: %w", s.dir, err)
	}
	// Stores that killed creators left half-made: nobody else can be
	// making one now, since we hold the lock.
	if old, _ := filepath.Glob(p + ".new-*"); len(old) > 0 {
		for _, o := range old {
			_ = os.Remove(o)
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) && !errors.Is(err, fs.ErrPermission) {
		return err // directories cannot be synced on some systems (Windows)
	}
	return nil
}

// lock takes the store's exclusive file lock, waiting at most the lock
// timeout (waiters queue in the kernel; see internal/filelock).
func (s *Store) lock() (func() error, error) {
	path := filepath.Join(s.dir, LockFile)
	unlock, locked, err := filelock.AcquireStat(path, s.lockTimeout)
	if err != nil && errors.Is(err, fs.ErrNotExist) {
		if merr := os.MkdirAll(s.dir, 0o700); merr != nil {
			return nil, fmt.Errorf("state: creating the state directory: %w", merr)
		}
		unlock, locked, err = filelock.AcquireStat(path, s.lockTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("state: locking %s: %w", path, err)
	}
	// The database takes its own lock on state.db: if the lock file is that
	// file under a second name (a hard link or a symlink), it would wait on
	// this lock until its timeout.
	if db, err := os.Stat(filepath.Join(s.dir, DataFile)); err == nil && os.SameFile(db, locked) {
		unlock()
		return nil, fmt.Errorf("state: the lock file %s is the database %s under another name (a link), so the store cannot be locked; remove the lock file (rm %s) and the next call makes a new one", path, DataFile, path)
	}
	return unlock, nil
}

// corrupt wraps ErrCorrupt with the file, the problem and the way out.
func (s *Store) corrupt(err error) error {
	p := filepath.Join(s.dir, DataFile)
	return fmt.Errorf("state: %w: %s: %v; to reset the rate-limit counters, daily caps and idempotency keys, delete %s and run `aport doctor`", ErrCorrupt, p, err, p)
}

// corruptValue is a stored value that does not decode.
type corruptValue struct{ bucket, key string }

func (e corruptValue) Error() string {
	return fmt.Sprintf("%s %q: bad value (checksum or length)", e.bucket, e.key)
}

// Tx is the view of the store inside one Update. Values are decoded (and
// their checksums checked) when first used; a commit checks and prunes every
// value. Using a Tx after its Update has returned reads as a corrupt store
// (Count and Sum at their maximum) and writes nothing.
type Tx struct {
	b      *bolt.Tx
	ev     map[string]*events  // nil value: known absent
	sm     map[string]*amounts // nil value: known absent
	id     map[string]*idem    // nil value: known absent
	dirty  bool
	sealed bool      // fn has returned: no more writes
	closed bool      // the transaction is over: no more reads
	err    error     // the first corrupt value seen; fails the Update
	now    time.Time // the latest time any write was made at; prunes on commit
}

func (tx *Tx) fail(bucket []byte, key string) {
	if tx.err == nil {
		tx.err = corruptValue{string(bucket), key}
	}
}

func (tx *Tx) touch(now time.Time) bool {
	if tx.sealed || tx.err != nil {
		return false
	}
	tx.dirty = true
	if now.After(tx.now) {
		tx.now = now
	}
	return true
}

func (tx *Tx) get(bucket []byte, key string) []byte {
	b := tx.b.Bucket(bucket)
	if b == nil {
		return nil
	}
	return b.Get([]byte(key))
}

// events returns key's window, nil if absent; bad reports a corrupt value.
func (tx *Tx) events(key string) (w *events, bad bool) {
	if tx.closed {
		return nil, true
	}
	if w, ok := tx.ev[key]; ok {
		return w, false
	}
	if v := tx.get(bucketEvents, key); v != nil {
		var err error
		if w, err = decodeEvents(v); err != nil {
			tx.fail(bucketEvents, key)
			return nil, true
		}
	}
	tx.ev[key] = w
	return w, false
}

func (tx *Tx) amounts(key string) (w *amounts, bad bool) {
	if tx.closed {
		return nil, true
	}
	if w, ok := tx.sm[key]; ok {
		return w, false
	}
	if v := tx.get(bucketSums, key); v != nil {
		var err error
		if w, err = decodeAmounts(v); err != nil {
			tx.fail(bucketSums, key)
			return nil, true
		}
	}
	tx.sm[key] = w
	return w, false
}

func (tx *Tx) idem(key string) (e *idem, bad bool) {
	if tx.closed {
		return nil, true
	}
	if e, ok := tx.id[key]; ok {
		return e, false
	}
	if v := tx.get(bucketIdem, key); v != nil {
		var err error
		if e, err = decodeIdem(v); err != nil {
			tx.fail(bucketIdem, key)
			return nil, true
		}
	}
	tx.id[key] = e
	return e, false
}

// Count returns the number of events recorded under key within the window
// ending at now. Events stamped after now (a clock that went backwards) are
// counted too, so that turning the clock back never frees up a limit. On a
// corrupt value it returns math.MaxInt32 (and Update fails with ErrCorrupt).
func (tx *Tx) Count(key string, window time.Duration, now time.Time) int {
	w, bad := tx.events(key)
	if bad {
		return math.MaxInt32
	}
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
	if window <= 0 || key == "" {
		return
	}
	w, bad := tx.events(key)
	if bad || !tx.touch(now) {
		return
	}
	if w == nil {
		w = &events{}
		tx.ev[key] = w
	}
	w.W = int64(window)
	w.dirty = true
	t := now.UnixNano()
	i := sort.Search(len(w.T), func(i int) bool { return w.T[i] > t })
	w.T = append(w.T, 0)
	copy(w.T[i+1:], w.T[i:])
	w.T[i] = t
	w.prune(now)
}

// Sum returns the sum of the amounts added under key within the window
// ending at now (amounts stamped after now included, as for Count). The sum
// saturates at math.MaxInt64, which is also what a corrupt value returns.
func (tx *Tx) Sum(key string, window time.Duration, now time.Time) int64 {
	w, bad := tx.amounts(key)
	if bad {
		return math.MaxInt64
	}
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
	if amount <= 0 || window <= 0 || key == "" {
		return
	}
	w, bad := tx.amounts(key)
	if bad || !tx.touch(now) {
		return
	}
	if w == nil {
		w = &amounts{}
		tx.sm[key] = w
	}
	w.W = int64(window)
	w.dirty = true
	t := now.UnixNano()
	i := sort.Search(len(w.E), func(i int) bool { return w.E[i][0] > t })
	w.E = append(w.E, [2]int64{})
	copy(w.E[i+1:], w.E[i:])
	w.E[i] = [2]int64{t, amount}
	w.prune(now)
}

// badHash is what a corrupt idempotency value reads as: present, and equal
// to no real parameters hash.
const badHash = "corrupt"

// Idempotency returns the parameters hash stored under an idempotency key.
// A key whose TTL has run out may still be returned until the next write
// prunes it; use IdempotencyAt to respect the TTL exactly.
func (tx *Tx) Idempotency(key string) (paramsHash string, ok bool) {
	e, bad := tx.idem(key)
	if bad {
		return badHash, true
	}
	if e == nil {
		return "", false
	}
	return e.H, true
}

// IdempotencyAt is Idempotency for a key still within its TTL at now.
func (tx *Tx) IdempotencyAt(key string, now time.Time) (paramsHash string, ok bool) {
	e, bad := tx.idem(key)
	if bad {
		return badHash, true
	}
	if e == nil || e.X <= now.UnixNano() {
		return "", false
	}
	return e.H, true
}

// PutIdempotency stores paramsHash under key until now+ttl; a ttl shorter
// than MinIdempotencyTTL is raised to it. Storing a key again replaces it.
func (tx *Tx) PutIdempotency(key, paramsHash string, ttl time.Duration, now time.Time) {
	if key == "" || paramsHash == "" {
		return
	}
	if _, bad := tx.idem(key); bad || !tx.touch(now) {
		return
	}
	if ttl < MinIdempotencyTTL {
		ttl = MinIdempotencyTTL
	}
	tx.id[key] = &idem{H: paramsHash, X: now.Add(ttl).UnixNano(), dirty: true}
}

// PutMarker stores value under key until exactly now+ttl: a short-lived
// entry of the idempotency bucket (same encoding, read with IdempotencyAt,
// pruned at its expiry like an idempotency key), without the minimum TTL
// that idempotency keys have. aport keeps the action markers here that let
// the two hook events of one action be counted once. A non-positive ttl
// writes nothing.
func (tx *Tx) PutMarker(key, value string, ttl time.Duration, now time.Time) {
	if key == "" || value == "" || ttl <= 0 {
		return
	}
	if _, bad := tx.idem(key); bad || !tx.touch(now) {
		return
	}
	tx.id[key] = &idem{H: value, X: now.Add(ttl).UnixNano(), dirty: true}
}

// DeleteMarker removes the entry under key (a marker or an idempotency
// key) as of now: it is absent to IdempotencyAt at now and later, and gone
// from the store once committed. An absent key writes nothing.
func (tx *Tx) DeleteMarker(key string, now time.Time) {
	e, bad := tx.idem(key)
	if bad || e == nil || e.X <= now.UnixNano() || !tx.touch(now) {
		return
	}
	// An entry expired at now: IdempotencyAt(now) no longer sees it and
	// commit (at a time not before now) deletes it.
	tx.id[key] = &idem{H: e.H, X: now.UnixNano(), dirty: true}
}

// commit writes back what changed and prunes, across every key, what has
// left its window at the transaction's latest time, so that keys nobody
// touches any more do not grow the store.
func (tx *Tx) commit() error {
	bEv, err := tx.b.CreateBucketIfNotExists(bucketEvents)
	if err != nil {
		return err
	}
	bSm, err := tx.b.CreateBucketIfNotExists(bucketSums)
	if err != nil {
		return err
	}
	bId, err := tx.b.CreateBucketIfNotExists(bucketIdem)
	if err != nil {
		return err
	}
	now := tx.now
	// Load every key not loaded yet, so that the whole store is checked
	// and pruned.
	var keys []string
	for _, b := range []struct {
		bk   *bolt.Bucket
		name []byte
		load func(string)
	}{
		{bEv, bucketEvents, func(k string) { tx.events(k) }},
		{bSm, bucketSums, func(k string) { tx.amounts(k) }},
		{bId, bucketIdem, func(k string) { tx.idem(k) }},
	} {
		keys = keys[:0]
		if err := b.bk.ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil }); err != nil {
			return err
		}
		for _, k := range keys {
			b.load(k)
		}
	}
	if tx.err != nil {
		return tx.err
	}
	for k, w := range tx.ev {
		if w == nil {
			continue
		}
		if n := len(w.T); w.prune(now) != n {
			w.dirty = true
		}
		if err := put(bEv, k, w.dirty, len(w.T) == 0, w.encode); err != nil {
			return err
		}
	}
	for k, w := range tx.sm {
		if w == nil {
			continue
		}
		if n := len(w.E); w.prune(now) != n {
			w.dirty = true
		}
		if err := put(bSm, k, w.dirty, len(w.E) == 0, w.encode); err != nil {
			return err
		}
	}
	n := now.UnixNano()
	for k, e := range tx.id {
		if e == nil {
			continue
		}
		if err := put(bId, k, e.dirty || e.X <= n, e.X <= n, e.encode); err != nil {
			return err
		}
	}
	return nil
}

func put(b *bolt.Bucket, key string, dirty, gone bool, encode func() []byte) error {
	switch {
	case gone:
		return b.Delete([]byte(key))
	case dirty:
		return b.Put([]byte(key), encode())
	}
	return nil
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

// events is one key's event window: the window and the event times (Unix
// nanoseconds, ascending).
type events struct {
	W     int64
	T     []int64
	dirty bool
}

// amounts is one key's sum window: the window and (time, amount) pairs,
// ascending by time.
type amounts struct {
	W     int64
	E     [][2]int64
	dirty bool
}

// idem is one idempotency key: the parameters hash and its expiry.
type idem struct {
	H     string
	X     int64
	dirty bool
}

// prune drops events at or before now-window and returns how many are left.
func (w *events) prune(now time.Time) int {
	if now.IsZero() {
		return len(w.T)
	}
	from := now.UnixNano() - w.W
	i := sort.Search(len(w.T), func(i int) bool { return w.T[i] > from })
	if i > 0 {
		w.T = append(w.T[:0:0], w.T[i:]...)
	}
	return len(w.T)
}

func (w *amounts) prune(now time.Time) int {
	if now.IsZero() {
		return len(w.E)
	}
	from := now.UnixNano() - w.W
	i := sort.Search(len(w.E), func(i int) bool { return w.E[i][0] > from })
	if i > 0 {
		w.E = append(w.E[:0:0], w.E[i:]...)
	}
	return len(w.E)
}

// Values on disk: a version byte, fixed-width big-endian fields, and a
// CRC-32C of everything before it.
const valueVersion = 1

// castagnoli is built on first use: building it costs about 0.4 ms, which
// every hook process would otherwise pay at start-up whether or not it
// touches the store.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

func seal(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli()))
}

// unseal checks a value's version and checksum and returns its fields.
func unseal(v []byte) ([]byte, bool) {
	if len(v) < 5 || v[0] != valueVersion {
		return nil, false
	}
	body, sum := v[:len(v)-4], binary.BigEndian.Uint32(v[len(v)-4:])
	if crc32.Checksum(body, castagnoli()) != sum {
		return nil, false
	}
	return body[1:], true
}

func (w *events) encode() []byte {
	b := make([]byte, 0, 1+8+8*len(w.T)+4)
	b = append(b, valueVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(w.W))
	for _, t := range w.T {
		b = binary.BigEndian.AppendUint64(b, uint64(t))
	}
	return seal(b)
}

func decodeEvents(v []byte) (*events, error) {
	f, ok := unseal(v)
	if !ok || len(f) < 8 || len(f)%8 != 0 {
		return nil, errors.New("bad value")
	}
	w := &events{W: int64(binary.BigEndian.Uint64(f))}
	if w.W <= 0 {
		return nil, errors.New("bad window")
	}
	for f = f[8:]; len(f) > 0; f = f[8:] {
		t := int64(binary.BigEndian.Uint64(f))
		if n := len(w.T); n > 0 && t < w.T[n-1] {
			return nil, errors.New("times out of order")
		}
		w.T = append(w.T, t)
	}
	return w, nil
}

func (w *amounts) encode() []byte {
	b := make([]byte, 0, 1+8+16*len(w.E)+4)
	b = append(b, valueVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(w.W))
	for _, e := range w.E {
		b = binary.BigEndian.AppendUint64(b, uint64(e[0]))
		b = binary.BigEndian.AppendUint64(b, uint64(e[1]))
	}
	return seal(b)
}

func decodeAmounts(v []byte) (*amounts, error) {
	f, ok := unseal(v)
	if !ok || len(f) < 8 || (len(f)-8)%16 != 0 {
		return nil, errors.New("bad value")
	}
	w := &amounts{W: int64(binary.BigEndian.Uint64(f))}
	if w.W <= 0 {
		return nil, errors.New("bad window")
	}
	for f = f[8:]; len(f) > 0; f = f[16:] {
		e := [2]int64{int64(binary.BigEndian.Uint64(f)), int64(binary.BigEndian.Uint64(f[8:]))}
		if e[1] <= 0 {
			return nil, errors.New("non-positive amount")
		}
		if n := len(w.E); n > 0 && e[0] < w.E[n-1][0] {
			return nil, errors.New("times out of order")
		}
		w.E = append(w.E, e)
	}
	return w, nil
}

func (e *idem) encode() []byte {
	b := make([]byte, 0, 1+8+len(e.H)+4)
	b = append(b, valueVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(e.X))
	b = append(b, e.H...)
	return seal(b)
}

func decodeIdem(v []byte) (*idem, error) {
	f, ok := unseal(v)
	if !ok || len(f) < 9 {
		return nil, errors.New("bad value")
	}
	return &idem{X: int64(binary.BigEndian.Uint64(f)), H: string(f[8:])}, nil
}
