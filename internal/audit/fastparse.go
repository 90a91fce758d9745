package audit

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// parseFast decodes a line that is in aport's canonical form, without
// encoding/json. It accepts only what canonical() writes (known keys, JCS
// string escapes, plain integers); anything else returns false and Parse
// falls back to encoding/json. It does not have to be exact: Parse still
// compares the canonical re-encoding with the line, byte for byte.
func parseFast(line []byte, e *Event) bool {
	p := fastParser{b: line}
	if !p.lit('{') {
		return false
	}
	if p.peek() == '}' {
		return false
	}
	for {
		key, ok := p.rawString()
		if !ok || !p.lit(':') {
			return false
		}
		switch string(key) {
		case "seq":
			n, ok := p.int()
			if !ok {
				return false
			}
			e.Seq = n
		case "breakglass":
			if !p.word("true") {
				return false
			}
			e.Breakglass = true
		case "recovered":
			r := &Recovered{}
			if !p.lit('{') || !p.key("after_seq") {
				return false
			}
			if r.AfterSeq, ok = p.int(); !ok {
				return false
			}
			if !p.lit(',') || !p.key("bytes") {
				return false
			}
			if r.Bytes, ok = p.int(); !ok || !p.lit('}') {
				return false
			}
			e.Recovered = r
		case "input":
			start := p.i
			if !p.skipValue(0) {
				return false
			}
			e.Input = json.RawMessage(line[start:p.i:p.i])
		default:
			dst := e.field(string(key))
			if dst == nil {
				return false
			}
			s, ok := p.string()
			if !ok {
				return false
			}
			*dst = s
		}
		if p.lit(',') {
			continue
		}
		return p.lit('}') && p.i == len(p.b)
	}
}

func (e *Event) field(k string) *string {
	switch k {
	case "agent_id":
		return &e.AgentID
	case "capability":
		return &e.Capability
	case "decision":
		return &e.Decision
	case "event":
		return &e.Event
	case "hash":
		return &e.Hash
	case "host":
		return &e.Host
	case "input_hash":
		return &e.InputHash
	case "kid":
		return &e.Kid
	case "note":
		return &e.Note
	case "passport_digest":
		return &e.PassportDigest
	case "passport_id":
		return &e.PassportID
	case "policy":
		return &e.Policy
	case "prev_hash":
		return &e.PrevHash
	case "reason":
		return &e.Reason
	case "segment_prev":
		return &e.SegmentPrev
	case "signature":
		return &e.Signature
	case "tool":
		return &e.Tool
	case "ts":
		return &e.TS
	}
	return nil
}

type fastParser struct {
	b []byte
	i int
}

func (p *fastParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *fastParser) lit(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *fastParser) word(w string) bool {
	if len(p.b)-p.i >= len(w) && string(p.b[p.i:p.i+len(w)]) == w {
		p.i += len(w)
		return true
	}
	return false
}

func (p *fastParser) key(k string) bool {
	return p.lit('"') && p.word(k) && p.lit('"') && p.lit(':')
}

func (p *fastParser) int() (int64, bool) {
	start := p.i
	if p.peek() == '-' {
		p.i++
	}
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	return n, err == nil
}

// rawString reads a string without escapes (a key).
func (p *fastParser) rawString() ([]byte, bool) {
	if !p.lit('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.b[start:p.i]
			p.i++
			return s, true
		}
		if c == '\\' || c < 0x20 {
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// string reads a string with JCS escapes only.
func (p *fastParser) string() (string, bool) {
	if !p.lit('"') {
		return "", false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return "", false
			}
			return string(s), true
		}
		if c == '\\' {
			return p.escaped(start)
		}
		if c < 0x20 {
			return "", false
		}
		p.i++
	}
	return "", false
}

func (p *fastParser) escaped(start int) (string, bool) {
	out := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return "", false
		}
		switch p.b[p.i+1] {
		case '"', '\\':
			out = append(out, p.b[p.i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if p.i+6 > len(p.b) || p.b[p.i+2] != '0' || p.b[p.i+3] != '0' {
				return "", false
			}
			v, err := strconv.ParseUint(string(p.b[p.i+4:p.i+6]), 16, 8)
			if err != nil || v >= 0x20 {
				return "", false
			}
			out = append(out, byte(v))
			p.i += 6
			continue
		default:
			return "", false
		}
		p.i += 2
	}
	return "", false
}

// skipValue moves past one JSON value, roughly: Parse checks the input
// with jcs afterwards.
func (p *fastParser) skipValue(depth int) bool {
	if depth > 64 {
		return false
	}
	switch c := p.peek(); {
	case c == '"':
		_, ok := p.string()
		return ok
	case c == '{' || c == '[':
		close := byte('}')
		if c == '[' {
			close = ']'
		}
		p.i++
		if p.lit(close) {
			return true
		}
		for {
			if c == '{' {
				if _, ok := p.string(); !ok || !p.lit(':') {
					return false
				}
			}
			if !p.skipValue(depth + 1) {
				return false
			}
			if p.lit(',') {
				continue
			}
			return p.lit(close)
		}
	default:
		start := p.i
		for p.i < len(p.b) && p.b[p.i] != ',' && p.b[p.i] != '}' && p.b[p.i] != ']' {
			p.i++
		}
		return p.i > start
	}
}
