package main

// End-to-end tests across calls: each `aport` here is a separate process
// (this test binary re-executed with APORT_E2E_MAIN=1, see TestMain), so
// rate limits, daily caps, the audit chain and the remote-passport cache are
// exercised exactly as hooks exercise them, through the file system and locks.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// e2e is one isolated aport installation: its own HOME and APORT_HOME.
type e2e struct {
	t   *testing.T
	dir string
	env []string
}

func newE2E(t *testing.T) *e2e {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"APORT_E2E_MAIN=1",
		"HOME=" + home,
		"APORT_HOME=" + filepath.Join(home, ".aport"),
		"NO_COLOR=1",
		"PATH=" + os.Getenv("PATH"),
	}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	return &e2e{t: t, dir: dir, env: env}
}

// file writes a file under the test directory and returns its path.
func (e *e2e) file(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// result is one finished aport process.
type result struct {
	stdout, stderr string
	code           int
}

// run runs aport with args and stdin; the process is killed after timeout.
func (e *e2e) run(ctx context.Context, stdin string, args ...string) (result, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = e.env
	cmd.Dir = e.dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.WaitDelay = 2 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	default:
		return r, fmt.Errorf("aport %s: %w (stderr: %s)", strings.Join(args, " "), err, r.stderr)
	}
	return r, nil
}

// must runs aport and fails the test unless it exits with want.
func (e *e2e) must(want int, stdin string, args ...string) result {
	e.t.Helper()
	r, err := e.run(context.Background(), stdin, args...)
	if err != nil {
		e.t.Fatal(err)
	}
	if r.code != want {
		e.t.Fatalf("aport %s exited %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	return r
}

// parallel runs n aport evals at once, payload(i) on stdin of the i-th, and
// returns their results.
func (e *e2e) parallel(n int, payload func(i int) string, args ...string) []result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	results := make([]result, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			results[i], errs[i] = e.run(ctx, payload(i), args...)
		}(i)
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return results
}

// auditEvents reads the audit log's events as maps.
func (e *e2e) auditEvents() []map[string]any {
	e.t.Helper()
	f, err := os.Open(filepath.Join(e.dir, "home", ".aport", "audit.jsonl"))
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	var evs []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			e.t.Fatalf("audit line %d: %v", len(evs)+1, err)
		}
		evs = append(evs, m)
	}
	if err := sc.Err(); err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// verifyAudit runs `aport audit verify` and checks the event count.
func (e *e2e) verifyAudit(events int) {
	e.t.Helper()
	r := e.must(0, "", "audit", "verify")
	want := fmt.Sprintf("ok: %d events,", events)
	if !strings.HasPrefix(r.stdout, want) {
		e.t.Fatalf("audit verify: %q, want it to start with %q", r.stdout, want)
	}
}

// tally counts exit codes, and the denials that carry code.
func tally(t *testing.T, rs []result, code string) (allowed, denied int) {
	t.Helper()
	for i, r := range rs {
		switch r.code {
		case 0:
			allowed++
		case 2:
			if !strings.Contains(r.stdout, code) {
				t.Errorf("process %d denied without %s: %s %s", i, code, r.stdout, r.stderr)
			}
			denied++
		default:
			t.Errorf("process %d exited %d: %s %s", i, r.code, r.stdout, r.stderr)
		}
	}
	return allowed, denied
}

const webSearchPayload = `{"session_id":"s1","transcript_path":"/tmp/t.jsonl","cwd":"/home/dev/demo","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"WebSearch","tool_input":{"query":"golang flock example %d"},"tool_use_id":"t%d"}`

// TestE2ERateLimitParallel: 100 hook processes at once against
// rate_per_minute 10 allow exactly 10, and the audit chain holds all 100.
// The two 100-process tests run alone (not t.Parallel): each process waits
// for the state and audit locks, and on a 2-core machine shared with other
// tests the queue would approach the lock bound.
func TestE2ERateLimitParallel(t *testing.T) {
	e := newE2E(t)
	pp := e.file("passport.json", `{"spec_version":"oap/1.0","passport_id":"p-rate","owner_id":"o","assurance_level":"L2",
		"capabilities":["web.search"],"limits":{"web.search":{"rate_per_minute":10}}}`)
	const n = 100
	rs := e.parallel(n, func(i int) string { return fmt.Sprintf(webSearchPayload, i, i) }, "eval", "--passport", pp)
	allowed, denied := tally(t, rs, "oap.rate_limit_exceeded")
	if allowed != 10 || denied != n-10 {
		t.Fatalf("allowed %d, denied %d; want 10 and %d", allowed, denied, n-10)
	}
	e.verifyAudit(n)
	allows := 0
	for _, ev := range e.auditEvents() {
		if ev["decision"] == "allow" {
			allows++
		} else if ev["reason"] != "oap.rate_limit_exceeded" {
			t.Errorf("audit event %v: want reason oap.rate_limit_exceeded", ev["seq"])
		}
	}
	if allows != 10 {
		t.Fatalf("audit log has %d allows, want 10", allows)
	}
	// the window is full: one more call is denied
	r := e.must(2, fmt.Sprintf(webSearchPayload, n, n), "eval", "--passport", pp)
	if !strings.Contains(r.stderr, "oap.rate_limit_exceeded") {
		t.Fatalf("stderr %q lacks the reason", r.stderr)
	}
}

