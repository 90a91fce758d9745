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

// MaxRedactBytes bounds the input Redact searches. It is twice the stored
// bound, MaxInputBytes, so that a payload whose canonical form is smaller
// than its text (indentation, escapes) is still stored; masking costs about
// a microsecond per byte, so the bound keeps it under 0.2 s.
const MaxRedactBytes = 2 * MaxInputBytes

// Redact returns the input with secrets masked, as canonical JSON: values of
// object fields named like secrets (password, secret, token, apiKey,
// authorization, cookie, privateKey, dbPass, ...; case, -, _ and . ignored),
// the value of a {"name":<secret name>,"value":...} pair, and inside every
// string: passwords in URLs (user:pass@host) and token-only http(s) users,
// KEY=value and "KEY": value whose KEY looks secret, --password/--token
// style flags, curl -u user:pass, mysql -pPASS, sshpass -p, openssl -k/-pass,
// htpasswd -b, Authorization/Bearer/Basic credentials, PEM and PGP private
// keys, JWTs and well-known token formats (ghp_, github_pat_, sk-, AKIA/ASIA,
// xox?-, glpat-, AIza, Stripe keys). An input that is not JSON is redacted as
// one string. The rules are listed in docs/audit.md. Redaction is best
// effort: input_hash, not the stored input, is what proves what was decided.
//
// An input of more than MaxRedactBytes is not searched at all: it could not
// be stored anyway (MaxInputBytes), so the event records only its size, and
// a large file written by the agent costs nothing to mask.
func Redact(raw []byte) json.RawMessage {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if len(raw) > MaxRedactBytes {
		return omitted(len(raw))
	}
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
		// a header or setting given as a name/value pair:
		// {"name":"Authorization","value":"..."}
		for _, nk := range []string{"name", "key", "header"} {
			if n, ok := x[nk].(string); ok && secretName(n) {
				for _, vk := range []string{"value", "val"} {
					if v, ok := x[vk]; ok && v != nil {
						x[vk] = Mask
					}
				}
			}
		}
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

// secretName reports whether a field name says its value is a secret. Case,
// "-", "_", "." and spaces are ignored, so privateKey, private_key and
// Private-Key are one name.
func secretName(k string) bool {
	n := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "", ".", "").Replace(k))
	switch n {
	case "authorization", "proxyauthorization", "cookie", "setcookie", "pass", "pwd", "auth", "credentials", "credential", "bearer":
		return true
	}
	if strings.HasSuffix(n, "pass") || strings.HasSuffix(n, "pwd") {
		return true // dbPass, DB_PWD
	}
	for _, w := range []string{"password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey", "privatekey", "sessionkey", "signingkey", "secretkey", "encryptionkey", "masterkey"} {
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
		r(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)`, Mask),
		r(`(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@'"]*):[^/\s@'"]+@`, "${1}:"+Mask+"@"),
		// an http(s) URL with a user name and no password: a token as user
		r(`(?i)\b(https?://)[^/\s:@'"]+@`, "${1}"+Mask+"@"),
		// curl -u user:pass, -uuser:pass, --user user:pass (the password only)
		r(`((?:^|\s)(?:-u|--user|--proxy-user|-U)(?:=|\s*)["']?[^\s:'"]*:)[^\s'"]+`, "${1}"+Mask),
		// mysql -pPASS, -p'PASS', -p"PASS" (the password attached to -p)
		r(`(\b(?:mysql|mariadb|mysqldump|mysqladmin|mysqlimport|mysqlshow|mysqlcheck)\b[^\n;|&]*?\s-p)("[^"]*"|'[^']*'|[^\s'"]+)`, "${1}"+Mask),
		// docker login -p PASS, redis-cli -a PASS, vault login TOKEN
		r(`(\bdocker\s+login\b[^\n;|&]*?\s(?:-p|--password)(?:=|\s+))("[^"]*"|'[^']*'|[^\s'"]+)`, "${1}"+Mask),
		r(`(\bredis-cli\b[^\n;|&]*?\s-a\s+)("[^"]*"|'[^']*'|[^\s'"]+)`, "${1}"+Mask),
		r(`(\bvault\s+login\s+)([^\s-][^\s'"]*)`, "${1}"+Mask),
		// curl -b / --cookie NAME=VALUE
		r(`((?:^|\s)(?:-b|--cookie)(?:=|\s+)["']?[^\s='"]+=)[^\s'";]+`, "${1}"+Mask),
		// aws configure set aws_secret_access_key X, npm config set //host/:_authToken X
		r(`(?i)(\b(?:aws_secret_access_key|aws_session_token|_authToken|_auth|_password)["']?(?:\s*[=:]\s*|\s+))("[^"]*"|'[^']*'|[^\s'"]+)`, "${1}"+Mask),
		// .netrc: machine HOST login USER password PASS
		r(`(?i)(\bpassword\s+)("[^"]*"|'[^']*'|[^\s'"]+)`, "${1}"+Mask),
		// Slack webhooks, presigned URL signatures
		r(`(?i)(hooks\.slack\.com/services/)[A-Za-z0-9/_-]+`, "${1}"+Mask),
		r(`(?i)([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|sig)=)[^&\s'"]+`, "${1}"+Mask),
		// sshpass -p PASS, openssl -k PASS / -pass / -passin / -passout, htpasswd -b FILE USER PASS
		r(`(\bsshpass\b[^\n;|&]*?\s-p\s*)("[^"]*"|'[^']*'|[^\s'"]+)`, "${1}"+Mask),
		r(`(\bopenssl\b[^\n;|&]*?\s-(?:k|pass|passin|passout)\s+)("[^"]*"|'[^']*'|[^\s'"]+)`, "${1}"+Mask),
		r(`(\bhtpasswd\s+-[a-zA-Z]*b[a-zA-Z]*\s+(?:\S+\s+){1,2})("[^"]*"|'[^']*'|[^\s'"]+)`, "${1}"+Mask),
		r(`(?i)\b(authorization|proxy-authorization|x-api-key|api-key|x-auth-token|cookie)(["']?\s*[:=]\s*["']?)(bearer\s+|basic\s+|token\s+)?[^\s"',;]+`, "${1}${2}${3}"+Mask),
		r(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}`, "${1} "+Mask),
		r(`(?i)\b([A-Z0-9_.-]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PASSPHRASE|PWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SIGNING_?KEY|SESSION_?KEY|CREDENTIALS?|AUTH)[A-Z0-9_]*|[A-Z0-9.-]*[A-Z0-9]_(?:PASS|KEY))(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s'"&;,}]+)`, "${1}${2}"+Mask),
		r(`(?i)(--?(?:password|passwd|pass|token|secret|api-key|apikey|access-key|auth-token)(?:=|\s+))("[^"]*"|'[^']*'|\S+)`, "${1}"+Mask),
		r(`\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}`, "${1}_"+Mask),
		r(`\bgithub_pat_[A-Za-z0-9_]{20,}`, "github_pat_"+Mask),
		r(`\bsk-[A-Za-z0-9_-]{16,}`, "sk-"+Mask),
		r(`\b(AKIA|ASIA)[0-9A-Z]{16}\b(:[A-Za-z0-9/+=]{20,})?`, "${1}"+Mask),
		r(`\bxox[abposr]-[A-Za-z0-9-]{10,}`, Mask),
		r(`\bxapp-[A-Za-z0-9-]{10,}`, Mask),
		r(`\bglpat-[A-Za-z0-9_-]{20,}`, "glpat-"+Mask),
		r(`\bhf_[A-Za-z0-9]{20,}`, "hf_"+Mask),
		r(`\bnpm_[A-Za-z0-9]{30,}`, "npm_"+Mask),
		// kubeconfig: client-key-data (a private key), client-certificate-data, token
		r(`(?i)\b(client-key-data|client-certificate-data)(["']?\s*:\s*["']?)[A-Za-z0-9+/=]{16,}`, "${1}${2}"+Mask),
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
