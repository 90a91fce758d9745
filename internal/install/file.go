package install

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/aporthq/aport/internal/atomicfile"
)

// MaxConfigSize bounds a hook configuration file aport will edit.
const MaxConfigSize = 4 << 20

// BackupSuffix names the copy of a configuration file as it was before
// aport's last change to it.
const BackupSuffix = ".aport-backup"

// Scopes.
const (
	ScopeUser    = "user"
	ScopeProject = "project"
	ScopeLocal   = "local"
)

// Target is one host configuration file.
type Target struct {
	Host  string
	Scope string
	Path  string      // as the host reads it
	Dir   fs.FileMode // mode for directories aport creates
	Mode  fs.FileMode // mode for a file aport creates
}

// TargetFor returns the configuration file of a host and scope. home is the
// user's home directory, cwd the project directory.
func TargetFor(host, scope, home, cwd string) (Target, error) {
	t := Target{Host: host, Scope: scope, Dir: 0o755, Mode: 0o644}
	if scope == ScopeUser {
		t.Dir, t.Mode = 0o700, 0o600
	}
	switch {
	case host == Claude && scope == ScopeUser:
		t.Path = filepath.Join(home, ".claude", "settings.json")
	case host == Claude && scope == ScopeProject:
		t.Path = filepath.Join(cwd, ".claude", "settings.json")
	case host == Claude && scope == ScopeLocal:
		t.Path = filepath.Join(cwd, ".claude", "settings.local.json")
	case host == Cursor && scope == ScopeUser:
		t.Path = filepath.Join(home, ".cursor", "hooks.json")
	case host == Cursor && scope == ScopeProject:
		t.Path = filepath.Join(cwd, ".cursor", "hooks.json")
	case host == Claude:
		return t, fmt.Errorf("unknown scope %q for claude-code (user, project, local)", scope)
	case host == Cursor:
		return t, fmt.Errorf("unknown scope %q for cursor (user, project)", scope)
	default:
		return t, fmt.Errorf("unknown host %q (claude-code, cursor)", host)
	}
	return t, nil
}

// Change is what install or uninstall would do to one file.
type Change struct {
	Target  Target
	Path    string // the file written: Target.Path with symlinks resolved
	Existed bool
	Old     []byte
	New     []byte
	Delete  bool // the file held nothing but aport's entries: remove it
}

// Changed reports whether applying the change would alter the file.
func (c *Change) Changed() bool {
	return c.Delete || !bytes.Equal(c.Old, c.New) || (!c.Existed && c.New != nil)
}

// PlanInstall computes the file with aport's entries running command.
func PlanInstall(t Target, command string) (*Change, error) {
	c, err := read(t)
	if err != nil {
		return nil, err
	}
	c.New, err = Merge(t.Host, c.Old, t.Path, command)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// PlanUninstall computes the file without aport's entries.
func PlanUninstall(t Target) (*Change, error) {
	c, err := read(t)
	if err != nil {
		return nil, err
	}
	if !c.Existed {
		return c, nil
	}
	c.New, c.Delete, err = Remove(t.Host, c.Old, t.Path)
	if err != nil {
		return nil, err
	}
	if !c.Delete && bytes.Equal(c.New, c.Old) {
		c.New = c.Old
	}
	return c, nil
}

func read(t Target) (*Change, error) {
	c := &Change{Target: t, Path: t.Path}
	if p, err := filepath.EvalSymlinks(t.Path); err == nil {
		c.Path = p
	}
	if t.Scope == ScopeProject || t.Scope == ScopeLocal {
		// A project's .claude or .cursor is the repository's to ship: a link
		// out of it must not make aport edit some other file of the user's.
		proj := filepath.Dir(filepath.Dir(t.Path))
		if r, err := filepath.EvalSymlinks(proj); err == nil {
			proj = r
		}
		if rel, err := filepath.Rel(proj, c.Path); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("%s is a link to %s, outside the project; aport does not edit it", t.Path, c.Path)
		}
	}
	b, existed, err := readFile(c.Path)
	if err != nil {
		return nil, err
	}
	c.Old, c.Existed = b, existed
	if !existed {
		c.Old = nil
	}
	return c, nil
}

func readFile(path string) ([]byte, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, false, fmt.Errorf("%s: not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > MaxConfigSize {
		return nil, false, fmt.Errorf("%s: larger than %d bytes; aport does not edit it", path, MaxConfigSize)
	}
	return b, true, nil
}

// ErrChangedMeanwhile is returned when the file changed between planning and
// writing: aport writes nothing rather than lose the other change.
var ErrChangedMeanwhile = errors.New("changed while aport was editing it")

// Apply writes the change: the previous content to the backup file (when
// there was a file), then the new content atomically (temporary file in the
// same directory, fsync, rename), keeping the file's mode. It returns the
// backup's path, or "" when there was no previous file.
func (c *Change) Apply() (backup string, err error) {
	if !c.Changed() {
		return "", nil
	}
	now, existed, err := readFile(c.Path)
	if err != nil {
		return "", err
	}
	if existed != c.Existed || !bytes.Equal(now, c.Old) {
		return "", fmt.Errorf("%s: %w; run the command again", c.Path, ErrChangedMeanwhile)
	}
	if c.Existed {
		backup = c.Path + BackupSuffix
		mode := fs.FileMode(0o600)
		if st, err := os.Stat(c.Path); err == nil {
			mode = st.Mode().Perm()
		}
		if err := os.Remove(backup); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("backup %s: %w", backup, err)
		}
		if err := atomicfile.Write(backup, c.Old, mode); err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
	}
	if c.Delete {
		if err := os.Remove(c.Path); err != nil {
			return backup, fmt.Errorf("remove %s: %w", c.Path, err)
		}
		return backup, nil
	}
	if err := os.MkdirAll(filepath.Dir(c.Path), c.Target.Dir); err != nil {
		return backup, fmt.Errorf("create %s: %w", filepath.Dir(c.Path), err)
	}
	if err := atomicfile.Write(c.Path, c.New, c.Target.Mode); err != nil {
		return backup, err
	}
	return backup, nil
}

// Load reads a target's file as install would (symlinks followed, size
// bounded): path is the file read, exists false when there is none.
func Load(t Target) (data []byte, path string, exists bool, err error) {
	c, err := read(t)
	if err != nil {
		return nil, "", false, err
	}
	return c.Old, c.Path, c.Existed, nil
}
