// Package fsx opens the files aport reads and writes on the hook path so
// that no file can make the hook wait: a FIFO or a device in a file's place
// is refused at once instead of blocking the open.
package fsx

import (
	"errors"
	"os"
	"syscall"
)

// ErrNotRegular is wrapped by OpenRegular's error for a FIFO, a device, a
// directory or anything else but a regular file.
var ErrNotRegular = errors.New("not a regular file")

// OpenRegular opens path with O_NONBLOCK, so that a FIFO or device in its
// place cannot block the open (reading a FIFO nobody writes, or writing one
// nobody reads, waits for ever), and refuses anything that is not a regular
// file. On a regular file O_NONBLOCK changes nothing.
func OpenRegular(path string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|syscall.O_NONBLOCK, perm)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return f, nil
}
