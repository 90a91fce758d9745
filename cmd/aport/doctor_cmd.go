package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aporthq/aport/internal/audit"
	"github.com/aporthq/aport/internal/breakglass"
	"github.com/aporthq/aport/internal/install"
	"github.com/aporthq/aport/internal/keys"
	"github.com/aporthq/aport/internal/passport"
	"github.com/aporthq/aport/internal/shell"
	"github.com/aporthq/aport/internal/state"
)

func init() { register(newDoctorCmd) }

// doctorRunTimeout bounds `<hook binary> version`.
var doctorRunTimeout = 3 * time.Second

// expirySoon is how close an expiry must be for doctor to warn.
const expirySoon = 7 * 24 * time.Hour

// check status marks.
const (
	markOK   = "✓"
	markBad  = "✗"
	markWarn = "!"
	markNone = "-"
)

// doctorCheck is one line of the report.
type doctorCheck struct {
	Area    string `json:"area"`
	Status  string `json:"status"` // ok, problem, warning, absent
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

type doctorReport struct {
	Checks []doctorCheck `json:"checks"`
	// checked passports, by absolute path, so each is reported once
	seen map[string]bool
}

func (r *doctorReport) add(area, status, msg, fix string) {
	r.Checks = append(r.Checks, doctorCheck{Area: area, Status: status, Message: msg, Fix: fix})
}
func (r *doctorReport) ok(area, format string, args ...any) {
	r.add(area, "ok", fmt.Sprintf(format, args...), "")
}
func (r *doctorReport) warn(area, fix, format string, args ...any) {
	r.add(area, "warning", fmt.Sprintf(format, args...), fix)
}
func (r *doctorReport) bad(area, fix, format string, args ...any) {
	r.add(area, "problem", fmt.Sprintf(format, args...), fix)
}

func (r *doctorReport) problems() int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == "problem" {
			n++
		}
	}
	return n
}

func newDoctorCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the hook is installed, runs, and has a valid passport, audit log and state",
		Long: `doctor checks everything aport needs to guard an agent, and says how to fix
what is wrong:

  hooks     for Claude Code (~/.claude/settings.json, .claude/settings.json,
            .claude/settings.local.json) and Cursor (~/.cursor/hooks.json,
            .cursor/hooks.json): is aport's hook registered (for Cursor, on
            all four events), does the binary it names exist, is it executable,
            does "<binary> version" run, is the passport it names valid and active
  passport  the --passport file: valid, active, not expired (a warning when it
            expires within 7 days), signed by the issuer key when one is set
  audit     the signing key exists with safe modes (0600, its directory not
            writable by group or others), and the whole log verifies
  state     the state store opens and takes a write; a break-glass window
            that is open is reported

Each check is one line: ✓ passed, ✗ a problem (followed by a "fix:" line
that says what to run), ! a warning, - a host that is not installed. A host
that is not installed is a problem only when no host is. doctor exits 1 when
there is any problem, 0 otherwise.`,
		Example: `  aport doctor
  aport doctor --passport ./agent-passport.json
  aport doctor --json | jq '.checks[] | select(.status == "problem")'`,
		Args: cobra.NoArgs,
	}
	passportPath := passportFlag(cmd, a)
	auditPath := cmd.Flags().String("audit", defaultAudit(a.getenv), "audit log [APORT_AUDIT_LOG]")
	auditKey := cmd.Flags().String("audit-key", defaultAuditKey(a.getenv), "audit signing key [APORT_AUDIT_KEY]")
	stateDir := cmd.Flags().String("state", defaultState(a.getenv), "state directory [APORT_STATE_DIR]")
	issuerKey := cmd.Flags().String("issuer-key", a.getenv("APORT_ISSUER_KEY"), "issuer public key passports must be signed by [APORT_ISSUER_KEY]")
	asJSON := cmd.Flags().Bool("json", false, "print the checks as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		d := &doctor{a: a, issuerKey: *issuerKey, rep: &doctorReport{seen: map[string]bool{}}}
		if d.issuerKey == "" {
			p := filepath.Join(a.home(), "trusted", "issuer.ed25519.pub")
			if _, err := os.Stat(p); err == nil {
				d.issuerKey = p
			}
		}
		d.hooks()
		d.passport("passport", *passportPath)
		d.auditKey(*auditKey, *auditPath)
		d.auditLog(*auditPath, *auditKey)
		d.state(*stateDir)
		out := cmd.OutOrStdout()
		n := d.rep.problems()
		if *asJSON {
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(struct {
				OK       bool          `json:"ok"`
				Problems int           `json:"problems"`
				Checks   []doctorCheck `json:"checks"`
			}{n == 0, n, d.rep.Checks}); err != nil {
				return err
			}
		} else {
			printDoctor(out, d.rep)
		}
		if n > 0 {
			return &exitError{code: 1}
		}
		return nil
	}
	return cmd
}

