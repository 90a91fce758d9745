package shell

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// call handles one simple command as written in the text.
func (c *checker) call(ce *syntax.CallExpr, redirs []*syntax.Redirect, x ctx) {
	// taken before brace expansion rewrites the words (`{,}` leaves none)
	off := ce.Pos().Offset()
	if len(ce.Args) > 0 && isDownload(baseName(ce.Args[0].Lit())) {
		x.outDL = true // curl -o >(sh) URL, curl URL > >(bash)
	}
	for _, w := range ce.Args {
		c.wordSubst(w, x)
	}
	var argv []field
	for _, w := range ce.Args {
		if !c.tick() {
			return
		}
		argv = append(argv, c.fields(w)...)
	}
	if len(ce.Args) > 0 && hasBrace(ce.Args[0]) && len(argv) > 0 {
		argv[0].lit = false // {rm,-rf,/} runs rm: a brace expansion is not a command name
	}
	name := ""
	if len(argv) > 0 && argv[0].known() {
		name = baseName(argv[0].val)
	}
	c.assigns(ce.Assigns, x, name, "")
	x = c.stdinFrom(redirs, x)
	c.redirects(redirs, x, joinArgv(argv))
	net := x.stdinDL && len(argv) > 0 && argv[0].known() && (baseName(argv[0].val) == "tee" || baseName(argv[0].val) == "cat")
	for _, r := range redirs {
		switch {
		case (r.Op == syntax.RdrIn || r.Op == syntax.RdrInOut) && (c.netPathField(c.field(r.Word)) || c.downloaded(c.field(r.Word))):
			net = true
			if r.N != nil {
				c.netFd(r.N.Value) // exec 3<>/dev/tcp/...: fd 3 reads the network
			} else if len(argv) > 0 && argv[0].lit && argv[0].val == "exec" || len(argv) > 1 && argv[1].lit && argv[1].val == "exec" {
				c.stdinNet = true // exec </dev/tcp/...: every later command reads it
			}
		case r.Op == syntax.DplIn && c.netFdWord(r.Word):
			net = true
		}
	}
	for i, a := range argv {
		if i > 0 && (c.downloaded(a) || a.w != nil && c.wordHasDLVar(a.w)) {
			net = true // cat x.sh, echo "$x": its output carries the download
		}
	}
	if len(argv) > 0 && argv[0].known() && (isDownload(baseName(argv[0].val)) || net) {
		// what a download (or a command reading one) writes to a file is a download
		for _, r := range redirs {
			if isWriteRedir(r) {
				c.markDownloaded([]field{c.field(r.Word)})
			}
		}
		if baseName(argv[0].val) == "tee" {
			_, pos := parseArgs(argv[1:], "", "")
			c.markDownloaded(pos)
		}
	}
	if len(argv) == 0 {
		if len(ce.Assigns) > 0 {
			c.cwd.last = []string{""} // x=1: bash sets $_ to ""
		}
		return
	}
	start := len(c.res.Commands)
	c.exec(argv, x, off)
	if net {
		for i := start; i < len(c.res.Commands); i++ {
			c.res.Commands[i].net = true // its output carries what it read
		}
	}
}

// stdinFrom notes what the redirections put on standard input.
func (c *checker) stdinFrom(redirs []*syntax.Redirect, x ctx) ctx {
	for _, r := range redirs {
		switch r.Op {
		case syntax.RdrIn, syntax.RdrInOut:
			if f := c.field(r.Word); wordHasDownload(r.Word) || c.netPathField(f) || c.downloaded(f) {
				x.stdinDL = true // < /dev/tcp/host/port: bash connects; < x.sh saved by curl
			}
			x.stdin, x.hasStdin = "", false
		case syntax.DplIn:
			// <&3 where 3 was opened on a network connection
			if c.netFdWord(r.Word) {
				x.stdinDL = true
			}
			x.stdin, x.hasStdin = "", false
		case syntax.WordHdoc:
			if wordHasDownload(r.Word) || c.wordHasDLVar(r.Word) {
				x.stdinDL = true
			}
			f := c.field(r.Word)
			x.stdin, x.hasStdin = f.val+"\n", f.lit
		case syntax.Hdoc, syntax.DashHdoc:
			if wordHasDownload(r.Hdoc) || c.wordHasDLVar(r.Hdoc) {
				x.stdinDL = true
			}
			if r.Hdoc == nil {
				x.stdin, x.hasStdin = "", true
				continue
			}
			f := c.hdocField(r.Hdoc)
			x.stdin, x.hasStdin = f.val, f.lit
		}
	}
	return x
}

// netPathField is netPath that also tries the values the text shows for a
// word built from variables (x=/dev/tcp/...; sh < $x).
func (c *checker) netPathField(f field) bool {
	if netPath(f) {
		return true
	}
	if !f.lit && f.w != nil {
		for _, v := range c.possibleValues(f.w.Parts) {
			if netPath(litField(v)) {
				return true
			}
		}
	}
	return false
}

// netFd records a descriptor opened on the network ({fd} names included).
func (c *checker) netFd(n string) {
	c.netAny = true // it may be duplicated, read into variables, given to a shell
	if c.netFds == nil {
		c.netFds = map[string]bool{}
	}
	c.netFds[strings.Trim(n, "{}")] = true
}

// netFdWord reports <&N (or <&N-, <&$fd) duplicating a descriptor that may
// read the network.
func (c *checker) netFdWord(w *syntax.Word) bool {
	if len(c.netFds) == 0 {
		return false
	}
	v := strings.TrimSuffix(w.Lit(), "-")
	if v == "" {
		return true // <&$fd: not known, and a network descriptor is open
	}
	return c.netFds[v]
}

