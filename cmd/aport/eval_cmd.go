package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/aporthq/aport/internal/breakglass"
	"github.com/aporthq/aport/internal/eval"
	"github.com/aporthq/aport/internal/hooks"
	"github.com/aporthq/aport/internal/passport"
	"github.com/aporthq/aport/internal/pathx"
)

// maxInput bounds the payload read from stdin.
const maxInput = 8 << 20

// evalDeadline bounds a whole evaluation. Hosts time hooks out and then let
// the tool run, so aport answers deny itself before that can happen.
var evalDeadline = 20 * time.Second

const evalUsage = `Usage: aport eval [flags] < payload.json

Read one proposed tool call on stdin (Claude Code PreToolUse, Cursor
preToolUse/beforeShellExecution/beforeMCPExecution/beforeReadFile, or generic
{"tool","input"}), decide it against the passport and the policy packs, write
the host's answer on stdout, append a signed audit event, and exit 0 (allow)
or 2 (deny). Every error is a deny: exit 2 with a reason on stderr and the
host's JSON on stdout. This command never exits 0 without an allow, so
--help exits 2 as well.

Flags (flag > environment > default):
  --passport PATH|URL         passport file or registry URL   [APORT_PASSPORT, $APORT_HOME/passport.json]
  --host auto|claude-code|cursor|generic                      [APORT_HOST, auto]
  --audit PATH                audit log                       [APORT_AUDIT_LOG, $APORT_HOME/audit.jsonl]
  --audit-key PATH            audit signing key               [APORT_AUDIT_KEY, $APORT_HOME/keys/audit.ed25519]
  --audit-input MODE          store the input: none|redacted|full [APORT_AUDIT_INPUT, none]
  --state DIR                 rate-limit counters and caches  [APORT_STATE_DIR, $APORT_HOME/state]
  --issuer-key FILE           require a passport signed by this key [APORT_ISSUER_KEY]
  --passport-ttl D            remote passports: revalidate after [APORT_PASSPORT_TTL, 30s]
  --passport-max-stale D      remote passports: deny after when unreachable [APORT_PASSPORT_MAX_STALE, 5m]
  --explain                   print a trace of every check on stderr
  --log-level LEVEL           debug|info|warn|error           [APORT_LOG_LEVEL, warn]

Examples:
  aport eval --explain --passport examples/passport.json < examples/bash.json
  echo '{"tool":"web.fetch","input":{"url":"https://pkg.go.dev"}}' | aport eval --host generic
`

// newEvalHelpCmd makes `aport help eval` and the command list show eval.
// The hook path itself never goes through cobra (see runEval).
func newEvalHelpCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:                "eval",
		Short:              "Decide one tool call read on stdin (the hook command)",
		Long:               evalUsage,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return &exitError{code: runEval(args, a.stdin, a.stdout, a.stderr, a.getenv)}
		},
	}
}

// evalFlags are the resolved options of one `aport eval`.
type evalFlags struct {
	passport, host, audit, auditKey, auditInput, state, issuerKey string
	ttl, maxStale                                                 time.Duration
	explain, help                                                 bool
	logLevel                                                      string
}

func parseEvalFlags(args []string, getenv func(string) string) (*evalFlags, error) {
	f, err := parseEvalFlagsOnce(args, getenv, false)
	if err != nil {
		// The call is denied, and its event should still go to the log the
		// command line names: read the flags again past the unknown ones
		// (pflag stops at the first), keeping the first error.
		if g, _ := parseEvalFlagsOnce(args, getenv, true); g != nil {
			f.audit, f.auditKey, f.auditInput = g.audit, g.auditKey, g.auditInput
		}
	}
	return f, err
}

