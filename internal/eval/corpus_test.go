package eval_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aporthq/aport/internal/eval"
	"github.com/aporthq/aport/internal/hooks"
	"github.com/aporthq/aport/internal/passport"
)

// The shell corpus (internal/shell/testdata/corpus) run end to end through
// the evaluator: each line becomes a Claude Code Bash payload, decoded by the
// host adapter and decided against a passport whose limits are the corpus
// policy, with aport's own self-protection.

const devLimits = `{
  "allowed_commands": ["ls", "cat", "echo", "grep", "git status", "git diff", "git log", "git add", "git commit",
    "git push", "git checkout", "git restore", "go test", "go build", "go vet", "gofmt", "make", "tail", "head",
    "sort", "wc", "find", "xargs", "date", "npm test", "npm run", "sed", "cp", "mv", "rm", "mkdir", "touch", "tee",
    "chmod", "sh", "bash", "python3", "node", "curl", "sudo", "env", "timeout", "nice", "nohup", "tar", "printf",
    "./node_modules/.bin/eslint", "jq", "diff", "awk", "tr", "cut", "uniq", "basename", "dirname", "realpath", "which",
    "read", "source", "dd", "eval", "ssh", "wget", "unzip", "ln", "perl", "patch", "vim", "truncate", "rmdir", "aport",
    "time", "command", "exec", "watch", "stdbuf", "parallel", "flock", "setsid", "script", "strace", "su", "doas"],
  "denied_commands": ["git push --force", "rm -r -f", "git reset --hard", "sudo rm"],
  "ask_commands": ["git push"],
  "denied_args": ["--no-verify", "*.pem"],
  "allowed_env": ["GIT_PAGER"],
  "allowed_working_directories": ["/home/dev/**", "/tmp/**"]
}`

func corpusPassport(t *testing.T, limits string) *passport.Passport {
	t.Helper()
	p, err := passport.Parse([]byte(`{"id":"corpus","capabilities":["system.command.execute"],"limits":{"system.command.execute":`+limits+`}}`), "corpus")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestShellCorpusThroughEvaluator(t *testing.T) {
	passports := map[string]*passport.Passport{
		"dev":  corpusPassport(t, devLimits),
		"star": corpusPassport(t, `{"allowed_commands":["*"]}`),
	}
	files, _ := filepath.Glob("../shell/testdata/corpus/*.txt")
	if len(files) == 0 {
		t.Fatal("no corpus")
	}
	env := eval.Env{Now: time.Now(), Home: "/home/dev", Protect: &eval.Protector{Home: "/home/dev", AportHome: "/home/dev/.aport"}}
	n := 0
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		pol := "dev"
		sc := bufio.NewScanner(f)
		line := 0
		for sc.Scan() {
			line++
			text := strings.TrimSpace(sc.Text())
			if text == "" || strings.HasPrefix(text, "#") {
				continue
			}
			if v, ok := strings.CutPrefix(text, "@policy "); ok {
				pol = strings.TrimSpace(v)
				continue
			}
			head, src, ok := strings.Cut(sc.Text(), " | ")
			if !ok {
				t.Fatalf("%s:%d: bad line", fn, line)
			}
			src = strings.ReplaceAll(src, "<NL>", "\n")
			expect, code, _ := strings.Cut(strings.TrimSpace(head), " ")
			payload, _ := json.Marshal(map[string]any{
				"session_id": "s", "cwd": "/home/dev/demo", "hook_event_name": "PreToolUse",
				"tool_name": "Bash", "tool_input": map[string]any{"command": src},
			})
			m, err := hooks.ParsePayload(payload)
			if err != nil {
				t.Fatal(err)
			}
			call, err := hooks.Decode(hooks.Claude, m)
			if err != nil {
				// an empty command is an input the adapter refuses: a deny
				if expect != "deny" {
					t.Errorf("%s:%d: %q: decode: %v", filepath.Base(fn), line, src, err)
				}
				continue
			}
			d := eval.Evaluate(passports[pol], call, env)
			got := "deny"
			if d.Allow {
				got = "allow"
			} else if d.Ask {
				got = "ask"
			}
			n++
			if got != expect {
				t.Errorf("%s:%d: %q: got %s %v, want %s %s", filepath.Base(fn), line, src, got, d.Reasons, expect, code)
				continue
			}
			if expect == "deny" && code != "" {
				found := false
				for _, r := range d.Reasons {
					found = found || r.Code == code
				}
				if !found {
					t.Errorf("%s:%d: %q: codes %v, want %s", filepath.Base(fn), line, src, d.Reasons, code)
				}
			}
		}
		f.Close()
	}
	if n < 300 {
		t.Errorf("only %d corpus cases ran", n)
	}
}