// wordHasDLVar reports a word that uses a variable the text assigned a
// download to (x=$(curl ...)).
func (c *checker) wordHasDLVar(w *syntax.Word) bool {
	if len(c.dlVars) == 0 || w == nil {
		return false
	}
	found := false
	syntax.Walk(w, func(n syntax.Node) bool {
		if pe, ok := n.(*syntax.ParamExp); ok && pe.Param != nil && c.dlVars[pe.Param.Value] {
			found = true
		}
		return !found
	})
	return found
}

// netPath reports bash's network pseudo-files, /dev/tcp/HOST/PORT and
// /dev/udp/HOST/PORT: reading one reads from the network. A path that is
// not known may be one.
func netPath(f field) bool {
	if !f.lit {
		return strings.Contains(f.text, "/dev/tcp") || strings.Contains(f.text, "/dev/udp")
	}
	p := path.Clean(f.val)
	return strings.HasPrefix(p, "/dev/tcp/") || strings.HasPrefix(p, "/dev/udp/")
}

// hdocField evaluates a here-document body: quotes inside it are literal.
func (c *checker) hdocField(w *syntax.Word) field {
	f := field{text: c.wordText(w), lit: true}
	var b strings.Builder
	for _, part := range w.Parts {
		if l, ok := part.(*syntax.Lit); ok {
			b.WriteString(unescapeDouble(l.Value))
			continue
		}
		f.lit = false
	}
	f.val = b.String()
	return f
}

// isWriteRedir reports redirections that open their target for writing.
func isWriteRedir(r *syntax.Redirect) bool {
	switch r.Op {
	case syntax.RdrOut, syntax.AppOut, syntax.RdrClob, syntax.AppClob, syntax.RdrAll,
		syntax.RdrAllClob, syntax.AppAll, syntax.AppAllClob, syntax.RdrInOut:
		return true
	case syntax.DplOut:
		// >&2 and >&- duplicate a descriptor; >&file writes the file
		v := r.Word.Lit()
		if v == "-" || v == "" && len(r.Word.Parts) == 0 {
			return false
		}
		for _, ch := range strings.TrimSuffix(v, "-") {
			if ch < '0' || ch > '9' {
				return true
			}
		}
		return v == "" // not a literal: may be a file
	}
	return false
}

// redirects walks the substitutions of redirections and checks their targets.
func (c *checker) redirects(redirs []*syntax.Redirect, x ctx, cmd string) {
	for _, r := range redirs {
		if r == nil || !c.tick() {
			continue
		}
		if r.N != nil && strings.HasPrefix(r.N.Value, "{") {
			c.namedFd(strings.TrimSuffix(r.N.Value[1:], "}"), c.wordText(r), x)
		}
		c.wordSubst(r.Word, x)
		c.wordSubst(r.Hdoc, x)
		if r.Hdoc != nil && r.Word != nil {
			c.heredocEnd(r)
		}
		if r.Word == nil {
			continue
		}
		if len(r.Word.Parts) == 1 {
			if _, ok := r.Word.Parts[0].(*syntax.ProcSubst); ok {
				continue // > >(cmd): a pipe to a command, which is checked itself
			}
		}
		switch {
		case isWriteRedir(r):
			t := c.field(r.Word)
			label := cmd
			if label == "" {
				label = c.wordText(r)
			}
			if x.remote {
				c.deviceWrite(t, label, "redirection to") // the catalogue holds on the other machine too
			} else {
				c.checkWrite(target{f: t}, label, "redirection to") // disk devices included
			}
			if r.Op == syntax.RdrInOut && !x.remote {
				c.checkRead(t, label, false)
			}
		case r.Op == syntax.RdrIn && !x.remote:
			t := c.field(r.Word)
			c.checkRead(t, cmd, false)
			if r.N != nil && r.N.Value != "0" {
				// 3<FILE: a later write to /dev/fd/3 reopens FILE for writing
				c.checkWrite(target{f: t}, cmd, "opening a descriptor on")
			}
		}
	}
}

// namedFd checks {name}>file: bash assigns the new descriptor's number to
// name, evaluating a subscript in it, so it is an assignment like any other
// ({BASH_CMDS[ls]}<file changes what ls runs).
func (c *checker) namedFd(name, text string, x ctx) {
	c.checkName(name, text)
	base := name
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	if !syntax.ValidName(base) {
		c.add(Finding{Code: CodeDynamic, Command: text,
			Message: fmt.Sprintf("%s: the variable it sets is not written out, so it cannot be followed", text)})
		return
	}
	c.assignName(base, x, text)
	c.valueUnknown(base)
	c.setVar(base, true) // a descriptor number
}

// The short options of sed, env, awk and xargs that take a value.
const (
	sedValueOpts   = "efl"
	envValueOpts   = "uCS"
	awkValueOpts   = "fvFWeil"
	xargsValueOpts = "adEILnPs"
)

// optionSensitive lists the commands whose options aport reads for what
// they run, write or remove (an option it cannot see defeats that), with
// the short options that take the next argument as their value.
func optionSensitive(name string) (valueOpts string, ok bool) {
	switch name {
	case "sed":
		return sedValueOpts, true
	case "awk", "gawk", "mawk", "nawk":
		return awkValueOpts, true
	case "sort":
		return "kotSTy", true
	case "xargs":
		return xargsValueOpts, true
	case "env":
		return envValueOpts, true
	case "rm", "chmod", "chown", "chgrp":
		return "", true
	case "shred":
		return "ns", true
	}
	return "", false
}

