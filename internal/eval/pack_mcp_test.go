package eval

import (
	"encoding/json"
	"strings"
	"testing"
)

// packCase is one table row shared by the pack tests in this package.
type packCase struct {
	name  string
	limit string // the capability's limits object; "" for none
	call  Call
	state *fakeState
	want  string // first reason code
	allow bool
	trace string // a substring of the --explain trace, when set
}

// runPackCases evaluates each row against a passport granting capability with
// the row's limits.
func runPackCases(t *testing.T, capability, extra string, cases []packCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := `{"id":"a","assurance_level":"L2","capabilities":["` + capability + `"]` + extra
			if tc.limit != "" {
				doc += `,"limits":{"` + capability + `":` + tc.limit + `}`
			}
			doc += `}`
			p := mustPassport(t, doc)
			env := testEnv()
			if tc.state != nil {
				env.State = tc.state
			} else {
				env.State = &fakeState{}
			}
			c := tc.call
			c.Capability = capability
			d := Evaluate(p, &c, env)
			if d.Allow != tc.allow || len(d.Reasons) == 0 || d.Reasons[0].Code != tc.want {
				t.Fatalf("allow=%v reasons=%+v, want allow=%v %s", d.Allow, d.Reasons, tc.allow, tc.want)
			}
			if tc.trace != "" && !strings.Contains(traceText(d), tc.trace) {
				t.Fatalf("trace lacks %q:\n%s", tc.trace, traceText(d))
			}
			for _, r := range d.Reasons {
				if r.Code != "oap.allowed" && r.Message == "" {
					t.Errorf("reason %s has no message", r.Code)
				}
			}
		})
	}
}

func traceText(d *Decision) string {
	var b strings.Builder
	for _, s := range d.Trace {
		b.WriteString(s.Check + ": " + s.Detail + "\n")
	}
	for _, r := range d.Reasons {
		b.WriteString(r.Code + ": " + r.Message + "\n")
	}
	for _, n := range d.Notes {
		b.WriteString("note: " + n + "\n")
	}
	return b.String()
}

// fields decodes a generic input object the way the generic adapter does.
func fields(t *testing.T, in string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(in))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mcpCall(server, tool string, paramBytes int64) Call {
	return Call{Tool: "mcp__" + server + "__" + tool, Ctx: Context{Server: server, MCPTool: tool, ParamBytes: paramBytes}}
}

func cursorMCPPre(tool string) Call {
	return Call{Tool: "MCP:" + tool, Ctx: Context{MCPTool: tool, ServerUnknown: true}}
}

