package shell

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// field is one argv word after brace expansion and quote removal.
type field struct {
	val  string       // value: quotes and escapes removed, ~, $HOME and $PWD expanded
	text string       // the word as written
	lit  bool         // val is fully known (no other expansion, no substitution)
	glob bool         // val contains unquoted glob characters
	w    *syntax.Word // the word it comes from, nil when made up
}

// known reports whether the field is a literal that is not a glob: the only
// kind of word a policy pattern word may match.
func (f field) known() bool { return f.lit && !f.glob }

// display is how a field appears in messages and Command.Argv.
func (f field) display() string {
	if f.lit {
		return f.val
	}
	return f.text
}

func litField(s string) field { return field{val: s, text: s, lit: true} }

// wordText is the source text of a node in the text being walked.
func (c *checker) wordText(n syntax.Node) string {
	if n == nil {
		return ""
	}
	a, b := int(n.Pos().Offset()), int(n.End().Offset())
	if a < 0 || b > len(c.src) || a > b {
		return ""
	}
	return c.src[a:b]
}

// fields expands one argv word into its fields: brace expansion, then quote
// removal. A word that would expand into too many words is one dynamic field.
func (c *checker) fields(w *syntax.Word) []field {
	text := c.wordText(w)
	if !syntax.SplitBraces(w) {
		f := c.argField(w.Parts, text)
		f.w = w
		if fs, ok := c.wordSplit(w, f); ok {
			return fs
		}
		return []field{f}
	}
	alts, ok := expandBraces(w.Parts, maxBraceWords)
	if !ok {
		return []field{{text: text, val: text, glob: true, w: w}}
	}
	out := make([]field, 0, len(alts))
	for _, parts := range alts {
		f := c.argField(parts, text)
		f.text, f.w = text, w
		out = append(out, f)
	}
	return out
}

// wordSplit applies bash's word splitting to an argument with an unquoted
// expansion whose values the text shows: x="-rf /usr"; rm $x runs rm with
// two arguments. A lone $x with one known value becomes its words; any
// other split of a known value, or any unquoted expansion of one after the
// text assigns IFS, is reported, since the arguments cannot be told apart.
func (c *checker) wordSplit(w *syntax.Word, f field) ([]field, bool) {
	var params []*syntax.ParamExp
	for _, part := range w.Parts {
		if p, ok := part.(*syntax.ParamExp); ok && simpleParam(p) {
			params = append(params, p)
		}
	}
	if len(params) == 0 {
		return nil, false
	}
	blanks := false
	for _, p := range params {
		vals := c.paramValues(p.Param.Value)
		if vals != nil && c.ifsSet {
			c.add(Finding{Code: CodeDynamic, Command: f.text,
				Message: fmt.Sprintf("%s: the text assigns IFS, so bash splits the unquoted expansion where aport cannot follow; quote it", f.text)})
			return nil, false
		}
		for _, v := range vals {
			blanks = blanks || strings.ContainsAny(v, " \t\n")
		}
	}
	if !blanks {
		return nil, false
	}
	if len(w.Parts) == 1 {
		if vals := c.paramValues(params[0].Param.Value); len(vals) == 1 {
			var out []field
			for _, s := range strings.FieldsFunc(vals[0], func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }) {
				g := litField(s)
				g.glob = strings.ContainsAny(s, "*?[")
				out = append(out, g)
			}
			return out, true
		}
	}
	c.add(Finding{Code: CodeDynamic, Command: f.text,
		Message: fmt.Sprintf("%s: the unquoted expansion holds a value with blanks, which bash splits into several arguments that cannot be told apart here; quote it, or write the arguments out", f.text)})
	return nil, false
}

// paramValues is what $name holds where the text shows it: a for loop's
// current value, or the literals the text certainly assigned; nil otherwise.
func (c *checker) paramValues(name string) []string {
	if v, ok := c.vars[name]; ok {
		return []string{v}
	}
	if c.lits[name] != nil && !c.litsUnknown[name] && c.defined[name] {
		return c.lits[name]
	}
	return nil
}

// field evaluates a word without brace expansion (assignment values,
// redirection targets, case words).
func (c *checker) field(w *syntax.Word) field {
	if w == nil {
		return litField("")
	}
	f := c.partsField(w.Parts, c.wordText(w))
	f.w = w
	return f
}

func (c *checker) partsField(parts []syntax.WordPart, text string) field {
	f := field{text: text, lit: true}
	var b strings.Builder
	c.partsValue(parts, false, false, &b, &f)
	f.val = b.String()
	return f
}

// argField is partsField for a command's argument, where bash also expands
// a tilde in a word that looks like an assignment (of=~/x).
func (c *checker) argField(parts []syntax.WordPart, text string) field {
	f := field{text: text, lit: true}
	var b strings.Builder
	c.partsValue(parts, false, true, &b, &f)
	f.val = b.String()
	return f
}