func printDoctor(w io.Writer, rep *doctorReport) {
	for _, c := range rep.Checks {
		mark := markOK
		switch c.Status {
		case "problem":
			mark = markBad
		case "warning":
			mark = markWarn
		case "absent":
			mark = markNone
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, c.Area, c.Message)
		if c.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", c.Fix)
		}
	}
	switch n := rep.problems(); n {
	case 0:
		fmt.Fprintln(w, "no problems found")
	case 1:
		fmt.Fprintln(w, "1 problem found")
	default:
		fmt.Fprintf(w, "%d problems found\n", n)
	}
}

type doctor struct {
	a         *app
	issuerKey string
	rep       *doctorReport
}

// hookCmd is what doctor reads from one hook command.
type hookCmd struct {
	bin, host, passport string
}

func parseHookCommand(c, home string) (hookCmd, error) {
	words, ok := shell.Words(c, home)
	if !ok {
		return hookCmd{}, fmt.Errorf("the hook command %q is not one plain shell command", c)
	}
	if len(words) < 2 {
		return hookCmd{}, fmt.Errorf("the hook command %q has no eval", c)
	}
	h := hookCmd{bin: words[0]}
	for i := 2; i < len(words); i++ {
		w := words[i]
		next := func() string {
			if i+1 < len(words) {
				i++
				return words[i]
			}
			return ""
		}
		switch {
		case w == "--passport":
			h.passport = next()
		case strings.HasPrefix(w, "--passport="):
			h.passport = strings.TrimPrefix(w, "--passport=")
		case w == "--host":
			h.host = next()
		case strings.HasPrefix(w, "--host="):
			h.host = strings.TrimPrefix(w, "--host=")
		}
	}
	return h, nil
}

// hooks checks every host configuration aport knows.
func (d *doctor) hooks() {
	home := userHome(d.a.getenv)
	cwd, err := os.Getwd()
	if err != nil {
		cwd = ""
	}
	type hostScopes struct {
		host   string
		scopes []string
	}
	hosts := []hostScopes{
		{install.Claude, []string{install.ScopeUser, install.ScopeProject, install.ScopeLocal}},
		{install.Cursor, []string{install.ScopeUser, install.ScopeProject}},
	}
	installedAny := false
	var absent []string
	for _, h := range hosts {
		installed := false
		files := map[string]bool{}
		for _, scope := range h.scopes {
			if cwd == "" && scope != install.ScopeUser {
				continue
			}
			t, err := install.TargetFor(h.host, scope, home, cwd)
			if err != nil {
				continue
			}
			if files[t.Path] { // the project is the home directory
				continue
			}
			files[t.Path] = true
			if d.hookFile(t) {
				installed = true
			}
		}
		if installed {
			installedAny = true
		} else {
			absent = append(absent, h.host)
		}
	}
	for _, h := range absent {
		if installedAny {
			d.rep.add(h, "absent", fmt.Sprintf("not installed: run `aport install %s`", h), "")
		} else {
			d.rep.bad(h, fmt.Sprintf("aport install %s", h), "not installed: no aport hook in its user or project configuration")
		}
	}
}

