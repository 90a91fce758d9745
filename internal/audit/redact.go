package audit

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
)

// Mask replaces every secret Redact finds.
const Mask = "[REDACTED]"

// Redact returns the input with secrets masked, as canonical JSON: values of
// object fields named like secrets (password, secret, token, api_key,
// authorization, cookie, private_key, ...), and inside every string:
// passwords in URLs (user:pass@host), KEY=value assignments whose KEY looks
// secret, --password/--token style flags, Authorization/Bearer/Basic
// credentials, PEM private keys, JWTs and well-known token formats (ghp_,
// github_pat_, sk-, AKIA/ASIA, xox?-, glpat-, AIza, Stripe keys). An input
// that is not JSON is redacted as one string. Redaction is best effort:
// input_hash, not the stored input, is what proves what was decided.
func Redact(raw []byte) json.RawMessage {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		b, _ := json.Marshal(RedactString(string(raw)))
		return canonicalInput(b)
	}
	v = redactValue(v, 0)
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(Mask)
	}
	return canonicalInput(b)
}

func redactValue(v any, depth int) any {
	if depth > 64 {
		return Mask
	}
	switch x := v.(type) {
	case string:
		return RedactString(x)
	case map[string]any:
		for k, e := range x {
			if secretName(k) {
				if e != nil {
					x[k] = Mask
				}
				continue
			}
			x[k] = redactValue(e, depth+1)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = redactValue(e, depth+1)
		}
		return x
	}
	return v
}

// secretName reports whether a field name says its value is a secret.
func secretName(k string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "_", " ", "_").Replace(k))
	switch n {
	case "authorization", "proxy_authorization", "cookie", "set_cookie", "pass", "pwd", "auth", "credentials", "credential":
		return true
	}
	for _, w := range []string{"password", "passwd", "passphrase", "secret", "token", "api_key", "apikey", "access_key", "private_key", "client_secret", "session_key", "signing_key"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

type rule struct {
	re   *regexp.Regexp
	repl string
}

var rules = sync.OnceValue(func() []rule {
	r := func(expr, repl string) rule { return rule{regexp.MustCompile(expr), repl} }
	return []rule{
		r(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`, Mask),
		r(`(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@'"]*):[^/\s@'"]+@`, "${1}:"+Mask+"@"),
		r(`(?i)\b(authorization|proxy-authorization|x-api-key|api-key|x-auth-token|cookie)(["']?\s*[:=]\s*["']?)(bearer\s+|basic\s+|token\s+)?[^\s"',;]+`, "${1}${2}${3}"+Mask),
		r(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}`, "${1} "+Mask),
		r(`(?i)\b([A-Z0-9_.-]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|PWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)[A-Z0-9_]*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s'"&;]+)`, "${1}${2}"+Mask),
		r(`(?i)(--?(?:password|passwd|pass|token|secret|api-key|apikey|access-key|auth-token)(?:=|\s+))("[^"]*"|'[^']*'|\S+)`, "${1}"+Mask),
		r(`\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}`, "${1}_"+Mask),
		r(`\bgithub_pat_[A-Za-z0-9_]{20,}`, "github_pat_"+Mask),
		r(`\bsk-[A-Za-z0-9_-]{16,}`, "sk-"+Mask),
		r(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`, "${1}"+Mask),
		r(`\bxox[abposr]-[A-Za-z0-9-]{10,}`, Mask),
		r(`\bglpat-[A-Za-z0-9_-]{20,}`, "glpat-"+Mask),
		r(`\bAIza[0-9A-Za-z_-]{35}`, Mask),
		r(`\b([rs]k)_(live|test)_[0-9A-Za-z]{16,}`, "${1}_${2}_"+Mask),
		r(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`, Mask),
	}
})

// RedactString masks the secrets Redact finds inside one string.
func RedactString(s string) string {
	for _, r := range rules() {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}
