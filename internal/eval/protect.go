package eval

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Protector knows aport's own files: the passport, $APORT_HOME (keys, audit
// log, state) and the hook configurations. No tool call may change them, and
// no tool call may read the private keys. It is independent of the passport.
type Protector struct {
	Home      string   // the user's home
	AportHome string   // $APORT_HOME
	Files     []string // other files aport uses: the passport, audit log, keys, state dir
	Secrets   []string // private key files and directories: never readable
	Prefixes  []string // files whose siblings share the name: the audit log's segments, lock and head

	once     sync.Once
	resolved []string // Files and AportHome with symlinks resolved, built on first use
	secrets  []string // Secrets and $APORT_HOME/keys, likewise

	mu   sync.Mutex
	real map[string]string // candidate paths with their symlinks resolved, "" when unchanged
}

// physical is the package's physical, remembered per path: one call asks
// about the same path for several rules.
func (p *Protector) physical(abs string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.real[abs]; ok {
		return r, r != ""
	}
	r, changed := physical(abs)
	if !changed {
		r = ""
	}
	if p.real == nil {
		p.real = map[string]string{}
	}
	p.real[abs] = r
	return r, changed
}

func withResolved(paths []string) []string {
	out := make([]string, 0, 2*len(paths))
	for _, f := range paths {
		if f == "" {
			continue
		}
		out = append(out, f)
		if real, err := filepath.EvalSymlinks(f); err == nil && real != f {
			out = append(out, real)
		}
	}
	return out
}

// all returns AportHome and Files, each also with its symlinks resolved. The
// resolution (a few syscalls per file) happens only when a call asks.
func (p *Protector) all() []string {
	p.resolve()
	return p.resolved
}

func (p *Protector) resolve() {
	p.once.Do(func() {
		p.resolved = withResolved(append([]string{p.AportHome}, p.Files...))
		secrets := append([]string(nil), p.Secrets...)
		if p.AportHome != "" {
			secrets = append(secrets, filepath.Join(p.AportHome, "keys"))
		}
		p.secrets = withResolved(secrets)
	})
}

