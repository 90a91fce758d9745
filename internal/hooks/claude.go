package hooks

import (
	"strings"

	"github.com/aporthq/aport/internal/eval"
)

// Claude Code, PreToolUse. The payload carries session_id, cwd,
// hook_event_name, tool_name and tool_input; the answer is
// hookSpecificOutput.permissionDecision with a reason, and a deny also goes
// to stderr with exit 2 (the caller does that).

// claudeInternal are Claude Code's side-effect-free tools.
var claudeInternal = map[string]bool{
	"TodoWrite": true, "AskUserQuestion": true, "ExitPlanMode": true, "BashOutput": true, "KillShell": true,
}

func decodeClaude(m Payload) (*eval.Call, error) {
	c := &eval.Call{Host: Claude}
	c.Event, _ = str(m, "hook_event_name")
	if c.Event != "" && c.Event != "PreToolUse" {
		return nil, inputErr("Claude Code event %q is not one aport decides; install aport as a PreToolUse hook", c.Event)
	}
	if c.Event == "" {
		c.Event = "PreToolUse"
	}
	tool, ok := str(m, "tool_name")
	if !ok || tool == "" {
		return nil, inputErr("the Claude Code payload has no tool_name")
	}
	c.Tool = tool
	c.SessionID, _ = str(m, "session_id")
	c.AgentID, _ = str(m, "agent_id")
	c.AgentType, _ = str(m, "agent_type")
	if c.AgentID == "" {
		c.AgentID = c.SessionID
	}
	cwd, _ := str(m, "cwd")
	c.Cwd = cleanDir(cwd)
	if c.Cwd == "" {
		return nil, inputErr("the Claude Code payload has no absolute cwd (found %q)", cwd)
	}
	c.Workspace = c.Cwd
	c.Input = m["tool_input"]
	in, err := object(m["tool_input"], "tool_input")
	if err != nil {
		return nil, err
	}
	const where = "tool_input"
	switch tool {
	case "Bash":
		c.Capability = "system.command.execute"
		err = setCommand(c, in, where, false)
	case "Read", "NotebookRead":
		c.Capability = "data.file.read"
		err = setPath(c, in, where, "file_path", "notebook_path")
	case "Glob", "Grep", "LS":
		c.Capability = "data.file.read"
		err = setSearchRoot(c, in, where, tool == "Glob")
	case "Write", "Edit", "MultiEdit", "NotebookEdit":
		c.Capability = "data.file.write"
		if err = setPath(c, in, where, "file_path", "notebook_path"); err == nil {
			c.Ctx.Bytes, c.Ctx.HasBytes, err = contentBytes(in, where, "content", "new_string", "edits", "new_source")
		}
	case "WebFetch":
		c.Capability = "web.fetch"
		err = setURL(c, in, where)
	case "WebSearch":
		c.Capability = "web.search"
		err = setSearch(c, in, where)
	case "Task", "Agent":
		c.Capability = "agent.session.create"
		err = setSubagent(c, in, where)
	default:
		switch {
		case claudeInternal[tool]:
			c.Internal = true
		case strings.HasPrefix(tool, "mcp__"):
			c.Capability = "mcp.tool.execute"
			c.Ctx.Server, c.Ctx.MCPTool = SplitClaudeMCP(tool)
			c.Ctx.ParamBytes = paramBytes(c.Input)
		}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// SplitClaudeMCP splits mcp__<server>__<tool>. Server names may contain
// single underscores; the server ends at the first double underscore after
// the prefix, and everything after it is the tool (which may itself contain
// underscores or double underscores).
func SplitClaudeMCP(name string) (server, tool string) {
	rest := strings.TrimPrefix(name, "mcp__")
	i := strings.Index(rest, "__")
	if i <= 0 || i+2 >= len(rest) {
		return rest, ""
	}
	return rest[:i], rest[i+2:]
}

func encodeClaude(d *eval.Decision) []byte {
	decision := "deny"
	switch {
	case d.Allow:
		decision = "allow"
	case d.Ask:
		decision = "ask"
	}
	b := make([]byte, 0, 256)
	b = append(b, `{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"`...)
	b = append(b, decision...)
	b = append(b, `","permissionDecisionReason":`...)
	b = append(b, jsonString(Summary(d))...)
	b = append(b, "}}\n"...)
	return b
}
