// Package presets turns a named passport preset (strict, dev, ci; the data is
// in installers/presets) and a few choices — name, owner, capabilities, extra
// commands, paths and domains, expiry — into a new Open Agent Passport, and
// asks for those choices in a terminal wizard. The passport it builds is
// checked by internal/passport before it is returned.
//
// It writes new passports only; changing an existing one (status, signature)
// is the passport command group's job, and deciding calls is internal/eval's.
package presets

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aporthq/aport/installers"
	"github.com/aporthq/aport/internal/passport"
	"github.com/aporthq/aport/packs"
)

// Preset is one preset file.
type Preset struct {
	Name         string                                `json:"-"`
	Description  string                                `json:"description"`
	Assurance    string                                `json:"assurance_level"`
	Capabilities []string                              `json:"capabilities"`
	Limits       map[string]map[string]json.RawMessage `json:"limits"`
}

// Names lists the presets.
func Names() []string { return installers.Presets() }

// Get loads a preset.
func Get(name string) (*Preset, error) {
	b, err := installers.Preset(name)
	if err != nil {
		return nil, fmt.Errorf("no preset %q (presets: %s)", name, strings.Join(Names(), ", "))
	}
	var p Preset
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("preset %s: %w", name, err)
	}
	p.Name = name
	return &p, nil
}

// HostCapabilities are the capabilities a coding agent's tools map to, in the
// order the wizard offers them.
var HostCapabilities = []string{"data.file.read", "data.file.write", "system.command.execute", "web.fetch", "web.search", "agent.session.create", "mcp.tool.execute"}

// Options are the choices that make a passport.
type Options struct {
	Preset        string
	Name          string   // default "Coding agent (<preset>)"
	Owner         string   // required
	Capabilities  []string // nil: the preset's
	ExtraCommands []string // added to system.command.execute allowed_commands
	ExtraPaths    []string // added to data.file.read and data.file.write allowed_paths
	ExtraDomains  []string // added to web.fetch allowed_domains
	Expires       string   // "90d", an RFC 3339 time, or "never"; default 90d
	Now           time.Time
	ID            string // default: a random UUID v4
}

// DefaultExpires is the expiry of a new passport unless told otherwise.
const DefaultExpires = "90d"

// ParseExpiry reads "<N>d" (days from now), an RFC 3339 time, or "never"
// (zero time).
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "never":
		return time.Time{}, nil
	case strings.HasSuffix(s, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n <= 0 || n > 3650 {
			return time.Time{}, fmt.Errorf("expiry %q: want a number of days from 1 to 3650 like 90d, an RFC 3339 time, or never", s)
		}
		return now.UTC().Truncate(time.Second).AddDate(0, 0, n), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expiry %q: want 90d, an RFC 3339 time like 2027-07-01T00:00:00Z, or never", s)
	}
	if !t.After(now) {
		return time.Time{}, fmt.Errorf("expiry %q is in the past", s)
	}
	return t.UTC(), nil
}

// NewID returns a random (version 4) UUID.
func NewID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random passport id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// Summary describes a built passport in a line.
type Summary struct {
	ID           string
	Preset       string
	Capabilities []string
	ExpiresAt    time.Time
}

func (s Summary) String() string {
	exp := "never expires"
	if !s.ExpiresAt.IsZero() {
		exp = "expires " + s.ExpiresAt.Format("2006-01-02")
	}
	return fmt.Sprintf("passport %s (%s preset; %s; %s)", s.ID, s.Preset, strings.Join(s.Capabilities, ", "), exp)
}

// doc is a passport in the order its fields are written.
type doc struct {
	SpecVersion  string        `json:"spec_version"`
	PassportID   string        `json:"passport_id"`
	OwnerID      string        `json:"owner_id"`
	Name         string        `json:"name"`
	Status       string        `json:"status"`
	Assurance    string        `json:"assurance_level"`
	Capabilities []string      `json:"capabilities"`
	Limits       orderedLimits `json:"limits"`
	CreatedAt    string        `json:"created_at"`
	UpdatedAt    string        `json:"updated_at"`
	ExpiresAt    string        `json:"expires_at,omitempty"`
	Version      string        `json:"version"`
}

type orderedLimits struct {
	order []string
	m     map[string]map[string]json.RawMessage
}

