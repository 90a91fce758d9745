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
			if w == "" && i+1 < len(args) {
				i++
				w = args[i].val
			}
			switch {
			case strings.HasPrefix(w, "v"), strings.HasPrefix(w, "d"), strings.HasPrefix(w, "u"), strings.HasPrefix(w, "posix"), strings.HasPrefix(w, "interactive"):
			default:
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s: %s -W %s may read the program from a file (exec) or is not understood, so the program cannot be checked", text, name, w)})
				return
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
		if !p.lit {
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
func awkEffects(prog string) string {
	prev := byte('{') // the last significant character: decides whether / starts a regex
	inPrint := false  // in a print or printf statement, where > and | redirect
	depth := 0        // parentheses inside the statement
	for i := 0; i < len(prog); i++ {
		ch := prog[i]
		switch {
		case ch == '"':
			for i++; i < len(prog) && prog[i] != '"'; i++ {
				if prog[i] == '\\' {
					i++
				}
			}
			prev = '"'
			continue
		case ch == '#':
			for i < len(prog) && prog[i] != '\n' {
				i++
			}
			continue
		case ch == '/' && strings.IndexByte("{(,;!~&|\n=?:", prev) >= 0:
			for i++; i < len(prog) && prog[i] != '/'; i++ {
				switch prog[i] {
				case '\\':
					i++
				case '[':
					for i++; i < len(prog) && prog[i] != ']'; i++ {
						if prog[i] == '\\' {
							i++
						}
					}
				}
			}
			prev = '/'
			continue
		case ch == '@':
			return "loads code (@load, @include)"
		case isWordByte(ch):
			j := i
			for j < len(prog) && isWordByte(prog[j]) {
				j++
			}
			switch prog[i:j] {
			case "system":
				return "runs a command (system())"
			case "print", "printf":
				inPrint, depth = true, 0
			case "getline":
				k := j // getline [var] < file
				for k < len(prog) && (prog[k] == ' ' || prog[k] == '\t' || isWordByte(prog[k]) || prog[k] == '$') {
					k++
				}
				if k < len(prog) && prog[k] == '<' {
					return "reads a file (getline <)"
				}
			}
			i = j - 1
			prev = 'a'
			continue
		case ch == '(':
			depth++
		case ch == ')':
			depth--
		case ch == ';' || ch == '}' || ch == '{' || ch == '\n':
			inPrint = false
		case ch == '|':
			if i+1 < len(prog) && prog[i+1] == '|' {
				i++ // ||
				prev = '|'
				continue
			}
			return "runs a command (a pipe)"
		case ch == '>':
			if inPrint && depth == 0 {
				return "writes a file (print >)"
			}
		}
		if ch != ' ' && ch != '\t' {
			prev = ch
		}
	}
	return ""
}