// hiddenOption finds an argument that may be an option aport cannot see:
// a glob starting with - (it may match a file named like an option), or a
// value the text computes without showing it (a command substitution, a
// variable the text assigned such a value) that may start with -. Before
// "--" only; a variable the text never assigns comes from the environment.
func (c *checker) hiddenOption(args []field, valueOpts string) (bad, why string) {
	for i, a := range args {
		if a.lit && !a.glob && a.val == "--" {
			return "", ""
		}
		if i > 0 {
			// the value of an option before it (-o FILE): not an option
			if p := args[i-1]; p.lit && len(p.val) == 2 && p.val[0] == '-' && strings.IndexByte(valueOpts, p.val[1]) >= 0 {
				continue
			}
		}
		if a.lit && a.glob && strings.HasPrefix(a.val, "-") {
			return a.text, "is a glob that may match a file named like an option"
		}
		if a.lit && a.glob && strings.ContainsAny(a.val[:1], "*?[@!+") && c.dashMatch(a.val) { // @(*) too
			return a.text, "is a glob that matches, or may match, a file whose name starts with -"
		}
		if a.lit || a.w == nil || len(a.w.Parts) == 0 || strings.HasPrefix(a.text, "-") {
			continue
		}
		if c.mayStartWithDash(a.w.Parts[0]) {
			return a.text, "is computed by the text and may start with -"
		}
	}
	return "", ""
}

// globOption is the glob part of hiddenOption, for any command: a glob
// argument before -- that starts with -, or that may start with anything and
// matches a file named like an option.
func (c *checker) globOption(args []field) (bad, why string) {
	for _, a := range args {
		if !a.lit || !a.glob {
			if a.lit && a.val == "--" {
				return "", ""
			}
			continue
		}
		if (strings.HasPrefix(a.val, "-") || strings.ContainsAny(a.val[:1], "*?[@!+")) && c.dashMatch(a.val) {
			return a.text, "is a glob that matches, or may match, a file whose name starts with -"
		}
	}
	return "", ""
}

// dashMatch reports whether a relative glob that may start with any
// character (*, ?x, [!a]*) matches a file whose name starts with -: one on
// disk now, or any when the text itself writes such a file.
func (c *checker) dashMatch(pattern string) bool {
	if c.dashFile {
		return true
	}
	if c.env.Glob == nil {
		return false
	}
	for _, d := range c.cwd.dirs {
		for _, m := range c.env.Glob(path.Join(d, pattern)) {
			if rel := strings.TrimPrefix(m, strings.TrimSuffix(d, "/")+"/"); strings.HasPrefix(rel, "-") {
				return true
			}
		}
	}
	return len(c.cwd.dirs) == 0 // the directory is not known
}

// mayStartWithDash reports whether the first part of a word may expand to
// text starting with - that the text does not show.
func (c *checker) mayStartWithDash(part syntax.WordPart) bool {
	switch p := part.(type) {
	case *syntax.Lit:
		return strings.HasPrefix(p.Value, "-")
	case *syntax.SglQuoted:
		return strings.HasPrefix(p.Value, "-")
	case *syntax.DblQuoted:
		return len(p.Parts) > 0 && c.mayStartWithDash(p.Parts[0])
	case *syntax.ParamExp:
		if p.Param == nil {
			return true
		}
		name := p.Param.Value
		if vals := c.paramValues(name); vals != nil && simpleParam(p) {
			for _, v := range vals {
				if strings.HasPrefix(strings.TrimLeft(v, " \t\n"), "-") {
					return true
				}
			}
			return false
		}
		_, assigned := c.lits[name]
		return assigned || c.litsUnknown[name] // set by the text to something it does not show
	case *syntax.CmdSubst:
		if out, ok := c.substEcho(p); ok {
			return strings.HasPrefix(strings.TrimLeft(out, " \t\n"), "-")
		}
		return !c.numericOutput(p.Stmts) && !absPathOutput(p.Stmts)
	case *syntax.ArithmExp:
		return false
	}
	return true
}

// absPathOutput reports commands that print an absolute path: pwd,
// mktemp, realpath, readlink -f, git rev-parse --show-toplevel.
func absPathOutput(stmts []*syntax.Stmt) bool {
	if len(stmts) != 1 {
		return false
	}
	ce, ok := stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Args) == 0 {
		return false
	}
	words := make([]string, len(ce.Args))
	for i, w := range ce.Args {
		words[i] = w.Lit()
	}
	switch strings.Join(words, " ") {
	case "pwd", "pwd -P", "mktemp", "mktemp -d", "git rev-parse --show-toplevel":
		return true
	}
	return words[0] == "realpath" || words[0] == "readlink" && len(words) > 1 && (words[1] == "-f" || words[1] == "-e" || words[1] == "-m")
}

// samePlace reports whether path v, as written and cleaned, is where the
// kernel takes it from every possible working directory.
func (c *checker) samePlace(v string) bool {
	lex, ok := c.resolveLexical(v)
	if !ok || c.env.Physical == nil {
		return ok && !devOrProc(path.Clean(v))
	}
	real, ok := c.kernelPaths(v)
	if !ok || len(real) != len(lex) {
		return false
	}
	for i := range real {
		if real[i] != lex[i] {
			return false
		}
	}
	return true
}

// neutral builtins change only the shell's own state; they need no entry in
// allowed_commands (denied_commands still applies).
func isNeutral(name string) bool {
	switch name {
	case "cd", "pushd", "popd", "dirs", "pwd", "true", "false", ":", "test", "[",
		"export", "declare", "local", "readonly", "typeset", "nameref", "unset",
		"shift", "return", "exit", "break", "continue", "wait", "set", "trap":
		return true
	}
	return false
}

