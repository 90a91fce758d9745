package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aporthq/aport/internal/passport"
)

var testNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func mustPassport(t *testing.T, doc string) *passport.Passport {
	t.Helper()
	p, err := passport.Parse([]byte(doc), "test.json")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testEnv() Env {
	return Env{Now: testNow, Home: "/home/dev", Protect: &Protector{Home: "/home/dev", AportHome: "/home/dev/.aport"}}
}

// fakeState is an in-memory StateView for table tests.
type fakeState struct {
	counts map[string]int
	sums   map[string]int64
	idem   map[string]string
}

func (f *fakeState) Count(k string, _ time.Duration) int { return f.counts[k] }
func (f *fakeState) Sum(k string, _ time.Duration) int64 { return f.sums[k] }
func (f *fakeState) Idempotency(k string) (string, bool) { h, ok := f.idem[k]; return h, ok }

func codes(d *Decision) string {
	var c []string
	for _, r := range d.Reasons {
		c = append(c, r.Code)
	}
	return strings.Join(c, ",")
}

func TestPipeline(t *testing.T) {
	const caps = `"capabilities":["agent.session.create","web.search"]`
	cases := []struct {
		name  string
		doc   string
		call  Call
		env   func(*Env)
		want  string // first reason code
		allow bool
	}{
		{"active allows", `{"id":"a",` + caps + `}`, Call{Tool: "Task", Capability: "agent.session.create"}, nil, "oap.allowed", true},
		{"suspended", `{"id":"a","status":"suspended","status_reason":"incident 7",` + caps + `}`, Call{Tool: "Task", Capability: "agent.session.create"}, nil, "oap.passport_suspended", false},
		{"draft", `{"id":"a","status":"draft",` + caps + `}`, Call{Tool: "Task", Capability: "agent.session.create"}, nil, "oap.passport_suspended", false},
		{"revoked", `{"id":"a","status":"revoked",` + caps + `}`, Call{Tool: "TodoWrite", Internal: true}, nil, "oap.passport_revoked", false},
		{"expired", `{"id":"a","expires_at":"2026-01-01T00:00:00Z",` + caps + `}`, Call{Tool: "Task", Capability: "agent.session.create"}, nil, "oap.passport_expired", false},
		{"expires exactly now", `{"id":"a","expires_at":"2026-11-22T10:00:00Z",` + caps + `}`, Call{Tool: "Task", Capability: "agent.session.create"}, nil, "oap.passport_expired", false},
		{"internal tool", `{"id":"a","capabilities":[]}`, Call{Tool: "TodoWrite", Internal: true}, nil, "oap.allowed", true},
		{"unknown tool", `{"id":"a",` + caps + `}`, Call{Tool: "Teleport"}, nil, "oap.unknown_tool", false},
		{"capability missing", `{"id":"a",` + caps + `}`, Call{Tool: "WebFetch", Capability: "web.fetch", Ctx: Context{URL: "https://x", HasURL: true}}, nil, "oap.unknown_capability", false},
		{"assurance", `{"id":"a","assurance_level":"L1","capabilities":["finance.payment.refund"],"limits":{"finance.payment.refund":{"currency_limits":{"USD":{"max_per_tx":10}}}}}`,
			Call{Tool: "finance.payment.refund", Capability: "finance.payment.refund", Ctx: Context{Fields: map[string]any{"amount": 1, "currency": "USD"}}}, nil, "oap.assurance_insufficient", false},
		{"missing context", `{"id":"a",` + caps + `}`, Call{Tool: "WebSearch", Capability: "web.search"}, nil, "oap.invalid_context", false},
		{"subagent allowed", `{"id":"a",` + caps + `,"limits":{"agent.session.create":{"allowed_subagent_types":["Explore"]}}}`, Call{Tool: "Task", Capability: "agent.session.create", Ctx: Context{SubagentType: "Explore"}}, nil, "oap.allowed", true},
		{"subagent denied", `{"id":"a",` + caps + `,"limits":{"agent.session.create":{"allowed_subagent_types":["Explore"]}}}`, Call{Tool: "Task", Capability: "agent.session.create", Ctx: Context{SubagentType: "general-purpose"}}, nil, "oap.tool_not_allowed", false},
		{"subagent default type", `{"id":"a",` + caps + `,"limits":{"agent.session.create":{"allowed_subagent_types":[]}}}`, Call{Tool: "Task", Capability: "agent.session.create"}, nil, "oap.tool_not_allowed", false},
		{"rate under", `{"id":"a",` + caps + `,"limits":{"web.search":{"rate_per_minute":2}}}`, Call{Tool: "WebSearch", Capability: "web.search", Ctx: Context{Query: "q", HasQuery: true}},
			func(e *Env) { e.State = &fakeState{counts: map[string]int{"a|web.search|rate_per_minute": 1}} }, "oap.allowed", true},
		{"rate reached", `{"id":"a",` + caps + `,"limits":{"web.search":{"rate_per_minute":2}}}`, Call{Tool: "WebSearch", Capability: "web.search", Ctx: Context{Query: "q", HasQuery: true}},
			func(e *Env) { e.State = &fakeState{counts: map[string]int{"a|web.search|rate_per_minute": 2}} }, "oap.rate_limit_exceeded", false},
		{"rate without store", `{"id":"a",` + caps + `,"limits":{"web.search":{"rate_per_day":2}}}`, Call{Tool: "WebSearch", Capability: "web.search", Ctx: Context{Query: "q", HasQuery: true}}, nil, "oap.evaluator_error", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPassport(t, tc.doc)
			env := testEnv()
			if tc.env != nil {
				tc.env(&env)
			}
			c := tc.call
			d := Evaluate(p, &c, env)
			if d.Allow != tc.allow || len(d.Reasons) == 0 || d.Reasons[0].Code != tc.want {
				t.Fatalf("allow=%v codes=%s reasons=%+v", d.Allow, codes(d), d.Reasons)
			}
			if d.ID == "" || d.CreatedAt == "" || d.PassportDigest == "" {
				t.Errorf("decision not stamped: %+v", d)
			}
			for _, r := range d.Reasons {
				if r.Message == "" {
					t.Errorf("reason %s has no message", r.Code)
				}
			}
		})
	}
}

