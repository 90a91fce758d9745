package shell

import (
	"fmt"
	"strings"
)

// awk programs can run commands (system(), print | "cmd", "cmd" | getline),
// write files (print > file) and read them (getline < file). checkAwk reads
// the program: any of these is oap.dynamic_command, since what they name is
// an expression, unless gawk's --sandbox (which refuses them) is given. A
// program from a file (-f), loaded extensions (-l, @load) and included files
// (-i, @include) cannot be read and are denied the same way.
func (c *checker) checkAwk(args []field, name, text string) {
	var programs []field
	explicit := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.lit {
			if !explicit && len(programs) == 0 {
				programs = append(programs, a)
				explicit = true
			}
			continue
		}
		v := a.val
		switch {
		case v == "--sandbox" || v == "-S":
			return // gawk refuses system(), redirections and getline from files; mawk refuses the option
		case v == "-W" || strings.HasPrefix(v, "-W"):
			// mawk's -W VALUE: exec FILE reads the program from a file, and
			// unknown values (even "sandbox") are ignored
			w := strings.TrimPrefix(v, "-W")
			glob := a.glob
			if w == "" && i+1 < len(args) {
				i++
				w, glob = args[i].val, args[i].glob || !args[i].lit
			}
			if glob {
				// -W posix*: bash expands it to file names first
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s: %s -W %s is a glob, which bash expands to file names (one may read -W exec FILE), so the program cannot be checked", text, name, w)})
				return
			}
			for _, one := range strings.Split(w, ",") { // mawk takes a comma list: -W interactive,exec
				switch {
				case strings.HasPrefix(one, "v"), strings.HasPrefix(one, "d"), strings.HasPrefix(one, "u"), strings.HasPrefix(one, "posix"), strings.HasPrefix(one, "interactive"):
				default:
					c.add(Finding{Code: CodeDynamic, Command: text,
						Message: fmt.Sprintf("%s: %s -W %s may read the program from a file (exec) or is not understood, so the program cannot be checked", text, name, w)})
					return
				}
			}
		case (v == "-o" || v == "-p" || v == "-d" || strings.HasPrefix(v, "--pretty-print") || strings.HasPrefix(v, "--profile") || strings.HasPrefix(v, "--dump-variables")) ||
			(len(v) > 2 && (strings.HasPrefix(v, "-o") || strings.HasPrefix(v, "-p") || strings.HasPrefix(v, "-d"))):
			// gawk writes its pretty-print, profile or variable dump to a file
			f := ""
			if _, val, ok := strings.Cut(v, "="); ok {
				f = val
			} else if len(v) > 2 && v[1] != '-' {
				f = v[2:]
			}
			if f != "" {
				c.checkWrite(target{f: litField(f)}, text, name+" writing")
			}
		case v == "-f" || v == "--file" || strings.HasPrefix(v, "--file=") || v == "-E" || v == "--exec" ||
			v == "-i" || v == "--include" || v == "-l" || v == "--load" || strings.HasPrefix(v, "-f") && len(v) > 2:
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: %s reads its program, or part of it, from a file or an extension, which aport cannot see; write the program out, or use gawk --sandbox", text, name)})
			return
		case v == "-e" || v == "--source":
			if i+1 < len(args) {
				programs = append(programs, args[i+1])
				explicit = true
				i++
			}
		case v == "-v" || v == "-F" || v == "--assign" || v == "--field-separator":
			i++
		case v == "--":
			if !explicit && i+1 < len(args) {
				programs = append(programs, args[i+1])
			}
			i = len(args)
		case strings.HasPrefix(v, "-") && len(v) > 1:
		default:
			if !explicit {
				programs = append(programs, a)
				explicit = true
			}
		}
	}
	for _, p := range programs {
		if !p.known() { // a glob expands to a file name, which may hold any program
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: the %s program %s is not a literal, and a program may run commands or write files; write it out, or use gawk --sandbox", text, name, p.text)})
			return
		}
		if what := awkEffects(p.val); what != "" {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: the %s program %s, which cannot be checked; use gawk --sandbox, or do it with commands the passport allows", text, name, what)})
			return
		}
	}
}

// awkEffects reports what an awk program does beyond reading its input and
// printing: "runs a command", "writes a file", "reads a file", "loads code",
// or "" for none. It skips strings, regular expressions and comments.
//
// Whether a / starts a regular expression or divides depends on awk's
// grammar, not on the characters before it (print /x/ is a regex, a / b a
// division, and after a closing parenthesis it can be either). Where the
// previous character does not settle it, both readings are followed, so a
// program cannot hide a call in what one reading takes for a string or a
// regex. The readings are states (position, previous character, print
// statement, parenthesis depth) each scanned once.
func awkEffects(prog string) string {
	what, _ := awkScan(prog)
	return what
}

