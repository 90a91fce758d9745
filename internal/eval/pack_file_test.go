package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const demo = "/home/dev/demo"

func readCall(p string) Call {
	return Call{Tool: "Read", Cwd: demo, Workspace: demo, Ctx: Context{Path: p, HasPath: true}}
}

func searchCall(tool, root string) Call {
	return Call{Tool: tool, Cwd: demo, Workspace: demo, Ctx: Context{Path: root, HasPath: true, SearchRoot: true}}
}

func writeCall(p string, n int64) Call {
	return Call{Tool: "Write", Cwd: demo, Workspace: demo, Ctx: Context{Path: p, HasPath: true, Bytes: n, HasBytes: true}}
}

func deleteCall(p string) Call {
	return Call{Tool: "Delete", Cwd: demo, Workspace: demo, Ctx: Context{Path: p, HasPath: true, Delete: true}}
}

func TestFileReadPack(t *testing.T) {
	const src = `{"allowed_paths":["src/**","README.md","docs"]}`
	cases := []packCase{
		{name: "no limits", call: readCall("src/main.go"), want: "oap.allowed", allow: true, trace: demo + "/src/main.go"},
		{name: "relative glob is relative to the workspace", limit: src, call: readCall("src/main.go"), want: "oap.allowed", allow: true},
		{name: "absolute path in the workspace", limit: src, call: readCall(demo + "/src/a/b.go"), want: "oap.allowed", allow: true},
		{name: "exact file entry", limit: src, call: readCall("README.md"), want: "oap.allowed", allow: true},
		{name: "directory entry covers its tree", limit: src, call: readCall("docs/guide/x.md"), want: "oap.allowed", allow: true},
		{name: "directory entry is not a prefix", limit: src, call: readCall("docsx/a.md"), want: "oap.path_not_allowed"},
		{name: "outside allowed_paths", limit: src, call: readCall("go.mod"), want: "oap.path_not_allowed"},
		{name: "dotdot out of the allowed tree", limit: src, call: readCall("src/../go.mod"), want: "oap.path_not_allowed"},
		{name: "tmp dotdot etc", limit: `{"allowed_paths":["/tmp/**"]}`, call: readCall("/tmp/../etc/shadow"), want: "oap.path_not_allowed"},
		{name: "tmp allowed", limit: `{"allowed_paths":["/tmp/**"]}`, call: readCall("/tmp/x/y.log"), want: "oap.allowed", allow: true},
		{name: "home glob", limit: `{"allowed_paths":["~/notes/**"]}`, call: readCall("~/notes/a.txt"), want: "oap.allowed", allow: true},
		// \ is part of a file name here: src\pkg\a.go is one file in the workspace root
		{name: "backslash in a name", limit: src, call: readCall(`src\pkg\a.go`), want: "oap.path_not_allowed", trace: `/home/dev/demo/src\pkg\a.go`},
		{name: "drive-like name", limit: src, call: readCall(`C:\Users\dev\a.go`), want: "oap.path_not_allowed", trace: `/home/dev/demo/C:\Users\dev\a.go`},
		{name: "empty allowed_paths allows nothing", limit: `{"allowed_paths":[]}`, call: readCall("src/a.go"), want: "oap.path_not_allowed"},

		{name: "denied path", limit: `{"denied_paths":["secrets/**"]}`, call: readCall("secrets/a.txt"), want: "oap.path_denied"},
		{name: "denied path case-insensitive", limit: `{"denied_paths":["secrets/**"]}`, call: readCall("Secrets/a.txt"), want: "oap.path_denied"},
		{name: "denied directory entry", limit: `{"denied_paths":["/etc"]}`, call: readCall("/etc/hosts"), want: "oap.path_denied"},
		{name: "denied glob matches a directory above", limit: `{"denied_paths":["**/private"]}`, call: readCall("a/private/b/c.txt"), want: "oap.path_denied"},
		{name: "deny wins over allow", limit: `{"allowed_paths":["**"],"denied_paths":["src/gen/**"]}`, call: readCall("src/gen/x.go"), want: "oap.path_denied"},
		{name: "denied elsewhere", limit: `{"denied_paths":["secrets/**"]}`, call: readCall("src/a.go"), want: "oap.allowed", allow: true},

		// the built-in secret list
		{name: "dot env", call: readCall(".env"), want: "oap.path_denied", trace: ".env*"},
		{name: "dot env local", call: readCall("app/.env.local"), want: "oap.path_denied"},
		{name: "home dot env", call: readCall("~/.env"), want: "oap.path_denied"},
		{name: "env example is not secret", call: readCall(".env.example"), want: "oap.allowed", allow: true},
		{name: "ssh dir upper case", limit: `{"allowed_paths":["/home/dev/**"]}`, call: readCall("/home/dev/.SSH/config"), want: "oap.path_denied"},
		{name: "ssh key through dotdot", limit: `{"allowed_paths":["**"]}`, call: readCall("src/../../.ssh/id_rsa"), want: "oap.protected_path"},
		{name: "ssh key by name", call: readCall("/home/dev/.ssh/id_ed25519"), want: "oap.protected_path"},
		{name: "aws credentials", call: readCall("~/.aws/credentials"), want: "oap.path_denied"},
		{name: "netrc", call: readCall("/home/dev/.netrc"), want: "oap.path_denied"},
		{name: "npmrc", call: readCall(".npmrc"), want: "oap.path_denied"},
		{name: "pem", call: readCall("certs/server.PEM"), want: "oap.path_denied"},
		{name: "key", call: readCall("tls.key"), want: "oap.path_denied"},
		{name: "git credentials", call: readCall("~/.git-credentials"), want: "oap.path_denied"},
		{name: "docker config", call: readCall("~/.docker/config.json"), want: "oap.path_denied"},
		{name: "id_rsa outside ssh", call: readCall("backup/id_rsa"), want: "oap.path_denied"},
		{name: "secret under a wildcard allow", limit: `{"allowed_paths":["**"]}`, call: readCall(".env"), want: "oap.path_denied"},
		{name: "secret under a star allow", limit: `{"allowed_paths":["*"]}`, call: readCall(".env"), want: "oap.path_denied"},
		{name: "secret named explicitly", limit: `{"allowed_paths":[".env"]}`, call: readCall(".env"), want: "oap.allowed", allow: true, trace: "named explicitly"},
		{name: "secret named by a pattern on its name", limit: `{"allowed_paths":["config/*.pem"]}`, call: readCall("config/ca.pem"), want: "oap.allowed", allow: true},
		{name: "secret named, but denied", limit: `{"allowed_paths":[".env"],"denied_paths":[".env"]}`, call: readCall(".env"), want: "oap.path_denied"},
		{name: "reading a git hook is fine", call: readCall(".git/hooks/pre-commit"), want: "oap.allowed", allow: true},
		{name: "secret named after a wildcard entry", limit: `{"allowed_paths":["**",".env"]}`, call: readCall(".env"), want: "oap.allowed", allow: true, trace: "named explicitly"},

		// self-protection for reads: private keys only
		{name: "audit key", limit: `{"allowed_paths":["**"]}`, call: readCall("/home/dev/.aport/keys/audit.ed25519"), want: "oap.protected_path"},
		{name: "passport is readable", call: readCall("/home/dev/.aport/passport.json"), want: "oap.allowed", allow: true},

		// extensions
		{name: "allowed extension", limit: `{"allowed_extensions":["go",".MD"]}`, call: readCall("a/b.md"), want: "oap.allowed", allow: true},
		{name: "allowed extension case", limit: `{"allowed_extensions":["go"]}`, call: readCall("a/b.GO"), want: "oap.allowed", allow: true},
		{name: "extension not allowed", limit: `{"allowed_extensions":["go"]}`, call: readCall("a/b.py"), want: "oap.extension_not_allowed"},
		{name: "no extension not allowed", limit: `{"allowed_extensions":["go"]}`, call: readCall("Makefile"), want: "oap.extension_not_allowed"},
		{name: "denied extension", limit: `{"denied_extensions":[".exe"]}`, call: readCall("bin/a.EXE"), want: "oap.extension_not_allowed"},
		{name: "search root skips extensions", limit: `{"allowed_extensions":["go"]}`, call: searchCall("Grep", "src"), want: "oap.allowed", allow: true},
		{name: "search root is checked", limit: src, call: searchCall("Glob", "/etc"), want: "oap.path_not_allowed"},
		// Grep reads the keys below its root: self-protection, before the secret list
		{name: "search root in ssh", call: searchCall("Grep", "~/.ssh"), want: "oap.protected_path"},
		{name: "search root above ssh", call: searchCall("Grep", "~"), want: "oap.protected_path"},
		{name: "glob root in ssh", call: searchCall("Glob", "~/.ssh"), want: "oap.path_denied"},

		{name: "NUL byte", call: readCall("a\x00b"), want: "oap.invalid_context"},
		{name: "other user's home", call: readCall("~root/.bashrc"), want: "oap.invalid_context"},
		{name: "no path", call: Call{Tool: "Read", Cwd: demo}, want: "oap.invalid_context"},
		{name: "rate", limit: `{"rate_per_minute":2}`, call: readCall("a.go"), state: &fakeState{counts: map[string]int{"a|data.file.read|rate_per_minute": 2}}, want: "oap.rate_limit_exceeded"},
	}
	runPackCases(t, "data.file.read", "", cases)
}

