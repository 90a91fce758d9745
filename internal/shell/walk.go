package shell

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// ctx is what a command inherits from where it appears in the text.
type ctx struct {
	wrapper  string // what runs it: "sudo", "bash -c", "function f", ...
	forkCtx  bool   // in a pipeline or in the background (fork bomb detection)
	guarded  bool   // left operand of &&: a cd there is known to have succeeded for the right one
	remote   bool   // the text runs on another machine (ssh): no local path checks
	noFunc   bool   // the name is not looked up among functions (command, builtin, exec)
	stdinDL  bool   // standard input carries a download (curl ... | this)
	outDL    bool   // the command is a download: what it writes into >(...) is one
	stdin    string // literal text on standard input (here-document, here-string), for shells
	hasStdin bool   // stdin is set
}

// funcDef is one function definition found in the text.
type funcDef struct {
	body  *syntax.Stmt
	scope int
	off   uint
	src   string
}

// cwdState is the set of directories a command may run in.
type cwdState struct {
	dirs  []string // possible directories, most likely first; empty means unknown
	old   []string // $OLDPWD
	stack [][]string
	last  []string // $_: the last argument of the command before; nil: unknown
}

type checker struct {
	pol  *Policy
	env  Env
	res  *Result
	pats compiled

	src         string
	scope       int
	curScope    int
	funcs       map[string][]funcDef
	called      map[string]bool
	stack       []string            // functions being expanded
	callOff     uint                // position of the outermost call of the function being expanded
	vars        map[string]string   // for-loop variables with a known value
	vals        map[string]varState // variables assigned in the text: may they reach arithmetic (arith.go)
	intVars     map[string]bool     // declared integer (-i) in the text: assignments are arithmetic
	assoc       map[string]bool     // declared associative (-A) in the text: subscripts are not arithmetic
	caseVars    map[string]bool     // declared -l, -u or -c: values change case when assigned
	recursed    map[string]bool     // functions whose body was walked again for a recursive call
	netFds      map[string]bool     // descriptors exec opened on /dev/tcp or /dev/udp
	dlFiles     map[string]bool     // files a download in the text saved (curl -o x.sh), by path
	dlVars      map[string]bool     // variables assigned a download (x=$(curl ...))
	stdinNet    bool                // exec </dev/tcp/...: the shell's own standard input reads the network
	debugTrap   bool                // a DEBUG trap runs before each command: $_ is not followed
	dlAny       bool                // a download saved files: any file run later may be one
	gitBait     bool                // the text writes a file named like a repository's (config, HEAD, commondir)
	netAny      bool                // network text is held somewhere the text can feed a shell (a descriptor, a variable, a coprocess)
	cdpath      bool                // the text assigns CDPATH
	globVals    map[string][]string // for-loop variables over literal globs: the patterns
	defined     map[string]bool     // variables certainly assigned at this point of the text
	regions     [][]string          // variables first defined inside each enclosing region
	lits        map[string][]string // literal values the text assigns each variable (for read checks)
	litsUnknown map[string]bool     // variables the text also assigns something not literal
	links       map[string]string   // symbolic links the text makes (ln -s): path → target
	ifsSet      bool                // the text assigns IFS: unquoted expansions split where it says
	prefixOnly  bool                // walking assignments that only set a command's environment
	dashFile    bool                // the text writes a file whose name starts with -

	cwd cwdState

	depth    int
	nodes    int
	stopped  bool
	seen     map[string]bool // findings already reported
	probes   []string        // protected paths derived from Home and Cwd
	secrets  []string        // secret paths derived from Home
	probesOK bool
}

func newChecker(pol *Policy, env Env, res *Result) *checker {
	c := &checker{pol: pol, env: env, res: res}
	if d := env.Cwd; path.IsAbs(d) {
		c.cwd.dirs = []string{path.Clean(d)}
	}
	return c
}

// add records a finding once.
func (c *checker) add(f Finding) {
	key := f.Code + "\x00" + f.Command + "\x00" + f.Message
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.res.Findings = append(c.res.Findings, f)
}

// tick counts a visited node; past the budget it stops the walk with a finding.
func (c *checker) tick() bool {
	if c.stopped {
		return false
	}
	c.nodes++
	if c.nodes > MaxNodes {
		c.stop(fmt.Sprintf("the command text is too complex to analyse (over %d statements and words, function calls and loops included); split it", MaxNodes))
		return false
	}
	return true
}

func (c *checker) stop(msg string) {
	if !c.stopped {
		c.stopped = true
		c.res.Findings = append(c.res.Findings, Finding{Code: CodeUnparseable, Message: msg})
	}
}

// enter increases the nesting depth; past the budget it stops the walk.
func (c *checker) enter() bool {
	if c.stopped {
		return false
	}
	c.depth++
	if c.depth > MaxDepth {
		c.stop(fmt.Sprintf("the command text nests shells, substitutions, compound commands or function calls more than %d deep; flatten it", MaxDepth))
		return false
	}
	return true
}

func (c *checker) leave() { c.depth-- }

// cwdOne is the most likely working directory, "" when unknown.
func (c *checker) cwdOne() string {
	if len(c.cwd.dirs) == 0 {
		return ""
	}
	return c.cwd.dirs[0]
}

func (c *checker) saveCwd() cwdState { return c.cwd }

func unionDirs(a, b []string) []string {
	if len(a) == 0 || len(b) == 0 {
		return nil // unknown on either side: unknown
	}
	out := append([]string(nil), a...)
	for _, d := range b {
		dup := false
		for _, e := range out {
			if e == d {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, d)
		}
	}
	if len(out) > 4 {
		return nil
	}
	return out
}

// mergeCwd makes the state after a branch: any of the two.
func (c *checker) mergeCwd(a, b cwdState) {
	c.cwd = cwdState{dirs: unionDirs(a.dirs, b.dirs), old: unionDirs(a.old, b.old), last: unionDirs(a.last, b.last)}
	if len(a.stack) == len(b.stack) {
		c.cwd.stack = a.stack
	}
}

