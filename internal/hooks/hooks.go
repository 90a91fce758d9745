// Package hooks holds one adapter per host: it turns the host's hook payload
// into the canonical eval.Call and writes a decision back in the host's own
// format. Adding a host means one file here and its fixtures. Detection from
// the payload is a convenience; `aport install` always pins the host.
package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aporthq/aport/internal/eval"
	"github.com/aporthq/aport/internal/jsonx"
	"github.com/aporthq/aport/internal/termx"
)

// Host names.
const (
	Claude  = "claude-code"
	Cursor  = "cursor"
	Generic = "generic"
)

// InputError is a payload that cannot be turned into a call (oap.invalid_input).
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErr(format string, args ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, args...)}
}

// ParseHost validates a --host value.
func ParseHost(s string) (string, error) {
	switch s {
	case "", "auto":
		return "auto", nil
	case Claude, "claude", "claudecode":
		return Claude, nil
	case Cursor, Generic:
		return s, nil
	}
	return "", fmt.Errorf("unknown host %q: want auto, claude-code, cursor or generic", s)
}

// Payload is the parsed top level of a hook payload.
type Payload map[string]json.RawMessage

// ParsePayload checks the bytes are one JSON object without duplicate keys.
// A UTF-8 byte-order mark is stripped first.
func ParsePayload(b []byte) (Payload, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, inputErr("the hook received no input on stdin; a tool call payload (JSON) was expected")
	}
	if err := jsonx.CheckDuplicates(b); err != nil {
		return nil, inputErr("the hook input is not valid JSON: %v", err)
	}
	var m Payload
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, inputErr("the hook input must be a JSON object, found %s", describe(b))
	}
	return m, nil
}

func describe(b []byte) string {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '[':
		return "an array"
	case b[0] == '"':
		return "a string"
	case b[0] == 'n':
		return "null"
	}
	return "another JSON value"
}

// Detect guesses the host from the payload's keys ("" when none fits).
func Detect(m Payload) string {
	if m == nil {
		return ""
	}
	if has(m, "conversation_id") || has(m, "workspace_roots") || has(m, "cursor_version") {
		return Cursor
	}
	if has(m, "hook_event_name") && (has(m, "tool_name") || has(m, "session_id")) {
		return Claude
	}
	if has(m, "session_id") && has(m, "tool_name") {
		return Claude
	}
	if has(m, "tool") && has(m, "input") {
		return Generic
	}
	return ""
}

func has(m Payload, k string) bool { _, ok := m[k]; return ok }

// Decode turns a payload into a call for the given host.
func Decode(host string, m Payload) (*eval.Call, error) {
	switch host {
	case Claude:
		return decodeClaude(m)
	case Cursor:
		return decodeCursor(m)
	case Generic:
		return decodeGeneric(m)
	}
	return nil, inputErr("the payload matches no known host (Claude Code, Cursor or generic {tool, input}); pass --host to say which")
}

// Encode writes the decision in the host's format.
func Encode(w io.Writer, host string, d *eval.Decision) error {
	var b []byte
	switch host {
	case Cursor:
		b = encodeCursor(d)
	case Generic:
		b = encodeGeneric(d)
	default:
		b = encodeClaude(d)
	}
	_, err := w.Write(b)
	return err
}

// Summary is the one-line reason given to hosts and stderr.
func Summary(d *eval.Decision) string {
	if len(d.Reasons) == 0 {
		return "aport: no reason recorded"
	}
	var parts []string
	for _, r := range d.Reasons {
		parts = append(parts, r.Message+" ["+r.Code+"]")
	}
	s := strings.Join(parts, "; ")
	if d.Breakglass {
		s = "break-glass window open: " + s
	}
	// tool names and commands come from the agent or an MCP server: no
	// control character reaches a terminal, and the line stays small enough
	// that a host that reads late cannot block the write
	return termx.Safe("aport: "+s, MaxSummary)
}

// MaxSummary bounds the reason line in bytes.
const MaxSummary = 4096

// str reads a string field; ok is false when absent or not a string.
func str(m map[string]json.RawMessage, k string) (string, bool) {
	raw, ok := m[k]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// strictStr reads an optional string field, failing when present with another type.
func strictStr(m map[string]json.RawMessage, k, where string) (string, bool, error) {
	raw, ok := m[k]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, inputErr("%s.%s must be a string", where, k)
	}
	return s, true, nil
}

func object(raw json.RawMessage, where string) (map[string]json.RawMessage, error) {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return map[string]json.RawMessage{}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, inputErr("%s must be a JSON object", where)
	}
	return m, nil
}

// absDir makes a directory absolute; an empty or relative cwd is an input error
// only where no fallback exists (callers decide).
func cleanDir(d string) string {
	if d == "" {
		return ""
	}
	if runtime.GOOS == "windows" {
		d = strings.ReplaceAll(d, "\\", "/") // elsewhere \ is part of a name
	}
	if !filepath.IsAbs(d) {
		return ""
	}
	return filepath.Clean(d)
}

// jsonString encodes s as a JSON string.
func jsonString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
