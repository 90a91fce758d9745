package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// This file edits JSON as text. A config file is parsed into a tree of nodes
// that remember their byte ranges; edits insert or remove text at those
// ranges, so every byte aport did not mean to change stays as it was: key
// order, spacing, indentation, line endings, number spellings.

// node is one JSON value and where it lies in the document.
type node struct {
	kind    byte // '{', '[', '"', or 'x' for numbers and literals
	start   int  // offset of the first byte
	end     int  // offset just past the last byte
	members []member
	elems   []*node
	str     string // decoded string value (kind '"')
}

// member is one "key": value pair of an object.
type member struct {
	key      string
	keyStart int
	val      *node
}

// SyntaxError is a config file that is not what aport can edit: invalid JSON
// or the wrong shape where aport has to make its change. It names the file and
// the position.
type SyntaxError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// position turns a byte offset into a 1-based line and column.
func position(src []byte, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line = 1 + bytes.Count(src[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(src[:off], '\n')
	return line, col
}

// parseDoc checks that src is one valid JSON value and returns its tree.
func parseDoc(src []byte, file string) (*node, error) {
	var v any
	if err := json.Unmarshal(src, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off := int(se.Offset) - 1 // Offset counts the offending byte
			if off < 0 {
				off = 0
			}
			l, c := position(src, off)
			return nil, &SyntaxError{File: file, Line: l, Col: c, Msg: "invalid JSON: " + se.Error()}
		}
		return nil, &SyntaxError{File: file, Msg: "invalid JSON: " + err.Error()}
	}
	p := &parser{src: src}
	p.ws()
	n := p.value()
	return n, nil
}

// parser walks a document already known to be valid JSON.
type parser struct {
	src []byte
	i   int
}

func (p *parser) ws() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value() *node {
	n := &node{start: p.i}
	switch c := p.src[p.i]; c {
	case '{':
		n.kind = '{'
		p.i++
		p.ws()
		for p.src[p.i] != '}' {
			ks := p.i
			k := p.value()
			p.ws()
			p.i++ // ':'
			p.ws()
			v := p.value()
			n.members = append(n.members, member{key: k.str, keyStart: ks, val: v})
			p.ws()
			if p.src[p.i] == ',' {
				p.i++
				p.ws()
			}
		}
		p.i++
	case '[':
		n.kind = '['
		p.i++
		p.ws()
		for p.src[p.i] != ']' {
			n.elems = append(n.elems, p.value())
			p.ws()
			if p.src[p.i] == ',' {
				p.i++
				p.ws()
			}
		}
		p.i++
	case '"':
		n.kind = '"'
		p.i++
		for p.src[p.i] != '"' {
			if p.src[p.i] == '\\' {
				p.i++
			}
			p.i++
		}
		p.i++
		_ = json.Unmarshal(p.src[n.start:p.i], &n.str)
	default:
		n.kind = 'x'
		for p.i < len(p.src) {
			switch p.src[p.i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				n.end = p.i
				return n
			}
			p.i++
		}
	}
	n.end = p.i
	return n
}

// get returns the value of key in an object. A key that appears twice is an
// error: the file would mean different things to different readers.
func (n *node) get(key string) (*node, int, error) {
	idx := -1
	for i, m := range n.members {
		if m.key == key {
			if idx >= 0 {
				return nil, -1, fmt.Errorf("duplicate key %q", key)
			}
			idx = i
		}
	}
	if idx < 0 {
		return nil, -1, nil
	}
	return n.members[idx].val, idx, nil
}

func kindName(k byte) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	default:
		return "a number, boolean or null"
	}
}

// style is how the file is written, so that inserted text looks like it.
type style struct {
	nl    string // "\n" or "\r\n"
	unit  string // one level of indentation
	multi bool   // the file spans several lines
}

func detectStyle(src []byte, root *node) style {
	s := style{nl: "\n", unit: "  ", multi: bytes.IndexByte(src, '\n') >= 0}
	if bytes.Contains(src, []byte("\r\n")) {
		s.nl = "\r\n"
	}
	// The indentation unit: how much deeper the first member of the
	// outermost multi-line container sits than the container itself.
	var find func(n *node) bool
	find = func(n *node) bool {
		first := -1
		switch {
		case n.kind == '{' && len(n.members) > 0:
			first = n.members[0].keyStart
		case n.kind == '[' && len(n.elems) > 0:
			first = n.elems[0].start
		}
		if first >= 0 && bytes.IndexByte(src[n.start:first], '\n') >= 0 {
			outer, inner := lineIndent(src, n.start), lineIndent(src, first)
			if len(inner) > len(outer) && inner[:len(outer)] == outer {
				s.unit = inner[len(outer):]
				return true
			}
		}
		for _, m := range n.members {
			if find(m.val) {
				return true
			}
		}
		for _, e := range n.elems {
			if find(e) {
				return true
			}
		}
		return false
	}
	find(root)
	return s
}

