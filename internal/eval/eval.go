// Package eval is aport's evaluator: a pure function from (passport, tool
// call, environment snapshot) to a decision carrying every reason.
//
// Default deny, deny overrides allow: a call is allowed only when the passport
// is active and unexpired, grants the capability, meets the pack's assurance
// and context requirements, and every check of the pack passes. Each pack's
// checks live in one file (pack_*.go). State that spans calls (rate limits,
// daily caps, idempotency keys) is read from a snapshot and the changes an
// allowed call makes are returned as Effects for the caller to commit; the
// evaluator itself does no I/O beyond resolving symlinks of file paths.
package eval

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aporthq/aport/internal/passport"
	"github.com/aporthq/aport/packs"
)

// Call is one proposed tool call in host-independent form.
type Call struct {
	Host       string // claude-code, cursor, generic
	Event      string // PreToolUse, preToolUse, beforeShellExecution, ...
	Tool       string // the host's raw tool name
	Capability string // passport capability; "" for internal tools and unknown tools
	Internal   bool   // a side-effect-free host tool (TodoWrite, ...)

	Input     json.RawMessage // the tool input as the host sent it
	Cwd       string          // absolute working directory of the call
	Workspace string          // workspace root (Cursor workspace_roots[0], else cwd)
	Roots     []string        // Cursor's other workspace roots: relative globs apply under each
	SessionID string
	AgentID   string
	AgentType string

	// ActionKey names the action behind a hook event when the host fires
	// several events for one action (Cursor: preToolUse and the specific
	// event). It is set by the host adapter from the host's own payload
	// (conversation, generation, capability and the action's subject), so
	// that the events of one action are counted once against counting
	// limits; "" when the event is the only one for its action.
	ActionKey string

	Ctx Context
}

// Context holds the typed fields the packs read. Has* flags tell a field that
// is absent from one that is empty.
type Context struct {
	// system.command.execute
	Command    string
	HasCommand bool
	TimeoutMS  int64
	HasTimeout bool

	// data.file.read / data.file.write
	Path       string
	HasPath    bool
	Bytes      int64
	HasBytes   bool
	Delete     bool
	SearchRoot bool // Glob, Grep, LS: Path is the directory searched, not a file

	// web.fetch / web.search
	URL            string
	HasURL         bool
	Method         string
	Query          string
	HasQuery       bool
	AllowedDomains []string
	BlockedDomains []string

	// mcp.tool.execute
	Server        string
	ServerUnknown bool // Cursor preToolUse MCP:<tool> names no server
	MCPTool       string
	ParamBytes    int64

	// agent.session.create
	SubagentType string

	// generic capabilities: the input object's fields
	Fields map[string]any
}

// Reason is one check's verdict, written for the model that reads it.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Step is one line of the --explain trace.
type Step struct {
	Check  string
	OK     bool
	Detail string
}

// Effect is a change to cross-call state that an allowed call makes.
//
// Kinds: "record" (one event in Key's Window), "add" (Amount in Key's
// Window), "idempotency" (Hash under Key, kept at least a day), "mark" (Hash
// under Key for exactly Window: the action marker, see rate.go) and
// "unmark" (Key removed).
type Effect struct {
	Kind   string
	Key    string
	Window time.Duration
	Amount int64
	Hash   string
}

// Decision is the evaluator's answer.
type Decision struct {
	ID             string   `json:"decision_id"`
	PolicyID       string   `json:"policy_id"`
	PassportID     string   `json:"passport_id"`
	OwnerID        string   `json:"owner_id"`
	AssuranceLevel string   `json:"assurance_level"`
	Allow          bool     `json:"allow"`
	Ask            bool     `json:"ask,omitempty"`
	Reasons        []Reason `json:"reasons"`
	CreatedAt      string   `json:"created_at"`
	PassportDigest string   `json:"passport_digest"`
	Breakglass     bool     `json:"breakglass,omitempty"`
	Notes          []string `json:"notes,omitempty"`

	// Final marks denials that break-glass can never lift (catastrophic
	// operations, self-protection, passport status).
	Final   bool     `json:"-"`
	Trace   []Step   `json:"-"`
	Effects []Effect `json:"-"`
}

// StateView is a read-only snapshot of cross-call state. Idempotency reads
// the keyed values that have an expiry: refund idempotency keys and action
// markers; a value past its expiry is absent.
type StateView interface {
	Count(key string, window time.Duration) int
	Sum(key string, window time.Duration) int64
	Idempotency(key string) (hash string, ok bool)
}

// Env is everything outside the passport and the call that a decision uses.
type Env struct {
	Now     time.Time
	Home    string   // the user's home, for ~
	CDPath  bool     // CDPATH is set: cd to a bare relative name may go elsewhere
	Path    []string // the directories of PATH where the hook runs: where shell text finds programs
	State   StateView
	Protect *Protector
}

// NewDecision returns an empty deny decision for a call, stamped with an id and time.
func NewDecision(now time.Time) *Decision {
	return &Decision{ID: newUUID(), CreatedAt: now.UTC().Format(time.RFC3339), Reasons: []Reason{}}
}

// Deny returns a decision that denies with one reason (for errors before evaluation).
func Deny(now time.Time, code, message string) *Decision {
	d := NewDecision(now)
	d.Reasons = append(d.Reasons, Reason{Code: code, Message: message})
	d.Trace = append(d.Trace, Step{Check: code, OK: false, Detail: message})
	return d
}

// check is the working state of one evaluation, handed to a pack's checker.
type check struct {
	p      *passport.Passport
	c      *Call
	env    Env
	pack   *packs.Info
	limits passport.Limits
	d      *Decision

	rootsDone bool     // rootList is computed
	rootList  []string // where relative entries are anchored (check.roots)
}