// TestE2EAuditConcurrent: 200 hook processes at once append to one log that
// already holds events; afterwards it holds exactly 200 more, one per call
// (distinct input hashes), in one unbroken, signed chain.
func TestE2EAuditConcurrent(t *testing.T) {
	e := newE2E(t)
	pp := e.file("passport.json", `{"spec_version":"oap/1.0","passport_id":"p-audit","owner_id":"o","capabilities":["web.search"]}`)
	const before, n = 5, 200
	for i := 0; i < before; i++ {
		e.must(0, fmt.Sprintf(webSearchPayload, 1000+i, i), "eval", "--passport", pp)
	}
	rs := e.parallel(n, func(i int) string { return fmt.Sprintf(webSearchPayload, i, i) }, "eval", "--passport", pp)
	if allowed, _ := tally(t, rs, "-"); allowed != n {
		t.Fatalf("%d of %d calls allowed", allowed, n)
	}
	e.verifyAudit(before + n)
	hashes := map[any]bool{}
	for i, ev := range e.auditEvents() {
		if ev["seq"] != float64(i+1) {
			t.Fatalf("event %d has seq %v", i, ev["seq"])
		}
		hashes[ev["input_hash"]] = true
	}
	if len(hashes) != before+n {
		t.Fatalf("%d distinct inputs in the log, want %d", len(hashes), before+n)
	}
}

const refundPayload = `{"tool":"finance.payment.refund","input":{"order_id":"ord_%d","customer_id":"cus_9","amount":500,"currency":"USD","region":"US","reason_code":"customer_request","idempotency_key":"idem-%06d"},"agent_id":"refund-bot"}`

// TestE2ERefundDailyCapParallel: 100 refunds of 500 at once against a daily
// cap of 20000 allow exactly 40; a replay of an allowed refund is not
// counted again.
func TestE2ERefundDailyCapParallel(t *testing.T) {
	e := newE2E(t)
	pp := e.file("passport.json", `{"spec_version":"oap/1.0","passport_id":"p-refund","owner_id":"o","assurance_level":"L2","regions":["US"],
		"capabilities":["finance.payment.refund"],
		"limits":{"finance.payment.refund":{"currency_limits":{"USD":{"max_per_tx":5000,"daily_cap":20000}},"idempotency_required":true}}}`)
	const n = 100
	rs := e.parallel(n, func(i int) string { return fmt.Sprintf(refundPayload, i, i) }, "eval", "--passport", pp)
	allowed, denied := tally(t, rs, "oap.limit_exceeded")
	if allowed != 40 || denied != n-40 {
		t.Fatalf("allowed %d, denied %d; want 40 and %d", allowed, denied, n-40)
	}
	for i, r := range rs {
		if r.code == 2 && !strings.Contains(r.stdout, "daily_cap") {
			t.Errorf("process %d: denial does not name daily_cap: %s", i, r.stdout)
		}
	}
	e.verifyAudit(n)

	// the same refund again (same key, same parameters) is a replay: allowed,
	// and not counted; another amount under the same key is a conflict
	first := -1
	for i, r := range rs {
		if r.code == 0 {
			first = i
			break
		}
	}
	e.must(0, fmt.Sprintf(refundPayload, first, first), "eval", "--passport", pp)
	conflict := strings.Replace(fmt.Sprintf(refundPayload, first, first), `"amount":500`, `"amount":400`, 1)
	r := e.must(2, conflict, "eval", "--passport", pp)
	if !strings.Contains(r.stdout, "oap.idempotency_conflict") {
		t.Fatalf("conflicting replay: %s", r.stdout)
	}
	e.must(2, fmt.Sprintf(refundPayload, n, n), "eval", "--passport", pp)
	e.verifyAudit(n + 3)
}