// exec checks one command (as written or as unwrapped from a wrapper) and
// then what it runs. off is its position, for function lookup.
func (c *checker) exec(argv []field, x ctx, off uint) {
	if len(argv) == 0 || !c.tick() {
		return
	}
	// $_ is this command's last argument once it has run (its own words
	// still see the previous one)
	defer func() {
		if l := argv[len(argv)-1]; l.lit && !l.glob && !c.debugTrap {
			c.cwd.last = []string{l.val}
		} else {
			c.cwd.last = nil
		}
	}()
	if len(c.res.Commands) >= MaxCommands {
		c.stop(fmt.Sprintf("the command text runs more than %d commands; split it", MaxCommands))
		return
	}
	text := joinArgv(argv)
	disp := make([]string, len(argv))
	for i, f := range argv {
		disp[i] = f.display()
	}
	cmd := Command{Argv: disp, Wrapper: x.wrapper, Cwd: c.cwdOne()}
	if x.remote {
		cmd.Cwd = ""
	}
	if !argv[0].known() {
		cmd.Name = baseName(argv[0].display())
		c.res.Commands = append(c.res.Commands, cmd)
		f := Finding{Code: CodeDynamic, Command: text,
			Message: fmt.Sprintf("the command name %s is not a literal (a variable, substitution, glob or brace expansion), so it cannot be checked against allowed_commands (%s); write the command name out", argv[0].text, limitsName)}
		c.add(f)
		c.res.Trace = append(c.res.Trace, Trace{Command: text, Rule: f.Message})
		return
	}
	if v := argv[0].val; strings.Contains(v, "/") && !x.remote && (dotDot(v) || devOrProc(path.Clean(v))) && !c.samePlace(v) {
		cmd.Name = baseName(v)
		c.res.Commands = append(c.res.Commands, cmd)
		f := Finding{Code: CodeDynamic, Command: text,
			Message: fmt.Sprintf("the command path %s leads somewhere else than it reads (a .. after a symbolic link, or a /proc link), so it cannot be checked against allowed_commands (%s); write the program's path out", v, limitsName)}
		c.add(f)
		c.res.Trace = append(c.res.Trace, Trace{Command: text, Rule: f.Message})
		return
	}
	name := baseName(argv[0].val)
	if valueOpts, ok := optionSensitive(name); ok {
		if bad, why := c.hiddenOption(argv[1:], valueOpts); bad != "" {
			cmd.Name = name
			c.res.Commands = append(c.res.Commands, cmd)
			f := Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: the argument %s %s, and %s reads options that run programs, write files or remove trees, so it cannot be checked; write the argument out, or put -- before it", text, bad, why, name)}
			c.add(f)
			c.res.Trace = append(c.res.Trace, Trace{Command: text, Rule: f.Message})
			return
		}
	}
	if _, ok := optionSensitive(name); !ok {
		// any command: a glob that starts with - (git diff --outpu*), or
		// that matches a file named like an option, passes that option
		if bad, why := c.globOption(argv[1:]); bad != "" {
			f := Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: the argument %s %s, which bash passes as an option aport cannot see; write the argument out, or put -- before it", text, bad, why)}
			c.add(f)
		}
	}
	if rest, changed := expandLong(name, argv[1:]); changed {
		argv = append([]field{argv[0]}, rest...) // --recur is --recursive to GNU tools
	}
	for _, a := range argv[1:] {
		if a.lit && (a.val == "--files0-from" || strings.HasPrefix(a.val, "--files0-from=")) {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: --files0-from reads the names of the files to read from a file aport cannot see, so they cannot be checked; name the files", text)})
		}
	}
	cmd.Name = name
	c.res.Commands = append(c.res.Commands, cmd)
	ti := len(c.res.Trace)
	c.res.Trace = append(c.res.Trace, Trace{Command: text})
	mark := len(c.res.Findings)

	if defs := c.funcs[name]; defs != nil && !x.noFunc {
		at := off
		if len(c.stack) > 0 {
			at = c.callOff // a body runs when its outermost caller runs
		}
		before := false
		for _, d := range defs {
			if d.scope < c.curScope || (d.scope == c.curScope && d.off < at) {
				before = true
			}
		}
		c.callFunc(name, defs, x, off, argv[1:])
		if before {
			c.res.Trace[ti] = Trace{Command: text, OK: true, Rule: "function defined in the text (its body is checked)"}
			return
		}
	}

	rule := c.policy(argv, name, text, x)
	c.danger(argv, name, text, x)
	if !x.remote {
		c.protect(argv, name, text)
		c.readArgs(argv, name, text)
	}
	if name == "aport" {
		c.aport(argv, text)
	}
	if !x.remote {
		c.ownDirWrites(argv, name, text)
	}
	c.recordDownloads(argv[1:], name)
	if strings.Contains(argv[0].val, "/") && c.downloaded(argv[0]) {
		c.dangerDownload(text, "running "+argv[0].val+", which a download in the text saved")
	}
	if c.dlAny {
		// a saved download given as the code a program runs: make -f x.mk,
		// bash --rcfile x.sh, awk -f x.awk, vim -S, gdb -x, sqlite3 -init,
		// xargs -a (its items)
		if opt := codeFileOption(name); opt != nil {
			for i, a := range argv[1:] {
				if i+2 < len(argv) && a.lit && opt(a.val) && c.downloaded(argv[i+2]) {
					c.dangerDownload(text, argv[i+2].val+" given to "+name+" as its code, after a download in the text saved files")
					break
				}
			}
		}
	}
	if x.stdinDL || c.netAny && stdinRunner(argv[1:], name) != "" {
		if why := stdinRunner(argv[1:], name); why != "" {
			c.dangerDownload(text, "a download on standard input of "+name+", which "+why)
		}
	}
	c.varArgs(argv, name, text, x)
	switch name {
	case "set":
		c.setArgs(argv[1:])
	case "shift":
		for _, n := range positionalNames {
			c.valueUnknown(n)
		}
	case "cd", "pushd", "popd":
		c.chdir(argv, name, text, x)
	}
	for _, f := range c.res.Findings[mark:] {
		if f.Command == text {
			c.res.Trace[ti].Rule = f.Message
			break
		}
	}
	if c.res.Trace[ti].Rule == "" {
		c.res.Trace[ti] = Trace{Command: text, OK: true, Rule: rule}
	}
	c.programOpts(argv[1:], name, text, x)
	c.unwrap(argv, name, text, x, off)
}

