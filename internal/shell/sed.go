package shell

import (
	"fmt"
	"strings"
)

// sed scripts can run programs and touch files: GNU sed's e command runs its
// text (or the pattern space) as a shell command, the s command's e flag runs
// the result, w and W (and the s command's w flag) write a file, r and R read
// one. checkSed reads the script: e with literal text is checked as shell
// text, an e that runs data is denied, written files go through
// self-protection and read files through the secret rule. A script aport
// cannot read — from a file (-f), not a literal, or not understood — is
// denied unless --sandbox (which makes sed refuse e, w and r) is given.
func (c *checker) checkSed(args []field, text string, x ctx) {
	opts, pos := parseArgs(sedArgs(args), sedValueOpts, " expression file line-length ")
	for _, o := range opts {
		if o.name == "--sandbox" {
			return
		}
	}
	var scripts []field
	explicit := false
	for _, o := range opts {
		switch o.name {
		case "-e", "--expression":
			scripts = append(scripts, o.val)
			explicit = true
		case "-f", "--file":
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: sed reads its script from %s, which aport cannot see, and a script may run commands (e) or write files (w); write the script out with -e, or add --sandbox", text, o.val.display())})
			return
		}
	}
	if !explicit && len(pos) > 0 {
		scripts = append(scripts, pos[0])
	}
	var known []field
	for _, s := range scripts {
		if !s.lit && s.w != nil {
			if vals := c.possibleValues(s.w.Parts); vals != nil {
				for _, v := range vals { // VERSION=1.2.3; sed "s/x/$VERSION/": each value the text gives it
					known = append(known, litField(v))
				}
				continue
			}
		}
		known = append(known, s)
	}
	for _, s := range known {
		if !s.known() { // a glob expands to a file name, which may hold any script
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: the sed script %s is not a literal, and a script may run commands (e) or write files (w); write it out, or add --sandbox", text, s.text)})
			return
		}
		r, ok := scanSed(s.val)
		if !ok {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: the sed script %q could not be read, and a script may run commands (e) or write files (w); simplify it, or add --sandbox", text, s.val)})
			return
		}
		for _, cmd := range r.exec {
			if cmd == "" {
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s: sed runs the text it edits as a shell command (the e command or the s command's e flag), which cannot be checked", text)})
				continue
			}
			c.nestedText(litField(cmd), x, "sed e", text)
		}
		if !x.remote {
			for _, f := range r.writes {
				c.checkWrite(target{f: litField(f)}, text, "sed writing")
			}
			for _, f := range r.reads {
				c.checkRead(litField(f), text, false)
			}
		}
	}
}

// sedScan is what a sed script runs, writes and reads. An exec entry is the
// command text of an e command, or "" when the pattern space runs.
type sedScan struct {
	exec, writes, reads []string
}

// scanSed reads a sed script command by command (GNU syntax, a superset of
// POSIX and BSD). ok is false when it meets something it does not know.
func scanSed(s string) (r sedScan, ok bool) {
	i := 0
	restOfLine := func() string {
		j := i
		for j < len(s) && s[j] != '\n' {
			j++
		}
		v := strings.TrimLeft(s[i:j], " \t") // GNU sed skips blanks, not every space
		i = j
		return v
	}
	// delimited reads up to the unescaped delimiter d, returning false at the end.
	delimited := func(d byte) bool {
		for i < len(s) {
			switch s[i] {
			case '\\':
				i += 2
				continue
			case d:
				i++
				return true
			case '\n':
				if d != '\n' {
					return false
				}
			}
			i++
		}
		return false
	}
	// regex is delimited for a regular expression, where GNU sed reads a
	// bracket expression as a whole: s/[/]/x/ has a / inside the brackets.
	regex := func(d byte) bool {
		for i < len(s) {
			switch ch := s[i]; {
			case ch == d:
				i++
				return true
			case ch == '\\':
				i += 2
				continue
			case ch == '\n' && d != '\n':
				return false
			case ch == '[':
				j := i + 1
				if j < len(s) && s[j] == '^' {
					j++
				}
				if j < len(s) && s[j] == ']' {
					j++
				}
				for j < len(s) && s[j] != ']' {
					if s[j] == '\n' {
						return false
					}
					if s[j] == '[' && j+1 < len(s) && strings.IndexByte(":.=", s[j+1]) >= 0 {
						end := strings.Index(s[j+2:], s[j+1:j+2]+"]")
						if end < 0 {
							return false
						}
						j += 2 + end + 2
						continue
					}
					j++
				}
				if j >= len(s) {
					return false
				}
				i = j + 1
				continue
			}
			i++
		}
		return false
	}
	address := func() bool {
		if i >= len(s) {
			return true
		}
		switch ch := s[i]; {
		case ch >= '0' && ch <= '9':
			for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '~') {
				i++
			}
		case ch == '$':
			i++
		case ch == '/':
			i++
			if !regex('/') {
				return false
			}
			for i < len(s) && (s[i] == 'I' || s[i] == 'M') {
				i++
			}
		case ch == '\\':
			if i+1 >= len(s) {
				return false
			}
			d := s[i+1]
			i += 2
			if !regex(d) {
				return false
			}
			for i < len(s) && (s[i] == 'I' || s[i] == 'M') {
				i++
			}
		}
		return true
	}
	for {
		for i < len(s) && strings.IndexByte(" \t\n;}", s[i]) >= 0 {
			i++
		}
		if i >= len(s) {
			return r, true
		}
		if s[i] == '#' {
			restOfLine()
			continue
		}
		if !address() {
			return r, false
		}
		if i < len(s) && s[i] == ',' {
			i++
			if i < len(s) && (s[i] == '+' || s[i] == '~') {
				i++
			}
			if !address() {
				return r, false
			}
		}
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '!') {
			i++
		}
		if i >= len(s) {
			return r, false
		}
		cmd := s[i]
		i++
		switch cmd {
		case '{', '=', 'd', 'D', 'g', 'G', 'h', 'H', 'n', 'N', 'p', 'P', 'x', 'z', 'F':
		case 'l', 'L', 'q', 'Q':
			for i < len(s) && (s[i] == ' ' || s[i] >= '0' && s[i] <= '9') {
				i++
			}
		case ':', 'b', 't', 'T', 'v':
			// GNU sed ends a label (or v's version) at a blank, ; or newline:
			// in ":l e cmd" the e is a command
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			j := i
			for i < len(s) && strings.IndexByte(" \t\n;", s[i]) < 0 {
				i++
			}
			if cmd == ':' && i == j {
				return r, false
			}
		case 'a', 'i', 'c':
			// text to the end of the line; a backslash before the newline continues it
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) {
					i += 2
					continue
				}
				if s[i] == '\n' {
					break
				}
				i++
			}
		case 'r', 'R':
			r.reads = append(r.reads, restOfLine())
		case 'w', 'W':
			r.writes = append(r.writes, restOfLine())
		case 'e':
			r.exec = append(r.exec, restOfLine())
		case 's', 'y':
			if i >= len(s) || s[i] == '\n' || s[i] == '\\' {
				return r, false
			}
			d := s[i]
			i++
			if cmd == 'y' && (!delimited(d) || !delimited(d)) || cmd == 's' && (!regex(d) || !delimited(d)) {
				return r, false
			}
			if cmd == 'y' {
				continue
			}
			for i < len(s) && strings.IndexByte("gpiImMe0123456789w", s[i]) >= 0 {
				switch s[i] {
				case 'e':
					r.exec = append(r.exec, "")
				case 'w':
					i++
					r.writes = append(r.writes, restOfLine())
					continue
				}
				i++
			}
		default:
			return r, false
		}
	}
}

