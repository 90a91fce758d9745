package passport

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const full = `{
  "spec_version": "oap/1.0",
  "passport_id": "550e8400-e29b-41d4-a716-446655440001",
  "owner_id": "org_example",
  "name": "Coding agent (dev)",
  "status": "active",
  "assurance_level": "L2",
  "capabilities": [{"id": "system.command.execute"}, "data.file.read", "data.file.write", "web.fetch"],
  "limits": {
    "system.command.execute": {"allowed_commands": ["ls", "cat", "git status", "git diff", "go test"],
                               "denied_commands": ["git push --force"], "max_execution_time": 600},
    "data.file.read":  {"allowed_paths": ["**"], "denied_paths": ["**/.env"]},
    "data.file.write": {"allowed_paths": ["src/**", "tests/**"], "max_bytes": 1048576, "rate_per_hour": 100},
    "web.fetch":       {"allowed_domains": ["api.example.com", "*.python.org"]}
  },
  "expires_at": "2027-07-01T00:00:00Z",
  "version": "1.0.3"
}`

func TestParseFullShape(t *testing.T) {
	p, err := Parse([]byte(full), "full.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "550e8400-e29b-41d4-a716-446655440001" || p.OwnerID != "org_example" || p.Assurance != "L2" || p.Status != StatusActive {
		t.Fatalf("fields: %+v", p)
	}
	for _, c := range []string{"system.command.execute", "data.file.read", "data.file.write", "web.fetch"} {
		if !p.Has(c) {
			t.Errorf("missing capability %s", c)
		}
	}
	if p.Has("web.search") {
		t.Error("web.search granted")
	}
	cmds, ok := p.Limits("system.command.execute").Strings("allowed_commands")
	if !ok || len(cmds) != 5 || cmds[2] != "git status" {
		t.Errorf("allowed_commands %v", cmds)
	}
	if n, ok := p.Limits("data.file.write").Int("max_bytes"); !ok || n != 1048576 {
		t.Errorf("max_bytes %d", n)
	}
	if p.ExpiresAt.IsZero() {
		t.Error("expires_at not parsed")
	}
	if !strings.HasPrefix(p.Digest(), "sha256:") || len(p.Digest()) != 71 {
		t.Errorf("digest %q", p.Digest())
	}
}

func TestParseMinimalShapeAndAliases(t *testing.T) {
	p, err := Parse([]byte(`{"id":"agent-1","owner":"me","assurance":"L1","capabilities":["web.search"]}`), "min.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "agent-1" || p.OwnerID != "me" || p.Assurance != "L1" || p.Status != StatusActive || !p.Has("web.search") {
		t.Fatalf("%+v", p)
	}
}

func TestDigestIsCanonical(t *testing.T) {
	a := DigestOf([]byte(`{"b":1,"a":[1,2]}`))
	b := DigestOf([]byte("{\n  \"a\": [1, 2],\n  \"b\": 1\n}"))
	if a != b {
		t.Fatalf("%s != %s", a, b)
	}
}

