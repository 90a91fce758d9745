package shell

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The corpus policies. Every corpus file documents which one it uses.
var (
	// devPolicy: a typical coding agent.
	devPolicy = &Policy{
		Allowed: []string{"ls", "cat", "echo", "grep", "git status", "git diff", "git log", "git add", "git commit",
			"git push", "git checkout", "git restore", "go test", "go build", "go vet", "gofmt", "make", "tail", "head",
			"sort", "wc", "find", "xargs", "date", "npm test", "npm run", "sed", "cp", "mv", "rm", "mkdir", "touch", "tee",
			"chmod", "sh", "bash", "python3", "node", "curl", "sudo", "env", "timeout", "nice", "nohup", "tar", "printf",
			"./node_modules/.bin/eslint", "jq", "diff", "awk", "tr", "cut", "uniq", "basename", "dirname", "realpath", "which",
			"read", "source", "dd", "eval", "ssh", "wget", "unzip", "ln", "perl", "patch", "vim", "truncate", "rmdir", "aport",
			"time", "command", "exec", "watch", "stdbuf", "parallel", "flock", "setsid", "script", "strace", "su", "doas"},
		Denied:      []string{"git push --force", "rm -r -f", "git reset --hard", "sudo rm"},
		Ask:         []string{"git push"},
		DeniedArgs:  []string{"--no-verify", "*.pem"},
		AllowedEnv:  []string{"GIT_PAGER"},
		AllowedDirs: []string{"/home/dev/**", "/tmp/**"}, HasAllowedDirs: true,
	}
	// starPolicy: everything allowed; only the built-in catalogue and
	// self-protection deny.
	starPolicy = &Policy{Allowed: []string{"*"}}
)

func testEnv() Env {
	return Env{
		Cwd:       "/home/dev/demo",
		Home:      "/home/dev",
		Protected: testProtected,
		Secret:    testSecret,
		Own:       []string{"/home/dev/.aport", "/home/dev/.aport/passport.json", "/home/dev/.aport/keys/audit.ed25519"},
		Secrets:   []string{"/home/dev/.aport/keys"},
	}
}

func within(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

// testProtected mirrors aport's self-protection: $APORT_HOME (~/.aport), the
// hook configs in any directory, and the .claude and .cursor directories of
// the home and of the project.
func testProtected(p string) bool {
	if within(p, "/home/dev/.aport") {
		return true
	}
	dir, base := filepath.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	switch filepath.Base(dir) {
	case ".claude":
		if strings.HasPrefix(base, "settings") && strings.HasSuffix(base, ".json") {
			return true
		}
	case ".cursor":
		if base == "hooks.json" || base == "mcp.json" {
			return true
		}
	}
	if base == ".mcp.json" || base == ".claude.json" {
		return true
	}
	switch p {
	case "/home/dev/.claude", "/home/dev/.cursor", "/home/dev/demo/.claude", "/home/dev/demo/.cursor":
		return true
	}
	return false
}

func testSecret(p string) bool {
	return within(p, "/home/dev/.aport/keys") || (strings.HasPrefix(p, "/home/dev/.ssh/id_") && !strings.HasSuffix(p, ".pub"))
}

type corpusCase struct {
	file   string
	line   int
	policy string
	expect string // allow, ask, deny
	code   string // with deny: the code that must be among the findings ("" = any)
	src    string
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	var out []corpusCase
	for _, fn := range files {
		f, err := os.Open(fn)
		if err != nil {
			t.Fatal(err)
		}
		pol := "dev"
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			n++
			line := sc.Text()
			trim := strings.TrimSpace(line)
			if trim == "" || strings.HasPrefix(trim, "#") {
				continue
			}
			if strings.HasPrefix(trim, "@policy ") {
				pol = strings.TrimSpace(strings.TrimPrefix(trim, "@policy "))
				continue
			}
			head, src, ok := strings.Cut(line, " | ")
			if !ok {
				t.Fatalf("%s:%d: want `expect | command`", fn, n)
			}
			head = strings.TrimSpace(head)
			exp, code, _ := strings.Cut(head, " ")
			switch exp {
			case "allow", "ask", "deny":
			default:
				t.Fatalf("%s:%d: unknown expectation %q", fn, n, exp)
			}
			src = strings.ReplaceAll(strings.ReplaceAll(src, "<NL>", "\n"), "<CR>", "\r")
			out = append(out, corpusCase{file: filepath.Base(fn), line: n, policy: pol, expect: exp, code: strings.TrimSpace(code), src: src})
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestCorpus(t *testing.T) {
	t.Parallel()
	cases := loadCorpus(t)
	if len(cases) < 300 {
		t.Errorf("corpus has %d cases, want hundreds", len(cases))
	}
	for _, tc := range cases {
		pol := devPolicy
		switch tc.policy {
		case "dev":
		case "star":
			pol = starPolicy
		default:
			t.Fatalf("%s:%d: unknown policy %q", tc.file, tc.line, tc.policy)
		}
		res := Check(tc.src, pol, testEnv())
		fail := func(why string) {
			t.Errorf("%s:%d: %s | %s\n  %s\n  findings: %s\n  ask: %s", tc.file, tc.line, tc.expect+" "+tc.code, tc.src, why, fmtFindings(res.Findings), fmtFindings(res.Ask))
		}
		switch tc.expect {
		case "allow":
			if len(res.Findings) != 0 || len(res.Ask) != 0 {
				fail("want allowed")
			}
		case "ask":
			if len(res.Findings) != 0 || len(res.Ask) == 0 {
				fail("want ask")
			}
		case "deny":
			if len(res.Findings) == 0 {
				fail("want denied")
			} else if tc.code != "" && !hasCode(res.Findings, tc.code) {
				fail("want code " + tc.code)
			}
		}
	}
}

func hasCode(fs []Finding, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

func fmtFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("\n    " + f.Code + ": " + f.Message)
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}
