// Package audit is aport's tamper-evident decision log: JSON Lines, one
// Ed25519-signed event per decision, each event carrying the SHA-256 hash of
// the one before it.
//
// Append adds one event under an exclusive file lock, reading the previous
// hash from the tail of the file (never the whole log), writes the line with
// one write call and fsyncs it before returning. It rotates the log into
// numbered segments, and it recovers from a crash that left a partial last
// line. Verify streams every segment, checks every signature in parallel and
// the chain in order, and names the first bad line. Reader and Tail serve
// `aport audit show` and `aport audit tail`.
//
// The package does not decide anything and does not interpret decisions; it
// does not keep secrets out of events except through Redact, which callers
// apply to raw input before storing it. See docs/audit.md for the format.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gowebpki/jcs"
)

// Genesis is the prev_hash of the first event of a log.
const Genesis = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// Event kinds. An empty Event.Event means KindDecision.
const (
	KindDecision         = "decision"
	KindPassportSuspend  = "passport.suspend"
	KindPassportActivate = "passport.activate"
	KindPassportRevoke   = "passport.revoke"
	KindBreakglassOpen   = "breakglass.open"
	KindBreakglassClose  = "breakglass.close"
)

// Event is one line of the log. Append fills Seq, PrevHash, Hash, Kid,
// Signature, SegmentPrev and Recovered; the caller fills the rest.
type Event struct {
	Seq            int64           `json:"seq"`
	TS             string          `json:"ts"` // RFC 3339, UTC
	Event          string          `json:"event,omitempty"`
	AgentID        string          `json:"agent_id"`
	PassportID     string          `json:"passport_id"`
	Host           string          `json:"host"`
	Tool           string          `json:"tool"`
	Capability     string          `json:"capability"`
	Policy         string          `json:"policy"`
	Decision       string          `json:"decision"` // allow, deny, ask; empty for non-decision events
	Reason         string          `json:"reason"`   // the first reason code
	Note           string          `json:"note,omitempty"`
	InputHash      string          `json:"input_hash"`
	PassportDigest string          `json:"passport_digest"`
	Input          json.RawMessage `json:"input,omitempty"` // redacted raw input, only when configured
	Breakglass     bool            `json:"breakglass,omitempty"`
	SegmentPrev    string          `json:"segment_prev,omitempty"` // first event of a segment: the previous segment's file name
	Recovered      *Recovered      `json:"recovered,omitempty"`
	PrevHash       string          `json:"prev_hash"`
	Hash           string          `json:"hash"`
	Kid            string          `json:"kid"`
	Signature      string          `json:"signature"`
}

// Recovered marks the first event written after a crash left bytes that are
// not a complete event (a partial last line): those bytes, AfterSeq's line's
// end up to this event's line, are kept in the file but out of the chain.
type Recovered struct {
	AfterSeq int64 `json:"after_seq"` // the last complete event before the skipped bytes (0: none)
	Bytes    int64 `json:"bytes"`     // how many bytes were skipped, newlines included
}

// Kind is the event's kind, KindDecision when unset.
func (e *Event) Kind() string {
	if e.Event == "" {
		return KindDecision
	}
	return e.Event
}