// policy applies denied_commands, allowed_commands, ask_commands and
// denied_args. It returns the allowing rule for the trace.
func (c *checker) policy(argv []field, name, text string, x ctx) string {
	if name == "git" {
		argv = gitSubcommand(argv)
	}
	denied := false
	for _, p := range c.patterns(c.pol.Denied, &c.pats.denied, name) {
		if p.matchDeny(argv, name) {
			denied = true
			c.add(Finding{Code: CodeDenied, Command: text,
				Message: fmt.Sprintf("%s matches denied_commands entry %q (%s); denied entries win over allowed_commands", text, p.raw, limitsName)})
		}
	}
	for _, da := range c.pol.DeniedArgs {
		for _, f := range argv[1:] {
			if f.lit && matchArg(da, f.val) {
				denied = true
				c.add(Finding{Code: CodeDenied, Command: text,
					Message: fmt.Sprintf("%s: argument %q matches denied_args entry %q (%s); drop the argument", text, f.val, da, limitsName)})
			}
		}
	}
	rule := ""
	if isNeutral(name) {
		rule = "shell builtin: needs no entry in allowed_commands"
	} else {
		for _, e := range c.pol.Allowed {
			if matchAllowed(e, argv, name) {
				rule = "allowed by " + strconv.Quote(e)
				break
			}
		}
		if rule == "" {
			msg := fmt.Sprintf("%s is not in allowed_commands (%s); %s", c.shownName(argv, name), limitsName, c.allowedList())
			if strings.Contains(argv[0].val, "/") {
				for _, e := range c.pol.Allowed {
					if w, _ := nextWord(e); w == name {
						msg = fmt.Sprintf("%s is not the %s that allowed_commands (%s) names: %q allows %s run by name or from a system directory such as /usr/bin, and a program elsewhere needs an entry naming its path (%q)", argv[0].val, name, limitsName, w, name, argv[0].val)
						break
					}
				}
			}
			c.add(Finding{Code: CodeNotAllowed, Command: text, Message: msg})
			return ""
		}
	}
	if !denied {
		for _, p := range c.patterns(c.pol.Ask, &c.pats.ask, name) {
			if p.matchPrefix(argv) {
				c.res.Ask = append(c.res.Ask, Finding{Code: CodeNotAllowed, Command: text,
					Message: fmt.Sprintf("%s matches ask_commands entry %q (%s): it runs only after the user confirms", text, p.raw, limitsName)})
				rule += fmt.Sprintf(", ask (%q)", p.raw)
				break
			}
		}
	}
	return rule
}

// shownName is the command as a message names it: the name, and its
// subcommand when the allow list has entries for subcommands of that name.
func (c *checker) shownName(argv []field, name string) string {
	if len(argv) > 1 && argv[1].known() && !strings.HasPrefix(argv[1].val, "-") {
		for _, e := range c.pol.Allowed {
			if w, rest := nextWord(e); w == name && strings.TrimSpace(rest) != "" {
				return name + " " + argv[1].val
			}
		}
	}
	return name
}

