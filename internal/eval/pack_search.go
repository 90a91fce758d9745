package eval

import "strings"

// web.search.v1: capability and rate only. Domains the call restricts itself
// to are noted in the decision.
func init() { checkers["web.search.v1"] = checkSearch }

func checkSearch(k *check) {
	x := &k.c.Ctx
	if len(x.AllowedDomains) > 0 {
		k.d.Notes = append(k.d.Notes, "search limited to: "+strings.Join(x.AllowedDomains, ", "))
	}
	if len(x.BlockedDomains) > 0 {
		k.d.Notes = append(k.d.Notes, "search excludes: "+strings.Join(x.BlockedDomains, ", "))
	}
	k.ok("web.search", "searching %q", x.Query)
}
