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
	// Read backwards in steps, cutting lines as their newlines appear, until
	// n lines are in hand or the file's start: the time is linear in what is
	// read. A line longer than any event is not kept, only noted, so what is
	// held stays within n lines of MaxLineBytes.
	var newestFirst []Record
	var pieces [][]byte // the line being cut, newest piece first
	length, tooLong, atEnd := 0, false, true
	emit := func() {
		if tooLong {
			newestFirst = append(newestFirst, Record{Segment: path}) // not an event
		} else {
			line := make([]byte, 0, length)
			for i := len(pieces) - 1; i >= 0; i-- {
				line = append(line, pieces[i]...)
			}
			// Line numbers are not known without reading the whole file;
			// Tail leaves them 0.
			newestFirst = append(newestFirst, record(path, 0, line))
		}
		pieces, length, tooLong = nil, 0, false
	}
	add := func(b []byte) {
		if length += len(b); length > MaxLineBytes {
			tooLong, pieces = true, nil
		} else if !tooLong && len(b) > 0 {
			pieces = append(pieces, b)
		}
	}
	for off := st.Size(); off > 0 && len(newestFirst) < n; {
		step := int64(64 << 10)
		if off < step {
			step = off
		}
		b := make([]byte, step)
		if _, err := f.ReadAt(b, off-step); err != nil && err != io.EOF {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		off -= step
		end := len(b)
		for i := len(b) - 1; i >= 0 && len(newestFirst) < n; i-- {
			if b[i] != '\n' {
				continue
			}
			add(b[i+1 : end])
			end = i
			if atEnd && length == 0 && !tooLong {
				atEnd = false // the newline that ends the file ends the last line
				continue
			}
			atEnd = false
			emit()
		}
		if len(newestFirst) < n {
			add(b[:end])
			if end > 0 {
				atEnd = false
			}
			if off == 0 && (length > 0 || tooLong) {
				emit() // the file's first line
			}
		}
	}
	out := make([]Record, len(newestFirst))
	for i, r := range newestFirst {
		out[len(out)-1-i] = r
	}
	return out, nil
}

// followStep bounds what Follow reads from the log at one poll.
const followStep = 4 << 20

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
	skipping := false
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
			off, partial, skipping = 0, nil, false // rotated: the new file starts over
		}
		ino = st
		if st.Size() == off {
			continue
		}
		f, err := openRegular(path, os.O_RDONLY, 0)
		if err != nil {
			continue
		}
		want := st.Size() - off
		if want > followStep {
			want = followStep // the rest at the next polls
		}
		b := make([]byte, want)
		n, _ := f.ReadAt(b, off)
		f.Close()
		b = b[:n]
		off += int64(n)
		if skipping { // the rest of a line too long to be an event
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				continue
			}
			b, skipping = b[i+1:], false
		}
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
		if len(partial) > MaxLineBytes {
			// not an event: say so once, and drop it up to its newline
			if !fn(Record{Segment: path}) {
				return nil
			}
			partial, skipping = nil, true
		}
	}
}