func TestFileWritePack(t *testing.T) {
	const src = `{"allowed_paths":["src/**","tests/**"],"max_bytes":1000}`
	cases := []packCase{
		{name: "write in src", limit: src, call: writeCall("src/a.go", 10), want: "oap.allowed", allow: true},
		{name: "git hook under a wildcard", limit: `{"allowed_paths":["**"]}`, call: writeCall(".git/hooks/pre-commit", 10), want: "oap.path_denied", trace: ".git/hooks/"},
		{name: "git config under a wildcard", limit: `{"allowed_paths":["**"]}`, call: writeCall(".git/config", 10), want: "oap.path_denied"},
		{name: "submodule hook", call: writeCall(".git/modules/lib/hooks/post-checkout", 10), want: "oap.path_denied"},
		{name: "git hook named explicitly", limit: `{"allowed_paths":["src/**",".git/hooks/pre-commit"]}`, call: writeCall(".git/hooks/pre-commit", 10), want: "oap.allowed", allow: true},
		{name: "git hooks directory named", limit: `{"allowed_paths":[".git/hooks"]}`, call: writeCall(".git/hooks/pre-push", 10), want: "oap.allowed", allow: true},
		{name: "other files in .git", limit: `{"allowed_paths":["**"]}`, call: writeCall(".git/info/exclude", 10), want: "oap.allowed", allow: true},
		{name: "write outside", limit: src, call: writeCall("main.go", 10), want: "oap.path_not_allowed"},
		{name: "max bytes", limit: src, call: writeCall("src/a.go", 1000), want: "oap.allowed", allow: true},
		{name: "over max bytes", limit: src, call: writeCall("src/a.go", 1001), want: "oap.limit_exceeded"},
		{name: "max bytes, no countable content", limit: src, call: Call{Tool: "Write", Cwd: demo, Workspace: demo, Ctx: Context{Path: "src/a.go", HasPath: true}}, want: "oap.invalid_context"},
		{name: "MCP server config", limit: `{"allowed_paths":["**"]}`, call: writeCall(".mcp.json", 1), want: "oap.protected_path"},
		{name: "claude hook script", limit: `{"allowed_paths":["**"]}`, call: writeCall(".claude/hooks/format.sh", 1), want: "oap.protected_path"},
		{name: "cursor hook script", limit: `{"allowed_paths":["**"]}`, call: writeCall(".cursor/hooks/format.sh", 1), want: "oap.protected_path"},
		{name: "claude agent definition", limit: `{"allowed_paths":["**"]}`, call: writeCall(".claude/agents/a.md", 1), want: "oap.protected_path"},
		{name: "claude skill", limit: `{"allowed_paths":["**"]}`, call: writeCall(".claude/skills/x/SKILL.md", 1), want: "oap.protected_path"},
		{name: "claude shell snapshot", call: writeCall("~/.claude/shell-snapshots/snapshot-bash.sh", 1), want: "oap.protected_path"},
		{name: "managed settings", call: writeCall("/etc/claude-code/managed-settings.json", 1), want: "oap.protected_path"},
		{name: "claude session env", call: writeCall("~/.claude/session-env/s/x.sh", 1), want: "oap.protected_path"},
		{name: "editor workspace file", limit: `{"allowed_paths":["**"]}`, call: writeCall("proj.code-workspace", 1), want: "oap.protected_path"},
		{name: "dev container", limit: `{"allowed_paths":["**"]}`, call: writeCall(".devcontainer/devcontainer.json", 1), want: "oap.protected_path"},
		{name: "dev container at the root", limit: `{"allowed_paths":["**"]}`, call: writeCall(".devcontainer.json", 1), want: "oap.protected_path"},
		{name: "cursor worktree setup", limit: `{"allowed_paths":["**"]}`, call: writeCall(".cursor/worktrees.json", 1), want: "oap.protected_path"},
		{name: "cursor login", call: readCall("~/.cursor/cli-config.json"), want: "oap.path_denied"},
		{name: "through the host's /proc/self", call: writeCall("/proc/self/cwd/src/a.go", 1), want: "oap.invalid_context"},
		{name: "cursor MCP config", limit: `{"allowed_paths":["**"]}`, call: writeCall(".cursor/mcp.json", 1), want: "oap.protected_path"},
		{name: "claude user state with MCP servers", call: writeCall("~/.claude.json", 1), want: "oap.protected_path"},
		{name: "no limits", call: writeCall("/tmp/x", 1<<20), want: "oap.allowed", allow: true},
		{name: "secret write", call: writeCall(".env", 1), want: "oap.path_denied"},
		{name: "denied extension", limit: `{"denied_extensions":["sh"]}`, call: writeCall("x.sh", 1), want: "oap.extension_not_allowed"},

		// self-protection: passport cannot allow these
		{name: "claude project settings", limit: `{"allowed_paths":["**"]}`, call: writeCall(".claude/settings.json", 1), want: "oap.protected_path"},
		{name: "claude local settings", call: writeCall(".claude/settings.local.json", 1), want: "oap.protected_path"},
		{name: "claude user settings", call: writeCall("~/.claude/settings.json", 1), want: "oap.protected_path"},
		{name: "cursor hooks", call: writeCall("/home/dev/.cursor/hooks.json", 1), want: "oap.protected_path"},
		{name: "cursor project hooks", call: writeCall(".cursor/hooks.json", 1), want: "oap.protected_path"},
		{name: "aport home", call: writeCall("~/.aport/passport.json", 1), want: "oap.protected_path"},
		{name: "aport home through dotdot", call: writeCall("../.aport/audit.jsonl", 1), want: "oap.protected_path"},
		{name: "delete above aport home", call: deleteCall("/home/dev"), want: "oap.protected_path"},
		{name: "delete a file", call: deleteCall("src/a.go"), want: "oap.allowed", allow: true},
		{name: "claude commands are not hook configs", call: writeCall(".claude/commands/x.md", 1), want: "oap.allowed", allow: true},
	}
	runPackCases(t, "data.file.write", "", cases)
}