// hookFile checks one configuration file; it reports whether aport's hook
// is in it. A file without aport's entries adds no line.
func (d *doctor) hookFile(t install.Target) bool {
	area := fmt.Sprintf("%s (%s)", t.Host, t.Scope)
	reinstall := fmt.Sprintf("aport install %s --scope %s", t.Host, t.Scope)
	data, path, exists, err := install.Load(t)
	if err != nil {
		d.rep.bad(area, "fix or move away "+t.Path+", then run `"+reinstall+"`", "%s cannot be read: %v", t.Path, err)
		return true
	}
	if !exists {
		return false
	}
	entries, err := install.Entries(t.Host, data, path)
	if err != nil {
		d.rep.bad(area, "fix the JSON in "+path+", then run `"+reinstall+"`", "%v", err)
		return true
	}
	if len(entries) == 0 {
		return false
	}
	events := map[string]bool{}
	var cmds []string
	seenCmd := map[string]bool{}
	partial := ""
	for _, e := range entries {
		events[e.Event] = true
		if t.Host == install.Claude && e.Matcher != "*" && e.Matcher != "" {
			partial = e.Matcher
		}
		if !seenCmd[e.Command] {
			seenCmd[e.Command] = true
			cmds = append(cmds, e.Command)
		}
	}
	switch t.Host {
	case install.Cursor:
		var missing []string
		for _, ev := range install.CursorEvents {
			if !events[ev] {
				missing = append(missing, ev)
			}
		}
		if len(missing) > 0 {
			d.rep.bad(area, reinstall, "hook in %s is missing from %s, so those calls are not checked", path, strings.Join(missing, ", "))
		} else {
			d.rep.ok(area, "hook registered in %s (%s)", path, strings.Join(install.CursorEvents, ", "))
		}
	default:
		if partial != "" && !events["PreToolUse"] {
			d.rep.bad(area, reinstall, "hook in %s is not on PreToolUse", path)
		} else if partial != "" {
			d.rep.warn(area, reinstall, "hook in %s runs only for tools matching %q, not every tool", path, partial)
		} else {
			d.rep.ok(area, "hook registered in %s (PreToolUse, every tool)", path)
		}
	}
	for _, c := range cmds {
		d.hookCommand(area, reinstall, t.Host, c)
	}
	return true
}

// hookCommand checks the binary and the passport one hook command names.
func (d *doctor) hookCommand(area, reinstall, host, command string) {
	hc, err := parseHookCommand(command, userHome(d.a.getenv))
	if err != nil {
		d.rep.bad(area, reinstall, "%v", err)
		return
	}
	if hc.host != "" && hc.host != host {
		d.rep.warn(area, reinstall, "the hook runs eval with --host %s, not %s", hc.host, host)
	}
	fix := "point the hook at the installed aport binary: `/path/to/aport install " + strings.TrimPrefix(reinstall, "aport install ") + "`"
	runs := false
	st, err := os.Stat(hc.bin)
	switch {
	case err != nil:
		d.rep.bad(area, fix, "the hook runs %s, which does not exist (%v); the host may let every tool call through", hc.bin, errors.Unwrap(err))
	case !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0:
		d.rep.bad(area, "chmod 755 "+shellQuote(hc.bin)+"  (or "+fix+")", "the hook runs %s, which is not an executable file (mode %s)", hc.bin, st.Mode())
	case !filepath.IsAbs(hc.bin):
		d.rep.warn(area, reinstall, "the hook runs %s, a relative path that depends on the host's working directory", hc.bin)
		runs = true
	default:
		d.rep.ok(area, "%s exists and is executable", hc.bin)
		runs = true
	}
	if runs {
		if ver, err := runVersion(hc.bin); err != nil {
			d.rep.bad(area, fix, "%s does not run: %v", hc.bin, err)
		} else {
			d.rep.ok(area, "%s runs (%s)", hc.bin, ver)
		}
	}
	if hc.passport == "" {
		d.rep.bad(area, reinstall, "the hook names no --passport, so it depends on the host's environment")
		return
	}
	d.passport(area, hc.passport)
}

// runVersion runs `<bin> version` with a timeout and returns its output.
func runVersion(bin string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), doctorRunTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, bin, "version")
	c.Stdin = nil
	c.WaitDelay = time.Second
	out, err := c.CombinedOutput()
	if ctx.Err() != nil {
		return "", fmt.Errorf("`%s version` did not finish within %s", bin, doctorRunTimeout)
	}
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		if msg != "" {
			return "", fmt.Errorf("`%s version`: %w: %s", bin, err, msg)
		}
		return "", fmt.Errorf("`%s version`: %w", bin, err)
	}
	v := strings.TrimSpace(string(out))
	if i := strings.IndexByte(v, '\n'); i >= 0 {
		v = v[:i]
	}
	return v, nil
}

