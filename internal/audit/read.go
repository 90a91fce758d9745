package audit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Record is one line read back from the log, parsed when it is an event.
// Reading does not verify: `aport audit verify` does.
type Record struct {
	Segment string
	Line    int
	Raw     []byte // the line, without its newline
	Event   *Event // nil when the line is not an event
}

// Scan calls fn for every line of every segment of the log at path, oldest
// first, streaming. fn returning false stops the scan.
func Scan(path string, fn func(Record) bool) error {
	segs, err := Segments(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err == nil {
		segs = append(segs, path)
	} else if len(segs) == 0 || !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("audit log: %w", err)
	}
	for _, seg := range segs {
		more, err := scanFile(seg, 0, 1, fn)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func scanFile(path string, off int64, line int, fn func(Record) bool) (bool, error) {
	f, err := openRegular(path, os.O_RDONLY, 0)
	if err != nil {
		return false, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return false, fmt.Errorf("audit log: %w", err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	for ; ; line++ {
		b, err := readLine(br)
		if len(b) > 0 {
			if !fn(record(path, line, b)) {
				return false, nil
			}
		}
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("audit log %s: %w", path, err)
		}
	}
}

func record(path string, line int, b []byte) Record {
	r := Record{Segment: path, Line: line, Raw: b}
	if e, err := Parse(b); e != nil && err == nil {
		r.Event = e
	}
	return r
}

// readLine reads one line without its newline, at most MaxLineBytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		b, err := br.ReadSlice('\n')
		out = append(out, b...)
		if err == bufio.ErrBufferFull {
			if len(out) > MaxLineBytes {
				return nil, fmt.Errorf("line longer than %d bytes", MaxLineBytes)
			}
			continue
		}
		if n := len(out); n > 0 && out[n-1] == '\n' {
			out = out[:n-1]
		}
		return out, err
	}
}

// Tail returns the last n lines of the log (across segments when the live
// file holds fewer), oldest first, reading backwards from the end.
func Tail(path string, n int) ([]Record, error) {
	if n <= 0 {
		return nil, nil
	}
	segs, err := Segments(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		segs = append(segs, path)
	} else if len(segs) == 0 || !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	var out []Record
	for i := len(segs) - 1; i >= 0 && len(out) < n; i-- {
		recs, err := tailFile(segs[i], n-len(out))
		if err != nil {
			return nil, err
		}
		out = append(recs, out...)
	}
	return out, nil
}

func tailFile(path string, n int) ([]Record, error) {
	f, err := openRegular(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	// Read backwards until n+1 newlines are in hand (or the start).
	size := st.Size()
	var buf []byte
	off := size
	for off > 0 && bytes.Count(buf, []byte{'\n'}) <= n {
		step := int64(64 << 10)
		if off < step {
			step = off
		}
		b := make([]byte, step)
		if _, err := f.ReadAt(b, off-step); err != nil && err != io.EOF {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		buf = append(b, buf...)
		off -= step
	}
	buf = bytes.TrimSuffix(buf, []byte{'\n'})
	lines := bytes.Split(buf, []byte{'\n'})
	if off > 0 { // the first piece is the end of an earlier line
		lines = lines[1:]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	// Line numbers are not known without reading the whole file; Tail
	// leaves them 0.
	out := make([]Record, 0, len(lines))
	for _, l := range lines {
		if len(l) == 0 && size == 0 {
			continue
		}
		out = append(out, record(path, 0, l))
	}
	return out, nil
}

// Follow calls fn for each line appended to the live log after its current
// end, until ctx is done, polling every interval. It notices rotation (the
// live file replaced) and continues in the new file from its start.
func Follow(ctx context.Context, path string, interval time.Duration, fn func(Record) bool) error {
	st, err := os.Stat(path)
	var off int64
	if err == nil {
		off = st.Size()
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("audit log: %w", err)
	}
	var ino os.FileInfo = st
	var partial []byte
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		st, err := os.Stat(path)
		if err != nil {
			continue
		}
		if ino != nil && !os.SameFile(ino, st) || st.Size() < off {
			off, partial = 0, nil // rotated: the new file starts over
		}
		ino = st
		if st.Size() == off {
			continue
		}
		f, err := openRegular(path, os.O_RDONLY, 0)
		if err != nil {
			continue
		}
		b := make([]byte, st.Size()-off)
		n, _ := f.ReadAt(b, off)
		f.Close()
		b = b[:n]
		off += int64(n)
		b = append(partial, b...)
		for {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				break
			}
			if !fn(record(path, 0, b[:i])) {
				return nil
			}
			b = b[i+1:]
		}
		partial = append([]byte(nil), b...)
	}
}
