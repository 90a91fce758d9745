package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
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
	f, err := openRegular(HeadPath(path), os.O_WRONLY|os.O_CREATE, 0o600)
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

// readHead returns nil when there is no head record.
func readHead(path string) (*head, error) {
	f, err := openRegular(HeadPath(path), os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
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
	var h head
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(b))), &h); err != nil || h.Seq <= 0 || !strings.HasPrefix(h.Hash, "sha256:") {
		return nil, fmt.Errorf("not a head record")
	}
	return &h, nil
}