func TestParseProblems(t *testing.T) {
	cases := []struct {
		name, doc string
		fields    []string
	}{
		{"array", `[1]`, []string{"(document)"}},
		{"string", `"x"`, []string{"(document)"}},
		{"empty", ``, []string{"(document)"}},
		{"duplicate key", `{"passport_id":"a","passport_id":"b","capabilities":[]}`, []string{"(document)"}},
		{"no id", `{"capabilities":[]}`, []string{"passport_id"}},
		{"spec", `{"id":"a","spec_version":"oap/9","capabilities":[]}`, []string{"spec_version"}},
		{"status", `{"id":"a","status":"paused","capabilities":[]}`, []string{"status"}},
		{"expires", `{"id":"a","expires_at":"tomorrow","capabilities":[]}`, []string{"expires_at"}},
		{"assurance", `{"id":"a","assurance_level":"high","capabilities":[]}`, []string{"assurance_level"}},
		{"cap type", `{"id":"a","capabilities":[3]}`, []string{"capabilities[0]"}},
		{"unknown cap", `{"id":"a","capabilities":["root.everything"]}`, []string{"capabilities[0]"}},
		{"limit type", `{"id":"a","capabilities":["data.file.write"],"limits":{"data.file.write":{"max_bytes":"1MB"}}}`, []string{"limits.data.file.write.max_bytes"}},
		{"unknown limit", `{"id":"a","capabilities":["web.fetch"],"limits":{"web.fetch":{"allowed_hosts":["x"]}}}`, []string{"limits.web.fetch.allowed_hosts"}},
		{"required limit", `{"id":"a","capabilities":["system.command.execute"]}`, []string{"limits.system.command.execute.allowed_commands"}},
		{"regions", `{"id":"a","capabilities":[],"regions":"US"}`, []string{"regions"}},
		{"bad glob", `{"id":"a","capabilities":["data.file.read"],"limits":{"data.file.read":{"allowed_paths":["src/**","src/[a"]}}}`, []string{"limits.data.file.read.allowed_paths[1]"}},
		{"bad domain", `{"id":"a","capabilities":["web.fetch"],"limits":{"web.fetch":{"allowed_domains":["docs.python.org","https://evil.com/"],"denied_domains":["*","*.1"]}}}`, []string{"limits.web.fetch.allowed_domains[1]", "limits.web.fetch.denied_domains[0]", "limits.web.fetch.denied_domains[1]"}},
		{"bad dir glob", `{"id":"a","capabilities":["system.command.execute"],"limits":{"system.command.execute":{"allowed_commands":["ls"],"allowed_working_directories":["{a,b"]}}}`, []string{"limits.system.command.execute.allowed_working_directories[0]"}},
		{"many at once", `{"status":"x","capabilities":"all"}`, []string{"passport_id", "status", "capabilities"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), "p.json")
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("want *Error, got %v", err)
			}
			got := map[string]bool{}
			for _, pr := range pe.Problems {
				got[pr.Field] = true
				if pr.Expected == "" {
					t.Errorf("problem %s has no expectation", pr.Field)
				}
			}
			for _, f := range tc.fields {
				if !got[f] {
					t.Errorf("no problem for %s in %v", f, pe.Problems)
				}
			}
			if !strings.Contains(err.Error(), "p.json") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadFile(filepath.Join(dir, "none.json"))
	var pe *Error
	if !errors.As(err, &pe) || !pe.NotFound {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := LoadFile(dir); err == nil {
		t.Fatal("a directory loaded")
	}
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, make([]byte, MaxSize+10), 0o600)
	if _, err := LoadFile(big); err == nil {
		t.Fatal("oversize loaded")
	}
}

func TestSignVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	signed, err := Sign([]byte(full), priv, "kid1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(signed, "s.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(p, pub); err != nil {
		t.Fatalf("valid signature rejected: %v", err)
	}
	if err := VerifySignature(p, other); err == nil {
		t.Fatal("foreign key accepted")
	}
	tampered := strings.Replace(string(signed), `"L2"`, `"L3"`, 1)
	tp, err := Parse([]byte(tampered), "t.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(tp, pub); err == nil {
		t.Fatal("changed passport accepted")
	}
	// The same signature bytes spelled differently (the unused low bits of
	// the last base64 character set) is another signature string: rejected.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	sig := p.Signature
	i := strings.IndexByte(sig, '=') - 1
	respelled := sig[:i] + string(alphabet[strings.IndexByte(alphabet, sig[i])^1]) + sig[i+1:]
	rp, err := Parse([]byte(strings.Replace(string(signed), sig, respelled, 1)), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(rp, pub); err == nil {
		t.Fatal("a respelled signature was accepted")
	}
	up, _ := Parse([]byte(full), "u.json")
	if err := VerifySignature(up, pub); !errors.Is(err, ErrUnsigned) {
		t.Fatalf("unsigned: %v", err)
	}
}
