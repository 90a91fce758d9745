// Package pathx turns the path a tool call names into the absolute paths a
// policy is checked against: the path as written (made absolute and cleaned)
// and the path the kernel would open (symlinks resolved, component by
// component, for the part of the path that exists).
//
// Both matter. A deny-list must see through `src/link/..` and through a
// symlink `src/etc -> /etc`; an allow-list must hold for both spellings, so
// that neither a link inside the workspace nor a lexical `..` reaches out.
package pathx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// maxLinks bounds the symlinks followed while resolving one path, as the
// kernel does (ELOOP after 40).
const maxLinks = 40

// Path is a normalised tool path.
type Path struct {
	Written string // absolute and lexically cleaned: what the call names
	Real    string // symlinks resolved in the kernel's order: what open(2) of the path as written reaches
	// Cleaned is Written with its symlinks resolved: what a host that cleans
	// the path before opening it reaches (Node's path.resolve turns
	// link/../x into x, and x may itself be a link).
	Cleaned string
}

// Both returns the distinct forms of the path, Written first.
func (p Path) Both() []string {
	out := []string{p.Written}
	for _, f := range []string{p.Real, p.Cleaned} {
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// ErrUnresolvable is wrapped by every error Normalize returns.
var ErrUnresolvable = errors.New("path cannot be resolved")

// Normalize makes raw absolute and clean and resolves its symlinks.
//
//   - on Windows only, `\` separators become `/` and a drive-letter path
//     (`C:\Users\x`) is absolute, as `/C:/Users/x`; elsewhere `\` is part of
//     a file name.
//   - `~` and `~/...` expand to home; `~user/...` is refused (the hook does not
//     look users up; write the path out).
//   - a relative path is joined to cwd, which must be absolute.
//   - `.` and `..` are removed lexically for Written; Real follows the
//     kernel's order (a symlink is resolved before the `..` after it), and
//     Cleaned resolves the symlinks of Written.
//
// A NUL byte, an empty path, or a relative path with no cwd is an error.
func Normalize(raw, cwd, home string) (Path, error) {
	abs, err := Absolute(raw, cwd, home)
	if err != nil {
		return Path{}, err
	}
	unclean := joinUnclean(raw, cwd, home)
	real, err := resolve(unclean, nil, nil)
	if err != nil {
		return Path{}, fmt.Errorf("%w: %s: %v", ErrUnresolvable, raw, err)
	}
	cleaned := real
	if unclean != abs {
		if cleaned, err = resolve(abs, nil, nil); err != nil {
			return Path{}, fmt.Errorf("%w: %s: %v", ErrUnresolvable, raw, err)
		}
	}
	return Path{Written: abs, Real: real, Cleaned: cleaned}, nil
}

// Absolute is the lexical half of Normalize: no file system access.
func Absolute(raw, cwd, home string) (string, error) {
	switch {
	case raw == "":
		return "", fmt.Errorf("%w: the path is empty", ErrUnresolvable)
	case strings.IndexByte(raw, 0) >= 0:
		return "", fmt.Errorf("%w: the path contains a NUL byte", ErrUnresolvable)
	}
	p := slashes(raw)
	if strings.HasPrefix(p, "~") {
		rest := p[1:]
		if rest != "" && rest[0] != '/' {
			return "", fmt.Errorf("%w: %s names another user's home; write the path out in full", ErrUnresolvable, raw)
		}
		if home == "" || !filepath.IsAbs(home) {
			return "", fmt.Errorf("%w: %s starts with ~ but the home directory is unknown", ErrUnresolvable, raw)
		}
		p = home + rest
	}
	if !filepath.IsAbs(p) {
		c := slashes(cwd)
		if c == "" || !filepath.IsAbs(c) {
			return "", fmt.Errorf("%w: %s is relative and the call has no absolute working directory", ErrUnresolvable, raw)
		}
		p = c + "/" + p
	}
	return filepath.Clean(p), nil
}

// joinUnclean is Absolute without the lexical clean (inputs already checked).
func joinUnclean(raw, cwd, home string) string {
	p := slashes(raw)
	if strings.HasPrefix(p, "~") {
		p = home + p[1:]
	}
	if !filepath.IsAbs(p) {
		p = slashes(cwd) + "/" + p
	}
	return p
}

// slashes turns Windows separators into `/` and a drive letter into an
// absolute first element, on Windows only: elsewhere `\` is a character of
// a file name (docs\notes.md is one name, and may be a symlink), and C:\x is
// a relative name.
func slashes(p string) string {
	if runtime.GOOS != "windows" {
		return p
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) && (len(p) == 2 || p[2] == '/') {
		p = "/" + p
	}
	return p
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// resolve walks an absolute path component by component as the kernel
// would: each existing symlink is replaced by its target before the next
// component (so `link/..` is the parent of the link's target). Once a
// component does not exist, the rest is appended lexically.
//
// proc, when not nil, is asked first about each existing component under
// /proc: it returns the link's target and true, or an error for a link that
// cannot be followed; ok false leaves the component to the file system.
//
// made, when not nil, are symbolic links that do not exist yet, by path:
// they count as if they did (a target "" cannot be followed).
func resolve(p string, proc func(next string) (target string, ok bool, err error), made map[string]string) (string, error) {
	done := "/"
	rest := strings.Split(p, "/")
	links := 0
	exists := true
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			// back in a part that may exist again: a tool that cleans the
			// path before opening it would follow links from here on
			done = filepath.Dir(done)
			exists = true
			continue
		}
		next := filepath.Join(done, c)
		if t, ok := made[next]; ok {
			if links++; links > maxLinks {
				return "", errors.New("too many levels of symbolic links")
			}
			if t == "" {
				return "", errors.New(next + " links to a place that is not known")
			}
			if filepath.IsAbs(t) {
				done = "/"
			}
			rest = append(strings.Split(t, "/"), rest...)
			exists = true
			continue
		}
		if !exists {
			done = next
			continue
		}
		fi, err := os.Lstat(next)
		if err != nil {
			// missing (or unreadable): what follows is taken as written
			exists = false
			done = next
			continue
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			done = next
			continue
		}
		links++
		if links > maxLinks {
			return "", errors.New("too many levels of symbolic links")
		}
		if proc == nil && (strings.HasPrefix(next, "/proc/") || strings.HasPrefix(next, "/dev/fd/")) {
			// a link under /proc names what the process that follows it
			// sees (its cwd, its descriptors): the host's, not aport's
			return "", errors.New(next + " is a link in a process's own view (/proc, /dev/fd), which depends on the process that opens it")
		}
		var target string
		handled := false
		if proc != nil && strings.HasPrefix(next, "/proc/") {
			if target, handled, err = proc(next); err != nil {
				return "", err
			}
		}
		if !handled {
			if target, err = os.Readlink(next); err != nil {
				return "", err
			}
		}
		if filepath.IsAbs(target) {
			done = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return filepath.Clean(done), nil
}

// Kernel resolves an absolute path as the kernel would for a process of
// the agent's shell working in cwd: symlinks component by component, so a
// ".." after a link leads to the parent of the link's target (/var/run/..
// is / where /var/run links to /run), and /proc links by what they mean for
// that process. /proc/self/cwd is cwd (this process's /proc/self resolves to
// its own PID, which stands for the shell's); another process's working
// directory, and any process's file descriptors, mapped files and
// executable, cannot be followed: ok is false.
//
// made are symbolic links the command makes before it uses the path (ln -s
// earlier in the same text), by path: they count as if they existed.
func Kernel(p, cwd string, made map[string]string) (string, bool) {
	self := strconv.Itoa(os.Getpid())
	out, err := resolve(p, func(next string) (string, bool, error) {
		parts := strings.Split(strings.TrimPrefix(next, "/proc/"), "/")
		if len(parts) >= 3 && parts[1] == "task" {
			parts = append(parts[:1], parts[3:]...) // /proc/PID/task/TID/x is /proc/PID/x
		}
		if len(parts) < 2 || strings.Trim(parts[0], "0123456789") != "" {
			return "", false, nil // /proc/self, /proc/thread-self: the file system's answer
		}
		switch parts[1] {
		case "root":
			return "", false, nil
		case "cwd":
			if parts[0] == self && len(parts) == 2 && filepath.IsAbs(cwd) {
				return cwd, true, nil
			}
		}
		return "", false, fmt.Errorf("%s leads into a process's own view", next)
	}, made)
	return out, err == nil
}
