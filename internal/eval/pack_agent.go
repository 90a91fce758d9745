package eval

import (
	"path"
	"strings"
)

// agent.session.create.v1: sub-agents, by type.
func init() { checkers["agent.session.create.v1"] = checkAgent }

func checkAgent(k *check) {
	typ := k.c.Ctx.SubagentType
	if typ == "" {
		typ = "general-purpose"
	}
	allowed, ok := k.limits.Strings("allowed_subagent_types")
	if !ok {
		k.ok("allowed_subagent_types", "not set: any sub-agent type may start")
		return
	}
	for _, a := range allowed {
		if m, _ := path.Match(a, typ); m || a == "*" || strings.EqualFold(a, typ) {
			k.ok("allowed_subagent_types", "%s allowed by %q", typ, a)
			return
		}
	}
	k.deny("oap.tool_not_allowed", "sub-agent type %q is not in %s; allowed: %s", typ, k.limitRef("allowed_subagent_types"), listOrNone(allowed))
}

// listOrNone renders an allow-list for a message, shortened when long.
func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	if len(items) > 12 {
		return strings.Join(items[:12], ", ") + ", ..."
	}
	return strings.Join(items, ", ")
}