// canonical appends the RFC 8785 (JCS) form of the event. With sealed
// false it leaves out hash and signature: that form is what Hash covers.
// Keys are written in sorted order; all are ASCII, so byte order is JCS's
// UTF-16 order. Strings must be valid UTF-8 (sanitize does it on append; a
// parsed line always is). Input must already be canonical.
func (e *Event) canonical(dst []byte, sealed bool) []byte {
	w := objWriter{b: append(dst, '{')}
	w.str("agent_id", e.AgentID)
	if e.Breakglass {
		w.key("breakglass")
		w.b = append(w.b, "true"...)
	}
	w.str("capability", e.Capability)
	w.str("decision", e.Decision)
	if e.Event != "" {
		w.str("event", e.Event)
	}
	if sealed {
		w.str("hash", e.Hash)
	}
	w.str("host", e.Host)
	if len(e.Input) > 0 {
		w.key("input")
		w.b = append(w.b, e.Input...)
	}
	w.str("input_hash", e.InputHash)
	w.str("kid", e.Kid)
	if e.Note != "" {
		w.str("note", e.Note)
	}
	w.str("passport_digest", e.PassportDigest)
	w.str("passport_id", e.PassportID)
	w.str("policy", e.Policy)
	w.str("prev_hash", e.PrevHash)
	w.str("reason", e.Reason)
	if r := e.Recovered; r != nil {
		w.key("recovered")
		w.b = append(w.b, `{"after_seq":`...)
		w.b = strconv.AppendInt(w.b, r.AfterSeq, 10)
		w.b = append(w.b, `,"bytes":`...)
		w.b = strconv.AppendInt(w.b, r.Bytes, 10)
		w.b = append(w.b, '}')
	}
	if e.SegmentPrev != "" {
		w.str("segment_prev", e.SegmentPrev)
	}
	w.key("seq")
	w.b = strconv.AppendInt(w.b, e.Seq, 10)
	if sealed {
		w.str("signature", e.Signature)
	}
	w.str("tool", e.Tool)
	w.str("ts", e.TS)
	return append(w.b, '}')
}

type objWriter struct {
	b    []byte
	more bool
}

func (w *objWriter) key(k string) {
	if w.more {
		w.b = append(w.b, ',')
	}
	w.more = true
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"', ':')
}

func (w *objWriter) str(k, v string) {
	w.key(k)
	w.b = appendJCSString(w.b, v)
}

const hexdigits = "0123456789abcdef"

// appendJCSString writes s as RFC 8785 does (ECMAScript JSON.stringify):
// only '"', '\\' and control characters are escaped; control characters
// use the short escapes where they exist, else \u00xx in lower case.
func appendJCSString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexdigits[c>>4], hexdigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// computeHash is "sha256:<hex>" over the unsealed canonical form.
func (e *Event) computeHash(scratch []byte) (string, []byte) {
	scratch = e.canonical(scratch[:0], false)
	sum := sha256.Sum256(scratch)
	return "sha256:" + hex.EncodeToString(sum[:]), scratch
}

// sanitize makes every string valid UTF-8 (invalid bytes become U+FFFD, as
// encoding/json does when it reads them back) and the input canonical.
func (e *Event) sanitize() {
	for _, p := range []*string{&e.TS, &e.Event, &e.AgentID, &e.PassportID, &e.Host, &e.Tool, &e.Capability,
		&e.Policy, &e.Decision, &e.Reason, &e.Note, &e.InputHash, &e.PassportDigest} {
		if !utf8.ValidString(*p) {
			*p = strings.ToValidUTF8(*p, "\uFFFD")
		}
	}
	if len(e.Input) > 0 {
		e.Input = canonicalInput(e.Input)
	}
}

// MaxInputBytes bounds the raw input stored in an event; a larger input is
// replaced by a note of its size (its input_hash still covers all of it).
const MaxInputBytes = 64 << 10

