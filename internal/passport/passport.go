// Package passport loads and validates Open Agent Passport (OAP v1) documents
// as aport reads them: the full shape and the minimal one, with the aliases.
//
// Loading is two-stage: raw JSON is checked field by field against what the
// contract expects (every problem collected, each naming the file, the field
// and what was expected), then turned into a Passport whose limits have been
// type-checked against the pack that governs each capability. The evaluator
// only ever sees a validated Passport. This package does no policy decisions.
package passport

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/gowebpki/jcs"

	"github.com/aporthq/aport/internal/fsx"
	"github.com/aporthq/aport/internal/jsonx"
	"github.com/aporthq/aport/internal/urlx"
	"github.com/aporthq/aport/packs"
)

// MaxSize bounds a passport file.
const MaxSize = 1 << 20

// Status values.
const (
	StatusActive    = "active"
	StatusDraft     = "draft"
	StatusSuspended = "suspended"
	StatusRevoked   = "revoked"
)

// Passport is a validated passport.
type Passport struct {
	SpecVersion  string
	ID           string
	OwnerID      string
	Name         string
	Status       string
	StatusReason string
	Assurance    string
	Version      string
	Regions      []string
	HasRegions   bool
	ExpiresAt    time.Time // zero: never
	UpdatedAt    string
	Signature    string
	Kid          string

	capabilities map[string]bool
	capOrder     []string
	limits       map[string]Limits

	// Raw is the document as read; Source names where it came from.
	Raw    []byte
	Source string
	digest string
}

// Limits are the validated limits of one capability.
type Limits map[string]json.RawMessage

// Has reports whether the passport grants a capability.
func (p *Passport) Has(capability string) bool { return p.capabilities[capability] }

// Capabilities lists the granted capabilities in document order.
func (p *Passport) Capabilities() []string { return p.capOrder }

// Limits returns the limits of a capability (nil when none are set).
func (p *Passport) Limits(capability string) Limits { return p.limits[capability] }

// Has reports whether a limit is set.
func (l Limits) Has(name string) bool { _, ok := l[name]; return ok }

// Strings returns a string-list limit; ok is false when it is absent.
func (l Limits) Strings(name string) (v []string, ok bool) {
	raw, ok := l[name]
	if !ok {
		return nil, false
	}
	_ = json.Unmarshal(raw, &v) // type-checked at load
	if v == nil {
		v = []string{}
	}
	return v, true
}

// Int returns an integer limit; ok is false when it is absent.
func (l Limits) Int(name string) (v int64, ok bool) {
	raw, ok := l[name]
	if !ok {
		return 0, false
	}
	_ = json.Unmarshal(raw, &v)
	return v, true
}

// Bool returns a boolean limit (false when absent).
func (l Limits) Bool(name string) bool {
	var v bool
	if raw, ok := l[name]; ok {
		_ = json.Unmarshal(raw, &v)
	}
	return v
}

// CurrencyLimit is one entry of currency_limits.
type CurrencyLimit struct {
	MaxPerTx int64 `json:"max_per_tx"`
	DailyCap int64 `json:"daily_cap"`
	HasMax   bool  `json:"-"`
	HasCap   bool  `json:"-"`
}

// Currencies returns currency_limits, keyed by upper-case currency code.
func (l Limits) Currencies() map[string]CurrencyLimit {
	raw, ok := l["currency_limits"]
	if !ok {
		return nil
	}
	var m map[string]map[string]int64
	_ = json.Unmarshal(raw, &m)
	out := make(map[string]CurrencyLimit, len(m))
	for k, v := range m {
		c := CurrencyLimit{}
		c.MaxPerTx, c.HasMax = v["max_per_tx"]
		c.DailyCap, c.HasCap = v["daily_cap"]
		out[strings.ToUpper(k)] = c
	}
	return out
}

// Digest is "sha256:<hex>" over the RFC 8785 canonical passport.
func (p *Passport) Digest() string {
	if p.digest == "" {
		p.digest = DigestOf(p.Raw)
	}
	return p.digest
}