// passport checks one passport, once per file.
func (d *doctor) passport(area, path string) {
	key := path
	if !isURL(path) {
		if abs, err := filepath.Abs(path); err == nil {
			key = abs
		}
	}
	if d.rep.seen[key] {
		return
	}
	d.rep.seen[key] = true
	if isURL(path) {
		d.rep.warn(area, "", "passport %s is remote: aport eval fetches and caches it (see `aport eval --passport-ttl`); doctor does not contact the registry", path)
		return
	}
	p, err := passport.LoadFile(path)
	if err != nil {
		var pe *passport.Error
		if errors.As(err, &pe) && pe.NotFound {
			d.rep.bad(area, "aport passport init"+d.passportArg(path), "no passport at %s, so every call is denied", path)
			return
		}
		d.rep.bad(area, "aport passport validate"+d.passportArg(path)+"  (lists every problem)", "passport %s is not valid, so every call is denied: %v", path, err)
		return
	}
	now := d.a.now()
	switch p.Status {
	case passport.StatusActive:
	case passport.StatusRevoked:
		d.rep.bad(area, "issue a new passport: aport passport init --passport NEW.json, then `aport install` with --passport NEW.json", "passport %s (%s) is revoked%s, so every call is denied", path, p.ID, because(p.StatusReason))
		return
	default:
		d.rep.bad(area, "aport passport activate"+d.passportArg(path), "passport %s (%s) is %s%s, so every call is denied", path, p.ID, p.Status, because(p.StatusReason))
		return
	}
	renew := "set a later expires_at in " + path + " (and re-sign it if it is signed)"
	expiry := "never expires"
	if !p.ExpiresAt.IsZero() {
		left := p.ExpiresAt.Sub(now)
		if left <= 0 {
			d.rep.bad(area, renew, "passport %s (%s) expired at %s, so every call is denied", path, p.ID, p.ExpiresAt.UTC().Format(time.RFC3339))
			return
		}
		if left < expirySoon {
			d.rep.warn(area, renew, "passport %s (%s) is active but expires in %s (%s)", path, p.ID, roughDuration(left), p.ExpiresAt.UTC().Format(time.RFC3339))
			d.signature(area, path, p)
			return
		}
		expiry = "expires " + p.ExpiresAt.UTC().Format(time.RFC3339)
	}
	d.rep.ok(area, "passport %s (%s) is valid and active, %s", path, p.ID, expiry)
	d.signature(area, path, p)
}

// passportArg is " --passport PATH", or "" for the default passport.
func (d *doctor) passportArg(path string) string {
	if path == defaultPassport(d.a.getenv) {
		return ""
	}
	return " --passport " + shellQuote(path)
}

// roughDuration prints a duration as days and hours, or hours and minutes.
func roughDuration(d time.Duration) string {
	if d >= 24*time.Hour {
		d = d.Round(time.Hour)
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%dm", d/time.Hour, d%time.Hour/time.Minute)
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

// signature checks a passport against the issuer key, when one is set.
func (d *doctor) signature(area, path string, p *passport.Passport) {
	if d.issuerKey == "" {
		return
	}
	pub, err := keys.LoadPublic(d.issuerKey)
	if err != nil {
		d.rep.bad(area, "point --issuer-key / APORT_ISSUER_KEY at the issuer's public key file", "the issuer key %s cannot be read (%v), so no passport is trusted", d.issuerKey, err)
		return
	}
	if err := passport.VerifySignature(p, pub); err != nil {
		d.rep.bad(area, "aport passport sign --key ISSUER_PRIVATE_KEY"+d.passportArg(path), "passport %s is not signed by the issuer key %s (kid %s): %v, so every call is denied", path, d.issuerKey, keys.KeyID(pub), err)
		return
	}
	d.rep.ok(area, "passport %s is signed by the issuer key (kid %s)", path, keys.KeyID(pub))
}

// auditKey checks the signing key's presence and modes.
func (d *doctor) auditKey(path, logPath string) {
	const area = "audit key"
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			if _, lerr := os.Stat(logPath); lerr == nil {
				d.rep.bad(area, "restore the key from a backup; without it the log cannot be extended (or move the log away to start a new one)", "no audit key at %s, but the log %s exists", path, logPath)
				return
			}
			d.rep.warn(area, "", "no audit key at %s yet: the first aport eval creates it (0600)", path)
			return
		}
		d.rep.bad(area, "check the permissions of "+filepath.Dir(path), "%s cannot be read: %v", path, err)
		return
	}
	problem := false
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		d.rep.bad(area, "chmod 600 "+shellQuote(path), "%s has mode %04o: the private key is readable or writable by others", path, perm)
		problem = true
	}
	dir := filepath.Dir(path)
	if dst, err := os.Stat(dir); err == nil && dst.Mode().Perm()&0o022 != 0 {
		d.rep.bad(area, "chmod 700 "+shellQuote(dir), "%s has mode %04o: others can replace the audit key", dir, dst.Mode().Perm())
		problem = true
	}
	k, err := keys.Load(path)
	if err != nil {
		d.rep.bad(area, "restore the key from a backup, or move it and the log away to start anew", "%s is not a usable key: %v", path, err)
		return
	}
	if !problem {
		d.rep.ok(area, "%s (kid %s) is private (0600, directory not writable by others)", path, k.ID)
	}
}

