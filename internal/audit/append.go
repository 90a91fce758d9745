package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aporthq/aport/internal/filelock"
	"github.com/aporthq/aport/internal/keys"
)

// Options says where the log and its signing key are.
type Options struct {
	Path            string        // the live log file; rotated segments are Path.1, Path.2, ...
	KeyPath         string        // the Ed25519 private key, created on first use
	LockTimeout     time.Duration // how long to wait for the log's lock; default 8s
	MaxSegmentBytes int64         // rotate once the live file is this large; default 64 MiB
}

const (
	defaultLockTimeout = 8 * time.Second
	defaultMaxSegment  = 64 << 20
	// MaxLineBytes bounds one line; Verify rejects longer lines and Append
	// never writes one (the input is capped at MaxInputBytes).
	MaxLineBytes = 1 << 20
)

// LockPath is the lock file beside the log.
func LockPath(path string) string { return path + ".lock" }

// Append signs ev and adds it to the log. It fills Seq, PrevHash, Kid, Hash,
// Signature (and SegmentPrev, Recovered when they apply); the caller fills
// the rest. It returns only once the line is on disk. Any failure is
// returned; nothing is written in that case, or only a partial line that the
// next Append recovers from.
func Append(opt Options, ev *Event) (err error) {
	if opt.Path == "" {
		return errors.New("audit: no log path")
	}
	if opt.KeyPath == "" {
		return errors.New("audit: no signing key path")
	}
	if opt.LockTimeout <= 0 {
		opt.LockTimeout = defaultLockTimeout
	}
	if opt.MaxSegmentBytes <= 0 {
		opt.MaxSegmentBytes = defaultMaxSegment
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("audit: append: internal error: %v", r)
		}
	}()
	key, err := keys.LoadOrCreate(opt.KeyPath)
	if err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	dir := filepath.Dir(opt.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("audit log directory: %w", err)
	}

	deadline := time.Now().Add(opt.LockTimeout)
	unlock, lockFile, err := filelock.AcquireStat(LockPath(opt.Path), opt.LockTimeout)
	if err != nil {
		if errors.Is(err, filelock.ErrTimeout) {
			return fmt.Errorf("audit log %s: lock %s held by another process for more than %s", opt.Path, LockPath(opt.Path), opt.LockTimeout)
		}
		return fmt.Errorf("audit log %s: lock: %w", opt.Path, err)
	}
	defer unlock()

	return appendLocked(opt, key, ev, lockFile, deadline)
}

// errRetry means the live file changed before it was locked (created,
// rotated or replaced by another appender): start over with the file now at
// the path.
var errRetry = errors.New("audit: the live log changed; retry")

func appendLocked(opt Options, key *keys.Key, ev *Event, lockFile os.FileInfo, deadline time.Time) error {
	for i := 0; ; i++ {
		err := appendOnce(opt, key, ev, lockFile, deadline)
		if err != errRetry {
			return err
		}
		if i >= 100 || !time.Now().Before(deadline) {
			return fmt.Errorf("audit log %s: the live file kept changing while appending", opt.Path)
		}
	}
}