// Cursor fires two hook events for one shell command: preToolUse (tool
// Shell) and beforeShellExecution, with the same conversation and generation.
const (
	cursorShellPre = `{"conversation_id":"c-1","generation_id":"%s","model":"claude-sonnet","cursor_version":"2.1.4","workspace_roots":["%s"],"hook_event_name":"preToolUse","tool_name":"Shell","tool_input":{"command":"%s","working_directory":"%s"},"tool_use_id":"t-%s","cwd":"%s"}`
	cursorShell    = `{"conversation_id":"c-1","generation_id":"%s","model":"claude-sonnet","cursor_version":"2.1.4","workspace_roots":["%s"],"hook_event_name":"beforeShellExecution","command":"%s","cwd":"%s","sandbox":false}`
)

// cursorAction returns the two events of one Cursor shell action.
func (e *e2e) cursorAction(generation, command string) [2]string {
	return [2]string{
		fmt.Sprintf(cursorShellPre, generation, e.dir, command, e.dir, generation, e.dir),
		fmt.Sprintf(cursorShell, generation, e.dir, command, e.dir),
	}
}

// TestE2ECursorActionCountedOnce: with rate_per_minute 2, two Cursor
// actions, each sent as both of its events, are all allowed; both events of
// the third are denied; every event is audited.
func TestE2ECursorActionCountedOnce(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	pp := e.file("passport.json", `{"spec_version":"oap/1.0","passport_id":"p-cursor","owner_id":"o","assurance_level":"L2",
		"capabilities":["system.command.execute"],"limits":{"system.command.execute":{"allowed_commands":["ls"],"rate_per_minute":2}}}`)
	args := []string{"eval", "--host", "cursor", "--passport", pp}
	for _, gen := range []string{"g-1", "g-2"} {
		for i, ev := range e.cursorAction(gen, "ls") {
			r := e.must(0, ev, args...)
			if !strings.Contains(r.stdout, `"permission":"allow"`) {
				t.Fatalf("action %s, event %d: %s", gen, i+1, r.stdout)
			}
		}
	}
	for i, ev := range e.cursorAction("g-3", "ls") {
		r := e.must(2, ev, args...)
		if !strings.Contains(r.stdout, `"permission":"deny"`) || !strings.Contains(r.stdout, "oap.rate_limit_exceeded") {
			t.Fatalf("third action, event %d: %s", i+1, r.stdout)
		}
	}
	e.verifyAudit(6)
	var got []string
	for _, ev := range e.auditEvents() {
		got = append(got, fmt.Sprint(ev["decision"], "/", ev["reason"]))
	}
	want := []string{"allow/oap.allowed", "allow/oap.allowed", "allow/oap.allowed", "allow/oap.allowed",
		"deny/oap.rate_limit_exceeded", "deny/oap.rate_limit_exceeded"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audit decisions %v, want %v", got, want)
	}
}

// TestE2ECursorMCPCountedOnce: an MCP call's two events (an object in
// preToolUse, a string holding JSON in beforeMCPExecution, the server named
// only in the second) take one max_calls_per_minute slot.
func TestE2ECursorMCPCountedOnce(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	pp := e.file("passport.json", `{"spec_version":"oap/1.0","passport_id":"p-mcp","owner_id":"o","assurance_level":"L2",
		"capabilities":["mcp.tool.execute"],"limits":{"mcp.tool.execute":{"max_calls_per_minute":1}}}`)
	const (
		pre  = `{"conversation_id":"c-1","generation_id":"%s","workspace_roots":["/home/dev/demo"],"hook_event_name":"preToolUse","tool_name":"MCP:create_issue","tool_input":{"owner":"acme","repo":"demo","title":"Bug"},"tool_use_id":"t-4","cwd":"/home/dev/demo"}`
		spec = `{"conversation_id":"c-1","generation_id":"%s","workspace_roots":["/home/dev/demo"],"hook_event_name":"beforeMCPExecution","tool_name":"create_issue","tool_input":"{\"title\": \"Bug\", \"repo\": \"demo\", \"owner\": \"acme\"}","url":"https://api.githubcopilot.com/mcp/"}`
	)
	args := []string{"eval", "--host", "cursor", "--passport", pp}
	e.must(0, fmt.Sprintf(pre, "g-1"), args...)
	e.must(0, fmt.Sprintf(spec, "g-1"), args...)
	for _, ev := range []string{pre, spec} {
		if r := e.must(2, fmt.Sprintf(ev, "g-2"), args...); !strings.Contains(r.stdout, "max_calls_per_minute") {
			t.Fatalf("second action: %s", r.stdout)
		}
	}
	e.verifyAudit(4)
}