func parseEvalFlagsOnce(args []string, getenv func(string) string, skipUnknown bool) (*evalFlags, error) {
	f := &evalFlags{}
	fs := pflag.NewFlagSet("eval", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = skipUnknown
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.passport, "passport", defaultPassport(getenv), "")
	fs.StringVar(&f.host, "host", envOr(getenv, "APORT_HOST", "auto"), "")
	fs.StringVar(&f.audit, "audit", defaultAudit(getenv), "")
	fs.StringVar(&f.auditKey, "audit-key", defaultAuditKey(getenv), "")
	fs.StringVar(&f.auditInput, "audit-input", envOr(getenv, "APORT_AUDIT_INPUT", "none"), "")
	fs.StringVar(&f.state, "state", defaultState(getenv), "")
	fs.StringVar(&f.issuerKey, "issuer-key", getenv("APORT_ISSUER_KEY"), "")
	ttl := fs.String("passport-ttl", envOr(getenv, "APORT_PASSPORT_TTL", "30s"), "")
	stale := fs.String("passport-max-stale", envOr(getenv, "APORT_PASSPORT_MAX_STALE", "5m"), "")
	fs.BoolVar(&f.explain, "explain", false, "")
	fs.BoolVarP(&f.help, "help", "h", false, "")
	fs.StringVar(&f.logLevel, "log-level", envOr(getenv, "APORT_LOG_LEVEL", "warn"), "")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q (the payload is read from stdin)", fs.Arg(0))
	}
	var err error
	if f.ttl, err = time.ParseDuration(*ttl); err != nil || f.ttl < 0 {
		return f, fmt.Errorf("--passport-ttl %q is not a duration like 30s", *ttl)
	}
	if f.maxStale, err = time.ParseDuration(*stale); err != nil || f.maxStale < 0 {
		return f, fmt.Errorf("--passport-max-stale %q is not a duration like 5m", *stale)
	}
	switch f.auditInput {
	case "none", "redacted", "full":
	default:
		return f, fmt.Errorf("--audit-input %q: want none, redacted or full", f.auditInput)
	}
	switch f.logLevel {
	case "trace", "debug", "info", "warn", "error", "disabled":
	default:
		return f, fmt.Errorf("--log-level %q: want debug, info, warn, error or disabled", f.logLevel)
	}
	h, err := hooks.ParseHost(f.host)
	if err != nil {
		return f, err
	}
	f.host = h
	return f, nil
}

// evalRun is one `aport eval`: it answers exactly once.
type evalRun struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	flags          *evalFlags
	host           string // the host whose format the answer takes
	call           *eval.Call
	pp             *passport.Passport
	raw            []byte
	rawOK          bool // raw parsed as a payload: a JSON object within the parser's limits
	now            time.Time
	answered       sync.Mutex // guards done and code: the answer is written once
	done           bool
	code           int
	log            *logger
	last           *eval.Decision // the decision answered, for aport test
}

// runEval is `aport eval`. Its only exit codes are 0 (allow) and 2 (deny,
// and every error). It never lets a panic, an error or a hang escape as
// anything else.
func runEval(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	// A write to stdout or stderr whose reader has gone must fail with EPIPE,
	// not kill the process with SIGPIPE: hosts read a death by signal as "let
	// the tool run". With the signal ignored, the answer is still 0 or 2
	// (a failed stdout write is a deny; stderr is best effort). One
	// sigaction call; no signal-handling goroutine is started.
	signal.Ignore(syscall.SIGPIPE)
	// stderr is shared by the evaluation and the deadline's answer, which may
	// run at once: writes to it are serialised.
	r := &evalRun{stdout: stdout, stderr: &lockedWriter{w: stderr}, getenv: getenv, host: hooks.Claude, now: time.Now()}
	result := make(chan int, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				result <- r.answerAfterPanic(eval.Deny(r.now, "oap.evaluator_error", fmt.Sprintf("aport hit an internal error and denied the call to stay safe: %v", v)))
			}
		}()
		presizeStack()
		result <- r.main(args, stdin)
	}()
	timer := time.NewTimer(evalDeadline)
	defer timer.Stop()
	select {
	case code = <-result:
		return code
	case <-timer.C:
		d := eval.Deny(time.Now(), "oap.evaluator_error", fmt.Sprintf("aport could not decide within %s (a passport, audit log or state file may be blocked) and denied the call", evalDeadline))
		return r.answerBare(d, quickHost(args, getenv))
	}
}

