package eval

import "testing"

func repoCall(t *testing.T, in string) Call {
	return Call{Host: "generic", Tool: "code.repository.merge", Ctx: Context{Fields: fields(t, in)}}
}

func TestRepoPack(t *testing.T) {
	const allowed = `{"allowed_repos":["acme/*","tools/cli"],"allowed_base_branches":["main","release/*"]}`
	cases := []packCase{
		{name: "no limits", call: repoCall(t, `{"repository":"any/thing","branch":"main"}`), want: "oap.allowed", allow: true},
		{name: "allowed", limit: allowed, call: repoCall(t, `{"repository":"acme/api","branch":"main","action":"merge"}`), want: "oap.allowed", allow: true, trace: "action: merge"},
		{name: "action noted", limit: allowed, call: repoCall(t, `{"repository":"acme/api","branch":"main","action":"Create"}`), want: "oap.allowed", allow: true, trace: "action: create"},
		{name: "release branch glob", limit: allowed, call: repoCall(t, `{"repository":"tools/cli","base":"release/1.2"}`), want: "oap.allowed", allow: true},
		{name: "base wins over branch", limit: allowed, call: repoCall(t, `{"repository":"acme/api","branch":"feature-x","base":"main"}`), want: "oap.allowed", allow: true},
		{name: "base not allowed though branch is", limit: allowed, call: repoCall(t, `{"repository":"acme/api","branch":"main","base":"prod"}`), want: "oap.tool_not_allowed"},
		{name: "refs/heads prefix", limit: allowed, call: repoCall(t, `{"repository":"acme/api","branch":"refs/heads/main"}`), want: "oap.allowed", allow: true},
		{name: "repo case-insensitive", limit: allowed, call: repoCall(t, `{"repository":"ACME/Api","branch":"main"}`), want: "oap.allowed", allow: true},
		{name: "repo url", limit: allowed, call: repoCall(t, `{"repository":"https://github.com/acme/api.git","branch":"main"}`), want: "oap.allowed", allow: true},
		{name: "repo ssh", limit: allowed, call: repoCall(t, `{"repository":"git@github.com:acme/api.git","branch":"main"}`), want: "oap.allowed", allow: true},
		{name: "repo not allowed", limit: allowed, call: repoCall(t, `{"repository":"evil/api","branch":"main"}`), want: "oap.tool_not_allowed", trace: "acme/*, tools/cli"},
		{name: "star does not cross slash", limit: allowed, call: repoCall(t, `{"repository":"https://gitlab.com/acme/sub/api","branch":"main"}`), want: "oap.tool_not_allowed"},
		{name: "branch not allowed", limit: allowed, call: repoCall(t, `{"repository":"acme/api","branch":"dev"}`), want: "oap.tool_not_allowed", trace: "main, release/*"},
		{name: "both wrong gives two reasons", limit: allowed, call: repoCall(t, `{"repository":"evil/x","branch":"dev"}`), want: "oap.tool_not_allowed", trace: "base branch dev"},
		{name: "no repository", limit: allowed, call: repoCall(t, `{"branch":"main"}`), want: "oap.invalid_context"},
		{name: "repository without owner", limit: allowed, call: repoCall(t, `{"repository":"api","branch":"main"}`), want: "oap.invalid_context"},
		{name: "repository with dot-dot", limit: allowed, call: repoCall(t, `{"repository":"acme/../evil/x","branch":"main"}`), want: "oap.invalid_context"},
		{name: "repository not a string", limit: allowed, call: repoCall(t, `{"repository":["acme/api"],"branch":"main"}`), want: "oap.invalid_context"},
		{name: "no branch", limit: allowed, call: repoCall(t, `{"repository":"acme/api"}`), want: "oap.invalid_context"},
		{name: "empty branch", limit: allowed, call: repoCall(t, `{"repository":"acme/api","branch":""}`), want: "oap.invalid_context"},
		{name: "action not a string", limit: allowed, call: repoCall(t, `{"repository":"acme/api","branch":"main","action":1}`), want: "oap.invalid_context"},
		{name: "prs per day under", limit: `{"max_prs_per_day":3}`, call: repoCall(t, `{"repository":"acme/api","branch":"main"}`), state: &fakeState{counts: map[string]int{"a|repo.merge|max_prs_per_day": 2}}, want: "oap.allowed", allow: true},
		{name: "prs per day reached", limit: `{"max_prs_per_day":3}`, call: repoCall(t, `{"repository":"acme/api","branch":"main"}`), state: &fakeState{counts: map[string]int{"a|repo.merge|max_prs_per_day": 3}}, want: "oap.rate_limit_exceeded"},
	}
	runPackCases(t, "repo.merge", "", cases)
}

func TestRepoBothReasons(t *testing.T) {
	p := mustPassport(t, `{"id":"a","capabilities":["repo.merge"],"limits":{"repo.merge":{"allowed_repos":["acme/*"],"allowed_base_branches":["main"]}}}`)
	c := repoCall(t, `{"repository":"evil/x","branch":"dev"}`)
	c.Capability = "repo.merge"
	d := Evaluate(p, &c, testEnv())
	if d.Allow || len(d.Reasons) != 2 {
		t.Fatalf("allow=%v reasons=%+v", d.Allow, d.Reasons)
	}
}
