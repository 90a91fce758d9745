package hooks

import (
	"bytes"
	"encoding/json"

	"github.com/aporthq/aport/internal/eval"
	"github.com/aporthq/aport/internal/termx"
	"github.com/aporthq/aport/packs"
)

// generic: {"tool": "<capability id>", "input": {...}, "cwd": "...", "agent_id": "..."}
// for CI steps, other frameworks and manual debugging. The answer is the
// decision object.

func decodeGeneric(m Payload) (*eval.Call, error) {
	c := &eval.Call{Host: Generic, Event: "generic"}
	tool, ok := str(m, "tool")
	if !ok || tool == "" {
		return nil, inputErr("the generic payload has no tool (a capability id such as system.command.execute)")
	}
	c.Tool = tool
	c.AgentID, _ = str(m, "agent_id")
	c.SessionID, _ = str(m, "session_id")
	cwd, _ := str(m, "cwd")
	c.Cwd = cleanDir(cwd)
	c.Workspace, _ = str(m, "workspace")
	c.Workspace = cleanDir(c.Workspace)
	if c.Workspace == "" {
		c.Workspace = c.Cwd
	}
	raw, ok := m["input"]
	if !ok {
		return nil, inputErr("the generic payload has no input object")
	}
	in, err := object(raw, "input")
	if err != nil {
		return nil, err
	}
	c.Input = raw
	if capability, ok := genericAliases[tool]; ok {
		tool = capability
	}
	if _, known := packs.ForCapability(tool); !known {
		return c, nil // unknown tool: the evaluator denies it
	}
	c.Capability = tool
	const where = "input"
	switch tool {
	case "system.command.execute":
		err = setCommand(c, in, where, false)
	case "data.file.read":
		err = setPath(c, in, where, "file_path", "path")
	case "data.file.write":
		if err = setPath(c, in, where, "file_path", "path"); err == nil {
			c.Ctx.Bytes, c.Ctx.HasBytes, err = contentBytes(in, where, "content", "new_string", "edits", "new_source")
		}
		if d, ok := in["delete"]; ok && err == nil {
			if json.Unmarshal(d, &c.Ctx.Delete) != nil {
				err = inputErr("%s.delete must be true or false", where)
			}
		}
	case "web.fetch":
		err = setURL(c, in, where)
	case "web.search":
		err = setSearch(c, in, where)
	case "mcp.tool.execute":
		c.Ctx.Server, _, err = strictStr(in, "server", where)
		if err == nil {
			c.Ctx.MCPTool, _, err = strictStr(in, "tool", where)
		}
		if p, ok := in["parameters"]; ok {
			c.Ctx.ParamBytes = paramBytes(p)
		}
	case "agent.session.create":
		err = setSubagent(c, in, where)
	}
	if err != nil {
		return nil, err
	}
	var fields map[string]any
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil {
		return nil, inputErr("input must be a JSON object")
	}
	c.Ctx.Fields = fields
	return c, nil
}

// genericAliases lets a generic payload name a capability by its pack-style
// name (the contract's tool column) as well as by its capability id.
var genericAliases = map[string]string{
	"messaging.message.send": "messaging.send",
	"code.repository.merge":  "repo.merge",
}

func encodeGeneric(d *eval.Decision) []byte {
	c := *d
	c.Reasons = make([]eval.Reason, len(d.Reasons))
	for i, r := range d.Reasons {
		c.Reasons[i] = eval.Reason{Code: r.Code, Message: termx.Safe(r.Message, MaxSummary)}
	}
	c.Notes = make([]string, len(d.Notes))
	for i, n := range d.Notes {
		c.Notes[i] = termx.Safe(n, MaxSummary)
	}
	if len(c.Notes) == 0 {
		c.Notes = nil
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return []byte(`{"allow":false,"reasons":[{"code":"oap.evaluator_error","message":"the decision could not be encoded"}]}` + "\n")
	}
	return append(b, '\n')
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
