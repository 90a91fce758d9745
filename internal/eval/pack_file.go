package eval

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/aporthq/aport/internal/pathx"
)

// data.file.read.v1 and data.file.write.v1: the path a file tool names, made
// absolute against the call's cwd, cleaned and resolved through its symlinks
// (internal/pathx), checked against self-protection, the built-in secret
// list, denied_paths, allowed_paths, the extension lists and max_bytes.
//
// A path has two forms: as written (lexically cleaned) and as the kernel
// would open it (symlinks resolved). A deny rule denies if it matches either
// form; an allow rule must match both, so neither `..` nor a link in the
// workspace reaches outside what the passport allows.
func init() {
	checkers["data.file.read.v1"] = checkFile
	checkers["data.file.write.v1"] = checkFile
}

func checkFile(k *check) {
	x := &k.c.Ctx
	write := k.c.Capability == "data.file.write"
	p, err := pathx.Normalize(x.Path, k.c.Cwd, k.env.Home)
	if err != nil {
		k.deny("oap.invalid_context", "the path of this %s call cannot be checked (%v); name the file by an absolute path or one relative to the working directory", k.c.Tool, err)
		return
	}
	forms := p.Both()
	if p.Real != "" && p.Real != p.Written {
		k.ok("path", "%s resolves to %s", p.Written, p.Real)
	} else {
		k.ok("path", "%s", p.Written)
	}
	if !fileProtection(k, forms, write) {
		return
	}
	for _, f := range forms {
		if processView(f) {
			// aport resolves /proc/self in its own process; the host opens
			// it in the host's (its cwd, its environment, its descriptors)
			k.deny("oap.invalid_context", "%s is seen through a process's own view (/proc/self, /proc/PID, /dev/fd): what it names depends on the process that opens it, so it cannot be checked; name the file itself", f)
			return
		}
	}
	allowed, hasAllowed := k.limits.Strings("allowed_paths")
	denied, _ := k.limits.Strings("denied_paths")
	for _, f := range forms {
		if entry, ok := matchAny(denied, f, k, true); ok {
			k.deny("oap.path_denied", "%s matches %s entry %q; deny wins over allowed_paths, so choose a file outside it", f, k.limitRef("denied_paths"), entry)
			return
		}
	}
	k.ok("denied_paths", "no entry matches")
	if !builtinList(k, allowed, forms, pathx.IsSecret, "secrets", "a secret location", func(f string, s pathx.Secret) string {
		return fmt.Sprintf("%s is a built-in secret location (%s), so %s is denied", f, s.Rule, verb(write))
	}) {
		return
	}
	if write && !builtinList(k, allowed, forms, pathx.IsGitExec, "git", "a place git runs programs from", func(f string, s pathx.Secret) string {
		return fmt.Sprintf("%s is under %s: git runs what is there as programs (hooks; core.pager, core.fsmonitor and the like in config), so writing it would let any allowed git command run anything", f, s.Rule)
	}) {
		return
	}
	if hasAllowed {
		for _, f := range forms {
			if _, ok := matchAny(allowed, f, k, false); !ok {
				what := f
				if f != p.Written {
					what = p.Written + " (a link to " + f + ")"
				}
				k.deny("oap.path_not_allowed", "%s is not under any %s entry (%s); %s only those paths", what, k.limitRef("allowed_paths"), listOrNone(allowed), verb(write))
				return
			}
		}
		k.ok("allowed_paths", "%s is allowed", p.Written)
	}
	if !x.SearchRoot || regularFile(p.Real) {
		// a search rooted at one file reads that file
		fileExtensions(k, forms)
		if k.denied() {
			return
		}
	}
	if write {
		if max, ok := k.limits.Int("max_bytes"); ok {
			if !x.HasBytes && !x.Delete {
				// a write whose content is in a field aport does not read
				// could be of any size
				k.deny("oap.invalid_context", "this %s carries no content field aport can count (content, contents, new_string, edits, new_source), so %s (%d) cannot be checked", k.c.Tool, k.limitRef("max_bytes"), max)
				return
			}
			if x.Bytes > max {
				k.deny("oap.limit_exceeded", "this %s carries %d bytes but %s is %d; split the change into smaller edits", k.c.Tool, x.Bytes, k.limitRef("max_bytes"), max)
				return
			}
			k.ok("max_bytes", "%d bytes within %d", x.Bytes, max)
		}
	}
}

