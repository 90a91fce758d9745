// Package shell decides a shell command line against a passport's command
// policy (limits["system.command.execute"]).
//
// It parses the text as bash with mvdan.cc/sh, walks every simple command
// the text would run — lists, pipelines, subshells, command and process
// substitutions, compound commands, function bodies, the commands run by
// wrappers such as sudo, env, xargs or find -exec, and the strings given to
// bash -c, eval or ssh — and checks each one against the allow, deny and ask
// lists, the denied arguments, the allowed working directories, a small
// built-in catalogue of catastrophic operations and aport's self-protection.
//
// It is pure: it reads no file, runs nothing and keeps no state between
// calls. It is not a shell interpreter: it does not expand variables other
// than $HOME and $PWD, does not follow PATH, does not read scripts, Makefiles
// or aliases, and does not analyse code given to other interpreters
// (python -c, node -e): those are decided by the allow list alone. Anything
// it cannot decide statically fails closed with a finding.
package shell

import (
	"fmt"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// Policy is the compiled command limits of a passport (limits["system.command.execute"]).
type Policy struct {
	Allowed        []string // allowed_commands: argv-word prefixes; "*" allows any
	Denied         []string // denied_commands: same syntax; flags in a pattern match in any order and clustered form
	Ask            []string // ask_commands: matching commands get Ask instead of allow (deny still wins)
	DeniedArgs     []string // denied_args: any argv word (after the name) equal to / glob-matching one of these denies
	AllowedEnv     []string // allowed_env: names of code-executing variables the passport allows to be assigned
	AllowedDirs    []string // allowed_working_directories: doublestar globs over absolute cleaned dirs
	HasAllowedDirs bool     // distinguishes "absent" from "[]" (empty list = no directory allowed)
}

// Env is what Check knows about the place the command would run in.
type Env struct {
	Cwd  string // absolute working dir of the call
	Home string // $HOME for ~ and $HOME expansion
	// CDPath: CDPATH is set where the command runs, so cd to a relative name
	// that does not start with ./ or ../ may land in another directory.
	CDPath bool
	// Protected reports whether writing/moving/deleting/chmod'ing an absolute cleaned path
	// would touch aport's own files or hook configs; Secret reports a private-key path no tool may read.
	Protected func(abs string) bool
	Secret    func(abs string) bool
	// Path is the directories of PATH: a program written into one runs
	// under the name of a command the text may run later.
	Path []string
	// Own and Secrets list aport's own files and directories and the
	// private keys by name, for words whose value is not known but whose
	// literal end can only be the end of one of them ($x/keys/audit.ed25519).
	Own, Secrets []string
	// Physical resolves a path as the kernel would for a process working in
	// cwd (symlinks component by component, before a .. after them), with
	// made, the links the text makes, counted as existing; ok is false when
	// it cannot be followed. Nil: paths are only cleaned.
	Physical func(p, cwd string, made map[string]string) (real string, ok bool)
	// Glob lists the files an absolute pattern matches now. Nil: none is
	// looked up.
	Glob func(pattern string) []string
}

// Finding is one reason to deny (or, in Result.Ask, to ask).
type Finding struct {
	Code    string // an oap.* reason code
	Message string // written for the model: what was denied, which rule, what would be allowed instead
	Command string // the extracted command text (argv joined) it concerns
}

// Trace is one line per extracted command, for aport eval --explain.
type Trace struct {
	Command string
	OK      bool
	Rule    string
}

// Result is the outcome of Check. Zero Findings means allowed.
type Result struct {
	Commands []Command // every command that would run, in order, unwrapped commands included
	Findings []Finding // empty = allowed
	Ask      []Finding // matched ask_commands (only meaningful when Findings is empty)
	Trace    []Trace
}

// Command is one command the text would run.
type Command struct {
	Argv    []string // literal words, quotes/escapes removed; Argv[0] as written
	Name    string   // basename of Argv[0]
	Wrapper string   // name of the wrapper that ran it ("" for top level), e.g. "sudo", "xargs", "bash -c"
	Cwd     string   // the directory it runs in, following cd within the text ("" when unknown)
	net     bool     // reads from the network (< /dev/tcp/...): its output is a download
}

// Reason codes used by this package.
const (
	CodeNotAllowed  = "oap.command_not_allowed"
	CodeDenied      = "oap.command_denied"
	CodeDangerous   = "oap.dangerous_operation"
	CodeDynamic     = "oap.dynamic_command"
	CodeUnparseable = "oap.command_unparseable"
	CodeProtected   = "oap.protected_path"
	CodePathDenied  = "oap.path_denied"
	CodeDirectory   = "oap.directory_not_allowed"
	CodeLimit       = "oap.limit_exceeded"
)

// Budgets. Exceeding any of them is a finding, never a hang.
const (
	MaxTextBytes  = 128 << 10 // length of the command text
	MaxDepth      = 16        // nested shells, substitutions, compound commands and function calls
	MaxNodes      = 20000     // statements and words visited, function bodies and re-walks included
	MaxCommands   = 512       // simple commands extracted
	maxBraceWords = 64        // words one brace expansion may produce
	maxRawNesting = 200       // brackets open at once in the raw text (guards the parser's recursion)
)

// limitsName is how messages refer to the passport field holding the policy.
const limitsName = "passport limits.system.command.execute"

// Check decides src against pol. It never panics and is bounded in time and
// memory; a Result with zero Findings means every command is allowed.
func Check(src string, pol *Policy, env Env) (res *Result) {
	res = &Result{}
	defer func() {
		if r := recover(); r != nil {
			res.Findings = append(res.Findings, Finding{
				Code:    CodeUnparseable,
				Message: fmt.Sprintf("the command could not be analysed (internal error: %v); it is denied", r),
			})
		}
	}()
	if pol == nil {
		pol = &Policy{}
	}
	c := newChecker(pol, env, res)
	c.run(src)
	return res
}

// unparseable adds a command_unparseable finding.
func (c *checker) unparseable(cmd, format string, args ...any) {
	c.add(Finding{Code: CodeUnparseable, Message: fmt.Sprintf(format, args...), Command: cmd})
}

func (c *checker) run(src string) {
	if len(src) > MaxTextBytes {
		c.unparseable("", "the command text is %d bytes, over the %d-byte limit; split it into smaller commands", len(src), MaxTextBytes)
		return
	}
	if n := rawNesting(src); n > maxRawNesting {
		c.unparseable("", "the command text nests brackets %d deep, over the limit of %d", n, maxRawNesting)
		return
	}
	c.checkInitialDir()
	c.parseAndWalk(src, ctx{}, "")
	c.walkUncalledFuncs()
}

// parseAndWalk parses src as bash and walks it. wrapper names what runs the
// text ("" for the top level, "bash -c", "eval", ...).
func (c *checker) parseAndWalk(src string, x ctx, wrapper string) {
	if c.stopped {
		return
	}
	if !c.enter() {
		return
	}
	defer c.leave()
	if i := strings.IndexAny(src, "\r\x00"); i >= 0 {
		// bash reads a carriage return as part of a word and a NUL as the
		// end of a -c string; the parser reads the first as a blank (so
		// "ls\r#; rm x" would hide rm in a comment) and drops the second.
		what := "a carriage return"
		if src[i] == 0 {
			what = "a NUL byte"
		}
		where := "the command text"
		if wrapper != "" {
			where = "the text run by " + wrapper
		}
		c.unparseable(wrapper, "%s contains %s, which bash and aport's parser read differently; remove it (write $'\\r' for a carriage return)", where, what)
		return
	}
	p, _ := parsers.Get().(*syntax.Parser)
	if p == nil {
		p = syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(true))
	}
	f, err := p.Parse(strings.NewReader(src), "")
	parsers.Put(p)
	if err != nil {
		where := "the command text"
		if wrapper != "" {
			where = "the text run by " + wrapper
		}
		c.unparseable(wrapper, "%s does not parse as bash (%v); rewrite it as plain shell", where, err)
		return
	}
	saved := c.src
	c.src = src
	defer func() { c.src = saved }()
	c.scope++
	scope := c.scope
	if bad := c.collectFuncs(f, scope); bad != "" {
		c.unparseable(wrapper, "a comment ends in a backslash (%q), which shells read differently; remove the backslash", bad)
		return
	}
	savedScope := c.curScope
	c.curScope = scope
	c.stmtList(f.Stmts, x)
	c.curScope = savedScope
}

