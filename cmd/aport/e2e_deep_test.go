package main

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

// TestE2EDeepPayloadDeniedQuicklyAndAudited: payloads the parser rejects for
// their nesting are denied at once and audited with input_hash over their
// raw bytes. Canonicalising them first took time quadratic in the depth: a
// 320 KB payload ran into the 20 s deadline, whose deny is not audited.
func TestE2EDeepPayloadDeniedQuicklyAndAudited(t *testing.T) {
	e := newE2E(t)
	pp := e.file("passport.json", `{"id":"p","capabilities":["web.search"]}`)
	payloads := []string{
		strings.Repeat("[", 160_000) + strings.Repeat("]", 160_000),
		// valid JSON, within encoding/json's limit, deeper than the parser's 256
		`{"session_id":"s","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"WebSearch","tool_input":{"query":"q","x":` +
			strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}`,
	}
	for i, p := range payloads {
		start := time.Now()
		r := e.must(2, p, "eval", "--passport", pp)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("payload %d: denied after %s", i, d)
		}
		if !strings.Contains(r.stderr, "oap.invalid_input") {
			t.Fatalf("payload %d: stderr %q", i, r.stderr)
		}
		evs := e.auditEvents()
		if len(evs) != i+1 {
			t.Fatalf("payload %d: %d audit events, want %d", i, len(evs), i+1)
		}
		sum := sha256.Sum256([]byte(p))
		ev := evs[i]
		if ev["input_hash"] != "sha256:"+hex.EncodeToString(sum[:]) || ev["decision"] != "deny" || ev["reason"] != "oap.invalid_input" {
			t.Fatalf("payload %d: event %v, want a deny with input_hash over the raw bytes", i, ev)
		}
	}
	e.verifyAudit(len(payloads))
}
