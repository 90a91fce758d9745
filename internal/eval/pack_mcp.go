package eval

import (
	"path"
	"strings"
)

// mcp.tool.execute.v1: MCP servers and tools.
//
// The server and tool come from the host adapters (Claude mcp__<server>__<tool>,
// Cursor beforeMCPExecution with the url host or the stdio package, generic
// {server, tool, parameters}). Cursor's preToolUse MCP:<tool> names no server
// (Ctx.ServerUnknown): tool rules are then checked against the tool name for
// every server, and allowed_servers is left to the beforeMCPExecution event
// Cursor fires for the same call.
//
// Names compare case-insensitively. A tool entry is "server.tool",
// "server.*", "*.tool" or "*"; entries are matched by building the call's own
// names, never by splitting the entry, so server names with dots (url hosts)
// are unambiguous.
func init() { checkers["mcp.tool.execute.v1"] = checkMCP }

func checkMCP(k *check) {
	x := &k.c.Ctx
	tool := x.MCPTool
	servers := mcpServerNames(x.Server)

	if denied, ok := k.limits.Strings("denied_tools"); ok {
		for _, e := range denied {
			if mcpToolEntryDenies(e, servers, tool, x.ServerUnknown) {
				k.deny("oap.tool_not_allowed", "MCP tool %s is denied by %q in %s; call a different tool", mcpName(x), e, k.limitRef("denied_tools"))
				return
			}
		}
		k.ok("denied_tools", "%s matches no entry", mcpName(x))
	}

	if allowed, ok := k.limits.Strings("allowed_servers"); ok {
		switch {
		case x.ServerUnknown:
			k.ok("allowed_servers", "this event names no server; the server is checked by Cursor's beforeMCPExecution event for the same call")
		default:
			hit := ""
			for _, a := range allowed {
				if a == "*" || containsFold(servers, a) {
					hit = a
					break
				}
			}
			if hit == "" {
				k.deny("oap.server_not_allowed", "MCP server %q is not in %s; allowed servers: %s", x.Server, k.limitRef("allowed_servers"), listOrNone(allowed))
				return
			}
			k.ok("allowed_servers", "server %q allowed by %q", x.Server, hit)
		}
	}

	if allowed, ok := k.limits.Strings("allowed_tools"); ok {
		hit := ""
		for _, e := range allowed {
			if mcpToolEntryAllows(e, servers, tool, x.ServerUnknown) {
				hit = e
				break
			}
		}
		if hit == "" {
			k.deny("oap.tool_not_allowed", "MCP tool %s is not in %s; allowed tools: %s", mcpName(x), k.limitRef("allowed_tools"), listOrNone(allowed))
			return
		}
		if x.ServerUnknown {
			k.ok("allowed_tools", "tool %q allowed by %q for some server; the server is checked by Cursor's beforeMCPExecution event", tool, hit)
		} else {
			k.ok("allowed_tools", "%s allowed by %q", mcpName(x), hit)
		}
	}

	if max, ok := k.limits.Int("max_parameter_bytes"); ok {
		if x.ParamBytes > max {
			k.deny("oap.limit_exceeded", "the parameters of MCP tool %s are %d bytes, over %s of %d; send smaller parameters", mcpName(x), x.ParamBytes, k.limitRef("max_parameter_bytes"), max)
			return
		}
		k.ok("max_parameter_bytes", "%d of at most %d bytes", x.ParamBytes, max)
	}
	if x.ServerUnknown {
		k.d.Notes = append(k.d.Notes, "server unknown in this event: allowed_servers is checked by beforeMCPExecution")
	}
}

// mcpServerNames are the names a server answers to: its own, and for a stdio
// package such as @modelcontextprotocol/server-postgres also the last path
// segment (server-postgres).
func mcpServerNames(server string) []string {
	if server == "" {
		return nil
	}
	names := []string{server}
	// an npm scoped package answers to its name without the scope; a
	// path or an image name does not (/tmp/x/mcp-server-git is not
	// mcp-server-git, evil.io/x/github is not github)
	if strings.HasPrefix(server, "@") && strings.Count(server, "/") == 1 {
		names = append(names, path.Base(server))
	}
	return names
}

// mcpToolEntryDenies reports whether a denied_tools entry covers the call.
// With the server unknown, only entries naming the tool itself (x.<tool>,
// *.<tool>) or "*" deny: "x.*" needs the server, which beforeMCPExecution knows.
func mcpToolEntryDenies(entry string, servers []string, tool string, serverUnknown bool) bool {
	if entry == "*" {
		return true
	}
	if serverUnknown {
		return hasSuffixFold(entry, "."+tool)
	}
	return mcpEntryMatches(entry, servers, tool)
}

// mcpToolEntryAllows reports whether an allowed_tools entry covers the call.
// With the server unknown, an entry allows when its tool part matches the
// tool or is * (for some server).
func mcpToolEntryAllows(entry string, servers []string, tool string, serverUnknown bool) bool {
	if entry == "*" {
		return true
	}
	if serverUnknown {
		return hasSuffixFold(entry, "."+tool) || strings.HasSuffix(entry, ".*")
	}
	return mcpEntryMatches(entry, servers, tool)
}

func mcpEntryMatches(entry string, servers []string, tool string) bool {
	if strings.EqualFold(entry, "*."+tool) {
		return true
	}
	for _, s := range servers {
		if strings.EqualFold(entry, s+"."+tool) || strings.EqualFold(entry, s+".*") {
			return true
		}
	}
	return false
}

func mcpName(x *Context) string {
	if x.ServerUnknown || x.Server == "" {
		return x.MCPTool
	}
	return x.Server + "." + x.MCPTool
}

func containsFold(list []string, s string) bool {
	for _, e := range list {
		if strings.EqualFold(e, s) {
			return true
		}
	}
	return false
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