func TestRateEffects(t *testing.T) {
	p := mustPassport(t, `{"id":"a","capabilities":["web.search"],"limits":{"web.search":{"rate_per_minute":5,"rate_per_day":50}}}`)
	c := &Call{Tool: "WebSearch", Capability: "web.search", Ctx: Context{Query: "q", HasQuery: true}}
	if !NeedsState(p, c) {
		t.Fatal("rate limit does not need state")
	}
	env := testEnv()
	env.State = &fakeState{}
	d := Evaluate(p, c, env)
	if !d.Allow || len(d.Effects) != 2 {
		t.Fatalf("allow=%v effects=%+v", d.Allow, d.Effects)
	}
	p2 := mustPassport(t, `{"id":"a","capabilities":["web.search"]}`)
	if NeedsState(p2, c) {
		t.Fatal("no stateful limit but NeedsState")
	}
}

func TestProtector(t *testing.T) {
	pr := &Protector{Home: "/home/dev", AportHome: "/home/dev/.aport", Files: []string{"/srv/p.json"}}
	for path, want := range map[string]bool{
		"/home/dev/.aport":                      true,
		"/home/dev/.aport/audit.jsonl":          true,
		"/home/dev/.aportx":                     false,
		"/srv/p.json":                           true,
		"/home/dev/.claude/settings.json":       true,
		"/home/dev/.claude/settings.local.json": true,
		"/home/dev/demo/.claude/settings.json":  true,
		"/home/dev/demo/.cursor/hooks.json":     true,
		"/home/dev/.cursor/hooks.json":          true,
		"/home/dev/demo/.claude":                true,
		"/home/dev/demo/.claude/commands/x.md":  false,
		"/home/dev/demo/src/main.go":            false,
		// case-insensitive file systems (macOS, Windows)
		"/home/dev/.APORT/passport.json": true,
		"/SRV/P.JSON":                    true,
	} {
		if got := pr.Protected(path); got != want {
			t.Errorf("Protected(%s) = %v", path, got)
		}
	}
	pr.Prefixes = []string{"/var/log/aport.jsonl"}
	if !pr.Protected("/var/log/aport.jsonl.head") || !pr.Protected("/var/log/aport.jsonl.3") || pr.Protected("/var/log/other") {
		t.Error("audit log siblings")
	}
	if !pr.Secret("/home/dev/.aport/keys/audit.ed25519") || !pr.Secret("/home/dev/.aport/KEYS/audit.ed25519") || pr.Secret("/home/dev/.aport/audit.jsonl") {
		t.Error("Secret")
	}
	if !pr.Covers("/home/dev") || !pr.Covers("/") || pr.Covers("/home/dev/demo") {
		t.Error("Covers")
	}
	for root, want := range map[string]bool{
		"/home/dev/.aport": true, "/home/dev/.aport/keys": true, "/home/dev": true, "/": true,
		"/home/dev/.ssh": true, "/home/dev/demo": false, "/home/dev/.aport/state": false, "/srv": false,
	} {
		if got := pr.SecretWithin(root); got != want {
			t.Errorf("SecretWithin(%s) = %v", root, got)
		}
	}
}