// regularFile reports an existing file that is not a directory.
func regularFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// processView reports a path under a process's own view of the system:
// /proc/self, /proc/thread-self, /proc/PID, /dev/fd and the standard
// streams.
func processView(p string) bool {
	switch {
	case p == "/dev/stdin" || p == "/dev/stdout" || p == "/dev/stderr" || p == "/dev/fd" || strings.HasPrefix(p, "/dev/fd/"):
		return true
	case !strings.HasPrefix(p, "/proc/"):
		return false
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(p, "/proc/"), "/")
	return first == "self" || first == "thread-self" || strings.Trim(first, "0123456789") == ""
}

func verb(write bool) string {
	if write {
		return "writing"
	}
	return "reading"
}

// fileProtection applies self-protection: no file tool changes aport's own
// files or the hook configurations, and none reads a private key.
func fileProtection(k *check, forms []string, write bool) bool {
	pr := k.env.Protect
	if pr == nil {
		return true
	}
	for _, f := range forms {
		switch {
		case write && pr.Protected(f):
			k.final("oap.protected_path", "%s is one of aport's own files or a hook configuration; no tool call may change it (the passport cannot allow this)", f)
			return false
		case write && k.c.Ctx.Delete && (pr.Covers(f) || pr.HookConfigBelow(f)):
			k.final("oap.protected_path", "deleting %s would delete aport's own files or a hook configuration; no tool call may do that", f)
			return false
		case pr.Secret(f):
			k.final("oap.protected_path", "%s is a private key; no tool call may read or change it", f)
			return false
		case !write && k.c.Ctx.SearchRoot && k.c.Tool == "Grep" && pr.SecretWithin(f):
			k.final("oap.protected_path", "searching the contents of %s would read a private key below it (aport's signing key or ~/.ssh); no tool call may read one. Search a directory that holds no key", f)
			return false
		}
	}
	k.ok("self-protection", "not one of aport's files")
	return true
}

// matchAny returns the first entry matching the absolute path. An entry
// without glob syntax matches the path and everything below it (a directory
// entry covers its tree). Deny entries match case-insensitively and also
// when they match a directory above the path; allow entries match exactly.
// An entry that is not a valid glob matches for deny and never for allow.
func matchAny(entries []string, abs string, k *check, deny bool) (string, bool) {
	for _, e := range entries {
		for _, root := range k.roots() {
			if matchEntry(e, root, abs, k, deny) {
				return e, true
			}
		}
	}
	return "", false
}

// roots are the directories relative entries are anchored on: the
// workspace, Cursor's other workspace roots, and each of them with its
// symlinks resolved (a project reached through a link is the same project).
func (k *check) roots() []string {
	if k.rootsDone {
		return k.rootList
	}
	k.rootsDone = true
	for _, r := range append([]string{k.c.Workspace}, k.c.Roots...) {
		if !slices.Contains(k.rootList, r) {
			k.rootList = append(k.rootList, r)
		}
		if real, err := filepath.EvalSymlinks(r); err == nil && real != r && !slices.Contains(k.rootList, real) {
			k.rootList = append(k.rootList, real)
		}
	}
	return k.rootList
}

// matchEntry reports whether one entry, anchored on root when relative,
// matches abs (see matchAny).
func matchEntry(e, root, abs string, k *check, deny bool) bool {
	g := cleanGlob(absGlob(e, root, k.env.Home))
	name := abs
	if deny {
		g, name = strings.ToLower(g), strings.ToLower(abs)
	}
	if !hasMeta(g) {
		return within(name, g)
	}
	ok, err := doublestar.Match(g, name)
	if err != nil {
		return deny
	}
	if ok {
		return true
	}
	if deny {
		for d := path.Dir(name); d != "/" && d != "."; d = path.Dir(d) {
			if ok, _ := doublestar.Match(g, d); ok {
				return true
			}
		}
	}
	return false
}