// DigestOf returns "sha256:<hex>" over the canonical form of a JSON document
// (over the raw bytes when it cannot be canonicalised).
func DigestOf(raw []byte) string {
	b, err := jcs.Transform(raw)
	if err != nil {
		b = raw
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Problem is one validation failure.
type Problem struct {
	Field    string // JSON path, e.g. limits.web.fetch.allowed_domains
	Expected string // what was expected, and what was found
}

// Error is a passport that could not be used: not found, unreadable or invalid.
type Error struct {
	Source   string
	NotFound bool
	Err      error     // read error, when not a validation failure
	Problems []Problem // validation failures, all of them
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("passport %s: %v", e.Source, e.Err)
	}
	if len(e.Problems) == 1 {
		return fmt.Sprintf("passport %s: %s: %s", e.Source, e.Problems[0].Field, e.Problems[0].Expected)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "passport %s: %d problems:", e.Source, len(e.Problems))
	for _, p := range e.Problems {
		fmt.Fprintf(&b, " %s: %s;", p.Field, p.Expected)
	}
	return strings.TrimSuffix(b.String(), ";")
}

func (e *Error) Unwrap() error { return e.Err }

// LoadFile reads and validates a passport file.
func LoadFile(path string) (*Passport, error) {
	// never blocks: a FIFO in the passport's place is refused at once
	f, err := fsx.OpenRegular(path, os.O_RDONLY, 0)
	if errors.Is(err, fsx.ErrNotRegular) {
		return nil, &Error{Source: path, Err: fmt.Errorf("not a regular file")}
	}
	if err != nil {
		return nil, &Error{Source: path, NotFound: errors.Is(err, os.ErrNotExist), Err: fmt.Errorf("cannot read: %w", err)}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, &Error{Source: path, Err: fmt.Errorf("cannot read: %w", err)}
	}
	if len(b) > MaxSize {
		return nil, &Error{Source: path, Err: fmt.Errorf("larger than %d bytes", MaxSize)}
	}
	return Parse(b, path)
}

// Parse validates a passport document. Every problem is reported at once.
func Parse(b []byte, source string) (*Passport, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if err := jsonx.CheckDuplicates(b); err != nil {
		return nil, &Error{Source: source, Problems: []Problem{{Field: "(document)", Expected: "valid JSON without duplicate keys: " + err.Error()}}}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		what := "a JSON object"
		if t := firstByte(b); t == '[' {
			what = "a JSON object, found an array"
		} else if t == '"' {
			what = "a JSON object, found a string"
		} else if t == 0 {
			what = "a JSON object, found an empty file"
		} else {
			what = "a JSON object: " + err.Error()
		}
		return nil, &Error{Source: source, Problems: []Problem{{Field: "(document)", Expected: what}}}
	}
	v := &validator{top: top}
	p := &Passport{Raw: b, Source: source, capabilities: map[string]bool{}, limits: map[string]Limits{}}

	p.SpecVersion = v.str("spec_version", false)
	if p.SpecVersion != "" && p.SpecVersion != "oap/1.0" && p.SpecVersion != "oap/1" && p.SpecVersion != "1.0" {
		v.add("spec_version", fmt.Sprintf(`"oap/1.0", found %q`, p.SpecVersion))
	}
	p.ID = v.alias("passport_id", "id", true)
	p.OwnerID = v.alias("owner_id", "owner", false)
	p.Name = v.str("name", false)
	p.Assurance = v.alias("assurance_level", "assurance", false)
	if p.Assurance == "" {
		p.Assurance = "L0"
	} else if packs.AssuranceRank(p.Assurance) < 0 {
		v.add(v.aliasName("assurance_level", "assurance"), fmt.Sprintf("one of L0, L1, L2, L3, L4, found %q", p.Assurance))
	}
	p.Status = v.str("status", false)
	switch p.Status {
	case "":
		p.Status = StatusActive
	case StatusActive, StatusDraft, StatusSuspended, StatusRevoked:
	default:
		v.add("status", fmt.Sprintf("one of active, draft, suspended, revoked, found %q", p.Status))
	}
	p.StatusReason = v.str("status_reason", false)
	p.Version = v.str("version", false)
	p.UpdatedAt = v.str("updated_at", false)
	v.str("created_at", false)
	p.Signature = v.str("signature", false)
	p.Kid = v.str("kid", false)
	if exp := v.str("expires_at", false); exp != "" {
		t, err := time.Parse(time.RFC3339, exp)
		if err != nil {
			v.add("expires_at", fmt.Sprintf("an RFC 3339 time like 2027-07-01T00:00:00Z, found %q", exp))
		} else {
			p.ExpiresAt = t
		}
	}
	if raw, ok := top["regions"]; ok {
		if err := json.Unmarshal(raw, &p.Regions); err != nil || isNull(raw) {
			v.add("regions", "an array of region codes like [\"US\", \"EU\"]")
		}
		p.HasRegions = true
	}

	v.capabilities(p)
	v.limits(p)

	if len(v.problems) > 0 {
		return nil, &Error{Source: source, Problems: v.problems}
	}
	return p, nil
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

type validator struct {
	top      map[string]json.RawMessage
	problems []Problem
}

func (v *validator) add(field, expected string) {
	v.problems = append(v.problems, Problem{Field: field, Expected: expected})
}

func (v *validator) str(name string, required bool) string {
	raw, ok := v.top[name]
	if !ok {
		if required {
			v.add(name, "a string (required)")
		}
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || isNull(raw) {
		v.add(name, "a string, found "+kind(raw))
		return ""
	}
	if required && s == "" {
		v.add(name, "a non-empty string")
	}
	return s
}

func (v *validator) aliasName(name, alias string) string {
	if _, ok := v.top[name]; !ok {
		if _, ok := v.top[alias]; ok {
			return alias
		}
	}
	return name
}

func (v *validator) alias(name, alias string, required bool) string {
	_, a := v.top[name]
	_, b := v.top[alias]
	if a && b {
		s1, s2 := v.str(name, false), v.str(alias, false)
		if s1 != s2 {
			v.add(alias, fmt.Sprintf("the same value as %s or absent (it is an alias), found %q and %q", name, s1, s2))
		}
		return s1
	}
	if b {
		return v.str(alias, required)
	}
	if !a && required {
		v.add(name, fmt.Sprintf("a string (required; %s is accepted as an alias)", alias))
		return ""
	}
	return v.str(name, required)
}

func kind(raw json.RawMessage) string {
	switch firstByte(raw) {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func (v *validator) capabilities(p *Passport) {
	raw, ok := v.top["capabilities"]
	if !ok {
		v.add("capabilities", "an array of capability ids or {\"id\": ...} objects (required)")
		return
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || isNull(raw) {
		v.add("capabilities", "an array of capability ids or {\"id\": ...} objects, found "+kind(raw))
		return
	}
	for i, it := range items {
		field := fmt.Sprintf("capabilities[%d]", i)
		var id string
		switch firstByte(it) {
		case '"':
			_ = json.Unmarshal(it, &id)
		case '{':
			var obj map[string]json.RawMessage
			_ = json.Unmarshal(it, &obj)
			if err := json.Unmarshal(obj["id"], &id); err != nil {
				v.add(field+".id", "a capability id string")
				continue
			}
			if params, ok := obj["params"]; ok && firstByte(params) != '{' {
				v.add(field+".params", "an object, found "+kind(params))
			}
		default:
			v.add(field, "a capability id string or {\"id\": ...}, found "+kind(it))
			continue
		}
		if id == "" {
			v.add(field, "a non-empty capability id")
			continue
		}
		if _, known := packs.ForCapability(id); !known {
			v.add(field, fmt.Sprintf("a known capability (%s), found %q", strings.Join(packs.Capabilities(), ", "), id))
			continue
		}
		if !p.capabilities[id] {
			p.capabilities[id] = true
			p.capOrder = append(p.capOrder, id)
		}
	}
}

func (v *validator) limits(p *Passport) {
	raw, ok := v.top["limits"]
	if !ok {
		v.requiredLimits(p)
		return
	}
	var byCap map[string]json.RawMessage
	if err := json.Unmarshal(raw, &byCap); err != nil || isNull(raw) {
		v.add("limits", "an object keyed by capability id, found "+kind(raw))
		return
	}
	caps := make([]string, 0, len(byCap))
	for c := range byCap {
		caps = append(caps, c)
	}
	sort.Strings(caps)
	for _, c := range caps {
		field := "limits." + c
		packID, known := packs.ForCapability(c)
		if !known {
			v.add(field, fmt.Sprintf("a known capability (%s)", strings.Join(packs.Capabilities(), ", ")))
			continue
		}
		var lim map[string]json.RawMessage
		if err := json.Unmarshal(byCap[c], &lim); err != nil || isNull(byCap[c]) {
			v.add(field, "an object of limits, found "+kind(byCap[c]))
			continue
		}
		pack, ok := packs.Lookup(packID)
		if !ok {
			v.add(field, "a capability whose pack is in this build")
			continue
		}
		names := make([]string, 0, len(lim))
		for n := range lim {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			decl, ok := pack.Limits[n]
			if !ok {
				v.add(field+"."+n, fmt.Sprintf("a limit that %s enforces (%s); an unknown limit is refused rather than ignored", packID, limitNames(pack)))
				continue
			}
			v.limitValue(field+"."+n, decl.Type, lim[n])
		}
		p.limits[c] = Limits(lim)
	}
	v.requiredLimits(p)
}

func (v *validator) requiredLimits(p *Passport) {
	for _, c := range p.capOrder {
		packID, _ := packs.ForCapability(c)
		pack, ok := packs.Lookup(packID)
		if !ok {
			continue
		}
		for n, decl := range pack.Limits {
			if decl.Required && !p.limits[c].Has(n) {
				v.add("limits."+c+"."+n, fmt.Sprintf("required when %s is granted (`aport packs show %s` says what it means)", c, packID))
			}
		}
	}
}

func limitNames(p *packs.Info) string {
	names := make([]string, 0, len(p.Limits))
	for n := range p.Limits {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (v *validator) limitValue(field, typ string, raw json.RawMessage) {
	switch typ {
	case "string_list":
		var s []string
		if err := json.Unmarshal(raw, &s); err != nil || isNull(raw) {
			v.add(field, "an array of strings, found "+kind(raw))
			return
		}
		globs := strings.HasSuffix(field, "_paths") || strings.HasSuffix(field, "_working_directories")
		domains := strings.HasSuffix(field, "_domains")
		for i, e := range s {
			switch {
			case strings.TrimSpace(e) == "":
				v.add(fmt.Sprintf("%s[%d]", field, i), "a non-empty string")
			case globs && !doublestar.ValidatePattern(strings.ReplaceAll(e, `\`, "/")):
				v.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("a valid glob (unclosed [ or {?), found %q", e))
			case domains:
				if _, err := urlx.ParsePattern(e); err != nil {
					v.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("a host like docs.python.org or *.python.org, found %q (%v)", e, err))
				}
			}
		}
	case "int":
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil || isNull(raw) {
			v.add(field, "a whole number, found "+kind(raw))
			return
		}
		if n < 0 {
			v.add(field, fmt.Sprintf("a number ≥ 0, found %d", n))
		}
	case "bool":
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil || isNull(raw) {
			v.add(field, "true or false, found "+kind(raw))
		}
	case "currency_limits":
		var m map[string]map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil || isNull(raw) {
			v.add(field, `an object like {"USD": {"max_per_tx": 5000, "daily_cap": 20000}}, found `+kind(raw))
			return
		}
		for cur, lim := range m {
			if len(cur) != 3 {
				v.add(field+"."+cur, "a three-letter ISO 4217 currency code")
			}
			for k, val := range lim {
				if k != "max_per_tx" && k != "daily_cap" {
					v.add(field+"."+cur+"."+k, "max_per_tx or daily_cap; an unknown limit is refused rather than ignored")
					continue
				}
				var n int64
				if err := json.Unmarshal(val, &n); err != nil || n < 0 {
					v.add(field+"."+cur+"."+k, "a whole number of minor units ≥ 0")
				}
			}
		}
	}
}
