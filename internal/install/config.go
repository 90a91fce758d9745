package install

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"

	"github.com/aporthq/aport/installers"
	"github.com/aporthq/aport/internal/shell"
)

// Host names, as `aport install` and `aport eval --host` spell them.
const (
	Claude = "claude-code"
	Cursor = "cursor"
)

// CursorEvents are the Cursor hook events aport is installed for, in the
// order their entries are written.
var CursorEvents = []string{"preToolUse", "beforeShellExecution", "beforeMCPExecution", "beforeReadFile"}

// IsAportCommand reports whether a hook command runs aport's evaluator: its
// first word is a path whose base name is aport and its second word is eval.
// That is how aport finds its own entries, whatever binary path they name.
func IsAportCommand(cmd string) bool {
	words, ok := shell.Words(cmd, "")
	if !ok || len(words) < 2 {
		return false
	}
	return filepath.Base(words[0]) == "aport" && words[1] == "eval"
}

// template returns the host's hook template with the command filled in,
// parsed.
func template(host, command string) ([]byte, *node, error) {
	tpl, err := installers.Hook(host)
	if err != nil {
		return nil, nil, err
	}
	var q bytes.Buffer
	enc := json.NewEncoder(&q)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(command); err != nil {
		return nil, nil, err
	}
	src := bytes.Replace(tpl, []byte(`"{{command}}"`), bytes.TrimSpace(q.Bytes()), 1)
	n, err := parseDoc(src, host+" template")
	if err != nil {
		return nil, nil, err
	}
	return src, n, nil
}

// value is a rendered piece of JSON waiting for its place in a document.
type value struct {
	src []byte
	n   *node
}

// memberItem renders `"key": value` for insertLast.
func memberItem(st style, key string, v value) func(multi bool, prefix, colon, comma string) string {
	return func(multi bool, prefix, colon, comma string) string {
		k, _ := json.Marshal(key)
		return string(k) + colon + render(v.src, v.n, multi, prefix, st.unit, st.nl, colon, comma)
	}
}

// elemItem renders an array element for insertLast.
func elemItem(st style, v value) func(multi bool, prefix, colon, comma string) string {
	return func(multi bool, prefix, colon, comma string) string {
		return render(v.src, v.n, multi, prefix, st.unit, st.nl, colon, comma)
	}
}

// wrap builds {"key": v} or [v] around a value, as a value.
func wrapObject(pairs ...any) value {
	var b bytes.Buffer
	b.WriteByte('{')
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(pairs[i].(string))
		b.Write(k)
		b.WriteByte(':')
		b.Write(pairs[i+1].(value).text())
	}
	b.WriteByte('}')
	return mustValue(b.Bytes())
}

func wrapArray(v value) value {
	return mustValue(append(append([]byte{'['}, v.text()...), ']'))
}

func (v value) text() []byte { return v.src[v.n.start:v.n.end] }

func mustValue(src []byte) value {
	n, err := parseDoc(src, "aport")
	if err != nil {
		panic(err) // built from templates that are valid JSON
	}
	return value{src: src, n: n}
}

// skeleton renders a whole new file.
func skeleton(v value) []byte {
	return []byte(render(v.src, v.n, true, "", "  ", "\n", ": ", ", ") + "\n")
}

// shapeError reports a value of the wrong type where aport has to edit.
func shapeError(file string, src []byte, n *node, path, want string) error {
	l, c := position(src, n.start)
	return &SyntaxError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("%s: expected %s, found %s", path, want, kindName(n.kind))}
}

func dupError(file string, src []byte, n *node, path string, err error) error {
	l, c := position(src, n.start)
	return &SyntaxError{File: file, Line: l, Col: c, Msg: fmt.Sprintf("%s: %v", path, err)}
}

// aportEntry is one of aport's hook entries found in a document.
type aportEntry struct {
	group    int // Claude: index of the matcher group in PreToolUse
	index    int // index in its array
	matchAll bool
	n        *node
}

// entryIsAport reports whether a hook entry object runs aport.
func entryIsAport(e *node) bool {
	if e.kind != '{' {
		return false
	}
	if t, _, err := e.get("type"); err != nil || (t != nil && (t.kind != '"' || t.str != "command")) {
		return false
	}
	c, _, err := e.get("command")
	return err == nil && c != nil && c.kind == '"' && IsAportCommand(c.str)
}

func sameJSON(a []byte, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// replaceValue renders v in place of the value n, in n's own layout.
func replaceValue(src []byte, n *node, st style, v value) edit {
	multi := bytes.IndexByte(src[n.start:n.end], '\n') >= 0
	colon, comma := containerSeps(src, n)
	return edit{n.start, n.end, render(v.src, v.n, multi, lineIndent(src, n.start), st.unit, st.nl, colon, comma)}
}

// stepFunc computes the next edit of a document, or done.
type stepFunc func(src []byte, root *node, st style) (e edit, done bool, err error)

// run applies steps until done. Each step re-parses the document, so every
// edit is computed against exact offsets.
func run(src []byte, file string, step stepFunc) ([]byte, error) {
	for i := 0; i < 10000; i++ {
		body, bom := splitBOM(src)
		root, err := parseDoc(body, file)
		if err != nil {
			return nil, err
		}
		if root.kind != '{' {
			return nil, shapeError(file, body, root, "the document", "an object")
		}
		e, done, err := step(body, root, detectStyle(body, root))
		if err != nil {
			return nil, err
		}
		if done {
			return src, nil
		}
		src = append(bom, apply(body, e)...)
	}
	return nil, fmt.Errorf("%s: too many edits", file)
}

func splitBOM(src []byte) (body, bom []byte) {
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		return src[3:], []byte("\xef\xbb\xbf")
	}
	return src, nil
}

// empty reports whether a file holds no document at all.
func empty(src []byte) bool {
	body, _ := splitBOM(src)
	return len(bytes.TrimSpace(body)) == 0
}