// partsValue appends the value of parts to b and clears f.lit when a part
// is not known statically. arg says parts are a command's argument.
func (c *checker) partsValue(parts []syntax.WordPart, quoted, arg bool, b *strings.Builder, f *field) {
	assignLike := false
	for i, part := range parts {
		switch p := part.(type) {
		case *syntax.Lit:
			v := p.Value
			if quoted {
				b.WriteString(unescapeDouble(v))
				continue
			}
			if arg && (i == 0 || assignLike) {
				v, assignLike = c.assignTildes(v, i == 0, i == len(parts)-1, f)
			}
			if i == 0 && strings.HasPrefix(v, "~") {
				end := strings.IndexByte(v, '/')
				if end < 0 {
					end = len(v)
				}
				if d, ok := c.tilde(v[:end]); ok {
					b.WriteString(d)
					v = v[end:]
				} else {
					f.lit = false
				}
			}
			u, glob := unescapeUnquoted(v)
			if glob {
				f.glob = true
			}
			b.WriteString(u)
		case *syntax.SglQuoted:
			if p.Dollar {
				v, ok := ansiC(p.Value)
				if !ok {
					f.lit = false
				}
				b.WriteString(v)
			} else {
				b.WriteString(p.Value)
			}
		case *syntax.DblQuoted:
			c.partsValue(p.Parts, true, false, b, f)
		case *syntax.ParamExp:
			if simpleParam(p) && p.Param != nil {
				if v, ok := c.vars[p.Param.Value]; ok {
					b.WriteString(v)
					if !quoted && strings.ContainsAny(v, "*?[") {
						f.glob = true // bash globs the unquoted value
					}
					continue
				}
				switch p.Param.Value {
				case "HOME":
					if c.env.Home != "" {
						b.WriteString(c.env.Home)
						continue
					}
				case "PWD":
					if d := c.cwdOne(); d != "" {
						b.WriteString(d)
						continue
					}
				case "_":
					if len(c.cwd.last) == 1 {
						b.WriteString(c.cwd.last[0])
						if !quoted && strings.ContainsAny(c.cwd.last[0], "*?[") {
							f.glob = true
						}
						continue
					}
				case "OLDPWD":
					if len(c.cwd.old) == 1 {
						b.WriteString(c.cwd.old[0])
						continue
					}
				}
			}
			f.lit = false
			b.WriteString(c.wordText(p))
		case *syntax.ExtGlob:
			f.glob = true
			b.WriteString(c.wordText(p))
		default: // command, arithmetic and process substitution; brace expansion left over
			f.lit = false
			b.WriteString(c.wordText(part))
		}
	}
}

// assignTildes expands the tildes bash expands in an argument that looks
// like an assignment (dd of=~/x, PATH=~/bin:~/sbin; bash does this outside
// POSIX mode): right after the first = and after each unquoted colon. v is
// an unquoted literal part of the word, first says it is the first part
// (where the name= must be), last that no part follows. It returns v with
// those tildes replaced (escaped for unescapeUnquoted) and whether the word
// is such an argument.
func (c *checker) assignTildes(v string, first, last bool, f *field) (string, bool) {
	start := 0
	if first {
		n := 0
		for n < len(v) && isWordByte(v[n]) {
			n++
		}
		if n == 0 || n == len(v) || v[n] != '=' || (v[0] >= '0' && v[0] <= '9') {
			return v, false
		}
		start = n + 1
	}
	var b strings.Builder
	b.WriteString(v[:start])
	eligible := first // right after the =, or after an unquoted colon
	for j := start; j < len(v); j++ {
		ch := v[j]
		if ch == '\\' && j+1 < len(v) {
			b.WriteString(v[j : j+2])
			j++
			eligible = false
			continue
		}
		if ch != '~' || !eligible {
			b.WriteByte(ch)
			eligible = ch == ':'
			continue
		}
		eligible = false
		end := j + strings.IndexAny(v[j:]+"/", "/:")
		if end == len(v) && !last {
			b.WriteByte(ch) // ~"..." : a quoted tilde-prefix is not expanded
			continue
		}
		if d, ok := c.tilde(v[j:end]); ok {
			b.WriteString(escapeUnquoted(d))
		} else {
			f.lit = false
			b.WriteString(v[j:end])
		}
		j = end - 1
	}
	return b.String(), true
}

// tilde is the value of a tilde-prefix: ~ is the home, ~+ and ~0 the
// working directory, ~- the previous one; ~user and the directory stack
// (~N, ~+N, ~-N) are not known here.
func (c *checker) tilde(prefix string) (string, bool) {
	switch prefix {
	case "~":
		return c.env.Home, c.env.Home != ""
	case "~+", "~0", "~+0":
		d := c.cwdOne()
		return d, d != ""
	case "~-", "~-0":
		if len(c.cwd.old) == 1 {
			return c.cwd.old[0], true
		}
	}
	return "", false
}