// presizeStack grows the evaluating goroutine's stack to 64 KiB in one step,
// while it is still two frames deep. Left to itself, the stack starts at 8 KiB
// and doubles three times in the middle of the shell parser's recursion; each
// doubling copies every frame and looks up its stack map, which in a fresh
// process means page faults across the function tables. One early copy of two
// frames costs less: it saves 0.10–0.13 ms (3%) of a whole `aport eval` here
// (docs/speed.md). 40 KiB of frame needs a 64 KiB stack.
//
//go:noinline
func presizeStack() byte {
	var frame [40 << 10]byte
	return keepFrame(frame[:])
}

//go:noinline
func keepFrame(b []byte) byte { return b[len(b)-1] }

// lockedWriter serialises writes to a writer shared by goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// quickHost reads --host from the arguments or APORT_HOST without parsing
// anything else, for the answer given when the evaluation hangs.
func quickHost(args []string, getenv func(string) string) string {
	h := getenv("APORT_HOST")
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--host="); ok {
			h = v
		} else if a == "--host" && i+1 < len(args) {
			h = args[i+1]
		}
	}
	if h, err := hooks.ParseHost(h); err == nil && h != "auto" {
		return h
	}
	return hooks.Claude
}

// answerBare answers without touching the state of the evaluation that is
// still running (used when it hangs, or when answering panicked): no audit
// event can be written safely. If the evaluation has already answered, its
// exit code stands.
//
// Nothing here may block for long: this is the answer given when something
// else is stuck, and a hook that never exits lets the tool run. If the
// evaluation holds the answer (its stdout write is blocked), the exit code
// alone denies; the stderr line is given a second at most.
func (r *evalRun) answerBare(d *eval.Decision, host string) int {
	if !lockWithin(&r.answered, time.Second) {
		return 2
	}
	defer r.answered.Unlock()
	if r.done {
		return r.code
	}
	r.done, r.code = true, 2
	var out bytes.Buffer
	_ = hooks.Encode(&out, host, d)
	_, _ = r.stdout.Write(out.Bytes())
	writeWithin(r.stderr, hooks.Summary(d)+"\n", time.Second)
	return 2
}