// TestE2ECursorActionNoLimits: without a counting limit the state store is
// never created, action keys or not.
func TestE2ECursorActionNoLimits(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	pp := e.file("passport.json", `{"spec_version":"oap/1.0","passport_id":"p-cursor","owner_id":"o","assurance_level":"L2",
		"capabilities":["system.command.execute"],"limits":{"system.command.execute":{"allowed_commands":["ls"]}}}`)
	for _, ev := range e.cursorAction("g-1", "ls") {
		e.must(0, ev, "eval", "--host", "cursor", "--passport", pp)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "home", ".aport", "state", "state.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("state store touched without a counting limit: %v", err)
	}
	e.verifyAudit(2)
}

// registry is a passport registry on loopback that counts requests.
type registry struct {
	mu        sync.Mutex
	body      string
	etag      string
	down      bool
	requests  atomic.Int32
	notModded atomic.Int32
	sawINM    atomic.Int32
}

func (g *registry) set(body, etag string) {
	g.mu.Lock()
	g.body, g.etag = body, etag
	g.mu.Unlock()
}

func (g *registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.requests.Add(1)
	g.mu.Lock()
	body, etag, down := g.body, g.etag, g.down
	g.mu.Unlock()
	if down {
		http.Error(w, "registry down", http.StatusServiceUnavailable)
		return
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		g.sawINM.Add(1)
		if inm == etag {
			g.notModded.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

const remotePassport = `{"spec_version":"oap/1.0","passport_id":"p-remote","owner_id":"o","status":%q,"assurance_level":"L2",
	"capabilities":["web.search"],"limits":{}}`

// TestE2ERemotePassport drives hybrid mode through real aport processes:
// a fresh cache makes no request, an expired one revalidates with the ETag,
// a suspension at the registry denies within one TTL, and an outage is
// survived until --passport-max-stale, then denied naming the registry.
func TestE2ERemotePassport(t *testing.T) {
	e := newE2E(t)
	g := &registry{}
	g.set(fmt.Sprintf(remotePassport, "active"), `"v1"`)
	srv := httptest.NewServer(g)
	defer srv.Close()
	url := srv.URL + "/passports/p-remote"
	const ttl = 2 * time.Second
	const maxStale = 12 * time.Second // wide: on a loaded machine one aport call can take seconds
	args := []string{"eval", "--passport", url, "--passport-ttl", ttl.String(), "--passport-max-stale", maxStale.String()}
	call := func(want int) result {
		t.Helper()
		return e.must(want, fmt.Sprintf(webSearchPayload, 1, 1), args...)
	}
	pause := func(d time.Duration) { time.Sleep(d) }

	// first call fetches; the next, within the TTL, is served from the cache
	call(0)
	if n := g.requests.Load(); n != 1 {
		t.Fatalf("first call: %d requests, want 1", n)
	}
	call(0)
	if n := g.requests.Load(); n != 1 {
		t.Fatalf("call within the TTL made a request (%d in all)", n)
	}

	// after the TTL: a conditional request, answered 304
	pause(ttl + 100*time.Millisecond)
	call(0)
	if n, inm, nm := g.requests.Load(), g.sawINM.Load(), g.notModded.Load(); n != 2 || inm != 1 || nm != 1 {
		t.Fatalf("after the TTL: %d requests, %d with If-None-Match, %d answered 304; want 2, 1, 1", n, inm, nm)
	}

	// suspended at the registry: denied at the first call after one TTL
	g.set(fmt.Sprintf(remotePassport, "suspended"), `"v2"`)
	pause(ttl + 100*time.Millisecond)
	r := call(2)
	if !strings.Contains(r.stdout, "oap.passport_suspended") {
		t.Fatalf("suspended at the registry: %s", r.stdout)
	}

	// active again, then the registry goes down: the cache is used until
	// max-stale, then the call is denied and the reason names the registry
	g.set(fmt.Sprintf(remotePassport, "active"), `"v3"`)
	pause(ttl + 100*time.Millisecond)
	call(0)
	validated := time.Now()
	g.mu.Lock()
	g.down = true
	g.mu.Unlock()
	pause(ttl + 100*time.Millisecond)
	before := g.requests.Load()
	call(0)
	if g.requests.Load() == before {
		t.Fatal("a stale cache was served without asking the registry")
	}
	pause(time.Until(validated.Add(maxStale + 200*time.Millisecond)))
	r = call(2)
	if !strings.Contains(r.stdout, "oap.passport_not_found") || !strings.Contains(r.stdout, srv.URL) {
		t.Fatalf("registry down past max-stale: want oap.passport_not_found naming %s, got %s", srv.URL, r.stdout)
	}
	e.verifyAudit(7)
}

// TestE2EHelpers checks the harness itself: the child really is aport.
func TestE2EHelpers(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	r := e.must(0, "", "version")
	if !regexp.MustCompile(`^aport \S+\n$`).MatchString(r.stdout) {
		t.Fatalf("version: %q", r.stdout)
	}
	e.must(2, "", "no-such-command")
}