// collectFuncs records every function definition of a parsed text and
// returns the text of a comment ending in a backslash, if any: the parser
// continues such a comment on the next line, bash does not.
func (c *checker) collectFuncs(f *syntax.File, scope int) (badComment string) {
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.Comment:
			if badComment == "" && (strings.HasSuffix(n.Text, `\`) || strings.Contains(n.Text, "\\\n")) {
				badComment = "#" + strings.TrimRight(n.Text, "\n")
			}
		case *syntax.FuncDecl:
			names := n.Names
			if n.Name != nil {
				names = append([]*syntax.Lit{n.Name}, names...)
			}
			for _, nm := range names {
				if c.funcs == nil {
					c.funcs = map[string][]funcDef{}
				}
				c.funcs[nm.Value] = append(c.funcs[nm.Value], funcDef{body: n.Body, scope: scope, off: n.Pos().Offset(), src: c.src})
			}
		}
		return true
	})
	return badComment
}

// walkUncalledFuncs checks the bodies of functions never called: a function
// may still run through a trap, an exported function or a dynamic name.
func (c *checker) walkUncalledFuncs() {
	for name, defs := range c.funcs {
		if c.called[name] {
			continue
		}
		c.callFunc(name, defs, ctx{}, ^uint(0), nil)
	}
}

// positionalNames are the parameters a function call or set -- gives.
var positionalNames = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "@", "*"}

// positional gives $1..$9, $@ and $* the arguments of a function call
// (args nil: a body walked without a call, every one unknown) and returns
// what restores the caller's.
func (c *checker) positional(args []field, called bool) (restore func()) {
	if c.lits == nil {
		c.lits, c.litsUnknown = map[string][]string{}, map[string]bool{}
	}
	if c.defined == nil {
		c.defined = map[string]bool{}
	}
	type saved struct {
		lits             []string
		unknown, defined bool
	}
	vals := c.argValues(args) // before the caller's are put away: f "$2"
	old := make([]saved, len(positionalNames))
	for i, n := range positionalNames {
		old[i] = saved{c.lits[n], c.litsUnknown[n], c.defined[n]}
		c.lits[n], c.litsUnknown[n], c.defined[n] = nil, !called, called
	}
	if called {
		c.givePositional(vals)
	}
	return func() {
		for i, n := range positionalNames {
			c.lits[n], c.litsUnknown[n], c.defined[n] = old[i].lits, old[i].unknown, old[i].defined
		}
	}
}

// setPositional records the values of $1..$9, $@ and $* that args give
// (set -- args, or a function call): a literal is known, anything else
// unknown; parameters past the last argument are empty. $@ and $* may be
// any one of the arguments.
func (c *checker) setPositional(args []field) {
	c.givePositional(c.argValues(args))
}

// argValues lists the values each argument may have; nil: not known. An
// argument that may become any number of words ("$@", "${a[@]}", an
// unquoted expansion, a glob) makes every later position unknown, and the
// result then ends with a nil marking "and more".
func (c *checker) argValues(args []field) [][]string {
	out := make([][]string, 0, len(args))
	for _, a := range args {
		if a.w != nil && (wordHasDownload(a.w) || c.wordHasDLVar(a.w)) {
			c.netAny = true // f "$(curl ...)": $1 holds the download
		}
		switch {
		case a.lit && !a.glob:
			out = append(out, []string{a.val})
		case a.w != nil && !a.glob && oneWord(a.w):
			// "$2" passed on, "$dir": the values the text shows, when
			// none of them would be split into more arguments
			out = append(out, c.unsplitValues(a))
		default:
			return append(out, nil, nil) // this one and everything after it
		}
	}
	return out
}

// oneWord reports a word that always expands to exactly one argument:
// literals, single quotes, and double quotes holding no "$@" or "${a[@]}".
func oneWord(w *syntax.Word) bool {
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			if strings.ContainsAny(p.Value, "*?[") {
				return false
			}
		case *syntax.SglQuoted:
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if pe, ok := q.(*syntax.ParamExp); ok && pe.Param != nil && (pe.Param.Value == "@" || pe.Index != nil) {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

func (c *checker) givePositional(args [][]string) {
	if c.lits == nil {
		c.lits, c.litsUnknown = map[string][]string{}, map[string]bool{}
	}
	all := len(args) <= 9
	exact := len(args) == 0 || args[len(args)-1] != nil // no "and more" at the end
	for i, n := range positionalNames[:9] {
		c.define(n)
		switch {
		case i >= len(args) && !exact:
			c.litsUnknown[n] = true
		case i >= len(args):
			c.addLit(n, "")
		case args[i] != nil:
			c.addLit(n, args[i]...)
		default:
			c.litsUnknown[n] = true
		}
	}
	for _, a := range args {
		all = all && a != nil
	}
	for _, n := range []string{"@", "*"} {
		c.define(n)
		if !all {
			c.litsUnknown[n] = true
			continue
		}
		c.addLit(n, "")
		for _, a := range args {
			c.addLit(n, a...)
		}
	}
}

// unsplitValues lists the values of a non-literal argument that the text
// shows, when none holds a blank that word splitting would break it at (and
// IFS is not set by the text); nil otherwise.
func (c *checker) unsplitValues(f field) []string {
	if f.w == nil || f.glob || c.ifsSet {
		return nil
	}
	vals := c.possibleValues(f.w.Parts)
	for _, v := range vals {
		if strings.ContainsAny(v, " \t\n*?[") {
			return nil
		}
	}
	return vals
}

// setArgs handles set's operands: after --, -, or the first word that is
// not an option, they are the new positional parameters.
func (c *checker) setArgs(args []field) {
	for i := 0; i < len(args); i++ {
		v := args[i].val
		switch {
		case !args[i].lit:
			for _, n := range positionalNames {
				c.valueUnknown(n)
			}
			return
		case v == "--" || v == "-":
			c.setPositional(args[i+1:])
			return
		case strings.HasPrefix(v, "-") || strings.HasPrefix(v, "+"):
			if strings.Contains(v, "o") {
				i++ // set -o NAME
			}
		default:
			c.setPositional(args[i:])
			return
		}
	}
}

func (c *checker) callFunc(name string, defs []funcDef, x ctx, off uint, args []field) {
	if c.called == nil {
		c.called = map[string]bool{}
	}
	c.called[name] = true
	for _, s := range c.stack {
		if s == name {
			if x.forkCtx {
				c.add(Finding{Code: CodeDangerous, Command: name,
					Message: fmt.Sprintf("function %s calls itself in a pipeline or in the background: a fork bomb (built-in catalogue of catastrophic operations)", name)})
			}
			// A recursive call runs the body again with other arguments,
			// which may go on changing: walk it once more with the
			// positional parameters unknown.
			if c.recursed == nil {
				c.recursed = map[string]bool{}
			}
			if !c.recursed[name] {
				c.recursed[name] = true
				c.walkBody(name, defs, x, nil, false)
			}
			return
		}
	}
	if !c.enter() {
		return
	}
	defer c.leave()
	if len(c.stack) == 0 {
		c.callOff = off
	}
	c.walkBody(name, defs, x, args, off != ^uint(0))
}

// walkBody walks a function's bodies as a call with args runs them (called
// false: a walk with no call, or one more for a recursive call, with the
// positional parameters unknown). The body reads the call's standard input
// (curl ... | f).
func (c *checker) walkBody(name string, defs []funcDef, x ctx, args []field, called bool) {
	c.stack = append(c.stack, name)
	restore := c.positional(args, called)
	saved, savedScope := c.src, c.curScope
	for _, d := range defs {
		c.src, c.curScope = d.src, d.scope
		c.stmt(d.body, ctx{wrapper: "function " + name, remote: x.remote, stdinDL: x.stdinDL, stdin: x.stdin, hasStdin: x.hasStdin})
	}
	c.src, c.curScope = saved, savedScope
	restore()
	c.stack = c.stack[:len(c.stack)-1]
}

func (c *checker) stmtList(stmts []*syntax.Stmt, x ctx) {
	for _, s := range stmts {
		if c.stopped {
			return
		}
		c.stmt(s, x)
	}
}

func (c *checker) stmt(s *syntax.Stmt, x ctx) {
	if s == nil || !c.tick() {
		return
	}
	x.guarded = x.guarded && !s.Background
	if s.Coprocess && stmtHasDownload(s) {
		c.netAny = true // coproc curl ...: its descriptors carry the download
	}
	if s.Background || s.Coprocess {
		x.forkCtx = true
		saved := c.saveCwd()
		defer func() { c.cwd = saved }()
		c.region(func() { c.command(s.Cmd, s.Redirs, x) })
		return
	}
	c.command(s.Cmd, s.Redirs, x)
}

// nested walks statements in a nested environment: the working directory
// does not leak out.
func (c *checker) nested(stmts []*syntax.Stmt, x ctx) {
	if !c.enter() {
		return
	}
	defer c.leave()
	saved := c.saveCwd()
	c.stmtList(stmts, x)
	c.cwd = saved
}

func (c *checker) block(stmts []*syntax.Stmt, x ctx) {
	if !c.enter() {
		return
	}
	defer c.leave()
	c.stmtList(stmts, x)
}

// subst walks the commands inside command and process substitutions: they
// run in their own subshell with a fresh context.
func (c *checker) subst(stmts []*syntax.Stmt, x ctx) {
	c.region(func() { c.nested(stmts, ctx{remote: x.remote, wrapper: x.wrapper}) })
}

func (c *checker) command(cmd syntax.Command, redirs []*syntax.Redirect, x ctx) {
	if c.stdinNet {
		x.stdinDL = true // exec </dev/tcp/... earlier: standard input reads the network
	}
	if _, simple := cmd.(*syntax.CallExpr); !simple && len(redirs) > 0 {
		x = c.stdinFrom(redirs, x) // { sh; } < /dev/tcp/...: the group's commands read it
	}
	switch n := cmd.(type) {
	case nil:
		c.redirects(redirs, x, "")
	case *syntax.CallExpr:
		c.call(n, redirs, x)
	case *syntax.BinaryCmd:
		c.redirects(redirs, x, "")
		c.binary(n, x)
	case *syntax.Subshell:
		c.redirects(redirs, x, "")
		c.region(func() { c.nested(n.Stmts, x) })
	case *syntax.Block:
		c.redirects(redirs, x, "")
		c.block(n.Stmts, x)
	case *syntax.IfClause:
		c.redirects(redirs, x, "")
		c.region(func() { c.ifClause(n, x) })
	case *syntax.WhileClause:
		c.redirects(redirs, x, "")
		lastBefore := c.cwd.last
		c.region(func() { c.loop(x, func() { c.block(n.Cond, x); c.block(n.Do, x) }) })
		c.cwd.last = unionDirs(lastBefore, c.cwd.last) // the body may not have run
	case *syntax.ForClause:
		c.redirects(redirs, x, "")
		lastBefore := c.cwd.last
		defer func() { c.cwd.last = unionDirs(lastBefore, c.cwd.last) }() // the body may not have run
		switch l := n.Loop.(type) {
		case *syntax.WordIter:
			var items []field
			for _, w := range l.Items {
				c.wordSubst(w, x)
				items = append(items, c.fields(w)...)
			}
			if !l.InPos.IsValid() {
				items = []field{{text: `"$@"`, val: `"$@"`}} // for x; do: the positional parameters
			}
			if n.Select {
				items = append(items, litField("")) // select: an answer not in the list sets ""
			}
			c.assignName(l.Name.Value, x, "for "+l.Name.Value)
			inert := true
			for _, w := range l.Items {
				if c.intVars[l.Name.Value] {
					c.sinkWord(w) // each value is evaluated as arithmetic
				}
				inert = inert && c.wordInert(w)
			}
			c.setVar(l.Name.Value, inert || c.intVars[l.Name.Value])
			c.loopGlobs(l.Name.Value, items)
			c.forEach(l.Name.Value, items, func(start func(), each bool) {
				c.region(func() { c.loopWalk(x, !each, func() { start(); c.block(n.Do, x) }) })
			})
			return
		case *syntax.CStyleLoop:
			c.arithm(l.Init, x)
			c.arithm(l.Cond, x)
			c.arithm(l.Post, x)
		}
		c.region(func() { c.loop(x, func() { c.block(n.Do, x) }) })
	case *syntax.CaseClause:
		c.redirects(redirs, x, "")
		c.wordSubst(n.Word, x)
		before := c.saveCwd()
		after := before
		for i, it := range n.Items {
			c.cwd = before
			for _, w := range it.Patterns {
				c.wordSubst(w, x)
			}
			c.region(func() { c.block(it.Stmts, x) })
			if i == 0 {
				after = c.cwd
			} else {
				c.mergeCwd(after, c.cwd)
				after = c.cwd
			}
		}
		c.mergeCwd(after, before)
	case *syntax.FuncDecl:
		c.redirects(redirs, x, "")
		// bodies run when called (call) or are checked at the end
	case *syntax.ArithmCmd:
		c.redirects(redirs, x, "")
		c.arithm(n.X, x)
	case *syntax.TestClause:
		c.redirects(redirs, x, "")
		c.testExpr(n.X, x)
	case *syntax.DeclClause:
		c.redirects(redirs, x, n.Variant.Value)
		c.decl(n, x)
	case *syntax.LetClause:
		c.redirects(redirs, x, "")
		for _, e := range n.Exprs {
			c.arithm(e, x)
		}
	case *syntax.TimeClause:
		c.redirects(redirs, x, "")
		c.stmt(n.Stmt, x)
	case *syntax.CoprocClause:
		if stmtHasDownload(n.Stmt) {
			c.netAny = true // coproc curl ...: its descriptors carry the download
		}
		c.redirects(redirs, x, "")
		if n.Name != nil { // coproc NAME sets the array NAME to its descriptors
			if f := c.field(n.Name); f.known() && syntax.ValidName(f.val) {
				c.assignName(f.val, x, "coproc "+f.val)
				c.valueUnknown(f.val)
				c.setVar(f.val, true)
			} else {
				c.add(Finding{Code: CodeDynamic, Command: c.wordText(n.Name),
					Message: fmt.Sprintf("coproc %s: the variable it sets is not written out, so it cannot be followed", c.wordText(n.Name))})
			}
		}
		x.forkCtx = true
		c.stmt(n.Stmt, x)
	case *syntax.TestDecl:
		c.redirects(redirs, x, "")
		c.stmt(n.Body, x)
	default:
		c.unparseable("", "the command text uses a construct (%T) that cannot be analysed", cmd)
	}
}

func (c *checker) binary(n *syntax.BinaryCmd, x ctx) {
	switch n.Op {
	case syntax.AndStmt:
		// The right side runs only if the left side succeeded, so a cd on
		// the left is taken as done for it; what follows the list may run
		// after either side stopped it: any of the three states (unless the
		// list is itself the left side of an &&, which goes on only after
		// success).
		before := c.saveCwd()
		l := x
		l.guarded = true
		c.stmt(n.X, l)
		afterLeft := c.saveCwd()
		r := x
		r.guarded = false
		c.region(func() { c.stmt(n.Y, r) })
		if !x.guarded {
			afterRight := c.saveCwd()
			c.mergeCwd(before, afterLeft)
			c.mergeCwd(c.cwd, afterRight)
		}
	case syntax.OrStmt:
		before := c.saveCwd()
		l := x
		l.guarded = false
		c.stmt(n.X, l)
		c.mergeCwd(before, c.cwd)
		afterLeft := c.saveCwd()
		c.region(func() { c.stmt(n.Y, l) })
		c.mergeCwd(afterLeft, c.cwd) // the right side may not have run
	default: // | and |&: every part runs in its own subshell
		saved := c.saveCwd()
		start := len(c.res.Commands)
		l := x
		l.forkCtx, l.guarded = true, false
		c.region(func() { c.stmt(n.X, l) })
		c.cwd = saved
		r := l
		r.stdinDL = x.stdinDL || c.downloadSince(start)
		r.stdin, r.hasStdin = c.echoed(n.X)
		c.region(func() { c.stmt(n.Y, r) })
		c.cwd = saved
	}
}

// downloadSince reports whether a command extracted since index start is a
// download tool.
func (c *checker) downloadSince(start int) bool {
	for _, cm := range c.res.Commands[start:] {
		if cm.net || isDownload(cm.Name) {
			return true
		}
	}
	return false
}

func (c *checker) ifClause(n *syntax.IfClause, x ctx) {
	c.block(n.Cond, x)
	afterCond := c.saveCwd()
	c.block(n.Then, x)
	thenCwd := c.saveCwd()
	c.cwd = afterCond
	if n.Else != nil {
		if !c.enter() {
			return
		}
		c.ifClause(n.Else, x)
		c.leave()
	}
	c.mergeCwd(thenCwd, c.cwd)
}

// loop walks a loop body as often as a later iteration may see something
// the first did not: a directory the body changed to, or a value the body
// assigned (g=a; while :; do rm -rf $g; g=/usr; done removes /usr on the
// second pass). It stops when a walk changes neither; after maxLoopWalks
// walks, the variables still changing are taken as unknown.
func (c *checker) loop(x ctx, body func()) { c.loopWalk(x, true, body) }

// loopWalk is loop; carry says the values a pass assigns may reach the next
// pass. A for loop walked once per value of its list (forEach) passes them on
// by itself.
func (c *checker) loopWalk(x ctx, carry bool, body func()) {
	before := c.saveCwd()
	for n := 1; ; n++ {
		sig := c.varSig()
		body()
		cwdChanged := !sameDirs(before.dirs, c.cwd.dirs)
		if cwdChanged {
			c.mergeCwd(before, c.cwd)
		}
		varsChanged := carry && sig != c.varSig()
		if !cwdChanged && !varsChanged {
			return
		}
		if n == maxLoopWalks {
			if varsChanged {
				for name := range c.lits {
					c.valueUnknown(name)
				}
				body() // once more, with those values unknown
			}
			return
		}
		before = c.saveCwd()
	}
}

// maxLoopWalks bounds how often one loop body is walked.
const maxLoopWalks = 4

// varSig changes whenever the text's known values do (they only grow).
func (c *checker) varSig() int {
	n := 0
	for _, v := range c.lits {
		n += len(v)
	}
	for _, u := range c.litsUnknown {
		if u {
			n += 1 << 20
		}
	}
	return n + len(c.links)<<10
}

// addLit notes values the text assigns name, once each.
func (c *checker) addLit(name string, vals ...string) {
	for _, v := range vals {
		if !slices.Contains(c.lits[name], v) {
			c.lits[name] = append(c.lits[name], v)
		}
	}
}

// maxLoopValues is how many literal values of a for loop's variable are
// walked one by one; longer or non-literal lists leave the variable unknown.
const maxLoopValues = 8

// forEach walks body once per value of a for loop's variable when all
// values are literals, so "$f" in the body is known; otherwise once with
// the variable unknown.
//
// After the loop the variable holds one of the values (the last, or any
// other after a break), or what it held before when the list is empty:
// paths built from it are checked by all of them.
func (c *checker) forEach(name string, items []field, body func(start func(), each bool)) {
	defer c.loopDone(name, items)
	if c.vars == nil {
		c.vars = map[string]string{}
	}
	known := len(items) > 0 && len(items) <= maxLoopValues && !c.caseVars[name]
	for _, it := range items {
		known = known && it.known()
	}
	if !known {
		body(func() { delete(c.vars, name) }, false)
		return
	}
	for _, it := range items {
		body(func() { c.vars[name] = it.val }, true) // each walk of the body starts with the value
	}
}

// loopDone records the values a loop's variable may hold after the loop.
func (c *checker) loopDone(name string, items []field) {
	delete(c.vars, name)
	allKnown, allLit := true, true
	for _, it := range items {
		allKnown = allKnown && it.known()
		allLit = allLit && it.lit
	}
	if c.lits == nil {
		c.lits, c.litsUnknown = map[string][]string{}, map[string]bool{}
	}
	switch {
	case allKnown:
		for _, it := range items {
			c.addLit(name, it.val)
		}
	case allLit && c.lits[name] == nil && len(items) <= maxLoopValues:
		// globs: the patterns loopGlobs kept stand for every value
	default:
		c.valueUnknown(name)
	}
}

func sameDirs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// wordSubst walks the substitutions inside a word.
func (c *checker) wordSubst(w *syntax.Word, x ctx) {
	if w == nil || !c.tick() {
		return
	}
	c.partsSubst(w.Parts, x)
}

func (c *checker) partsSubst(parts []syntax.WordPart, x ctx) {
	for _, part := range parts {
		switch p := part.(type) {
		case *syntax.DblQuoted:
			if p.Dollar {
				c.add(Finding{Code: CodeDynamic, Command: c.wordText(p),
					Message: fmt.Sprintf("%s is a translated string: bash looks it up in a message catalogue and expands what it finds, which cannot be checked; drop the $", c.wordText(p))})
			}
			c.partsSubst(p.Parts, x)
		case *syntax.CmdSubst:
			if p.Backquotes && hasHeredoc(p) {
				c.unparseable(c.wordText(p), "a here-document inside backquotes: bash removes backslashes and ends the substitution at the first backquote before it reads the document, the parser does not, so the two disagree on what runs; use $(...)")
			}
			c.subst(p.Stmts, x)
		case *syntax.ProcSubst:
			// runs as its own process (a function calling itself there is a
			// fork bomb); >(cmd) reads what the command writes (curl ... >
			// >(bash), tee >(sh)), <(cmd) reads nothing of it
			dl := p.Op == syntax.CmdOut && (x.stdinDL || x.outDL)
			c.region(func() {
				c.nested(p.Stmts, ctx{remote: x.remote, wrapper: x.wrapper, forkCtx: true, stdinDL: dl})
			})
		case *syntax.ArithmExp:
			c.arithm(p.X, x)
		case *syntax.ParamExp:
			c.paramCode(p)
			if p.Exp != nil {
				c.wordSubst(p.Exp.Word, x)
				if (p.Exp.Op == syntax.AssignUnset || p.Exp.Op == syntax.AssignUnsetOrNull) && p.Param != nil {
					c.paramAssign(p, x) // ${v:=word} assigns word to v
				}
			}
			if p.Repl != nil {
				c.wordSubst(p.Repl.Orig, x)
				c.wordSubst(p.Repl.With, x)
			}
			if p.Slice != nil {
				c.arithm(p.Slice.Offset, x)
				c.arithm(p.Slice.Length, x)
			}
			if p.Index != nil {
				name := ""
				if p.Param != nil {
					name = p.Param.Value
				}
				c.index(name, p.Index, x)
			}
			if p.NestedParam != nil {
				c.partsSubst([]syntax.WordPart{p.NestedParam}, x)
			}
		case *syntax.BraceExp:
			for _, e := range p.Elems {
				c.wordSubst(e, x)
			}
		case *syntax.ExtGlob:
			if p.Pattern != nil && zshCodeQualifier(p.Pattern.Value) {
				c.add(Finding{Code: CodeDynamic, Command: c.wordText(p),
					Message: fmt.Sprintf("%s: under zsh this glob qualifier runs the code in it (e:...: or +name), which cannot be checked", c.wordText(p))})
			}
		}
	}
}

// hasHeredoc reports a here-document anywhere inside n.
func hasHeredoc(n syntax.Node) bool {
	found := false
	syntax.Walk(n, func(m syntax.Node) bool {
		if r, ok := m.(*syntax.Redirect); ok && (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) {
			found = true
		}
		return !found
	})
	return found
}

// zshCodeQualifier reports a parenthesised glob suffix that zsh reads as
// glob qualifiers running code: e followed by delimited code (e:cmd:,
// e'cmd', e{cmd}) or +name. bash reads the same text as an extglob pattern;
// one with | in it is a list of alternatives, not qualifiers.
func zshCodeQualifier(pat string) bool {
	if strings.Contains(pat, "|") {
		return false
	}
	for i := 0; i+1 < len(pat); i++ {
		switch pat[i] {
		case '+':
			if isWordByte(pat[i+1]) {
				return true
			}
		case 'e':
			open := pat[i+1]
			closing, ok := map[byte]byte{':': ':', '\'': '\'', '"': '"', '/': '/', '{': '}', '[': ']', '<': '>', '(': ')'}[open]
			if ok && strings.IndexByte(pat[i+2:], closing) >= 0 {
				return true
			}
		}
	}
	return false
}

// arithm walks an expression that bash evaluates as arithmetic: its
// substitutions, and every value in it must be inert (arith.go).
func (c *checker) arithm(e syntax.ArithmExpr, x ctx) {
	c.arithmExpr(e, x, true)
}

// index walks the subscript of name: arithmetic unless name was declared
// associative in the text.
func (c *checker) index(name string, e syntax.ArithmExpr, x ctx) {
	c.arithmExpr(e, x, !c.assoc[name])
}

func (c *checker) arithmExpr(e syntax.ArithmExpr, x ctx, sink bool) {
	if e == nil || !c.tick() {
		return
	}
	switch n := e.(type) {
	case *syntax.BinaryArithm:
		if sink && isArithAssign(n.Op) {
			name, idx := arithTarget(n.X)
			if name == "" {
				c.arithmExpr(n.X, x, sink)
			} else {
				c.index(name, idx, x)
				if n.Op != syntax.Assgn && !c.varInertNow(name) {
					c.arithDeny(c.wordText(n.X), c.whyNotInert(name))
				}
			}
			c.arithmExpr(n.Y, x, sink)
			c.arithSets(name, c.wordText(n), x)
			return
		}
		c.arithmExpr(n.X, x, sink)
		c.arithmExpr(n.Y, x, sink)
	case *syntax.UnaryArithm:
		if name, idx := arithTarget(n.X); sink && name != "" && (n.Op == syntax.Inc || n.Op == syntax.Dec) {
			c.index(name, idx, x)
			if !c.varInertNow(name) {
				c.arithDeny(c.wordText(n.X), c.whyNotInert(name))
			}
			c.arithSets(name, c.wordText(n), x)
			return
		}
		c.arithmExpr(n.X, x, sink)
	case *syntax.ParenArithm:
		c.arithmExpr(n.X, x, sink)
	case *syntax.FlagsArithm:
		c.arithmExpr(n.X, x, sink)
	case *syntax.Word:
		if sink {
			c.sinkWord(n)
		}
		c.wordSubst(n, x)
	}
}

// arithSets records that arithmetic assigns name a number. Like any
// assignment it is checked against the variables that run code:
// (( PATH = 3 )) and (( BASH_CMDS[ls] = 3 )) change what a name runs.
func (c *checker) arithSets(name, text string, x ctx) {
	if name == "" {
		return
	}
	c.assignName(name, x, text)
	c.valueUnknown(name)
	c.setVar(name, true) // the result of arithmetic is a number
}

func (c *checker) testExpr(e syntax.TestExpr, x ctx) {
	if e == nil || !c.tick() {
		return
	}
	switch n := e.(type) {
	case *syntax.BinaryTest:
		if isArithTest(n.Op) {
			for _, side := range []syntax.TestExpr{n.X, n.Y} {
				if w, ok := side.(*syntax.Word); ok {
					c.sinkWord(w)
				}
			}
		}
		c.testExpr(n.X, x)
		c.testExpr(n.Y, x)
	case *syntax.UnaryTest:
		if w, ok := n.X.(*syntax.Word); ok && n.Op == syntax.TsVarSet {
			c.nameOperand(c.field(w), "[[ -v "+c.wordText(w)+" ]]")
		}
		c.testExpr(n.X, x)
	case *syntax.ParenTest:
		c.testExpr(n.X, x)
	case *syntax.Word:
		c.wordSubst(n, x)
	}
}

// assigns checks assignments: their substitutions, and the variables that
// make later commands run code.
// flags are the attribute letters of a declare-like command (-i, -n, -A).
func (c *checker) assigns(as []*syntax.Assign, x ctx, cmd string, flags string) {
	// IFS=, read: only read's environment. Before eval, source, a special
	// builtin or a function, bash keeps the value while that runs.
	c.prefixOnly = cmd != "" && !declVariant(cmd) && !keepsPrefix(cmd) && c.funcs[cmd] == nil
	defer func() { c.prefixOnly = false }()
	for _, a := range as {
		if a == nil || !c.tick() {
			continue
		}
		if a.Value != nil {
			c.wordSubst(a.Value, x)
		}
		name := ""
		if a.Name != nil {
			name = a.Name.Value
			c.declared(name, flags)
		}
		if a.Index != nil {
			c.index(name, a.Index, x)
		}
		inert := true
		if a.Array != nil {
			for _, e := range a.Array.Elems {
				if wordHasDownload(e.Value) {
					c.netAny = true // a=($(curl ...))
				}
				if e.Index != nil {
					c.index(name, e.Index, x)
				}
				c.wordSubst(e.Value, x)
				if c.intVars[name] {
					c.sinkWord(e.Value) // declare -ai: each element is arithmetic
				} else {
					inert = inert && c.wordInert(e.Value)
				}
			}
		}
		if a.Value != nil && name != "" && !a.Naked && declVariant(cmd) {
			if f := c.field(a.Value); (f.lit && strings.HasPrefix(f.val, "(")) || (!f.lit && strings.ContainsAny(flags, "aA")) {
				c.add(Finding{Code: CodeDynamic, Command: c.wordText(a),
					Message: fmt.Sprintf("%s %s: bash reads a quoted value in parentheses, or one not written out, as an array assignment and runs the substitutions in it; write the array out as %s=(...)", cmd, c.wordText(a), name)})
			}
		}
		if a.Value != nil && name != "" && !a.Naked {
			if c.intVars[name] {
				c.sinkWord(a.Value) // evaluated as arithmetic when assigned
			} else {
				inert = inert && c.wordInert(a.Value)
			}
		}
		if name != "" && a.Value != nil && (wordHasDownload(a.Value) || c.wordHasDLVar(a.Value)) {
			if c.dlVars == nil {
				c.dlVars = map[string]bool{}
			}
			c.dlVars[name] = true // x=$(curl ...): "$x" is a download
			c.netAny = true       // and may reach a shell by ways not followed
		}
		if name != "" && !a.Naked {
			c.recordLit(name, a) // before setVar forgets a loop value the new one may use
			c.setVar(name, inert)
		} else if name != "" && declVariant(cmd) && cmd != "export" && cmd != "readonly" {
			c.mayBeEmpty(name) // local V: a new, empty local in a function
		}
		if a.Name != nil && !a.Naked {
			if v := c.field(a.Value); a.Value == nil || a.Array != nil || a.Index != nil || a.Append || !v.lit || !c.harmlessValue(a.Name.Value, v.val) {
				c.assignName(a.Name.Value, x, cmd)
			}
		}
	}
}

func (c *checker) decl(d *syntax.DeclClause, x ctx) {
	argv := []field{litField(d.Variant.Value)}
	flags := ""
	for _, a := range d.Args {
		if a != nil && a.Naked && a.Name == nil && a.Value != nil {
			if f := c.field(a.Value); f.lit && strings.HasPrefix(f.val, "-") {
				flags += f.val[1:]
			}
		}
	}
	if d.Variant.Value != "export" && strings.Contains(flags, "n") {
		c.add(Finding{Code: CodeDynamic, Command: c.wordText(d),
			Message: fmt.Sprintf("%s: a nameref makes every later use of the name act on another variable, possibly a subscript evaluated as arithmetic, which cannot be followed; use the variable itself", c.wordText(d))})
	}
	for _, a := range d.Args {
		if a == nil {
			continue
		}
		if a.Naked && a.Name == nil && a.Value != nil {
			c.wordSubst(a.Value, x)
			f := c.argField(a.Value.Parts, c.wordText(a.Value))
			f.w = a.Value
			argv = append(argv, f)
			if !f.known() || (!strings.HasPrefix(f.val, "-") && !strings.HasPrefix(f.val, "+")) {
				if !f.known() { // a glob may expand to an assignment that runs code
					c.add(Finding{Code: CodeDynamic, Command: joinArgv(argv),
						Message: fmt.Sprintf("%s %s: the variable it sets is not a literal, so it cannot be checked; write the assignment out", d.Variant.Value, f.text)})
				} else {
					c.declLiteral(f.val, flags, d.Variant.Value, x)
				}
			}
			continue
		}
		if a.Name != nil {
			argv = append(argv, litField(c.wordText(a)))
			if t := c.wordText(a); !strings.HasPrefix(t, a.Name.Value) {
				// P''S4=x: a quoted name makes the word text, not an
				// assignment, and bash expands it like any word
				c.add(Finding{Code: CodeDynamic, Command: c.wordText(d),
					Message: fmt.Sprintf("%s %s: the name is quoted or escaped, so bash reads the word as text and expands it, not as an assignment; write the name plainly", d.Variant.Value, t)})
			}
			if !syntax.ValidName(a.Name.Value) {
				c.add(Finding{Code: CodeDynamic, Command: c.wordText(d),
					Message: fmt.Sprintf("%s %s: the names it declares are not written out, so they cannot be followed", d.Variant.Value, a.Name.Value)})
			}
		}
	}
	c.assigns(d.Args, x, d.Variant.Value, flags)
	c.exec(argv, x, d.Pos().Offset())
}

// declLiteral handles a quoted operand of declare and its kin, 'name=value'
// or 'name': the name's subscript and, for integer variables and namerefs,
// the value are evaluated.
func (c *checker) declLiteral(v, flags, cmd string, x ctx) {
	name, val, has := strings.Cut(v, "=")
	name = strings.TrimSuffix(name, "+")
	c.checkName(name, cmd+" "+v)
	base := name
	if i := strings.IndexByte(base, '['); i >= 0 {
		base = base[:i]
	}
	if !syntax.ValidName(base) {
		c.add(Finding{Code: CodeDynamic, Command: cmd + " " + v,
			Message: fmt.Sprintf("%s %s: the names it declares are not written out, so they cannot be followed", cmd, v)})
		return
	}
	c.declared(base, flags)
	if !has {
		return
	}
	if !c.harmlessValue(base, val) {
		c.assignName(base, x, cmd)
	}
	if strings.HasPrefix(val, "(") {
		c.add(Finding{Code: CodeDynamic, Command: cmd + " " + v,
			Message: fmt.Sprintf("%s %s: bash reads a quoted value in parentheses as an array assignment and runs the substitutions in it; write the array out as %s=(...)", cmd, v, base)})
	}
	if c.intVars[base] {
		if why := c.arithLitProblem(val); why != "" {
			c.arithDeny(cmd+" "+v, why)
		}
		c.setVar(base, true)
	} else {
		c.setVar(base, inertText(val))
	}
}

// declared records the attributes a declare-like command gives name.
func (c *checker) declared(name, flags string) {
	if name == "" || flags == "" {
		return
	}
	set := func(m *map[string]bool) {
		if *m == nil {
			*m = map[string]bool{}
		}
		(*m)[name] = true
	}
	if strings.Contains(flags, "i") {
		set(&c.intVars)
	}
	if strings.Contains(flags, "A") {
		set(&c.assoc)
	}
	if strings.ContainsAny(flags, "luc") {
		// -l, -u, -c change the case of every value assigned from now on:
		// the values the text shows are not the values bash holds
		set(&c.caseVars)
		c.valueUnknown(name)
	}
}

// mayBeEmpty notes that name may now be empty (unset NAME; local NAME with
// no value, which makes an empty local): a variable with values the text
// showed may also hold "" from here on.
func (c *checker) mayBeEmpty(name string) {
	if c.lits[name] != nil {
		c.addLit(name, "")
	}
	delete(c.vars, name)
}

// recordLit notes the value an assignment gives a variable, for checking
// reads of paths built from it (x=~/.ssh/id_rsa; cat $x).
func (c *checker) recordLit(name string, a *syntax.Assign) {
	if c.lits == nil {
		c.lits, c.litsUnknown = map[string][]string{}, map[string]bool{}
	}
	c.define(name)
	if a.Array != nil && a.Index == nil && !a.Append {
		for _, e := range a.Array.Elems {
			if f := c.field(e.Value); e.Index == nil && f.lit {
				c.addLit(name, f.val)
			}
		}
	}
	if a.Value == nil || a.Array != nil || a.Index != nil || a.Append {
		c.litsUnknown[name] = a.Value != nil || a.Array != nil || a.Append || c.caseVars[name]
		if a.Value == nil && a.Array == nil {
			c.addLit(name, "")
		}
		return
	}
	if f := c.field(a.Value); f.lit {
		c.addLit(name, f.val)
	} else if vals := c.possibleValues(a.Value.Parts); vals != nil {
		c.addLit(name, vals...) // ts=$(date +%s), p=$HOME/x-$$
	} else {
		c.litsUnknown[name] = true
	}
	if c.caseVars[name] {
		c.litsUnknown[name] = true
	}
}

// echoed is what a pipeline's left side writes when it is echo with literal
// words (echo PATH | xargs rm): the right side's standard input is known.
func (c *checker) echoed(s *syntax.Stmt) (string, bool) {
	ce, ok := s.Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Args) < 2 || len(s.Redirs) > 0 || len(ce.Assigns) > 0 {
		return "", false
	}
	var words []string
	newline, opts := "\n", true
	for i, w := range ce.Args {
		f := c.field(w)
		if !f.known() {
			return "", false
		}
		if i == 0 {
			if f.val == "printf" {
				return c.printed(ce)
			}
			if f.val != "echo" {
				return "", false
			}
			continue
		}
		if opts && len(f.val) > 1 && f.val[0] == '-' && strings.Trim(f.val[1:], "neE") == "" {
			// bash's echo takes -n, -e and -E, alone or together (-nE)
			if strings.Contains(f.val, "e") {
				return "", false // echo -e: escapes expand, the output is not the text
			}
			if strings.Contains(f.val, "n") {
				newline = ""
			}
			continue
		}
		opts = false
		if strings.Contains(f.val, "\\") {
			return "", false // escapes some echos expand: the output may not be the text
		}
		words = append(words, f.val)
	}
	return strings.Join(words, " ") + newline, true
}

// printed is what printf writes when its format and arguments are literal
// and the format holds only %s, %% and the escapes \n, \t and \\ (the
// format is reused while arguments remain, as printf does).
func (c *checker) printed(ce *syntax.CallExpr) (string, bool) {
	var args []string
	for _, w := range ce.Args[1:] {
		f := c.field(w)
		if !f.known() {
			return "", false
		}
		args = append(args, f.val)
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", false // no format, or printf -v / --
	}
	format, args := args[0], args[1:]
	var b strings.Builder
	for {
		used := false
		for i := 0; i < len(format); i++ {
			ch := format[i]
			switch {
			case ch == '\\' && i+1 < len(format):
				i++
				switch format[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case '\\':
					b.WriteByte('\\')
				default:
					return "", false
				}
			case ch == '%' && i+1 < len(format) && format[i+1] == '%':
				i++
				b.WriteByte('%')
			case ch == '%' && i+1 < len(format) && format[i+1] == 's':
				i++
				used = true
				if len(args) > 0 {
					b.WriteString(args[0])
					args = args[1:]
				}
			case ch == '%' || ch == '\\':
				return "", false
			default:
				b.WriteByte(ch)
			}
		}
		if !used || len(args) == 0 {
			return b.String(), true
		}
	}
}

// paramAssign handles ${v=word} and ${v:=word}, which assign word to v when v
// is unset (or empty): an assignment like any other, except that whether it
// happens is not known.
func (c *checker) paramAssign(p *syntax.ParamExp, x ctx) {
	name := p.Param.Value
	c.assignName(name, x, c.wordText(p))
	if c.intVars[name] {
		c.sinkWord(p.Exp.Word)
	}
	c.setVar(name, c.intVars[name] || c.wordInert(p.Exp.Word))
	c.valueUnknown(name)
}

// valueUnknown notes that the text gives name a value it does not show, so
// paths built from name are not checked by the literal values it was given.
func (c *checker) valueUnknown(name string) {
	if c.litsUnknown == nil {
		c.lits, c.litsUnknown = map[string][]string{}, map[string]bool{}
	}
	c.litsUnknown[name] = true
}

// keepsPrefix reports commands before which an assignment stays in effect
// while they run: eval, source and the special builtins, and the wrappers
// that may run them.
func keepsPrefix(cmd string) bool {
	switch cmd {
	case "eval", "source", ".", "builtin", "command", "exec", "export", "readonly", "set", "shift",
		"trap", "unset", ":", "return", "break", "continue", "times", "exit", "wait":
		return true
	}
	return false
}

func declVariant(cmd string) bool {
	switch cmd {
	case "declare", "typeset", "local", "readonly", "export":
		return true
	}
	return false
}

// loopGlobs remembers the patterns of a for loop over literal words some of
// which are globs (for f in *.go), so that a write to "$f.bak" is checked
// as a write to *.go.bak.
func (c *checker) loopGlobs(name string, items []field) {
	if c.globVals == nil {
		c.globVals = map[string][]string{}
	}
	c.define(name)
	delete(c.globVals, name)
	if len(items) == 0 || len(items) > maxLoopValues {
		return
	}
	vals := make([]string, 0, len(items))
	for _, it := range items {
		if !it.lit {
			return
		}
		vals = append(vals, it.val)
	}
	c.globVals[name] = vals
}

// region walks a part of the text that may not run, or runs in a subshell
// (a branch, a loop body, the right side of && and ||, a pipeline part, a
// substitution, a background job): a variable first assigned inside is not
// certainly assigned after it, so its value may come from outside the text.
func (c *checker) region(walk func()) {
	c.regions = append(c.regions, nil)
	walk()
	top := c.regions[len(c.regions)-1]
	c.regions = c.regions[:len(c.regions)-1]
	for _, name := range top {
		delete(c.defined, name)
	}
}

// define notes that name is certainly assigned from here on (within the
// enclosing region).
func (c *checker) define(name string) {
	if c.defined == nil {
		c.defined = map[string]bool{}
	}
	if c.defined[name] {
		return
	}
	c.defined[name] = true
	if n := len(c.regions); n > 0 {
		c.regions[n-1] = append(c.regions[n-1], name)
	}
}