// lockWithin takes mu if it can within d.
func lockWithin(mu *sync.Mutex, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !mu.TryLock() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// writeWithin writes s to w, waiting at most d: a host that does not read
// stderr must not keep the hook from exiting.
func writeWithin(w io.Writer, s string, d time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }() // best effort
		_, _ = io.WriteString(w, s)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

func (r *evalRun) main(args []string, stdin io.Reader) int {
	f, ferr := parseEvalFlags(args, r.getenv)
	r.flags = f
	r.log = newLogger(r.stderr, f.logLevel)
	if f.host != "auto" && f.host != "" {
		r.host = f.host
	}
	if f.help {
		// not a tool call: nothing is read, nothing is audited, and still
		// no exit 0 without an allow
		fmt.Fprint(r.stderr, evalUsage)
		return r.answerBare(eval.Deny(r.now, "oap.invalid_input", "aport eval was run with --help, so no call was decided"), r.host)
	}
	if ferr != nil {
		// The call is denied, but in its host's format and audited with its
		// input: read the payload first (unless a person is typing).
		if !isTerminal(stdin) {
			if raw, err := io.ReadAll(io.LimitReader(stdin, maxInput+1)); err == nil && len(raw) <= maxInput {
				r.raw = raw
				m, perr := hooks.ParsePayload(raw)
				r.rawOK = perr == nil
				if perr == nil && (f.host == "auto" || f.host == "") {
					if h := hooks.Detect(m); h != "" {
						r.host = h
					}
				}
			}
		}
		return r.answer(eval.Deny(r.now, "oap.invalid_input", ferr.Error()+"; fix the hook command line"))
	}

	raw, err := io.ReadAll(io.LimitReader(stdin, maxInput+1))
	if err != nil {
		return r.answer(eval.Deny(r.now, "oap.invalid_input", "the hook input could not be read: "+err.Error()))
	}
	if len(raw) > maxInput {
		return r.answer(eval.Deny(r.now, "oap.invalid_input", fmt.Sprintf("the hook input is larger than %d bytes", maxInput)))
	}
	r.raw = raw
	m, perr := hooks.ParsePayload(raw)
	r.rawOK = perr == nil
	if f.host == "auto" {
		if h := hooks.Detect(m); h != "" {
			r.host = h
		} else if perr == nil {
			return r.answer(eval.Deny(r.now, "oap.invalid_input", "the payload matches no known host (Claude Code, Cursor or generic {tool, input}); pass --host to say which"))
		}
	}
	if perr != nil {
		return r.answer(eval.Deny(r.now, "oap.invalid_input", perr.Error()))
	}
	call, err := hooks.Decode(r.host, m)
	if err != nil {
		return r.answer(eval.Deny(r.now, "oap.invalid_input", err.Error()))
	}
	r.log.Debug().Str("host", r.host).Str("event", call.Event).Str("tool", call.Tool).Str("capability", call.Capability).Int("bytes", len(raw)).Msg("payload decoded")
	if r.host == hooks.Claude {
		// The payload's cwd follows the session's cd; the project's root,
		// which relative passport globs are anchored on, does not move.
		if d := r.getenv("CLAUDE_PROJECT_DIR"); filepath.IsAbs(d) {
			call.Workspace = filepath.Clean(d)
		}
	}
	if call.Cwd == "" { // generic payloads may omit cwd
		if wd, err := os.Getwd(); err == nil {
			call.Cwd = wd
			if call.Workspace == "" {
				call.Workspace = wd
			}
		}
	}
	r.call = call

	p, d := r.loadPassport()
	if d != nil {
		return r.answer(d)
	}
	r.log.Debug().Str("passport", p.ID).Str("source", f.passport).Str("status", p.Status).Msg("passport loaded")
	r.pp = p
	return r.answer(r.decide(p, call))
}

// loadPassport reads the passport (file or registry) and checks its
// signature when an issuer key is configured.
func (r *evalRun) loadPassport() (*passport.Passport, *eval.Decision) {
	src := r.flags.passport
	var p *passport.Passport
	var err error
	if isURL(src) {
		p, err = loadRemotePassport(r.flags, src, r.now)
	} else {
		p, err = passport.LoadFile(src)
	}
	if err != nil {
		var pe *passport.Error
		if errors.As(err, &pe) && pe.NotFound {
			return nil, eval.Deny(r.now, "oap.passport_not_found", fmt.Sprintf("no passport at %s, so every call is denied; create one with `aport passport init` or pass --passport", src))
		}
		var re *remoteError
		if errors.As(err, &re) {
			return nil, eval.Deny(r.now, "oap.passport_not_found", re.Error())
		}
		return nil, eval.Deny(r.now, "oap.passport_invalid", err.Error()+"; run `aport passport validate` to see every problem")
	}
	if d := r.checkIssuer(p); d != nil {
		d.PassportID, d.OwnerID, d.AssuranceLevel, d.PassportDigest = p.ID, p.OwnerID, p.Assurance, p.Digest()
		return nil, d
	}
	return p, nil
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// decide evaluates the call, with the state store when the passport sets a
// limit that counts across calls, applies break-glass and writes the audit event.
func (r *evalRun) decide(p *passport.Passport, call *eval.Call) *eval.Decision {
	env := eval.Env{Now: r.now, Home: userHome(r.getenv), CDPath: r.getenv("CDPATH") != "", Path: filepath.SplitList(r.getenv("PATH")), Protect: r.protector()}
	var d *eval.Decision
	if eval.NeedsState(p, call) {
		var err error
		d, err = evaluateWithState(r.flags.state, p, call, env)
		if err != nil {
			d = eval.Deny(r.now, "oap.evaluator_error", err.Error())
		}
	} else {
		d = eval.Evaluate(p, call, env)
	}
	d.PassportID, d.OwnerID, d.AssuranceLevel, d.PassportDigest = p.ID, p.OwnerID, p.Assurance, p.Digest()
	// One read of the window file per call (none there: one failed open). A
	// window past its end is recorded once, by the process that removes it;
	// an unreadable file is no window.
	w, open, _ := breakglass.Active(r.flags.state, r.now)
	if w != nil && !open {
		if ended := breakglass.Expire(r.flags.state, r.now); ended != nil {
			r.log.Info().Str("reason", ended.Reason).Time("until", ended.Until).Msg("break-glass window expired")
			r.recordBreakglassEnd(ended)
		}
	}
	if open {
		applyBreakglass(w, d)
	}
	if d.Breakglass {
		r.log.Warn().Str("code", firstCode(d)).Msg("denial lifted by an open break-glass window")
	}
	r.log.Debug().Str("policy", d.PolicyID).Bool("allow", d.Allow).Bool("ask", d.Ask).Str("code", firstCode(d)).Dur("elapsed", time.Since(r.now)).Msg("decided")
	return d
}

// protector lists aport's own files for self-protection.
func (r *evalRun) protector() *eval.Protector {
	abs := func(p string) string {
		if p == "" || isURL(p) {
			return ""
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	f := r.flags
	pr := &eval.Protector{
		Home:      userHome(r.getenv),
		AportHome: abs(aportHome(r.getenv)),
	}
	for _, p := range []string{f.passport, f.audit, f.auditKey, f.auditKey + ".pub", f.state, f.issuerKey} {
		if a := abs(p); a != "" {
			pr.Files = append(pr.Files, a) // symlinks are resolved by the Protector when first asked
		}
	}
	// the hook's own program: replaced, every later call would run the
	// replacement instead of aport
	if exe, err := os.Executable(); err == nil {
		pr.Files = append(pr.Files, exe)
	}
	pr.Files = append(pr.Files, hostConfigLinks(pr.Home, r.call, r.getenv)...)
	if a := abs(f.auditKey); a != "" {
		pr.Secrets = append(pr.Secrets, a)
	}
	if a := abs(f.audit); a != "" {
		pr.Prefixes = append(pr.Prefixes, a) // audit.jsonl.1, .lock, .head
	}
	return pr
}

// The files in a host's configuration directory that make it run programs:
// hooks and their scripts, agents and skills (which may declare hooks),
// plugins, and the shell snapshot sourced before each Bash
// call; and MCP server lists.
var (
	claudeEntries = []string{"settings.json", "settings.local.json", "hooks", "agents", "skills", "plugins", "shell-snapshots", "session-env", "local", ".claude.json"}
	cursorEntries = []string{"hooks.json", "hooks", "mcp.json", "worktrees.json"}
)

// hostConfigLinks lists where the hosts' configurations really are when
// they are not where their names say: a .claude or .cursor directory, or a
// file in it, that is a symlink (a dotfiles setup), .mcp.json and
// ~/.claude.json as links, and Claude Code's CLAUDE_CONFIG_DIR. Those
// places are protected as the names are (the names themselves are matched
// wherever they are).
func hostConfigLinks(home string, call *eval.Call, getenv func(string) string) []string {
	var roots, out []string
	if home != "" {
		roots = append(roots, home)
	}
	if call != nil {
		for _, r := range append([]string{call.Workspace}, call.Roots...) {
			if filepath.IsAbs(r) && !slices.Contains(roots, r) {
				roots = append(roots, r)
			}
		}
	}
	// one lstat for each name; a link is resolved only where there is one
	link := func(p string) (string, bool) {
		st, err := os.Lstat(p)
		if err != nil || st.Mode()&os.ModeSymlink == 0 {
			return "", false
		}
		return linkTarget(p), true
	}
	for _, root := range roots {
		for dir, entries := range map[string][]string{".claude": claudeEntries, ".cursor": cursorEntries} {
			d := filepath.Join(root, dir)
			st, err := os.Lstat(d)
			if err != nil {
				continue
			}
			if st.Mode()&os.ModeSymlink != 0 {
				real := linkTarget(d)
				for _, e := range entries {
					out = append(out, filepath.Join(real, e))
				}
				d = real
			}
			out = append(out, configDirLinks(d, entries)...)
		}
		for _, f := range []string{".mcp.json", ".claude.json", ".devcontainer.json", ".devcontainer", ".vscode"} {
			if real, ok := link(filepath.Join(root, f)); ok {
				out = append(out, real)
			}
		}
		// git runs its hooks from where .git/hooks and its entries lead
		// (ln -s ../../scripts/pre-commit .git/hooks/pre-commit)
		hooks := filepath.Join(root, ".git", "hooks")
		if real, ok := link(hooks); ok {
			out = append(out, real)
			hooks = real
		}
		out = append(out, linksBelow(hooks, 1)...)
	}
	if cfg := getenv("CLAUDE_CONFIG_DIR"); filepath.IsAbs(cfg) {
		dirs := []string{filepath.Clean(cfg)}
		if real, err := filepath.EvalSymlinks(cfg); err == nil && real != dirs[0] {
			dirs = append(dirs, real)
		}
		for _, d := range dirs {
			for _, e := range claudeEntries {
				out = append(out, filepath.Join(d, e)) // named here, not ~/.claude
			}
			out = append(out, configDirLinks(d, claudeEntries)...)
		}
	}
	return out
}

// configDirLinks lists where the entries of a host's configuration
// directory lead when they are links, and the links inside its hooks,
// agents and skills (.claude/hooks/fmt.sh -> scripts/fmt.sh,
// .claude/skills/x -> shared/x), two levels down.
func configDirLinks(d string, entries []string) []string {
	var out []string
	for _, e := range entries {
		p := filepath.Join(d, e)
		if st, err := os.Lstat(p); err == nil && st.Mode()&os.ModeSymlink != 0 {
			out = append(out, linkTarget(p))
		}
	}
	for _, sub := range []string{"hooks", "agents", "skills"} {
		out = append(out, linksBelow(filepath.Join(d, sub), 2)...)
	}
	return out
}

// linkTarget is where the symlink p leads: resolved when it can be, and
// taken as written when its target does not exist yet (a Write could
// create it).
func linkTarget(p string) string {
	if real, err := filepath.EvalSymlinks(p); err == nil {
		return real
	}
	// as the kernel would follow it: every link on the way, chains and
	// linked directories before a "..", the missing rest as written
	if n, err := pathx.Normalize(p, "/", ""); err == nil && n.Real != "" {
		return n.Real
	}
	t, err := os.Readlink(p)
	if err != nil {
		return p
	}
	if !filepath.IsAbs(t) {
		t = filepath.Join(filepath.Dir(p), t)
	}
	return filepath.Clean(t)
}

// linksBelow lists where the symlinks in dir lead, depth levels down,
// following into linked directories too (at most 1,024 entries are looked
// at: this runs on every call). plugins/ is not walked: it is protected as
// a whole, and a plugin cache can hold thousands of files.
func linksBelow(dir string, depth int) []string {
	var out []string
	seen := 0
	var walk func(d string, left int)
	walk = func(d string, left int) {
		ents, err := os.ReadDir(d)
		if err != nil {
			return
		}
		for _, e := range ents {
			if seen++; seen > 1024 {
				return
			}
			p := filepath.Join(d, e.Name())
			if e.Type()&os.ModeSymlink != 0 {
				real := linkTarget(p)
				out = append(out, real)
				if st, err := os.Stat(real); err == nil && st.IsDir() && left > 1 {
					walk(real, left-1) // a linked skill directory with links inside
				}
			} else if e.IsDir() && left > 1 {
				walk(p, left-1)
			}
		}
	}
	walk(dir, depth)
	return out
}

// answeredAlready reports whether the answer has been written.
func (r *evalRun) answeredAlready() bool {
	r.answered.Lock()
	defer r.answered.Unlock()
	return r.done
}

// answerAfterPanic answers with d after a panic: audited if it can be, and
// if answering panics again, with the bare answer, so stdout always carries
// the host's JSON.
func (r *evalRun) answerAfterPanic(d *eval.Decision) (code int) {
	defer func() {
		if v := recover(); v != nil {
			code = r.answerBare(d, r.host)
		}
	}()
	return r.answer(d)
}

// answer writes the decision: audit event, explain trace, then — once, and
// only if the deadline has not answered meanwhile — the host answer and the
// stderr reason. It returns the exit code.
//
// The audit append and the trace run before the answer is claimed, outside
// the lock, so that a hang in them (a blocked file system, a FIFO in place
// of the key) cannot keep the deadline from answering.
func (r *evalRun) answer(d *eval.Decision) int {
	r.answered.Lock()
	done, code := r.done, r.code
	r.answered.Unlock()
	if done {
		return code
	}
	audited := false
	if r.flags != nil {
		err := r.audit(d)
		audited = err == nil
		if r.answeredAlready() {
			return 2 // the deadline answered while the audit append hung: write nothing more
		}
		if err != nil {
			r.log.Error().Err(err).Msg("audit event not written; the call is denied")
			d.Allow, d.Ask = false, false
			d.Reasons = append(d.Reasons, eval.Reason{Code: "oap.audit_unavailable", Message: "the decision could not be written to the audit log (" + err.Error() + "), so the call is denied"})
			d.Trace = append(d.Trace, eval.Step{Check: "oap.audit_unavailable", Detail: err.Error()})
		}
	}
	if r.flags != nil && r.flags.explain {
		writeExplain(r.stderr, r, d)
	}
	var out bytes.Buffer
	_ = hooks.Encode(&out, r.host, d)
	if r.log != nil {
		r.log.Debug().Str("decision", decisionWord(d)).Str("code", firstCode(d)).Dur("elapsed", time.Since(r.now)).Msg("answering")
	}

	r.answered.Lock()
	if r.done {
		code := r.code
		r.answered.Unlock()
		return code
	}
	r.done, r.code = true, 2
	r.last = d
	_, werr := r.stdout.Write(out.Bytes())
	if werr == nil && (d.Allow || d.Ask && r.host != hooks.Generic) {
		r.code = 0
		r.answered.Unlock()
		return 0
	}
	r.answered.Unlock()
	if werr != nil && (d.Allow || d.Ask) {
		// The event already written says allow (or ask), but the host never
		// read that answer: exit 2 denies the call. The log must say what
		// happened, so a second event records the deny. It is written with
		// the answer already claimed: if it hangs, the deadline's answer is
		// this exit code, 2.
		d = r.unanswered(d, werr, audited)
	}
	writeWithin(r.stderr, hooks.Summary(d)+"\n", time.Second)
	return 2
}

// unanswered is the decision that stands when the answer to an allowed
// call could not be written: a deny. When the allow was audited, the deny is
// audited too, as the next event.
func (r *evalRun) unanswered(d *eval.Decision, werr error, audited bool) *eval.Decision {
	c := *d
	c.Allow, c.Ask, c.Breakglass = false, false, false
	c.Reasons = []eval.Reason{{Code: "oap.evaluator_error", Message: "the answer could not be written to stdout (" + werr.Error() + "), so the call is denied (exit 2); the event before this one recorded the decision that was not delivered"}}
	if audited {
		if err := r.audit(&c); err != nil {
			r.log.Error().Err(err).Msg("the deny that replaced an undelivered answer was not audited")
		}
	}
	return &c
}