func appendOnce(opt Options, key *keys.Key, ev *Event, lockFile os.FileInfo, deadline time.Time) error {
	// The live file is created only once the checks below pass: a head
	// record with no log must stay an error, not become an empty log.
	f, err := openRegular(opt.Path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("audit log: %w", err)
	}
	var size int64
	var t tail
	if f != nil {
		defer f.Close()
		if st, err := f.Stat(); err == nil && os.SameFile(st, lockFile) {
			// Locking the live file too would wait on our own lock.
			return fmt.Errorf("audit log %s: the lock file %s is the live log itself (a hard link), so appends cannot be serialised; remove the lock file (rm %s) and the next append makes a new one", opt.Path, LockPath(opt.Path), LockPath(opt.Path))
		}
		// The lock file serialises appenders, and the live file is locked
		// as well: if the lock file is deleted or replaced while appenders
		// queue, they hold different lock files, and this lock still keeps
		// them from reading the same tail. Uncontended otherwise.
		unlock, locked, err := filelock.AcquireExisting(opt.Path, time.Until(deadline))
		if errors.Is(err, fs.ErrNotExist) {
			return errRetry
		}
		if err != nil {
			return fmt.Errorf("audit log %s: lock: %w", opt.Path, err)
		}
		defer unlock()
		st, err := f.Stat()
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		if !os.SameFile(st, locked) {
			return errRetry
		}
		size = st.Size()
		if t, err = readTail(f, size); err != nil {
			return fmt.Errorf("audit log %s: %w", opt.Path, err)
		}
	}
	hd, err := readHead(opt.Path)
	if err != nil {
		if f == nil && liveExists(opt.Path) {
			return errRetry
		}
		return fmt.Errorf("audit log %s: the head record %s is unreadable (%v), so the end of the log cannot be checked and no event is written. Run `aport audit verify` to see the state of the log; if it verifies, move the head record aside (mv %s %s.damaged) and the next append writes a new one", opt.Path, HeadPath(opt.Path), err, HeadPath(opt.Path), HeadPath(opt.Path))
	}
	last, segPrev := t.last, ""
	if last == nil {
		// No event in the live file yet (new, or only crash debris):
		// continue from the newest rotated segment, if any.
		seg, segLast, err := lastSegmentEvent(opt.Path)
		if err != nil {
			return err
		}
		if segLast != nil {
			last, segPrev = segLast, filepath.Base(seg)
		}
	}
	if err := checkHead(opt.Path, hd, last); err != nil {
		if f == nil && liveExists(opt.Path) {
			// Read without the live file's lock: another appender (one
			// that holds a replaced lock file) created it and wrote
			// meanwhile. Check again, under that lock.
			return errRetry
		}
		return err
	}
	if f == nil {
		// Create the live file, then start over to lock it like any other.
		nf, err := openRegular(opt.Path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("audit log: %w", err)
		}
		if nf != nil {
			nf.Close()
			syncDir(filepath.Dir(opt.Path))
		}
		return errRetry
	}
	if !t.partial && size >= opt.MaxSegmentBytes {
		// Rename the full file to the next segment; the next attempt
		// creates the new live file and chains from the segment's last
		// event, with segment_prev.
		if _, err := rotate(opt.Path); err != nil {
			return err
		}
		return errRetry
	}
	prevHash, prevSeq := Genesis, int64(0)
	if last != nil {
		prevHash, prevSeq = last.Hash, last.Seq
	}
	newFile := size == 0

	ev.Seq = prevSeq + 1
	ev.PrevHash = prevHash
	ev.SegmentPrev = segPrev
	ev.Recovered = nil
	ev.Kid = key.ID
	if ev.Event == KindDecision {
		ev.Event = ""
	}
	ev.sanitize()

	var line []byte
	if t.partial {
		// Terminate the partial bytes so they become a line of their own.
		line = append(line, '\n')
	}
	if t.partial {
		// the partial line and the newline that closes it
		ev.Recovered = &Recovered{AfterSeq: prevSeq, Bytes: t.skipped + 1}
	}
	var scratch []byte
	ev.Hash, scratch = ev.computeHash(scratch)
	ev.Signature = "ed25519:" + base64.StdEncoding.EncodeToString(key.Sign([]byte(ev.Hash)))
	start := len(line)
	line = ev.canonical(append(line, scratch[:0]...), true)
	// Never write a line that verify would reject.
	if back, err := Parse(line[start:]); err != nil || back.Hash != ev.Hash {
		return fmt.Errorf("audit: internal error: the event does not read back in canonical form (%v)", err)
	}
	line = append(line, '\n')
	if len(line) > MaxLineBytes {
		return fmt.Errorf("audit event is %d bytes, more than %d", len(line), MaxLineBytes)
	}

	n, err := f.Write(line)
	if err == nil && n != len(line) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(line))
	}
	if err != nil {
		// Take back what was written (a full disk may have cut the line,
		// or the newline that closes a partial one): the file stays as it
		// was, and the next append recovers from it as before.
		if n > 0 {
			_ = f.Truncate(size)
		}
		return fmt.Errorf("audit log: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("audit log: fsync: %w", err)
	}
	if newFile {
		syncDir(filepath.Dir(opt.Path))
	}
	return writeHead(opt.Path, ev.Seq, ev.Hash)
}

// checkHead compares the head record with the newest event in the log
// (last, nil when the log holds none). They agree when the head names last,
// or an earlier event: the head is rewritten after the log's fsync and is
// not synced, so a crash can leave it behind. Anything else means
// events were removed from the end, or the log or the head was replaced;
// appending would overwrite the head and hide it, so Append refuses. No
// head record at all is accepted: a log before its first head write.
func checkHead(path string, hd *head, last *Event) error {
	if hd == nil {
		return nil
	}
	recover := fmt.Sprintf("Run `aport audit verify` to see the damage; to start a new log, move the log and its head record aside (mv %s %s.damaged; mv %s %s.damaged.head), keeping them for investigation", path, path, HeadPath(path), path)
	switch {
	case last == nil:
		return fmt.Errorf("audit log %s: the head record %s says seq %d was written, but the log holds no event: the log was deleted or emptied. No event is written, so that stays visible. %s", path, HeadPath(path), hd.Seq, recover)
	case hd.Seq == last.Seq && hd.Hash == last.Hash:
		return nil
	case hd.Seq < last.Seq:
		// The head is written after the log's fsync and not synced itself,
		// so a crash or power loss can leave it behind the log, by one event
		// or several. A head behind hides nothing: verify reads the chain.
		return nil
	case hd.Seq > last.Seq:
		return fmt.Errorf("audit log %s: the log ends at seq %d, but the head record %s says seq %d was written: events were deleted from the end. No event is written, so that stays visible. %s", path, last.Seq, HeadPath(path), hd.Seq, recover)
	}
	return fmt.Errorf("audit log %s: its last event (seq %d) does not match the head record %s (seq %d, %s): the end of the log or the head record was replaced. No event is written, so that stays visible. %s", path, last.Seq, HeadPath(path), hd.Seq, hd.Hash, recover)
}

func liveExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// tail is what Append needs from the end of the log.
type tail struct {
	last    *Event // the last complete event; nil if the file holds none
	skipped int64  // bytes after last's line: the partial final line, if any
	partial bool   // the file does not end with a newline
}

// readTail reads the log backwards from its end: the last complete line,
// which must be an event, and after it at most one partial line with no
// newline. Append writes each line with its newline in one write call, so
// an interrupted append can leave only that: a complete line that is not an
// event is damage, and readTail returns an error rather than skip it. It
// reads two lines at most, whatever the log's size.
func readTail(f *os.File, size int64) (tail, error) {
	var t tail
	if size == 0 {
		return t, nil
	}
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return t, fmt.Errorf("read tail: %w", err)
	}
	end := size // end of the region holding complete lines
	if last[0] != '\n' {
		t.partial = true
		nl, err := lastNewline(f, size)
		if err != nil {
			return t, err
		}
		end = nl + 1
		t.skipped = size - end
	}
	if end == 0 {
		return t, nil // only a partial line: no event in this file
	}
	nl, err := lastNewline(f, end-1)
	if err != nil {
		return t, err
	}
	start := nl + 1
	line := make([]byte, end-1-start)
	if _, err := f.ReadAt(line, start); err != nil {
		return t, fmt.Errorf("read tail: %w", err)
	}
	e, err := Parse(line)
	if err == nil && (e.Hash == "" || e.Seq <= 0) {
		err = errors.New("no seq or hash")
	}
	if err == nil {
		if h, _ := e.computeHash(nil); h != e.Hash {
			err = errors.New("its content does not match its hash")
		}
	}
	if err != nil {
		return t, fmt.Errorf("the last complete line (at byte %d) is not a valid event (%s). An interrupted append leaves only a final line without a newline, so this line was damaged or replaced after it was written; no event is appended after it. Run `aport audit verify` to see the damage, then move the log and its head record aside to start a new log", start, shortErr(err))
	}
	t.last = e
	return t, nil
}

// lastNewline is the offset of the last '\n' before off, or -1.
func lastNewline(f *os.File, off int64) (int64, error) {
	const chunk = 8 << 10
	buf := make([]byte, chunk)
	limit := off - MaxLineBytes - 2
	for off > 0 {
		n := int64(chunk)
		if off < n {
			n = off
		}
		b := buf[:n]
		if _, err := f.ReadAt(b, off-n); err != nil && err != io.EOF {
			return 0, fmt.Errorf("read tail: %w", err)
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return off - n + int64(i), nil
		}
		off -= n
		if off < limit {
			return 0, fmt.Errorf("a line longer than %d bytes at the end of the log", MaxLineBytes)
		}
	}
	return -1, nil
}

// Segments lists the rotated segments of the log at path, oldest first
// (path.1, path.2, ...), without the live file.
func Segments(path string) ([]string, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("audit log directory: %w", err)
	}
	type seg struct {
		n    int
		name string
	}
	var segs []seg
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), base+".")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n <= 0 || strconv.Itoa(n) != rest {
			continue
		}
		segs = append(segs, seg{n, filepath.Join(dir, e.Name())})
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].n < segs[j].n })
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = s.name
	}
	return out, nil
}

func lastSegmentEvent(path string) (string, *Event, error) {
	segs, err := Segments(path)
	if err != nil || len(segs) == 0 {
		return "", nil, err
	}
	seg := segs[len(segs)-1]
	f, err := openRegular(seg, os.O_RDONLY, 0)
	if err != nil {
		return "", nil, fmt.Errorf("audit segment: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", nil, fmt.Errorf("audit segment: %w", err)
	}
	t, err := readTail(f, st.Size())
	if err != nil {
		return "", nil, fmt.Errorf("audit segment %s: %w", seg, err)
	}
	if t.last == nil || t.partial {
		return "", nil, fmt.Errorf("audit segment %s does not end with a complete event; `aport audit verify` names the damage", seg)
	}
	return seg, t.last, nil
}

// rotate renames the live file to the next segment number.
func rotate(path string) (string, error) {
	segs, err := Segments(path)
	if err != nil {
		return "", err
	}
	n := 1
	if len(segs) > 0 {
		last := segs[len(segs)-1]
		n, _ = strconv.Atoi(last[strings.LastIndexByte(last, '.')+1:])
		n++
	}
	seg := path + "." + strconv.Itoa(n)
	if _, err := os.Lstat(seg); err == nil {
		return "", fmt.Errorf("audit log: rotate: %s exists", seg)
	}
	if err := os.Rename(path, seg); err != nil {
		return "", fmt.Errorf("audit log: rotate: %w", err)
	}
	syncDir(filepath.Dir(path))
	return seg, nil
}