// physical returns abs with the symlinks in its longest existing prefix
// resolved, and whether that differs from abs. A path can reach aport's files
// through a symlink the text never names: /proc/self/root/home/u/.aport/...,
// /proc/PID/cwd/..., or a link made earlier. A path that does not exist yet
// is resolved through its nearest existing parent.
func physical(abs string) (string, bool) {
	if !filepath.IsAbs(abs) {
		return abs, false
	}
	rest := ""
	dir := abs
	for i := 0; i < 64; i++ {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			out := filepath.Join(real, rest)
			return out, out != abs
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
	return abs, false
}

// Protected reports whether changing the absolute, cleaned path would touch
// aport's own files or a hook configuration, as written or with its symlinks
// resolved.
func (p *Protector) Protected(abs string) bool {
	if p == nil {
		return false
	}
	if p.protected(abs) {
		return true
	}
	real, ok := p.physical(abs)
	return ok && p.protected(real)
}

func (p *Protector) protected(abs string) bool {
	for _, f := range p.all() {
		if withinFold(abs, f) {
			return true
		}
	}
	for _, f := range p.Prefixes {
		if f != "" && len(abs) >= len(f) && strings.EqualFold(abs[:len(f)], f) {
			return true
		}
	}
	return isHookConfig(abs)
}

// Secret reports whether reading the path, as written or with its symlinks
// resolved, would expose a private key.
func (p *Protector) Secret(abs string) bool {
	if p == nil {
		return false
	}
	if p.secret(abs) {
		return true
	}
	real, ok := p.physical(abs)
	return ok && p.secret(real)
}

func (p *Protector) secret(abs string) bool {
	p.resolve()
	for _, f := range p.secrets {
		if withinFold(abs, f) {
			return true
		}
	}
	return isSSHPrivateKey(abs)
}

// SecretWithin reports whether a private key lies in the directory tree at
// root: aport's keys, or the home's .ssh directory. A search that reads the
// contents of the files below root (Grep) would read it.
func (p *Protector) SecretWithin(root string) bool {
	if p == nil {
		return false
	}
	p.resolve()
	cands := append([]string(nil), p.secrets...)
	if p.Home != "" {
		cands = append(cands, filepath.Join(p.Home, ".ssh"))
	}
	real, ok := p.physical(root)
	for _, f := range cands {
		if withinFold(f, root) || (ok && withinFold(f, real)) {
			return true
		}
	}
	return false
}

// Known lists aport's own files and directories (the passport, $APORT_HOME,
// the audit log, the keys, the state, the program) and the private keys, as
// given and with symlinks resolved: for checks that only know the end of a
// path.
func (p *Protector) Known() (own, secrets []string) {
	if p == nil {
		return nil, nil
	}
	p.resolve()
	own = append(append([]string(nil), p.resolved...), p.Prefixes...)
	if p.AportHome != "" {
		// the files aport keeps there by default, by name
		for _, n := range []string{"passport.json", "audit.jsonl", "audit.jsonl.head", "audit.jsonl.lock", "keys/audit.ed25519", "state/state.db", "state/breakglass.json"} {
			own = append(own, filepath.Join(p.AportHome, n))
		}
	}
	return own, append([]string(nil), p.secrets...)
}

// HookConfigBelow reports whether deleting the directory abs would delete a
// hook or MCP configuration: one in abs itself (a project), or the home's
// when abs holds the home.
func (p *Protector) HookConfigBelow(abs string) bool {
	if p == nil {
		return false
	}
	roots := []string{abs}
	if p.Home != "" && withinFold(p.Home, abs) {
		roots = append(roots, p.Home)
	}
	for _, r := range roots {
		for _, name := range []string{".claude", ".cursor", ".mcp.json", ".claude.json"} {
			if _, err := os.Lstat(filepath.Join(r, name)); err == nil {
				return true
			}
		}
	}
	return false
}

// Covers reports whether abs is an ancestor directory of a protected file:
// removing, moving or chmod'ing it recursively would change aport's files.
func (p *Protector) Covers(abs string) bool {
	if p == nil {
		return false
	}
	real, ok := p.physical(abs)
	for _, f := range p.all() {
		if withinFold(f, abs) || (ok && withinFold(f, real)) {
			return true
		}
	}
	return false
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	if dir == "" {
		return false
	}
	dir = filepath.Clean(dir)
	if path == dir {
		return true
	}
	if dir == "/" {
		return strings.HasPrefix(path, "/")
	}
	return strings.HasPrefix(path, dir+"/")
}

// withinFold is within ignoring case, for self-protection: on macOS and
// Windows the file system ignores it (~/.APORT/passport.json is the
// passport), and on Linux the cost is only denying a name that differs in
// case from one of aport's files.
func withinFold(path, dir string) bool {
	if dir == "" {
		return false
	}
	dir = filepath.Clean(dir)
	if strings.EqualFold(path, dir) {
		return true
	}
	if dir == "/" {
		return strings.HasPrefix(path, "/")
	}
	return len(path) > len(dir) && path[len(dir)] == '/' && strings.EqualFold(path[:len(dir)], dir)
}

// isHookConfig matches Claude Code's and Cursor's hook configuration files
// wherever they are: ~/.claude/settings*.json, <project>/.claude/settings*.json,
// ~/.cursor/hooks.json and <project>/.cursor/hooks.json.
func isHookConfig(abs string) bool {
	switch abs {
	case "/etc/claude-code/managed-settings.json", "/etc/claude-code/managed-mcp.json",
		"/Library/Application Support/ClaudeCode/managed-settings.json", "/Library/Application Support/ClaudeCode/managed-mcp.json",
		"/etc/cursor/hooks.json":
		return true // managed settings can turn every hook off
	}
	// what the host runs from its configuration directory: hook scripts,
	// agents and skills (which may declare hooks), plugins,
	// the shell snapshot sourced before each Bash call
	el := strings.Split(abs, "/")
	for i := 0; i+1 < len(el); i++ {
		switch strings.ToLower(el[i]) {
		case ".claude":
			switch strings.ToLower(el[i+1]) {
			case "hooks", "agents", "skills", "plugins", "shell-snapshots", "session-env", "local":
				return true
			}
		case ".cursor":
			if strings.EqualFold(el[i+1], "hooks") || strings.EqualFold(el[i+1], "worktrees.json") {
				return true // worktrees.json: commands Cursor runs for each worktree
			}
		case ".devcontainer":
			return true // dev container specs, at any depth, run their commands
		case ".local":
			if i+3 < len(el) && strings.EqualFold(el[i+1], "share") && (strings.EqualFold(el[i+2], "claude") || strings.EqualFold(el[i+2], "cursor-agent")) {
				return true // Claude Code's native install, cursor-agent's
			}
		case "@anthropic-ai":
			if strings.EqualFold(el[i+1], "claude-code") {
				return true // Claude Code installed by npm or bun
			}
		}
	}
	dir, base := filepath.Split(abs)
	parent := filepath.Base(filepath.Clean(dir))
	lb := strings.ToLower(base)
	switch strings.ToLower(parent) {
	case ".claude":
		// settings.json, settings.local.json and their .aport-backup copies
		return strings.HasPrefix(lb, "settings") && strings.Contains(lb, ".json") || lb == "hooks"
	case ".cursor":
		return strings.HasPrefix(lb, "hooks.json") || lb == "hooks" || lb == "mcp.json"
	}
	// MCP server configurations: a server added there is a program the
	// host starts (.mcp.json, ~/.claude.json, .cursor/mcp.json above)
	if lb == ".mcp.json" || lb == ".claude.json" || lb == ".devcontainer.json" {
		return true
	}
	// editor tasks that run when the folder is opened (runOn: folderOpen),
	// terminal settings, workspace files and dev containers
	if strings.EqualFold(parent, ".vscode") && (lb == "tasks.json" || lb == "launch.json" || lb == "settings.json") ||
		strings.HasSuffix(lb, ".code-workspace") || strings.EqualFold(parent, ".devcontainer") && strings.HasSuffix(lb, ".json") {
		return true
	}
	// a directory holding the configs: .claude or .cursor itself
	return lb == ".claude" || lb == ".cursor"
}

// isSSHPrivateKey matches private keys in an .ssh directory (id_rsa,
// id_ed25519, ... but not their .pub halves): no tool call reads them, shell
// text included.
func isSSHPrivateKey(abs string) bool {
	dir, base := filepath.Split(abs)
	if !strings.EqualFold(filepath.Base(filepath.Clean(dir)), ".ssh") {
		return false
	}
	lb := strings.ToLower(base)
	return strings.HasPrefix(lb, "id_") && !strings.HasSuffix(lb, ".pub")
}
