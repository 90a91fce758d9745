// Package breakglass keeps aport's break-glass window: a short, bounded
// period, opened by a person with a stated reason, during which the caller
// may lift denials that are not final.
//
// The window is one small JSON file in the state directory, written
// atomically (0600). It closes by itself when its time is up. The package
// only stores and reads the window; what the window lifts, and the audit
// events for opening and closing it, are the caller's.
package breakglass

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aporthq/aport/internal/atomicfile"
	"github.com/aporthq/aport/internal/fsx"
)

// FileName is the window's file inside the state directory.
const FileName = "breakglass.json"

// MaxDuration is the longest window Open accepts.
const MaxDuration = 24 * time.Hour

// MaxReason is the longest reason Open accepts, in bytes.
const MaxReason = 1024

// maxFile bounds what Active reads; a window file is a few hundred bytes.
const maxFile = 4096

// ErrCorrupt is returned (wrapped) by Active when the window file exists but
// cannot be trusted. The caller treats the window as not active.
var ErrCorrupt = errors.New("break-glass file is corrupt")

// Window is a break-glass window: active from OpenedAt (inclusive) until
// Until (exclusive).
type Window struct {
	OpenedAt time.Time `json:"opened_at"`
	Until    time.Time `json:"until"`
	Reason   string    `json:"reason"`
}

// ActiveAt reports whether the window is active at now.
func (w *Window) ActiveAt(now time.Time) bool {
	return w != nil && !now.Before(w.OpenedAt) && now.Before(w.Until)
}

// Path is the window file in stateDir.
func Path(stateDir string) string { return filepath.Join(stateDir, FileName) }

// Open opens a window of d from now with a reason, replacing any window
// already open. d must be positive and at most MaxDuration; the reason must
// be non-empty text of at most MaxReason bytes.
func Open(stateDir string, d time.Duration, reason string, now time.Time) (*Window, error) {
	if d <= 0 || d > MaxDuration {
		return nil, fmt.Errorf("breakglass: the window must last more than 0 and at most %s, not %s", MaxDuration, d)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errors.New("breakglass: a reason is required")
	}
	if len(reason) > MaxReason || !utf8.ValidString(reason) {
		return nil, fmt.Errorf("breakglass: the reason must be UTF-8 text of at most %d bytes", MaxReason)
	}
	if stateDir == "" {
		return nil, errors.New("breakglass: no state directory given")
	}
	now = now.UTC()
	w := &Window{OpenedAt: now, Until: now.Add(d), Reason: reason}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("breakglass: encoding: %w", err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("breakglass: creating the state directory: %w", err)
	}
	if err := atomicfile.Write(Path(stateDir), append(b, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("breakglass: %w", err)
	}
	return w, nil
}

// Close ends the window: the file is removed whatever it holds. It returns
// the window that was active at now, or nil when none was (no file, an
// expired window, or a file that could not be read).
func Close(stateDir string, now time.Time) (*Window, error) {
	w, active, _ := Active(stateDir, now)
	err := os.Remove(Path(stateDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("breakglass: removing %s: %w", Path(stateDir), err)
	}
	if !active {
		return nil, nil
	}
	return w, nil
}

// Expire removes a window whose time is up and returns it, so that the
// caller can record its end. When several processes race, only the one whose
// removal succeeds gets the window. No file, a window still active, or a file
// that cannot be read: nil (a corrupt file is left for `aport doctor`).
func Expire(stateDir string, now time.Time) *Window {
	w, active, err := Active(stateDir, now)
	if err != nil || w == nil || active || now.Before(w.OpenedAt) {
		return nil
	}
	if os.Remove(Path(stateDir)) != nil {
		return nil
	}
	return w
}

// Active returns the window in stateDir and whether it is active at now. A
// missing file is no window (nil, false, nil), found with a single open. An
// expired window is returned with false. A file that cannot be read or holds
// an impossible window (wrong JSON, a window longer than MaxDuration) is an
// error wrapping ErrCorrupt, with false.
func Active(stateDir string, now time.Time) (*Window, bool, error) {
	p := Path(stateDir)
	f, err := fsx.OpenRegular(p, os.O_RDONLY, 0) // a FIFO here must not block every call
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("breakglass: reading %s: %w", p, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, false, fmt.Errorf("breakglass: reading %s: %w", p, err)
	}
	w, err := decode(b)
	if err != nil {
		return nil, false, fmt.Errorf("breakglass: %w: %s: %v; run `aport breakglass close` to remove it", ErrCorrupt, p, err)
	}
	return w, w.ActiveAt(now), nil
}

func decode(b []byte) (*Window, error) {
	if len(b) > maxFile {
		return nil, fmt.Errorf("larger than %d bytes", maxFile)
	}
	var raw struct {
		OpenedAt *time.Time `json:"opened_at"`
		Until    *time.Time `json:"until"`
		Reason   *string    `json:"reason"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the window")
	}
	if raw.OpenedAt == nil || raw.Until == nil || raw.Reason == nil || strings.TrimSpace(*raw.Reason) == "" {
		return nil, errors.New("opened_at, until and reason are required")
	}
	d := raw.Until.Sub(*raw.OpenedAt)
	if d <= 0 || d > MaxDuration {
		return nil, fmt.Errorf("a window of %s is outside (0, %s]", d, MaxDuration)
	}
	return &Window{OpenedAt: *raw.OpenedAt, Until: *raw.Until, Reason: *raw.Reason}, nil
}
