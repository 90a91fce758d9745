package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aporthq/aport/internal/audit"
	"github.com/aporthq/aport/internal/breakglass"
	"github.com/aporthq/aport/internal/eval"
	"github.com/aporthq/aport/internal/keys"
	"github.com/aporthq/aport/internal/passport"
	"github.com/aporthq/aport/internal/remote"
	"github.com/aporthq/aport/internal/state"
)

// The edges of `aport eval`: remote passports, issuer signatures, the state
// store, break-glass and the audit log. Each is touched only when the call
// needs it.

// remoteError is a registry that could not give a usable passport.
type remoteError struct{ err error }

func (e *remoteError) Error() string { return e.err.Error() }
func (e *remoteError) Unwrap() error { return e.err }

func loadRemotePassport(f *evalFlags, url string, now time.Time) (*passport.Passport, error) {
	// On the command line 0 means none: --passport-ttl 0 asks the registry on
	// every call, --passport-max-stale 0 never serves a copy it could not
	// revalidate. (In remote.Options, 0 means the default.)
	ttl, maxStale := f.ttl, f.maxStale
	if ttl == 0 {
		ttl = time.Nanosecond
	}
	if maxStale == 0 {
		maxStale = time.Nanosecond
	}
	res, err := remote.Load(remote.Options{
		URL:      url,
		CacheDir: filepath.Join(f.state, "passports"),
		TTL:      ttl,
		MaxStale: maxStale,
		Now:      func() time.Time { return now },
	})
	if err != nil {
		return nil, &remoteError{err: fmt.Errorf("the passport registry %s gave no usable passport: %w", url, err)}
	}
	return passport.Parse(res.Body, url)
}