func (o orderedLimits) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	n := 0
	for _, c := range o.order {
		l, ok := o.m[c]
		if !ok {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(c)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(l) // limit names sorted
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// OptionError is a choice that cannot make a passport: an unknown preset or
// capability, a bad expiry, extras for a capability not granted.
type OptionError struct{ Err error }

func (e *OptionError) Error() string { return e.Err.Error() }
func (e *OptionError) Unwrap() error { return e.Err }

// Build makes the passport. The result has been validated.
func Build(o Options) ([]byte, Summary, error) {
	p, err := Get(o.Preset)
	if err != nil {
		return nil, Summary{}, &OptionError{err}
	}
	if strings.TrimSpace(o.Owner) == "" {
		return nil, Summary{}, &OptionError{errors.New("an owner is required")}
	}
	if o.Name == "" {
		o.Name = "Coding agent (" + p.Name + ")"
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Expires == "" {
		o.Expires = DefaultExpires
	}
	exp, err := ParseExpiry(o.Expires, o.Now)
	if err != nil {
		return nil, Summary{}, &OptionError{err}
	}
	if o.ID == "" {
		if o.ID, err = NewID(); err != nil {
			return nil, Summary{}, err
		}
	}
	caps := p.Capabilities
	if o.Capabilities != nil {
		caps = nil
		for _, c := range o.Capabilities {
			if _, ok := packs.ForCapability(c); !ok {
				return nil, Summary{}, &OptionError{fmt.Errorf("unknown capability %q (%s)", c, strings.Join(HostCapabilities, ", "))}
			}
			if !slices.Contains(caps, c) {
				caps = append(caps, c)
			}
		}
	}
	if len(caps) == 0 {
		return nil, Summary{}, &OptionError{errors.New("grant at least one capability")}
	}
	limits := map[string]map[string]json.RawMessage{}
	var dev *Preset
	for _, c := range caps {
		src := p.Limits[c]
		if _, inPreset := p.Limits[c]; !inPreset && !slices.Contains(p.Capabilities, c) {
			// A capability the preset does not grant: the dev preset's
			// limits for it, the practical default.
			if dev == nil {
				if dev, err = Get("dev"); err != nil {
					return nil, Summary{}, err
				}
			}
			src = dev.Limits[c]
		}
		if src != nil {
			l := make(map[string]json.RawMessage, len(src))
			for k, v := range src {
				l[k] = v
			}
			limits[c] = l
		}
	}
	add := func(what string, extra []string, caps ...string) error {
		if len(extra) == 0 {
			return nil
		}
		granted := false
		for _, c := range caps {
			l, ok := limits[c] // present for every granted capability here
			if !ok {
				continue
			}
			granted = true
			name := map[string]string{"system.command.execute": "allowed_commands", "data.file.read": "allowed_paths", "data.file.write": "allowed_paths", "web.fetch": "allowed_domains"}[c]
			var list []string
			if raw, ok := l[name]; ok {
				if err := json.Unmarshal(raw, &list); err != nil {
					return fmt.Errorf("preset %s: %s.%s: %w", p.Name, c, name, err)
				}
			}
			for _, e := range extra {
				e = strings.TrimSpace(e)
				if e != "" && !slices.Contains(list, e) {
					list = append(list, e)
				}
			}
			l[name], _ = json.Marshal(list)
		}
		if !granted {
			return &OptionError{fmt.Errorf("extra %s need %s, which the passport does not grant", what, strings.Join(caps, " or "))}
		}
		return nil
	}
	for _, c := range []string{"system.command.execute", "data.file.read", "data.file.write", "web.fetch"} {
		if slices.Contains(caps, c) && limits[c] == nil {
			limits[c] = map[string]json.RawMessage{}
		}
	}
	if err := add("commands", o.ExtraCommands, "system.command.execute"); err != nil {
		return nil, Summary{}, err
	}
	if err := add("paths", o.ExtraPaths, "data.file.read", "data.file.write"); err != nil {
		return nil, Summary{}, err
	}
	if err := add("domains", o.ExtraDomains, "web.fetch"); err != nil {
		return nil, Summary{}, err
	}
	for c, l := range limits {
		if len(l) == 0 {
			delete(limits, c)
		}
	}
	now := o.Now.UTC().Format(time.RFC3339)
	d := doc{
		SpecVersion:  "oap/1.0",
		PassportID:   o.ID,
		OwnerID:      strings.TrimSpace(o.Owner),
		Name:         o.Name,
		Status:       passport.StatusActive,
		Assurance:    p.Assurance,
		Capabilities: caps,
		Limits:       orderedLimits{order: caps, m: limits},
		CreatedAt:    now,
		UpdatedAt:    now,
		Version:      "1.0.0",
	}
	if !exp.IsZero() {
		d.ExpiresAt = exp.Format(time.RFC3339)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, Summary{}, err
	}
	if _, err := passport.Parse(buf.Bytes(), "new passport"); err != nil {
		return nil, Summary{}, err
	}
	return buf.Bytes(), Summary{ID: o.ID, Preset: p.Name, Capabilities: caps, ExpiresAt: exp}, nil
}

// ErrExists is returned by Write when the file is there and force is off.
var ErrExists = errors.New("already exists")

// Write stores a new passport at path: mode 0600, parent directories 0700,
// all at once (a temporary file in the same directory, fsync, then a hard
// link that fails if the file exists, or a rename over it with force).
func Write(path string, data []byte, force bool) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s: %w", path, ErrExists)
		}
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if force {
		err = os.Rename(name, path)
	} else {
		err = os.Link(name, path)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", path, ErrExists)
		}
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