// awkScan is awkEffects, also counting the characters scanned over all
// readings (bounded by a small multiple of the program's length).
func awkScan(prog string) (what string, steps int) {
	type state struct {
		i, depth int
		prev     byte
		inPrint  bool
	}
	seen := map[state]bool{}
	work := []state{{prev: '{'}}
	for len(work) > 0 {
		st := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[st] {
			continue
		}
		seen[st] = true
		if len(seen) > 4*len(prog)+64 {
			return "is too intricate to read", steps
		}
		prev, inPrint, depth := st.prev, st.inPrint, st.depth
	scan:
		for i := st.i; i < len(prog); i++ {
			if i > st.i && prog[i-1] == '/' {
				// the readings of a / meet again after it: scan each state once
				here := state{i: i, prev: prev, inPrint: inPrint, depth: depth}
				if seen[here] {
					break
				}
				seen[here] = true
			}
			steps++
			ch := prog[i]
			switch {
			case ch == '\\' && i+1 < len(prog) && prog[i+1] == '\n':
				i++ // a continued line
				continue
			case ch == '"':
				for i++; i < len(prog) && prog[i] != '"'; i++ {
					if prog[i] == '\\' {
						i++
					} else if prog[i] == '\n' {
						break scan // a newline in a string: not this reading
					}
				}
				prev = '"'
				continue
			case ch == '#':
				for i < len(prog) && prog[i] != '\n' {
					i++
				}
				i-- // the newline ends the statement
				continue
			case ch == '/':
				end := awkRegexEnd(prog, i)
				if strings.IndexByte("{(,;!~&|\n=?:", prev) >= 0 {
					if end < 0 {
						break scan
					}
					i, prev = end, '/'
					continue
				}
				// a division here, or a regex: follow both
				if end >= 0 {
					work = append(work, state{i: end + 1, prev: '/', inPrint: inPrint, depth: depth})
				}
			case ch == '@':
				return "loads code (@load, @include)", steps
			case isWordByte(ch):
				j := i
				for j < len(prog) && isWordByte(prog[j]) {
					j++
				}
				switch prog[i:j] {
				case "system":
					return "runs a command (system())", steps
				case "print", "printf":
					inPrint, depth = true, 0
				case "getline":
					if awkGetlineFile(prog[j:]) {
						return "reads a file (getline <)", steps
					}
				case "ARGV", "ARGC":
					return "chooses the files it reads (ARGV, ARGC)", steps
				}
				i = j - 1
				prev = 'a'
				continue
			case ch == '(':
				depth++
			case ch == ')':
				depth--
			case ch == '\n' && (prev == ',' || prev == '&' || prev == '|'):
				continue // awk continues a statement after a comma, && or ||
			case ch == ';' || ch == '}' || ch == '{' || ch == '\n':
				inPrint = false
			case ch == '|':
				if i+1 < len(prog) && prog[i+1] == '|' {
					i++ // ||
					prev = '|'
					continue
				}
				return "runs a command (a pipe)", steps
			case ch == '>':
				if inPrint && depth == 0 {
					return "writes a file (print >)", steps
				}
			}
			if ch != ' ' && ch != '\t' {
				prev = ch
			}
		}
	}
	return "", steps
}

// awkRegexEnd is the index of the / that closes the regular expression
// opening at prog[i], or -1 when none does on the same line.
func awkRegexEnd(prog string, i int) int {
	for i++; i < len(prog); i++ {
		switch prog[i] {
		case '/':
			return i
		case '\n':
			return -1
		case '\\':
			i++
		case '[':
			i++
			if i < len(prog) && prog[i] == '^' {
				i++
			}
			if i < len(prog) && prog[i] == ']' {
				i++ // []...] and [^]...]: the first ] is literal
			}
			for ; i < len(prog) && prog[i] != ']'; i++ {
				if prog[i] == '\\' {
					i++
				} else if prog[i] == '\n' {
					return -1
				}
			}
		}
	}
	return -1
}

// awkGetlineFile reports whether the text after getline redirects it from a
// file: a < before the statement or the enclosing parenthesis ends, outside
// brackets (getline x < f, getline a[i] < f).
func awkGetlineFile(rest string) bool {
	depth := 0
	for k := 0; k < len(rest); k++ {
		if rest[k] == '\\' && k+1 < len(rest) && rest[k+1] == '\n' {
			k++ // a continued line
			continue
		}
		switch rest[k] {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
			if depth < 0 {
				return false
			}
		case ';', '}', '{', '\n':
			if depth == 0 {
				return false
			}
		case '<':
			if depth == 0 {
				return true
			}
		}
	}
	return false
}
