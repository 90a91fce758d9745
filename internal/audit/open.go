package audit

import (
	"errors"
	"os"
	"syscall"
)

// errNotRegular is returned for a log segment or head record that is a FIFO,
// a device, a directory or anything else but a regular file.
var errNotRegular = errors.New("not a regular file")

// openRegular opens one of the log's files with O_NONBLOCK, so that a FIFO
// or device in its place cannot block the open (reading a FIFO nobody
// writes, or writing one nobody reads, would wait for ever), and refuses
// anything that is not a regular file. On a regular file O_NONBLOCK changes
// nothing.
func openRegular(path string, flag int, perm os.FileMode) (*os.File, error) {
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
		return nil, &os.PathError{Op: "open", Path: path, Err: errNotRegular}
	}
	return f, nil
}
