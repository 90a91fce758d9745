package eval

import (
	"net/url"
	"strings"
)

// code.repository.merge.v1: which repositories and base branches pull
// requests may be opened against or merged into.
//
// The repository is "owner/name" (a URL or a trailing .git is reduced to
// that); the base branch is the call's base, else its branch. Both are
// matched against globs (path.Match syntax, case-insensitive, so "acme/*"
// does not reach "acme/x/y"). The action (create, merge, ...) is noted. The
// counting limit max_prs_per_day is in rate.go and counts every allowed call.
func init() { checkers["code.repository.merge.v1"] = checkRepo }

func checkRepo(k *check) {
	f := k.c.Ctx.Fields
	raw, ok := f["repository"].(string)
	repo := normalizeRepo(raw)
	if !ok || repo == "" {
		k.deny("oap.invalid_context", "repository must be a string such as \"owner/name\", found %s", describe(f["repository"]))
		return
	}
	field := "base"
	bv, present := f["base"]
	if !present || bv == nil {
		field, bv = "branch", f["branch"]
	}
	branch, ok := bv.(string)
	if !ok || strings.TrimSpace(branch) == "" {
		k.deny("oap.invalid_context", "the call names no base branch: send base (or branch) as a non-empty string, found %s", describe(bv))
		return
	}
	branch = strings.TrimPrefix(branch, "refs/heads/")
	action := "merge"
	if v, present := f["action"]; present && v != nil {
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			k.deny("oap.invalid_context", "action must be a string such as create or merge, found %s", describe(v))
			return
		}
		action = strings.ToLower(s)
	}
	k.ok("action", "%s into %s of %s (from %s)", action, branch, repo, field)
	k.d.Notes = append(k.d.Notes, "action: "+action)

	if allowed, ok := k.limits.Strings("allowed_repos"); ok {
		if hit := globFold(allowed, repo); hit != "" {
			k.ok("allowed_repos", "%s allowed by %q", repo, hit)
		} else {
			k.deny("oap.tool_not_allowed", "repository %s is not in %s; allowed repositories: %s", repo, k.limitRef("allowed_repos"), listOrNone(allowed))
		}
	}
	if allowed, ok := k.limits.Strings("allowed_base_branches"); ok {
		if hit := globFold(allowed, branch); hit != "" {
			k.ok("allowed_base_branches", "%s allowed by %q", branch, hit)
		} else {
			k.deny("oap.tool_not_allowed", "base branch %s is not in %s; allowed base branches: %s", branch, k.limitRef("allowed_base_branches"), listOrNone(allowed))
		}
	}
}

// normalizeRepo reduces "https://github.com/acme/api.git",
// "git@github.com:acme/api.git" and "acme/api" to "acme/api" (a URL keeps its
// whole path, so GitLab groups stay "group/sub/name"). Anything without an
// owner, or with "..", is "" and denied.
func normalizeRepo(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		s = u.Path
	} else if rest, ok := strings.CutPrefix(s, "git@"); ok {
		if i := strings.Index(rest, ":"); i >= 0 {
			s = rest[i+1:]
		}
	}
	s = strings.Trim(s, "/")
	s = strings.TrimSuffix(s, ".git")
	if !strings.Contains(s, "/") || strings.Contains(s, "..") || strings.Contains(s, "//") {
		return ""
	}
	return s
}