// namesSecret reports whether an allowed_paths entry names the secret path
// explicitly: it matches the path but would not match the same path with the
// secret element replaced by an ordinary name (so `**` or `src/*` never do).
func namesSecret(allowed []string, abs string, s pathx.Secret, k *check) (string, bool) {
	probes := s.Probes(abs)
next:
	for _, entry := range allowed {
		if _, ok := matchAny([]string{entry}, abs, k, false); !ok {
			continue
		}
		for _, probe := range probes {
			if _, wild := matchAny([]string{entry}, probe, k, false); wild {
				continue next // a wildcard that matches any name there
			}
		}
		return entry, true
	}
	return "", false
}

// fileExtensions checks allowed_extensions and denied_extensions against the
// file's extension, case-insensitively, with or without the leading dot.
func fileExtensions(k *check, forms []string) {
	allowed, hasAllowed := k.limits.Strings("allowed_extensions")
	denied, _ := k.limits.Strings("denied_extensions")
	if !hasAllowed && len(denied) == 0 {
		return
	}
	for _, f := range forms {
		ext := extension(f)
		if containsExt(denied, ext) {
			k.deny("oap.extension_not_allowed", "%s has the extension %q, which %s lists", f, ext, k.limitRef("denied_extensions"))
			return
		}
		if hasAllowed && !containsExt(allowed, ext) {
			shown := ext
			if shown == "" {
				shown = "(none)"
			}
			k.deny("oap.extension_not_allowed", "%s has the extension %s, which is not in %s (%s)", f, shown, k.limitRef("allowed_extensions"), listOrNone(allowed))
			return
		}
	}
	k.ok("extensions", "%q is allowed", extension(forms[0]))
}

// extension is the lower-cased extension of the base name without its dot;
// a dot file with no other dot (".bashrc") has none.
func extension(p string) string {
	base := path.Base(p)
	i := strings.LastIndexByte(base, '.')
	if i <= 0 {
		return ""
	}
	return strings.ToLower(base[i+1:])
}

func containsExt(list []string, ext string) bool {
	for _, e := range list {
		if strings.ToLower(strings.TrimPrefix(e, ".")) == ext {
			return true
		}
	}
	return false
}

func hasMeta(g string) bool { return strings.ContainsAny(g, "*?[{\\") }

// cleanGlob removes `.`, `..` and doubled slashes from the literal part of
// an absolute glob, so `/ws/./src/**` and `/ws/src/**` mean the same.
func cleanGlob(g string) string {
	if !strings.HasPrefix(g, "/") {
		return g
	}
	i := strings.IndexAny(g, "*?[{\\")
	if i < 0 {
		return path.Clean(g)
	}
	j := strings.LastIndexByte(g[:i], '/')
	if j <= 0 {
		return g
	}
	return strings.TrimSuffix(path.Clean(g[:j]), "/") + g[j:]
}

// builtinList applies a built-in list of paths (the secret list, the places
// git runs programs from): a path on it is denied unless an allowed_paths
// entry names it explicitly. It reports whether the call may go on.
func builtinList(k *check, allowed, forms []string, on func(string) (pathx.Secret, bool), step, what string, why func(string, pathx.Secret) string) bool {
	for _, f := range forms {
		s, ok := on(f)
		if !ok {
			continue
		}
		if entry, named := namesSecret(allowed, f, s, k); named {
			k.ok(step, "%s is %s (%s) named explicitly by allowed_paths entry %q", f, what, s.Rule, entry)
			continue
		}
		// built in, not a limit the passport sets: break-glass does not lift it
		k.final("oap.path_denied", "%s; the passport can allow it only by naming the path explicitly in %s", why(f, s), k.limitRef("allowed_paths"))
		return false
	}
	return true
}