// issuerKeyPath is --issuer-key / APORT_ISSUER_KEY, or the trusted key under
// $APORT_HOME when one is installed there.
func (r *evalRun) issuerKeyPath() string {
	if r.flags.issuerKey != "" {
		return r.flags.issuerKey
	}
	p := filepath.Join(aportHome(r.getenv), "trusted", "issuer.ed25519.pub")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// checkIssuer denies a passport without a valid signature by the configured
// issuer key. With no issuer key configured it does nothing.
func (r *evalRun) checkIssuer(p *passport.Passport) *eval.Decision {
	path := r.issuerKeyPath()
	if path == "" {
		return nil
	}
	pub, err := keys.LoadPublic(path)
	if err != nil {
		return eval.Deny(r.now, "oap.passport_signature_invalid", fmt.Sprintf("the issuer key %s cannot be read (%v), so no passport can be trusted", path, err))
	}
	if err := passport.VerifySignature(p, pub); err != nil {
		return eval.Deny(r.now, "oap.passport_signature_invalid", fmt.Sprintf("passport %s: %v; only a passport signed by the issuer key %s (kid %s) is accepted", p.Source, err, path, keys.KeyID(pub)))
	}
	return nil
}

// stateView adapts a store transaction to the evaluator's read-only view.
type stateView struct {
	tx  *state.Tx
	now time.Time
}

func (v stateView) Count(key string, window time.Duration) int { return v.tx.Count(key, window, v.now) }
func (v stateView) Sum(key string, window time.Duration) int64 { return v.tx.Sum(key, window, v.now) }
func (v stateView) Idempotency(key string) (string, bool) {
	return v.tx.IdempotencyAt(key, v.now) // a key past its expiry is absent
}

// idempotencyTTL is how long a refund's idempotency key is remembered.
const idempotencyTTL = 7 * 24 * time.Hour

// evaluateWithState decides under the store's exclusive lock and commits the
// allowed call's effects in the same transaction, so N parallel calls against
// a limit of K allow exactly K. The marker that pairs the two hook events of
// one action is written in that transaction too, with the counts it stands
// for; a denied call commits nothing.
func evaluateWithState(dir string, p *passport.Passport, call *eval.Call, env eval.Env) (*eval.Decision, error) {
	// two waits at most (the store's lock, then the database's): with the
	// audit lock's they stay within the call's deadline
	st, err := state.Open(dir, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("the state store %s cannot be opened (%w); `aport doctor` says how to reset it", dir, err)
	}
	var d *eval.Decision
	err = st.Update(func(tx *state.Tx) error {
		env.State = stateView{tx: tx, now: env.Now}
		d = eval.Evaluate(p, call, env)
		if !d.Allow {
			return nil
		}
		for _, e := range d.Effects {
			switch e.Kind {
			case "record":
				tx.Record(e.Key, e.Window, env.Now)
			case "add":
				tx.Add(e.Key, e.Amount, e.Window, env.Now)
			case "idempotency":
				tx.PutIdempotency(e.Key, e.Hash, idempotencyTTL, env.Now)
			case "mark":
				tx.PutMarker(e.Key, e.Hash, e.Window, env.Now)
			case "unmark":
				tx.DeleteMarker(e.Key, env.Now)
			default:
				return fmt.Errorf("unknown state effect %q", e.Kind)
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, state.ErrCorrupt) {
			return nil, fmt.Errorf("the state store %s is corrupt (%v), so calls with counting limits are denied; `aport doctor` says how to reset it", dir, err)
		}
		return nil, fmt.Errorf("the state store %s could not be updated (%v), so the call is denied", dir, err)
	}
	return d, nil
}

// liftable are the denials break-glass may lift: those of a limit the
// passport sets, reached after every check ran. Anything else — catastrophic
// operations, self-protection, passport status or signature, input aport
// could not read or analyse (a dynamic or unparseable command, an unknown
// tool, a missing context), a capability the passport does not grant or an
// assurance level below the pack's (the evaluation stops there, before the
// pack's checks), a refund's idempotency conflict, a scheme other than
// http(s), audit failures — is never lifted: where analysis stopped, the
// catastrophic and self-protection checks may not have seen the call.
var liftable = map[string]bool{
	"oap.command_not_allowed": true, "oap.command_denied": true, "oap.directory_not_allowed": true,
	"oap.path_not_allowed": true, "oap.path_denied": true, "oap.extension_not_allowed": true,
	"oap.limit_exceeded": true, "oap.rate_limit_exceeded": true,
	"oap.domain_not_allowed": true, "oap.domain_denied": true, "oap.method_not_allowed": true, "oap.private_ip_blocked": true,
	"oap.server_not_allowed": true, "oap.tool_not_allowed": true,
	"oap.currency_unsupported": true, "oap.invalid_reason_code": true, "oap.region_blocked": true,
}

// applyBreakglass turns a denial into an allow while the window w (nil when
// none is open) is open, when every reason of the denial is liftable.
func applyBreakglass(w *breakglass.Window, d *eval.Decision) {
	if w == nil || d.Allow || d.Final || len(d.Reasons) == 0 {
		return
	}
	for _, r := range d.Reasons {
		if !liftable[r.Code] {
			return
		}
	}
	d.Allow, d.Ask, d.Breakglass = true, false, true
	d.Notes = append(d.Notes, fmt.Sprintf("break-glass window open until %s (%s): this denial was lifted", w.Until.UTC().Format(time.RFC3339), w.Reason))
}

// recordBreakglassEnd records that a break-glass window closed by itself:
// the first aport process to find it expired writes the event. A failure
// here is not the call's: the decision's own event follows, and if the log
// is unwritable that one denies.
func (r *evalRun) recordBreakglassEnd(w *breakglass.Window) {
	_ = audit.Append(audit.Options{Path: r.flags.audit, KeyPath: r.flags.auditKey}, &audit.Event{
		Event: "breakglass.expire", TS: r.now.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Decision: "breakglass.expire", Reason: breakglassEndReason(w), Breakglass: true,
	})
}

// breakglassEndReason is the reason recorded when a window ends by itself.
func breakglassEndReason(w *breakglass.Window) string {
	return "expired at " + w.Until.UTC().Format(time.RFC3339) + ": " + w.Reason
}

// audit appends the decision's event. Any failure denies the call.
func (r *evalRun) audit(d *eval.Decision) error {
	ev := &audit.Event{
		TS:             r.now.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Host:           r.host,
		Decision:       decisionWord(d),
		Reason:         firstCode(d),
		InputHash:      r.inputHash(),
		PassportDigest: d.PassportDigest,
		PassportID:     d.PassportID,
		Policy:         d.PolicyID,
		Breakglass:     d.Breakglass,
	}
	if c := r.call; c != nil {
		ev.AgentID, ev.Tool, ev.Capability = c.AgentID, c.Tool, c.Capability
	}
	// Secrets are masked in both modes: "redacted" keeps the tool input,
	// "full" the whole host payload.
	switch r.flags.auditInput {
	case "redacted":
		if r.call != nil && len(r.call.Input) > 0 {
			ev.Input = audit.Redact(r.call.Input)
		}
	case "full":
		ev.Input = audit.Redact(r.raw)
	}
	return audit.Append(audit.Options{Path: r.flags.audit, KeyPath: r.flags.auditKey, LockTimeout: r.auditLockTimeout()}, ev)
}

// auditLockTimeout is how long the append may wait for the log's lock: its
// usual 8 s, but never past 3 s before the call's deadline. A lock not had
// in time fails the append (the call is denied and no event is written)
// rather than letting the deadline answer deny while an event saying allow
// is being written.
func (r *evalRun) auditLockTimeout() time.Duration {
	d := time.Until(r.now.Add(evalDeadline)) - 3*time.Second
	switch {
	case d > 8*time.Second:
		return 8 * time.Second
	case d < 100*time.Millisecond:
		return 100 * time.Millisecond
	}
	return d
}

// inputHash is the event's input_hash: over the canonical form of a payload
// the parser accepted, over the raw bytes of one it rejected (never
// canonicalised: it may be nested deep enough to make that slow).
func (r *evalRun) inputHash() string {
	if r.rawOK {
		return audit.InputHash(r.raw)
	}
	return audit.RawInputHash(r.raw)
}

func decisionWord(d *eval.Decision) string {
	switch {
	case d.Allow:
		return "allow"
	case d.Ask:
		return "ask"
	}
	return "deny"
}

func firstCode(d *eval.Decision) string {
	for _, r := range d.Reasons {
		if r.Code != "oap.allowed" || len(d.Reasons) == 1 {
			return r.Code
		}
	}
	return ""
}
