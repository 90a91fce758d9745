package audit

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// The head record, PATH.head, holds the seq and hash of the newest event,
// rewritten in place after every append. Without it, deleting whole events
// from the end of the log would leave a chain that verifies. It is not a
// defence against someone who can also rewrite the head file: for that,
// keep the `aport audit verify` summary (last seq and hash) somewhere the
// agent cannot write.

const headSize = 128

// HeadPath is the head record beside the log.
func HeadPath(path string) string { return path + ".head" }

type head struct {
	Hash string `json:"hash"`
	Seq  int64  `json:"seq"`
}

// writeHead overwrites the fixed-size head record with one write at offset 0.
func writeHead(path string, seq int64, hash string) error {
	// Written by hand: encoding/json's first use in a process costs more
	// than the rest of the append.
	b := appendJCSString([]byte(`{"hash":`), hash)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, '}')
	if len(b) >= headSize {
		return fmt.Errorf("audit head record too long")
	}
	rec := make([]byte, headSize)
	copy(rec, b)
	for i := len(b); i < headSize-1; i++ {
		rec[i] = ' '
	}
	rec[headSize-1] = '\n'
	f, err := openRegular(HeadPath(path), os.O_WRONLY|os.O_CREATE|syscall.O_NOFOLLOW, 0o600) // never through a symlink
	if err != nil {
		return fmt.Errorf("audit head record: %w", err)
	}
	if _, err := f.WriteAt(rec, 0); err != nil {
		f.Close()
		return fmt.Errorf("audit head record: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > headSize {
		if err := f.Truncate(headSize); err != nil {
			f.Close()
			return fmt.Errorf("audit head record: %w", err)
		}
	}
	return f.Close()
}

// readHead returns nil when there is no head record, or an empty one (a
// crash between creating the file and its first write). It parses by hand,
// accepting only what writeHead writes: encoding/json's first use costs more
// than the rest of an append.
func readHead(path string) (*head, error) {
	f, err := openRegular(HeadPath(path), os.O_RDONLY|syscall.O_NOFOLLOW, 0) // a symlink is not a head record
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4*headSize))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, nil
	}
	h, ok := parseHead(b)
	if !ok {
		return nil, fmt.Errorf("not a head record")
	}
	return h, nil
}

// parseHead reads {"hash":"sha256:<64 hex>","seq":N} followed by spaces and
// one newline.
func parseHead(b []byte) (*head, bool) {
	rest, ok := bytes.CutPrefix(b, []byte(`{"hash":"sha256:`))
	if !ok || len(rest) < 64 {
		return nil, false
	}
	for _, c := range rest[:64] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, false
		}
	}
	h := &head{Hash: "sha256:" + string(rest[:64])}
	rest, ok = bytes.CutPrefix(rest[64:], []byte(`","seq":`))
	if !ok {
		return nil, false
	}
	end := bytes.IndexByte(rest, '}')
	if end <= 0 || end > 19 || rest[0] == '0' {
		return nil, false
	}
	for _, c := range rest[:end] {
		if c < '0' || c > '9' {
			return nil, false
		}
	}
	seq, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil || seq <= 0 {
		return nil, false
	}
	h.Seq = seq
	tail := bytes.TrimLeft(rest[end+1:], " ")
	if string(tail) != "\n" {
		return nil, false
	}
	return h, true
}