func TestMCPPack(t *testing.T) {
	const servers = `{"allowed_servers":["github","@modelcontextprotocol/server-postgres-x","mcp.example.com"]}`
	const tools = `{"allowed_tools":["github.get_issue","postgres.*","mcp.example.com.search"],"denied_tools":["github.delete_repo","*.drop_table"]}`
	cases := []packCase{
		{name: "no limits", call: mcpCall("github", "get_issue", 10), want: "oap.allowed", allow: true},
		{name: "server allowed", limit: servers, call: mcpCall("github", "get_issue", 10), want: "oap.allowed", allow: true},
		{name: "server case-insensitive", limit: servers, call: mcpCall("GitHub", "get_issue", 10), want: "oap.allowed", allow: true},
		{name: "server url host", limit: servers, call: mcpCall("mcp.example.com", "search", 10), want: "oap.allowed", allow: true},
		{name: "server not allowed", limit: servers, call: mcpCall("slack", "post", 10), want: "oap.server_not_allowed"},
		{name: "server prefix is not a match", limit: servers, call: mcpCall("githubx", "get_issue", 10), want: "oap.server_not_allowed"},
		{name: "stdio package by last segment", limit: `{"allowed_servers":["server-postgres"]}`, call: mcpCall("@modelcontextprotocol/server-postgres", "query", 10), want: "oap.allowed", allow: true},
		{name: "stdio package by full name", limit: `{"allowed_servers":["@modelcontextprotocol/server-postgres"]}`, call: mcpCall("@modelcontextprotocol/server-postgres", "query", 10), want: "oap.allowed", allow: true},
		{name: "stdio other package", limit: `{"allowed_servers":["server-postgres"]}`, call: mcpCall("@evil/server-postgres-pwn", "query", 10), want: "oap.server_not_allowed"},
		{name: "scoped entry pins the scope", limit: `{"allowed_servers":["@modelcontextprotocol/server-postgres"]}`, call: mcpCall("@evil/server-postgres", "query", 10), want: "oap.server_not_allowed"},
		{name: "server star", limit: `{"allowed_servers":["*"]}`, call: mcpCall("anything", "x", 10), want: "oap.allowed", allow: true},
		{name: "empty allowed_servers allows none", limit: `{"allowed_servers":[]}`, call: mcpCall("github", "x", 10), want: "oap.server_not_allowed"},
		{name: "tool exact", limit: tools, call: mcpCall("github", "get_issue", 10), want: "oap.allowed", allow: true},
		{name: "tool server star", limit: tools, call: mcpCall("postgres", "query", 10), want: "oap.allowed", allow: true},
		{name: "tool dotted server", limit: tools, call: mcpCall("mcp.example.com", "search", 10), want: "oap.allowed", allow: true},
		{name: "tool not allowed", limit: tools, call: mcpCall("github", "create_issue", 10), want: "oap.tool_not_allowed"},
		{name: "tool denied", limit: `{"allowed_tools":["github.*"],"denied_tools":["github.delete_repo"]}`, call: mcpCall("github", "delete_repo", 10), want: "oap.tool_not_allowed", trace: "denied_tools"},
		{name: "tool denied on every server", limit: tools, call: mcpCall("postgres", "drop_table", 10), want: "oap.tool_not_allowed", trace: `"*.drop_table"`},
		{name: "denied server star", limit: `{"denied_tools":["slack.*"]}`, call: mcpCall("Slack", "post", 10), want: "oap.tool_not_allowed"},
		{name: "denied star", limit: `{"denied_tools":["*"]}`, call: mcpCall("github", "get_issue", 10), want: "oap.tool_not_allowed"},
		{name: "allowed star", limit: `{"allowed_tools":["*"]}`, call: mcpCall("github", "get_issue", 10), want: "oap.allowed", allow: true},
		{name: "params within", limit: `{"max_parameter_bytes":100}`, call: mcpCall("github", "get_issue", 100), want: "oap.allowed", allow: true},
		{name: "params over", limit: `{"max_parameter_bytes":100}`, call: mcpCall("github", "get_issue", 101), want: "oap.limit_exceeded"},
		{name: "no server", call: Call{Tool: "mcp__x", Ctx: Context{MCPTool: "x"}}, want: "oap.invalid_context"},
		{name: "no tool", call: Call{Tool: "mcp__github", Ctx: Context{Server: "github"}}, want: "oap.invalid_context"},

		// Cursor preToolUse MCP:<tool>: no server.
		{name: "unknown server skips allowed_servers", limit: servers, call: cursorMCPPre("anything"), want: "oap.allowed", allow: true, trace: "beforeMCPExecution"},
		{name: "unknown server tool allowed somewhere", limit: tools, call: cursorMCPPre("get_issue"), want: "oap.allowed", allow: true},
		{name: "unknown server tool via server star", limit: tools, call: cursorMCPPre("query"), want: "oap.allowed", allow: true},
		{name: "unknown server tool allowed nowhere", limit: `{"allowed_tools":["github.get_issue"]}`, call: cursorMCPPre("create_issue"), want: "oap.tool_not_allowed"},
		{name: "unknown server denied x.tool", limit: `{"denied_tools":["github.delete_repo"]}`, call: cursorMCPPre("delete_repo"), want: "oap.tool_not_allowed"},
		{name: "unknown server denied star.tool", limit: tools, call: cursorMCPPre("drop_table"), want: "oap.tool_not_allowed"},
		{name: "unknown server x.star does not deny", limit: `{"denied_tools":["slack.*"]}`, call: cursorMCPPre("post"), want: "oap.allowed", allow: true},
		{name: "unknown server params over", limit: `{"max_parameter_bytes":5}`, call: Call{Tool: "MCP:q", Ctx: Context{MCPTool: "q", ServerUnknown: true, ParamBytes: 6}}, want: "oap.limit_exceeded"},

		// max_calls_per_minute is counted by rate.go.
		{name: "calls per minute under", limit: `{"max_calls_per_minute":3}`, call: mcpCall("github", "get_issue", 1), state: &fakeState{counts: map[string]int{"a|mcp.tool.execute|max_calls_per_minute": 2}}, want: "oap.allowed", allow: true},
		{name: "calls per minute reached", limit: `{"max_calls_per_minute":3}`, call: mcpCall("github", "get_issue", 1), state: &fakeState{counts: map[string]int{"a|mcp.tool.execute|max_calls_per_minute": 3}}, want: "oap.rate_limit_exceeded"},
	}
	runPackCases(t, "mcp.tool.execute", "", cases)
}

func TestMCPRecordsCall(t *testing.T) {
	p := mustPassport(t, `{"id":"a","capabilities":["mcp.tool.execute"],"limits":{"mcp.tool.execute":{"max_calls_per_minute":3}}}`)
	env := testEnv()
	env.State = &fakeState{}
	c := mcpCall("github", "get_issue", 1)
	c.Capability = "mcp.tool.execute"
	d := Evaluate(p, &c, env)
	if !d.Allow || len(d.Effects) != 1 || d.Effects[0].Kind != "record" || d.Effects[0].Key != "a|mcp.tool.execute|max_calls_per_minute" {
		t.Fatalf("allow=%v effects=%+v", d.Allow, d.Effects)
	}
}

func TestMCPNotGranted(t *testing.T) {
	p := mustPassport(t, `{"id":"a","capabilities":["web.search"]}`)
	c := mcpCall("github", "get_issue", 1)
	c.Capability = "mcp.tool.execute"
	if d := Evaluate(p, &c, testEnv()); d.Allow || d.Reasons[0].Code != "oap.unknown_capability" {
		t.Fatalf("%+v", d.Reasons)
	}
}
