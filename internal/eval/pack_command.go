package eval

import (
	"path/filepath"
	"strings"

	"github.com/aporthq/aport/internal/pathx"
	"github.com/aporthq/aport/internal/shell"
)

// system.command.execute.v1: every command the shell text would run. The
// analysis lives in internal/shell; this file turns passport limits into a
// shell.Policy and the findings into reasons.
func init() { checkers["system.command.execute.v1"] = checkCommand }

// claudeDefaultTimeoutMS is Claude Code's Bash timeout when the call names none.
const claudeDefaultTimeoutMS = 120000

func checkCommand(k *check) {
	x := &k.c.Ctx
	pol := &shell.Policy{}
	pol.Allowed, _ = k.limits.Strings("allowed_commands")
	pol.Denied, _ = k.limits.Strings("denied_commands")
	pol.Ask, _ = k.limits.Strings("ask_commands")
	pol.DeniedArgs, _ = k.limits.Strings("denied_args")
	pol.AllowedEnv, _ = k.limits.Strings("allowed_env")
	if dirs, ok := k.limits.Strings("allowed_working_directories"); ok {
		pol.HasAllowedDirs = true
		for _, d := range dirs {
			pol.AllowedDirs = append(pol.AllowedDirs, absGlob(d, k.c.Workspace, k.env.Home))
		}
	}
	if max, ok := k.limits.Int("max_execution_time"); ok {
		ms, has := x.TimeoutMS, x.HasTimeout
		if !has && k.c.Host == "claude-code" {
			ms, has = claudeDefaultTimeoutMS, true
		}
		if has && ms > max*1000 {
			k.deny("oap.limit_exceeded", "the command asks for a timeout of %d s but %s allows at most %d s; pass a shorter timeout", (ms+999)/1000, k.limitRef("max_execution_time"), max)
		} else if has {
			k.ok("max_execution_time", "timeout %d ms within %d s", ms, max)
		}
	}
	env := shell.Env{Cwd: k.c.Cwd, Home: k.env.Home, CDPath: k.env.CDPath, Path: k.env.Path, Physical: pathx.Kernel, Glob: globFiles}
	if k.env.Protect != nil {
		env.Protected = k.env.Protect.Protected
		env.Secret = k.env.Protect.Secret
		env.Own, env.Secrets = k.env.Protect.Known()
	}
	res := shell.Check(x.Command, pol, env)
	for _, t := range res.Trace {
		k.d.Trace = append(k.d.Trace, Step{Check: "command", OK: t.OK, Detail: t.Command + ": " + t.Rule})
	}
	// Catastrophic operations and self-protection come first: they are the
	// reason a reader needs to see, and no passport change would lift them.
	for _, f := range res.Findings {
		if f.Code == "oap.dangerous_operation" || f.Code == "oap.protected_path" {
			k.final(f.Code, "%s", f.Message)
		}
	}
	for _, f := range res.Findings {
		if f.Code != "oap.dangerous_operation" && f.Code != "oap.protected_path" {
			k.deny(f.Code, "%s", f.Message)
		}
	}
	if len(res.Findings) == 0 && len(res.Ask) > 0 && !k.denied() {
		k.d.Ask = true
		for _, a := range res.Ask {
			k.d.Reasons = append(k.d.Reasons, Reason{Code: a.Code, Message: "needs the user's confirmation: " + a.Message})
		}
	}
}

// absGlob makes a passport glob absolute: ~ expands to the home and a
// relative glob is relative to the workspace root.
func absGlob(g, workspace, home string) string {
	g = strings.ReplaceAll(g, "\\", "/")
	switch {
	case g == "~":
		return home
	case strings.HasPrefix(g, "~/"):
		return filepath.ToSlash(filepath.Join(home, g[2:]))
	case strings.HasPrefix(g, "/"):
		return g
	}
	if workspace == "" {
		return g
	}
	if g == "**" || g == "*" {
		return strings.TrimSuffix(filepath.ToSlash(workspace), "/") + "/" + g
	}
	return strings.TrimSuffix(filepath.ToSlash(workspace), "/") + "/" + strings.TrimPrefix(g, "./")
}

// globFiles lists the files pattern matches (none for a bad pattern).
func globFiles(pattern string) []string {
	m, _ := filepath.Glob(pattern)
	return m
}