// allowedList is the allow list as messages show it, truncated.
func (c *checker) allowedList() string {
	if len(c.pol.Allowed) == 0 {
		return "allowed_commands is empty, so no command is allowed"
	}
	const show = 12
	var b strings.Builder
	b.WriteString("allowed: ")
	for i, a := range c.pol.Allowed {
		if i == show {
			fmt.Fprintf(&b, ", ... (%d more)", len(c.pol.Allowed)-show)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if len(a) > 60 {
			a = a[:57] + "..."
		}
		b.WriteString(a)
	}
	return b.String()
}

// checkInitialDir applies allowed_working_directories to the call's cwd.
func (c *checker) checkInitialDir() {
	if !c.pol.HasAllowedDirs {
		return
	}
	if len(c.cwd.dirs) == 0 {
		c.add(Finding{Code: CodeDirectory,
			Message: fmt.Sprintf("the working directory %q is not an absolute path, so allowed_working_directories (%s) cannot be checked", c.env.Cwd, limitsName)})
		return
	}
	c.checkDir(c.cwd.dirs[0], "")
}

func (c *checker) checkDir(dir, cmd string) {
	if !c.pol.HasAllowedDirs {
		return
	}
	for _, g := range c.pol.AllowedDirs {
		if matchDir(g, dir) {
			return
		}
	}
	list := strings.Join(c.pol.AllowedDirs, ", ")
	if list == "" {
		list = "none (the list is empty)"
	}
	c.add(Finding{Code: CodeDirectory, Command: cmd,
		Message: fmt.Sprintf("the working directory %s is not in allowed_working_directories (%s); allowed: %s", dir, limitsName, list)})
}

func hasBrace(w *syntax.Word) bool {
	for _, p := range w.Parts {
		if _, ok := p.(*syntax.BraceExp); ok {
			return true
		}
	}
	return false
}

// heredocEnd denies a here-document with a body line that starts with its
// delimiter followed by a closing parenthesis ("EOF )"): inside $(...) bash
// ends the here-document there and runs the lines after it as commands,
// while the parser reads them as the body.
func (c *checker) heredocEnd(r *syntax.Redirect) {
	delim := c.field(r.Word).val
	if delim == "" {
		return
	}
	for _, line := range strings.Split(c.wordText(r.Hdoc), "\n") {
		if r.Op == syntax.DashHdoc {
			line = strings.TrimLeft(line, "\t")
		}
		rest, ok := strings.CutPrefix(line, delim)
		if ok && strings.HasPrefix(strings.TrimLeft(rest, " \t"), ")") {
			c.unparseable(c.wordText(r), "a line of the here-document starts with its delimiter %q and a parenthesis, where bash inside $(...) ends the here-document and the parser does not; reword that line", delim)
			return
		}
	}
	if lit, ok := r.Word.Parts[0].(*syntax.Lit); ok && len(r.Word.Parts) == 1 && !strings.Contains(lit.Value, `\`) {
		c.heredocJoins(r, delim)
	}
}

// heredocJoins checks a here-document with an unquoted delimiter, whose
// lines bash joins at a backslash-newline before it compares them with the
// delimiter: a joined line equal to it (tru\<newline>e) ends the document
// early in bash and not in the parser, and a backslash before the last line
// makes bash read on past it.
func (c *checker) heredocJoins(r *syntax.Redirect, delim string) {
	body := c.wordText(r.Hdoc) // up to the end of the delimiter line
	if !strings.Contains(body, "\\\n") {
		return
	}
	lines := strings.Split(body, "\n")
	if last := lines[len(lines)-1]; last == delim || r.Op == syntax.DashHdoc && strings.TrimLeft(last, "\t") == delim {
		lines = lines[:len(lines)-1]
	}
	var logical strings.Builder
	for i, line := range lines {
		joined := oddBackslashes(line)
		if joined {
			line = line[:len(line)-1]
		}
		logical.WriteString(line)
		if joined && i < len(lines)-1 {
			continue
		}
		l := logical.String()
		logical.Reset()
		if r.Op == syntax.DashHdoc {
			l = strings.TrimLeft(l, "\t")
		}
		if l == delim || joined {
			c.unparseable(c.wordText(r), "a backslash at the end of a line of the here-document joins it with the next, and bash compares the joined line with the delimiter %q where the parser does not, so the two disagree on where the document ends; quote the delimiter (<<'%s') or reword the line", delim, delim)
			return
		}
	}
}

// oddBackslashes reports whether s ends in an odd number of backslashes: an
// escaped newline follows it.
func oddBackslashes(s string) bool {
	n := 0
	for n < len(s) && s[len(s)-1-n] == '\\' {
		n++
	}
	return n%2 == 1
}

// gitSubcommand drops git's global options that do not change what the
// subcommand does, so that "git log" allows `git --no-pager log` and "git
// push --force" denies `git --no-pager push --force`. -c and --exec-path,
// which can make git run programs, and -C, which moves where it runs, stay.
// recordDownloads notes the files curl -o and wget -O save, so that running
// one later in the text (curl -o x.sh URL && sh x.sh) is running a download.
func (c *checker) recordDownloads(args []field, name string) {
	var outs []field
	remote := func(pos []field, dirs []field) {
		// saved under the URL's last name, in the output directory
		for _, u := range pos {
			if !u.lit || !strings.Contains(u.val, "://") {
				continue
			}
			base := path.Base(strings.SplitN(strings.SplitN(u.val, "?", 2)[0], "#", 2)[0])
			if base == "" || base == "/" || base == "." {
				continue
			}
			if len(dirs) == 0 {
				outs = append(outs, litField(base))
			}
			for _, d := range dirs {
				if d.lit {
					outs = append(outs, litField(path.Join(d.val, base)))
				}
			}
		}
	}
	switch name {
	case "curl":
		opts, pos := parseArgs(args, curlShortVal, curlLongVal)
		dirs := optVals(opts, "--output-dir")
		for _, o := range optVals(opts, "-o", "--output") {
			outs = append(outs, o)
			for _, d := range dirs {
				if d.lit && o.lit && !path.IsAbs(o.val) {
					outs = append(outs, litField(path.Join(d.val, o.val)))
				}
			}
		}
		if hasOpt(opts, "-O", "--remote-name", "--remote-name-all", "-J", "--remote-header-name") {
			c.dlAny = true // names curl chooses: URL globs, templates
			remote(pos, dirs)
		}
	case "wget":
		opts, pos := parseArgs(args, "OoaPeUiTtwQlDAR", " output-document output-file append-output directory-prefix execute user-agent input-file timeout tries wait quota level domains accept reject header user password ")
		outs = optVals(opts, "-O", "--output-document")
		if len(outs) == 0 && !hasOpt(opts, "--spider") {
			c.dlAny = true // names wget chooses: index.html, .1 suffixes, host dirs
			remote(pos, optVals(opts, "-P", "--directory-prefix"))
		}
		for _, o := range outs {
			if o.val == "-" {
				outs = nil // to standard output
			}
		}
	case "cp", "mv", "install", "ln", "rsync":
		// a copy of a saved download is one too
		_, pos := parseArgs(args, "tSTm", " target-directory suffix mode ")
		if len(pos) < 2 {
			return
		}
		src, dst := pos[:len(pos)-1], pos[len(pos)-1]
		for _, s := range src {
			if c.downloaded(s) {
				outs = append(outs, dst, litField(path.Join(dst.val, path.Base(s.val))))
			}
		}
	default:
		return
	}
	c.markDownloaded(outs)
}

// markDownloaded records files as holding a download.
func (c *checker) markDownloaded(outs []field) {
	if len(outs) > 0 {
		c.dlAny = true
	}
	for _, o := range outs {
		ps, known := c.resolveAll(o)
		if !known {
			continue
		}
		for _, p := range ps {
			if c.dlFiles == nil {
				c.dlFiles = map[string]bool{}
			}
			c.dlFiles[p] = true
		}
	}
}

// downloaded reports a file a download in the text saved (a glob that may
// name one counts).
func (c *checker) downloaded(f field) bool {
	if c.dlAny && f.val != "" && f.val != "-" && !strings.HasPrefix(f.val, "/dev/") {
		// files were saved under names aport cannot pin down (curl -O,
		// wget, templates, copies): any file the text runs may be one
		return true
	}
	if len(c.dlFiles) == 0 || !f.lit {
		return false
	}
	ps, _ := c.resolveAll(f)
	for _, p := range ps {
		if c.dlFiles[p] {
			return true
		}
		if f.glob {
			for d := range c.dlFiles {
				if globMatch(p, d) {
					return true
				}
			}
		}
	}
	return false
}

// codeFileOption returns, for programs that take a file of code or commands
// by an option, what tells that option; nil for others.
func codeFileOption(name string) func(string) bool {
	cluster := func(letter byte) func(string) bool {
		return func(v string) bool {
			return len(v) > 1 && v[0] == '-' && v[1] != '-' && v[len(v)-1] == letter
		}
	}
	switch name {
	case "make", "gmake":
		f := cluster('f')
		return func(v string) bool { return f(v) || v == "--file" || v == "--makefile" }
	case "awk", "gawk", "mawk", "nawk":
		return cluster('f')
	case "bash", "sh", "zsh", "ksh", "dash":
		return func(v string) bool { return v == "--rcfile" || v == "--init-file" }
	case "vim", "vi", "nvim", "view":
		return func(v string) bool { return v == "-S" || v == "-u" || v == "-s" }
	case "gdb":
		return func(v string) bool { return v == "-x" || v == "--command" || v == "-ix" }
	case "sqlite3":
		return func(v string) bool { return v == "-init" }
	case "xargs":
		return func(v string) bool { return v == "-a" || v == "--arg-file" }
	case "sed":
		return func(v string) bool { return v == "-f" || v == "--file" }
	}
	return nil
}

// stdinRunner says why a program runs what it reads on standard input (a
// makefile, editor or database commands, jobs to schedule, an expect or m4
// script), or "" for one that does not.
func stdinRunner(args []field, name string) string {
	switch name {
	case "make", "gmake":
		stdin := func(v string) bool { return v == "-" || isStdinPath(path.Clean(v)) }
		for i, a := range args {
			if !a.lit || !strings.HasPrefix(a.val, "-") {
				continue
			}
			if v, ok := strings.CutPrefix(a.val, "--file="); ok && stdin(v) {
				return "runs the makefile it reads there"
			}
			if v, ok := strings.CutPrefix(a.val, "--makefile="); ok && stdin(v) {
				return "runs the makefile it reads there"
			}
			if a.val == "--file" || a.val == "--makefile" {
				if i+1 < len(args) && stdin(args[i+1].val) {
					return "runs the makefile it reads there"
				}
				continue
			}
			if strings.HasPrefix(a.val, "--") {
				continue
			}
			// a cluster: -sf -, -f-, -f/dev/stdin
			if k := strings.IndexByte(a.val, 'f'); k > 0 {
				rest := a.val[k+1:]
				if rest == "" && i+1 < len(args) && stdin(args[i+1].val) || rest != "" && stdin(rest) {
					return "runs the makefile it reads there"
				}
			}
		}
	case "ed", "red", "ex", "vi", "vim", "nvim", "view", "sqlite3", "psql", "mysql", "mariadb", "gdb":
		return "runs the commands it reads there (shell escapes included)"
	case "at", "batch", "crontab":
		return "schedules the commands it reads there"
	case "m4", "expect", "tclsh", "wish", "lua", "luajit", "php", "R", "Rscript", "jshell", "guile", "sbcl", "clisp", "ocaml", "gawk", "awk", "mawk", "nawk":
		if name == "awk" || name == "gawk" || name == "mawk" || name == "nawk" {
			for i, a := range args {
				if a.lit && a.val == "-f" && i+1 < len(args) && (args[i+1].val == "-" || isStdinPath(args[i+1].val)) {
					return "runs the program it reads there"
				}
			}
			return ""
		}
		return "runs the program it reads there"
	}
	return ""
}

// ownDirWrites denies a command that may write where it runs when it runs
// inside aport's own directory (cd ~/.aport && git init, script, nohup:
// files appear there), and git's whole-tree operations (clean, reset,
// checkout, ...) run in or above it (git -C ~ clean -fdx).
func (c *checker) ownDirWrites(argv []field, name, text string) {
	if c.env.Protected == nil {
		return
	}
	dirs := c.cwd.dirs
	sub, gitDirs := "", []string(nil)
	if name == "git" {
		for i := 1; i < len(argv); i++ {
			v := argv[i].val
			if !argv[i].lit {
				return // not followed here; the git rules decide
			}
			switch {
			case v == "-C" && i+1 < len(argv):
				i++
				gitDirs = append(gitDirs, argv[i].val)
			case v == "--work-tree" && i+1 < len(argv):
				i++
				gitDirs = append(gitDirs, argv[i].val) // the tree whole-tree operations change
			case strings.HasPrefix(v, "--work-tree="):
				gitDirs = append(gitDirs, strings.TrimPrefix(v, "--work-tree="))
			case v == "-c" || v == "--git-dir" || v == "--namespace":
				i++
			case strings.HasPrefix(v, "-"):
			default:
				sub = v
				i = len(argv)
			}
		}
		if len(gitDirs) > 0 {
			dirs = nil
			for _, d := range gitDirs {
				if (d == "~" || strings.HasPrefix(d, "~/")) && c.env.Home != "" {
					d = c.env.Home + d[1:] // --work-tree=~/x: bash leaves the ~, but a wrapper may not; taken as the home
				}
				ps, known := c.resolveAll(litField(d))
				if !known {
					return
				}
				dirs = append(dirs, ps...)
			}
		}
	}
	if name == "git" && c.gitBait {
		c.add(Finding{Code: CodePathDenied, Command: text,
			Message: fmt.Sprintf("%s: the text also writes a file named like a repository's own (config, HEAD, commondir), and git may take the directory holding it for a repository and run the programs its config names; write those files and run git in separate calls", text)})
		return
	}
	gitReads := sub == "" || sub == "status" || sub == "diff" || sub == "log" || sub == "show" || sub == "ls-files" ||
		sub == "grep" || sub == "blame" || sub == "rev-parse" || sub == "describe" || sub == "shortlog" ||
		sub == "cat-file" || sub == "ls-tree" || sub == "help" || sub == "version"
	for _, d := range dirs {
		if name == "git" {
			if bare := c.bareRepoAbove(d); bare != "" {
				c.add(Finding{Code: CodePathDenied, Command: text,
					Message: fmt.Sprintf("%s runs in %s, a bare repository (objects/ and refs/ but no .git): git would read its configuration from %s/config, a file the agent's tools may write, and run the programs it names; run git in the project", text, bare, bare)})
				return
			}
		}
		inside := c.env.Protected(d)
		if inside && (!onlyReads(name) || name == "git" && !gitReads) {
			c.add(Finding{Code: CodeProtected, Command: text,
				Message: fmt.Sprintf("%s runs in %s, inside aport's own directory, where it may write files (self-protection, independent of the passport); run it somewhere else", text, d)})
			return
		}
		if name == "git" && gitWholeTree(sub) {
			for _, o := range c.env.Own {
				if o == d || strings.HasPrefix(o, strings.TrimSuffix(d, "/")+"/") {
					c.add(Finding{Code: CodeProtected, Command: text,
						Message: fmt.Sprintf("%s changes the whole working tree at %s, which holds aport's own files (%s) (self-protection, independent of the passport)", text, d, o)})
					return
				}
			}
		}
	}
}

// bareRepoAbove returns the bare repository git would find from d, looking
// upwards as git does until a directory with .git, or "".
func (c *checker) bareRepoAbove(d string) string {
	if c.env.Glob == nil || !path.IsAbs(d) {
		return ""
	}
	for dir := path.Clean(d); ; dir = path.Dir(dir) {
		// a .git that holds a HEAD (or is a gitfile) ends git's search; an
		// empty one does not
		if g := path.Join(dir, ".git"); len(c.env.Glob(escapeUnquoted(g))) > 0 {
			isDir := len(c.env.Glob(escapeUnquoted(g)+"/.")) > 0
			if !isDir || len(c.env.Glob(escapeUnquoted(g+"/HEAD"))) > 0 {
				return ""
			}
		}
		if c.bareRepo(dir) {
			return dir
		}
		if dir == "/" {
			return ""
		}
	}
}

// bareRepo reports a directory git would take as a bare repository: it has
// objects/ and refs/ on disk and is not itself a .git directory.
func (c *checker) bareRepo(d string) bool {
	if c.env.Glob == nil || path.Base(d) == ".git" || !path.IsAbs(d) {
		return false
	}
	if len(c.env.Glob(escapeUnquoted(path.Join(d, "HEAD")))) > 0 && len(c.env.Glob(escapeUnquoted(path.Join(d, "commondir")))) > 0 {
		return true // HEAD and a commondir pointing at the rest
	}
	for _, sub := range []string{"objects", "refs"} {
		if len(c.env.Glob(escapeUnquoted(path.Join(d, sub)))) == 0 {
			return false
		}
	}
	return true
}

// gitWholeTree names git subcommands that remove or rewrite files across
// the working tree.
func gitWholeTree(sub string) bool {
	switch sub {
	case "clean", "reset", "checkout", "restore", "stash", "switch", "rm", "mv", "merge", "rebase", "pull", "am", "apply", "read-tree", "checkout-index", "worktree":
		return true
	}
	return false
}

func gitSubcommand(argv []field) []field {
	i := 1
	for i < len(argv) && argv[i].lit {
		switch v := argv[i].val; {
		case v == "--no-pager" || v == "-P" || v == "--no-optional-locks" || v == "--literal-pathspecs" ||
			v == "--glob-pathspecs" || v == "--noglob-pathspecs" || v == "--icase-pathspecs" || v == "--no-replace-objects":
			i++
		default:
			if i == 1 {
				return argv
			}
			return append([]field{argv[0]}, argv[i:]...)
		}
	}
	if i == 1 {
		return argv
	}
	return append([]field{argv[0]}, argv[i:]...)
}