// sedSuffix is the backup suffix of sed's -i[SUFFIX] or --in-place=SUFFIX.
func sedSuffix(args []field) string {
	for _, a := range args {
		v := a.val
		if !a.lit || v == "--" {
			break
		}
		if s, ok := strings.CutPrefix(v, "--in-place="); ok {
			return s
		}
		if len(v) < 2 || v[0] != '-' || v[1] == '-' {
			continue
		}
		if j := strings.IndexByte(v, 'i'); j > 0 && !strings.ContainsAny(v[1:j], sedValueOpts) {
			return v[j+1:]
		}
	}
	return ""
}

// sedArgs rewrites sed's -i[SUFFIX] as --in-place: the letters after i in a
// cluster are its backup suffix (-iex is in-place with suffix "ex", not -i
// -e x), and the script is then the first operand.
func sedArgs(args []field) []field {
	out := make([]field, 0, len(args)+1)
	changed, done := false, false
	for _, a := range args {
		v := a.val
		if done || !a.lit || len(v) < 2 || v[0] != '-' || v[1] == '-' {
			done = done || (a.lit && v == "--")
			out = append(out, a)
			continue
		}
		j := strings.IndexByte(v, 'i')
		if j < 0 || strings.ContainsAny(v[1:j], sedValueOpts) {
			out = append(out, a) // no -i, or it is the value of -e, -f or -l
			continue
		}
		if j > 1 {
			out = append(out, litField(v[:j])) // -ni: -n and -i
		}
		out = append(out, litField("--in-place"))
		changed = true
	}
	if !changed {
		return args
	}
	return out
}