func TestProtectorResolvesSymlinks(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real-aport")
	if err := os.MkdirAll(filepath.Join(real, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "aport-link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	pr := &Protector{AportHome: link}
	if !pr.Protected(filepath.Join(real, "audit.jsonl")) {
		t.Error("the symlink target of $APORT_HOME is not protected")
	}
	if !pr.Secret(filepath.Join(real, "keys", "audit.ed25519")) {
		t.Error("keys under the symlink target are readable")
	}
}

// TestProtectorResolvesCandidate: a path that reaches aport's files through a
// symlink the text never names (a link made earlier, /proc/self/root) is
// protected too, including a file that does not exist yet.
func TestProtectorResolvesCandidate(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "aport")
	if err := os.MkdirAll(filepath.Join(home, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "passport.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "innocent")
	if err := os.Symlink(home, link); err != nil {
		t.Fatal(err)
	}
	pr := &Protector{AportHome: home}
	for _, p := range []string{
		filepath.Join(link, "passport.json"),
		filepath.Join(link, "not-yet", "x.json"),
		"/proc/self/root" + filepath.Join(home, "passport.json"),
	} {
		if !pr.Protected(p) {
			t.Errorf("Protected(%s) = false", p)
		}
	}
	if !pr.Secret(filepath.Join(link, "keys", "audit.ed25519")) || !pr.Secret("/proc/self/root"+filepath.Join(home, "keys", "k")) {
		t.Error("a key reached through a symlink is readable")
	}
	if !pr.Covers(filepath.Join(dir, "innocent")) || pr.Covers(filepath.Join(dir, "other")) {
		t.Error("Covers through a symlink")
	}
	if pr.Protected(filepath.Join(dir, "elsewhere.json")) {
		t.Error("an unrelated path is protected")
	}
}

// TestReasonsNotRepeated: the same rule failing on the same word twice is one
// reason, not two.
func TestReasonsNotRepeated(t *testing.T) {
	p := mustPassport(t, `{"id":"a","capabilities":["system.command.execute"],"limits":{"system.command.execute":{"allowed_commands":["ls"]}}}`)
	c := Call{Tool: "Bash", Capability: "system.command.execute", Cwd: "/w", Workspace: "/w", Ctx: Context{Command: "npm install && npm test && rm x", HasCommand: true}}
	d := Evaluate(p, &c, testEnv())
	if len(d.Reasons) != 2 || d.Reasons[0].Code != "oap.command_not_allowed" || !strings.Contains(d.Reasons[1].Message, "rm") {
		t.Fatalf("reasons %+v, want one for npm and one for rm", d.Reasons)
	}
}

// TestHookConfigBelow: deleting a project directory deletes its hook
// configuration too.
func TestHookConfigBelow(t *testing.T) {
	dir := t.TempDir()
	pr := &Protector{Home: "/home/nobody"}
	if pr.HookConfigBelow(dir) {
		t.Fatal("an empty directory holds no hook configuration")
	}
	if err := os.MkdirAll(filepath.Join(dir, ".cursor"), 0o755); err != nil {
		t.Fatal(err)
	}
	if !pr.HookConfigBelow(dir) {
		t.Fatal("a project with .cursor/ holds its hook configuration")
	}
	c := deleteCall(dir)
	c.Capability = "data.file.write"
	p := mustPassport(t, `{"id":"a","assurance_level":"L2","capabilities":["data.file.write"],"limits":{"data.file.write":{"allowed_paths":["/**"]}}}`)
	d := Evaluate(p, &c, Env{Protect: pr, Home: "/home/nobody"})
	if d.Allow || len(d.Reasons) == 0 || d.Reasons[0].Code != "oap.protected_path" {
		t.Fatalf("Delete of the project: allow=%v %v", d.Allow, d.Reasons)
	}
}
