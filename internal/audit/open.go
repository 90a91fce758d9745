package audit

import (
	"os"

	"github.com/aporthq/aport/internal/fsx"
)

// errNotRegular is returned for a log segment or head record that is a FIFO,
// a device, a directory or anything else but a regular file.
var errNotRegular = fsx.ErrNotRegular

// openRegular opens one of the log's files without blocking and refuses
// anything that is not a regular file (fsx.OpenRegular).
func openRegular(path string, flag int, perm os.FileMode) (*os.File, error) {
	return fsx.OpenRegular(path, flag, perm)
}