// lineIndent is the leading whitespace of the line that holds offset off.
func lineIndent(src []byte, off int) string {
	ls := bytes.LastIndexByte(src[:off], '\n') + 1
	e := ls
	for e < len(src) && (src[e] == ' ' || src[e] == '\t') {
		e++
	}
	return string(src[ls:e])
}

// containerSeps returns the separators a container uses between a key and
// its value and between items, for single-line rendering.
func containerSeps(src []byte, n *node) (colon, comma string) {
	colon, comma = ": ", ", "
	if n == nil {
		return
	}
	if n.kind == '{' && len(n.members) > 0 {
		m := n.members[0]
		// the key ends where the string ends: re-scan it
		p := &parser{src: src, i: m.keyStart}
		k := p.value()
		colon = string(src[k.end:m.val.start])
	}
	var a, b int = -1, -1
	if n.kind == '{' && len(n.members) > 1 {
		a, b = n.members[0].val.end, n.members[1].keyStart
	} else if n.kind == '[' && len(n.elems) > 1 {
		a, b = n.elems[0].end, n.elems[1].start
	}
	if a >= 0 && bytes.IndexByte(src[a:b], '\n') < 0 {
		comma = string(src[a:b])
	}
	return
}

// render writes the value n (from tsrc) in the given layout. multi: one item
// per line, with prefix the indentation of the line the value starts on.
func render(tsrc []byte, n *node, multi bool, prefix, unit, nl, colon, comma string) string {
	var b bytes.Buffer
	var walk func(n *node, ind string)
	walk = func(n *node, ind string) {
		switch n.kind {
		case '{', '[':
			open, close := byte('{'), byte('}')
			count := len(n.members)
			if n.kind == '[' {
				open, close, count = '[', ']', len(n.elems)
			}
			b.WriteByte(open)
			if count == 0 {
				b.WriteByte(close)
				return
			}
			for i := 0; i < count; i++ {
				if i > 0 {
					if multi {
						b.WriteByte(',')
					} else {
						b.WriteString(comma)
					}
				}
				if multi {
					b.WriteString(nl + ind + unit)
				}
				if n.kind == '{' {
					m := n.members[i]
					k, _ := json.Marshal(m.key)
					b.Write(k)
					b.WriteString(colon)
					walk(m.val, ind+unit)
				} else {
					walk(n.elems[i], ind+unit)
				}
			}
			if multi {
				b.WriteString(nl + ind)
			}
			b.WriteByte(close)
		default:
			b.Write(tsrc[n.start:n.end])
		}
	}
	walk(n, prefix)
	return b.String()
}

// edit is one replacement of src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

func apply(src []byte, e edit) []byte {
	out := make([]byte, 0, len(src)-(e.end-e.start)+len(e.text))
	out = append(out, src[:e.start]...)
	out = append(out, e.text...)
	return append(out, src[e.end:]...)
}

// items returns where each item of a container starts (the key of a
// member, or the element) and ends.
func items(n *node) (starts, ends []int) {
	if n.kind == '{' {
		for _, m := range n.members {
			starts, ends = append(starts, m.keyStart), append(ends, m.val.end)
		}
	} else {
		for _, e := range n.elems {
			starts, ends = append(starts, e.start), append(ends, e.end)
		}
	}
	return
}

// insertLast appends an item, rendered by item for its place, as the last
// item of container c. removeItem of that item
// gives back exactly the original bytes.
func insertLast(src []byte, c *node, st style, item func(multi bool, prefix, colon, comma string) string) edit {
	starts, ends := items(c)
	colon, comma := containerSeps(src, c)
	if len(starts) == 0 {
		// Empty container: {} or [], maybe with whitespace inside.
		if st.multi {
			ind := lineIndent(src, c.start)
			return edit{c.start + 1, c.end - 1, st.nl + ind + st.unit + item(true, ind+st.unit, colon, comma) + st.nl + ind}
		}
		return edit{c.start + 1, c.end - 1, item(false, "", colon, comma)}
	}
	last := len(starts) - 1
	gap := src[c.start+1 : starts[0]] // does the container break lines between items?
	if len(starts) > 1 {
		gap = src[ends[0]:starts[1]]
	}
	if bytes.IndexByte(gap, '\n') >= 0 {
		ind := lineIndent(src, starts[last])
		return edit{ends[last], ends[last], "," + st.nl + ind + item(true, ind, colon, comma)}
	}
	// Items on one line: keep them on one line, unless they are big
	// multi-line values themselves (`[{\n ... \n}]`).
	multi := bytes.IndexByte(src[c.start:c.end], '\n') >= 0
	return edit{ends[last], ends[last], comma + item(multi, lineIndent(src, starts[last]), colon, comma)}
}

// removeItem removes item i of container c with the separator that joins it
// to its neighbours: the inverse of insertLast.
func removeItem(src []byte, c *node, i int) edit {
	starts, ends := items(c)
	switch {
	case len(starts) == 1:
		return edit{c.start + 1, c.end - 1, ""}
	case i == 0:
		return edit{starts[0], starts[1], ""}
	default:
		return edit{ends[i-1], ends[i], ""}
	}
}