// parsers keeps bash parsers for reuse; a Parser is reset by each Parse.
var parsers sync.Pool

// rawNesting is an upper bound of how deep brackets nest in src, quotes
// ignored. It protects the recursive parser from pathological input.
func rawNesting(src string) int {
	depth, maxd := 0, 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '(', '{', '[':
			depth++
			if depth > maxd {
				maxd = depth
			}
		case ')', '}', ']':
			if depth > 0 {
				depth--
			}
		}
	}
	return maxd
}

// Words returns the argv of src when src is exactly one simple command, and
// false otherwise: quotes and escapes removed, ~ and $HOME expanded to home;
// a word that is still not a literal is returned as written. It is for
// reading command lines aport wrote itself, such as hook entries.
func Words(src, home string) ([]string, bool) {
	if len(src) > MaxTextBytes || rawNesting(src) > maxRawNesting || strings.ContainsAny(src, "\r\x00") {
		return nil, false
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil || len(f.Stmts) != 1 {
		return nil, false
	}
	st := f.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(st.Redirs) > 0 || st.Background || st.Negated || len(call.Assigns) > 0 {
		return nil, false
	}
	c := newChecker(&Policy{}, Env{Home: home}, &Result{})
	c.src = src
	words := make([]string, 0, len(call.Args))
	for _, w := range call.Args {
		for _, fl := range c.fields(w) {
			words = append(words, fl.display())
		}
	}
	return words, len(words) > 0
}