// omitted is what an event stores in place of an input of n bytes that is
// too large to keep. Keys in sorted order: this is the canonical form.
func omitted(n int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"bytes":%d,"omitted":"input larger than %d bytes"}`, n, MaxInputBytes))
}

func canonicalInput(in json.RawMessage) json.RawMessage {
	if len(in) > MaxInputBytes {
		return omitted(len(in))
	}
	if !storable(in) {
		return json.RawMessage(fmt.Sprintf(`{"bytes":%d,"omitted":"input with more than %d object keys or nested more than %d deep"}`, len(in), MaxCanonicalKeys, MaxCanonicalDepth))
	}
	c, err := jcs.Transform(in)
	if err != nil {
		// Not JSON: keep it as a string.
		s, _ := json.Marshal(strings.ToValidUTF8(string(in), "\uFFFD"))
		c, _ = jcs.Transform(s)
	}
	return c
}

// Parse decodes one log line (without its newline) and checks that it is
// exactly the canonical form aport writes: any other spelling of the same
// JSON, an unknown or repeated field, or invalid UTF-8 is an edit.
func Parse(line []byte) (*Event, error) {
	var e Event
	if parseFast(line, &e) && e.verbatim(line) {
		return &e, nil
	}
	e = Event{}
	if err := json.Unmarshal(line, &e); err != nil {
		return nil, fmt.Errorf("not a JSON event: %w", err)
	}
	if len(e.Input) > 0 {
		if !storable(e.Input) {
			return &e, errNotCanonical // Append never writes it; canonicalising it may be slow
		}
		c, err := jcs.Transform(e.Input)
		if err != nil || !bytes.Equal(c, e.Input) {
			return &e, errNotCanonical
		}
	}
	if !bytes.Equal(e.canonical(nil, true), line) {
		return &e, errNotCanonical
	}
	return &e, nil
}

// verbatim reports whether the event's canonical form is the line.
func (e *Event) verbatim(line []byte) bool {
	if len(e.Input) > 0 {
		if !storable(e.Input) {
			return false
		}
		c, err := jcs.Transform(e.Input)
		if err != nil || !bytes.Equal(c, e.Input) {
			return false
		}
	}
	return bytes.Equal(e.canonical(make([]byte, 0, len(line)), true), line)
}

var errNotCanonical = fmt.Errorf("not in the canonical form aport writes")

// InputHash is "sha256:<hex>" over the RFC 8785 canonical form of a JSON
// input (a leading UTF-8 byte-order mark ignored), or over the raw bytes
// when they are not JSON, are nested more than MaxCanonicalDepth deep or
// hold more than MaxCanonicalKeys object keys: canonicalising takes time
// quadratic in the depth and in the keys of an object. Callers that have
// already rejected the input use RawInputHash.
func InputHash(raw []byte) string {
	b := bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if nestedAtMost(b, MaxCanonicalDepth) && bytes.Count(b, []byte(":")) <= MaxCanonicalKeys {
		if c, err := jcs.Transform(b); err == nil {
			return RawInputHash(c)
		}
	}
	return RawInputHash(raw)
}

// RawInputHash is "sha256:<hex>" over the bytes as received, for input
// that was rejected before it could be read as a tool call (not JSON, not an
// object, a repeated key, nested too deep): such input is never
// canonicalised.
func RawInputHash(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// MaxCanonicalDepth is the deepest nesting InputHash canonicalises; it is
// the hook parser's limit too.
const MaxCanonicalDepth = 256

// MaxCanonicalKeys bounds the object keys (counted as colons, a bound from
// above) of an input that is canonicalised for its hash, or stored.
const MaxCanonicalKeys = 4096

// nestedAtMost reports whether no array or object in b (outside strings) is
// nested deeper than limit. It does not validate JSON.
func nestedAtMost(b []byte, limit int) bool {
	ok, _ := shape(b, limit, -1)
	return ok
}

// shape scans b's structure (outside strings) and reports whether it nests
// at most depthLimit deep and holds at most keyLimit object keys (counted
// as colons outside strings; keyLimit < 0: any number), and the keys seen.
// Both are the same for any spelling of the same JSON.
func shape(b []byte, depthLimit, keyLimit int) (bool, int) {
	depth, keys, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == ':':
			if keys++; keyLimit >= 0 && keys > keyLimit {
				return false, keys
			}
		case c == '[' || c == '{':
			if depth++; depth > depthLimit {
				return false, keys
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return true, keys
}

// storable reports whether an event may carry input as it is: at most
// MaxInputBytes, MaxCanonicalDepth deep and MaxCanonicalKeys keys, so that
// canonicalising it, when it is written and every time it is read, stays
// cheap. Append stores a note in place of anything else, and Parse refuses
// an event whose input is not storable before canonicalising it.
func storable(in []byte) bool {
	if len(in) > MaxInputBytes {
		return false
	}
	ok, _ := shape(in, MaxCanonicalDepth, MaxCanonicalKeys)
	return ok
}