func (k *check) deny(code, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, r := range k.d.Reasons {
		if r.Code == code && r.Message == msg {
			return // the same rule on the same word twice (npm install && npm test) is one reason
		}
	}
	k.d.Reasons = append(k.d.Reasons, Reason{Code: code, Message: msg})
	k.d.Trace = append(k.d.Trace, Step{Check: code, OK: false, Detail: msg})
}

// final denies in a way break-glass cannot lift.
func (k *check) final(code, format string, args ...any) {
	k.deny(code, format, args...)
	k.d.Final = true
}

func (k *check) ok(checkName, format string, args ...any) {
	k.d.Trace = append(k.d.Trace, Step{Check: checkName, OK: true, Detail: fmt.Sprintf(format, args...)})
}

func (k *check) denied() bool { return len(k.d.Reasons) > 0 }

// limitRef names a limit for messages: limits.<capability>.<name>.
func (k *check) limitRef(name string) string {
	return "passport limits." + k.c.Capability + "." + name
}

// checkers maps a pack id to its checks. Each pack file registers itself.
var checkers = map[string]func(*check){}

// Evaluate decides a call. It never panics on any input it can be given by
// the hooks layer; the caller still recovers, and a recovered panic is a deny.
func Evaluate(p *passport.Passport, c *Call, env Env) *Decision {
	d := NewDecision(env.Now)
	d.PassportID, d.OwnerID, d.AssuranceLevel = p.ID, p.OwnerID, p.Assurance
	d.PassportDigest = p.Digest()
	k := &check{p: p, c: c, env: env, d: d}

	if !passportUsable(k) {
		return d
	}
	if c.Internal {
		d.PolicyID = "agent.internal"
		k.ok("agent.internal", "%s is a side-effect-free host tool; allowed while the passport is active", c.Tool)
		return allow(d)
	}
	if c.Capability == "" {
		d.PolicyID = ""
		k.deny("oap.unknown_tool", "%s is not a tool aport knows, so it is denied; the known tools map to the capabilities %s", c.Tool, strings.Join(packs.Capabilities(), ", "))
		return d
	}
	packID, ok := packs.ForCapability(c.Capability)
	if !ok {
		k.deny("oap.unknown_tool", "no policy pack governs %s", c.Capability)
		return d
	}
	d.PolicyID = packID
	if !p.Has(c.Capability) {
		k.deny("oap.unknown_capability", "the passport does not grant %s, so %s is denied; grant it in the passport's capabilities to allow %s calls", c.Capability, c.Tool, c.Tool)
		return d
	}
	k.ok("capability", "the passport grants %s", c.Capability)
	pack, ok := packs.Lookup(packID)
	if !ok {
		k.deny("oap.evaluator_error", "policy pack %s is not in this build", packID)
		return d
	}
	k.pack = pack
	k.limits = p.Limits(c.Capability)
	if packs.AssuranceRank(p.Assurance) < packs.AssuranceRank(pack.MinAssurance) {
		k.deny("oap.assurance_insufficient", "%s needs assurance level %s or higher; the passport has %s", packID, pack.MinAssurance, p.Assurance)
		return d
	}
	if !contextPresent(k) {
		return d
	}
	if fn := checkers[packID]; fn != nil {
		fn(k)
	} else {
		k.deny("oap.evaluator_error", "policy pack %s has no checks in this build", packID)
	}
	if k.denied() {
		return d
	}
	rateLimits(k)
	if k.denied() {
		d.Effects = nil
		return d
	}
	return allow(d)
}

func allow(d *Decision) *Decision {
	d.Allow = true
	if d.Ask {
		d.Allow = false
	}
	if len(d.Reasons) == 0 {
		d.Reasons = append(d.Reasons, Reason{Code: "oap.allowed", Message: "allowed by " + policyName(d)})
	}
	return d
}

func policyName(d *Decision) string {
	if d.PolicyID == "" {
		return "the passport"
	}
	return d.PolicyID
}

func passportUsable(k *check) bool {
	p := k.p
	why := ""
	if p.StatusReason != "" {
		why = " (reason: " + p.StatusReason + ")"
	}
	switch p.Status {
	case passport.StatusRevoked:
		k.final("oap.passport_revoked", "passport %s is revoked%s; every call is denied and revocation is final: issue a new passport", p.ID, why)
		return false
	case passport.StatusSuspended:
		k.final("oap.passport_suspended", "passport %s is suspended%s; every call is denied until the owner runs `aport passport activate`", p.ID, why)
		return false
	case passport.StatusDraft:
		k.final("oap.passport_suspended", "passport %s is a draft%s; set status to active to use it", p.ID, why)
		return false
	}
	if !p.ExpiresAt.IsZero() && !k.env.Now.Before(p.ExpiresAt) {
		k.final("oap.passport_expired", "passport %s expired at %s; every call is denied until it is renewed", p.ID, p.ExpiresAt.UTC().Format(time.RFC3339))
		return false
	}
	k.ok("passport", "%s is active", p.ID)
	return true
}

func contextPresent(k *check) bool {
	for _, f := range k.pack.Context {
		if !k.hasContext(f) {
			k.deny("oap.invalid_context", "the %s call has no %s, which %s needs to decide", k.c.Tool, f, k.pack.ID)
			return false
		}
	}
	return true
}

func (k *check) hasContext(field string) bool {
	x := &k.c.Ctx
	switch field {
	case "command":
		return x.HasCommand
	case "path":
		return x.HasPath
	case "url":
		return x.HasURL
	case "query":
		return x.HasQuery
	case "server":
		return x.Server != "" || x.ServerUnknown
	case "tool":
		return x.MCPTool != ""
	}
	v, ok := x.Fields[field]
	return ok && v != nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