// auditLog verifies the whole log.
func (d *doctor) auditLog(path, keyPath string) {
	const area = "audit log"
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		d.rep.warn(area, "", "no audit log at %s yet: the first aport eval writes it", path)
		return
	}
	trusted, err := trustedKeys(nil, keyPath)
	if err != nil {
		d.rep.bad(area, "aport audit verify --audit "+shellQuote(path)+" --pubkey KEY.pub", "cannot verify %s: %v", path, err)
		return
	}
	sum, err := audit.VerifyWith(path, audit.VerifyOptions{Pubkeys: trusted, AllowRecovered: true})
	if err != nil {
		var ve *audit.VerifyError
		if errors.As(err, &ve) && ve.Line > 0 {
			events := int64(0)
			if sum != nil {
				events = sum.Events
			}
			d.rep.bad(area, fmt.Sprintf("the log was changed after it was written: keep %s for investigation, and start a new log with `mv %s %s.tampered`", ve.Segment, shellQuote(path), shellQuote(path)),
				"%s line %d does not verify: %s (%d events before it verify)", ve.Segment, ve.Line, ve.Problem, events)
			return
		}
		d.rep.bad(area, "aport audit verify --audit "+shellQuote(path), "%s does not verify: %v", path, err)
		return
	}
	if n := len(sum.Recovered); n > 0 {
		d.rep.warn(area, "", "%s verifies (%d events), with %d recovered partial write(s) from a crash", path, sum.Events, n)
		return
	}
	d.rep.ok(area, "%s verifies: %d events, chain and signatures intact", path, sum.Events)
}

// state opens the store and runs an empty write transaction.
func (d *doctor) state(dir string) {
	const area = "state"
	st, err := state.Open(dir, 2*time.Second)
	if err == nil {
		err = st.Update(func(*state.Tx) error { return nil })
	}
	db := filepath.Join(dir, state.DataFile)
	switch {
	case err == nil:
		d.rep.ok(area, "store %s opens and takes writes", dir)
	case errors.Is(err, state.ErrCorrupt):
		d.rep.bad(area, fmt.Sprintf("mv %s %s.corrupt  (rate-limit counters, daily caps and idempotency keys start again from zero)", shellQuote(db), shellQuote(db)),
			"store %s is corrupt, so calls under counting limits are denied: %v", dir, err)
	case errors.Is(err, state.ErrLockTimeout):
		d.rep.bad(area, "find the process holding "+filepath.Join(dir, state.LockFile)+" (e.g. `fuser "+filepath.Join(dir, state.LockFile)+"`) and stop it",
			"store %s stayed locked by another process for 2s", dir)
	default:
		d.rep.bad(area, "check that "+dir+" is a directory you own (mode 0700)", "store %s cannot be used: %v", dir, err)
	}
	w, open, err := breakglass.Active(dir, d.a.now())
	switch {
	case err != nil:
		d.rep.warn(area, "aport breakglass close --state "+shellQuote(dir), "the break-glass window file cannot be read: %v", err)
	case open:
		d.rep.warn(area, "aport breakglass close --state "+shellQuote(dir), "a break-glass window is open until %s (%s): limit denials are lifted", w.Until.UTC().Format(time.RFC3339), w.Reason)
	}
}

// shellQuote quotes a path for a fix line when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+=:@%,~", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