// escapeUnquoted escapes what unescapeUnquoted would read as an escape or a
// glob in s.
func escapeUnquoted(s string) string {
	if !strings.ContainsAny(s, `\*?[`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`\*?[`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// simpleParam reports $name or ${name} without any operator.
func simpleParam(p *syntax.ParamExp) bool {
	return p.Param != nil && p.Flags == nil && !p.Excl && !p.Length && !p.Width && !p.IsSet &&
		p.NestedParam == nil && p.Index == nil && len(p.Modifiers) == 0 && p.Slice == nil &&
		p.Repl == nil && p.Names == 0 && p.Exp == nil
}

// unescapeUnquoted removes backslash escapes from an unquoted literal and
// reports whether an unescaped glob character remains.
func unescapeUnquoted(s string) (string, bool) {
	if !strings.ContainsAny(s, `\*?[`) {
		return s, false
	}
	var b strings.Builder
	glob := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\\' && i+1 < len(s):
			i++
			if s[i] != '\n' {
				b.WriteByte(s[i])
			}
			continue
		case ch == '*' || ch == '?':
			glob = true
		case ch == '[' && strings.IndexByte(s[i+1:], ']') >= 0:
			glob = true
		}
		b.WriteByte(ch)
	}
	return b.String(), glob
}

// unescapeDouble removes the escapes that are special inside double quotes.
func unescapeDouble(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '$', '`', '"', '\\':
				b.WriteByte(s[i+1])
				i++
				continue
			case '\n':
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ansiC decodes the body of $'...'. It reports false for an escape it does
// not know, so the caller treats the word as dynamic. A NUL ends the value
// there, as in bash, whose strings cannot hold one: $'/bin/touch\0/../ls'
// is /bin/touch.
func ansiC(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch e := s[i]; e {
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'e', 'E':
			b.WriteByte(27)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte(11)
		case '\\', '\'', '"', '?':
			b.WriteByte(e)
		case 'x', 'u', 'U', '0', '1', '2', '3', '4', '5', '6', '7':
			base, maxLen, start := 16, 2, i+1
			switch e {
			case 'u':
				maxLen = 4
			case 'U':
				maxLen = 8
			case 'x':
			default:
				base, maxLen, start = 8, 3, i
			}
			j := start
			for j < len(s) && j-start < maxLen && isDigitIn(s[j], base) {
				j++
			}
			if j == start {
				return b.String(), false
			}
			n, err := strconv.ParseUint(s[start:j], base, 32)
			if err != nil {
				return b.String(), false
			}
			if e != 'u' && e != 'U' {
				n &= 0xff // \400 is 256, which bash keeps as a byte: 0
			}
			if n == 0 {
				return b.String(), true
			}
			if e == 'u' || e == 'U' {
				if !utf8.ValidRune(rune(n)) {
					return b.String(), false
				}
				b.WriteRune(rune(n))
			} else {
				b.WriteByte(byte(n))
			}
			i = j - 1
		default: // \cX and anything unknown
			return b.String(), false
		}
	}
	return b.String(), true
}

func isDigitIn(ch byte, base int) bool {
	switch {
	case ch >= '0' && ch <= '7':
		return true
	case ch == '8' || ch == '9':
		return base == 16
	case (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F'):
		return base == 16
	}
	return false
}

// expandBraces expands the brace expressions SplitBraces left in parts into
// at most limit alternatives. Sequences ({1..9}) are not expanded: ok=false.
func expandBraces(parts []syntax.WordPart, limit int) (alts [][]syntax.WordPart, ok bool) {
	alts = [][]syntax.WordPart{nil}
	for _, part := range parts {
		be, isBrace := part.(*syntax.BraceExp)
		if !isBrace {
			for i := range alts {
				alts[i] = append(alts[i], part)
			}
			continue
		}
		if be.Sequence {
			return nil, false
		}
		var next [][]syntax.WordPart
		for _, elem := range be.Elems {
			sub, ok := expandBraces(elem.Parts, limit)
			if !ok {
				return nil, false
			}
			for _, a := range alts {
				for _, s := range sub {
					if len(next) >= limit {
						return nil, false
					}
					n := make([]syntax.WordPart, 0, len(a)+len(s))
					n = append(append(n, a...), s...)
					next = append(next, n)
				}
			}
		}
		alts = next
	}
	return alts, true
}

// baseName is the last element of a command path as written.
func baseName(s string) string {
	s = strings.TrimRight(s, "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// joinArgv joins argv words for messages.
func joinArgv(argv []field) string {
	var b strings.Builder
	for i, f := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.display())
	}
	return b.String()
}