// TestFileSymlinks runs against a real tree: a link inside the workspace that
// points outside it is the file it points to.
func TestFileSymlinks(t *testing.T) {
	ws := t.TempDir()
	outside := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(ws, "src"), 0o755))
	must(t, os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("x"), 0o644))
	must(t, os.Symlink(outside, filepath.Join(ws, "src", "out")))
	must(t, os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(ws, "src", "file.txt")))
	must(t, os.Symlink("/etc", filepath.Join(ws, "src", "etc")))
	must(t, os.WriteFile(filepath.Join(outside, ".env"), []byte("K=v"), 0o644))
	must(t, os.Symlink(filepath.Join(outside, ".env"), filepath.Join(ws, "src", "config.txt")))

	call := func(tool, p string) Call {
		c := Call{Tool: tool, Cwd: ws, Workspace: ws, Ctx: Context{Path: p, HasPath: true}}
		if tool == "Write" {
			c.Ctx.HasBytes = true
		}
		return c
	}
	allow := `{"allowed_paths":["src/**"]}`
	cases := []struct {
		name, capability, limit string
		call                    Call
		want                    string
	}{
		{"link to a directory outside", "data.file.read", allow, call("Read", "src/out/secret.txt"), "oap.path_not_allowed"},
		{"link to a file outside", "data.file.read", allow, call("Read", "src/file.txt"), "oap.path_not_allowed"},
		{"link to /etc", "data.file.read", allow, call("Read", "src/etc/passwd"), "oap.path_not_allowed"},
		{"link to /etc denied", "data.file.read", `{"denied_paths":["/etc/**"]}`, call("Read", "src/etc/passwd"), "oap.path_denied"},
		{"link to a secret", "data.file.read", "", call("Read", "src/config.txt"), "oap.path_denied"},
		{"write through a link", "data.file.write", allow, call("Write", "src/out/new.txt"), "oap.path_not_allowed"},
		{"link dotdot follows the target", "data.file.read", allow, call("Read", "src/out/../x"), "oap.path_not_allowed"},
		{"plain file in src", "data.file.read", allow, call("Read", "src/plain.go"), "oap.allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"id":"a","capabilities":["` + tc.capability + `"]`
			if tc.limit != "" {
				doc += `,"limits":{"` + tc.capability + `":` + tc.limit + `}`
			}
			p := mustPassport(t, doc+`}`)
			env := testEnv()
			env.State = &fakeState{}
			c := tc.call
			c.Capability = tc.capability
			d := Evaluate(p, &c, env)
			if d.Reasons[0].Code != tc.want || d.Allow != (tc.want == "oap.allowed") {
				t.Fatalf("got %+v, want %s", d.Reasons, tc.want)
			}
			if tc.want != "oap.allowed" && !strings.Contains(d.Reasons[0].Message, filepath.Dir(outside)) && !strings.Contains(d.Reasons[0].Message, "/etc") {
				t.Errorf("the reason does not name the link's target: %s", d.Reasons[0].Message)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRelativeEntriesEveryRoot: relative entries apply under each of
// Cursor's workspace roots, and under a root reached through a symlink as
// under its target.
func TestRelativeEntriesEveryRoot(t *testing.T) {
	p := mustPassport(t, `{"id":"a","assurance_level":"L2","capabilities":["data.file.read"],"limits":{"data.file.read":{"denied_paths":["secrets/**"]}}}`)
	c := Call{Tool: "Read", Capability: "data.file.read", Cwd: demo, Workspace: demo, Roots: []string{"/home/dev/other"},
		Ctx: Context{Path: "/home/dev/other/secrets/k.txt", HasPath: true}}
	if d := Evaluate(p, &c, testEnv()); d.Allow || d.Reasons[0].Code != "oap.path_denied" {
		t.Fatalf("second root: allow=%v %v", d.Allow, d.Reasons)
	}
	dir := t.TempDir()
	ws := filepath.Join(dir, "ws")
	os.MkdirAll(filepath.Join(ws, "secrets"), 0o755)
	os.WriteFile(filepath.Join(ws, "secrets", "k.txt"), []byte("k"), 0o600)
	link := filepath.Join(dir, "wslink")
	if err := os.Symlink(ws, link); err != nil {
		t.Fatal(err)
	}
	c = Call{Tool: "Read", Capability: "data.file.read", Cwd: link, Workspace: link,
		Ctx: Context{Path: filepath.Join(ws, "secrets", "k.txt"), HasPath: true}}
	if d := Evaluate(p, &c, testEnv()); d.Allow || d.Reasons[0].Code != "oap.path_denied" {
		t.Fatalf("root through a symlink: allow=%v %v", d.Allow, d.Reasons)
	}
}
