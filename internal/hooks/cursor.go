package hooks

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/aporthq/aport/internal/eval"
	"github.com/aporthq/aport/internal/pathx"
)

// Cursor hooks: preToolUse, beforeShellExecution, beforeMCPExecution and
// beforeReadFile. The answer is always a JSON object with permission and both
// message casings (Cursor 1.7 reads camelCase, 2.x snake_case); a deny also
// exits 2.

func decodeCursor(m Payload) (*eval.Call, error) {
	c := &eval.Call{Host: Cursor}
	c.Event, _ = str(m, "hook_event_name")
	c.SessionID, _ = str(m, "conversation_id")
	c.AgentID = c.SessionID
	var roots []string
	if raw, ok := m["workspace_roots"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		if err := json.Unmarshal(raw, &roots); err != nil {
			return nil, inputErr("workspace_roots must be an array of paths")
		}
	}
	if len(roots) > 0 {
		c.Workspace = cleanDir(roots[0])
		for _, r := range roots[1:] {
			if d := cleanDir(r); d != "" {
				c.Roots = append(c.Roots, d)
			}
		}
	}
	cwd, _ := str(m, "cwd")
	c.Cwd = cleanDir(cwd)
	if c.Cwd == "" {
		c.Cwd = c.Workspace
	}
	if c.Workspace == "" {
		c.Workspace = c.Cwd
	}
	if c.Cwd == "" {
		return nil, inputErr("the Cursor payload has neither an absolute cwd nor workspace_roots")
	}
	c, err := cursorEvent(c, m)
	if err != nil {
		return nil, err
	}
	gen, _ := str(m, "generation_id")
	c.ActionKey = cursorActionKey(c, gen)
	return c, nil
}

func cursorEvent(c *eval.Call, m Payload) (*eval.Call, error) {
	switch c.Event {
	case "preToolUse":
		return cursorTool(c, m)
	case "beforeShellExecution":
		c.Tool = "Shell"
		c.Capability = "system.command.execute"
		c.Input = m["command"]
		if err := setCommand(c, m, "payload", true); err != nil {
			return nil, err
		}
		return c, nil
	case "beforeReadFile":
		c.Tool = "Read"
		c.Capability = "data.file.read"
		c.Input = m["file_path"]
		if err := setPath(c, m, "payload", "file_path"); err != nil {
			return nil, err
		}
		return c, nil
	case "beforeMCPExecution":
		return cursorMCP(c, m)
	case "":
		return nil, inputErr("the Cursor payload has no hook_event_name")
	}
	return nil, inputErr("Cursor event %q is not one aport decides (preToolUse, beforeShellExecution, beforeMCPExecution, beforeReadFile)", c.Event)
}

func cursorTool(c *eval.Call, m Payload) (*eval.Call, error) {
	tool, ok := str(m, "tool_name")
	if !ok || tool == "" {
		return nil, inputErr("the Cursor preToolUse payload has no tool_name")
	}
	c.Tool = tool
	c.Input = m["tool_input"]
	in, err := object(m["tool_input"], "tool_input")
	if err != nil {
		return nil, err
	}
	const where = "tool_input"
	switch {
	case tool == "Shell":
		c.Capability = "system.command.execute"
		err = setCommand(c, in, where, true)
	case tool == "Read":
		c.Capability = "data.file.read"
		err = setPath(c, in, where, "file_path", "path", "target_file")
	case tool == "Grep":
		c.Capability = "data.file.read"
		err = setSearchRoot(c, in, where, false, "path", "file_path")
	case tool == "Write":
		c.Capability = "data.file.write"
		if err = setPath(c, in, where, "file_path", "path", "target_file"); err == nil {
			c.Ctx.Bytes, c.Ctx.HasBytes, err = contentBytes(in, where, "content", "contents", "new_string")
		}
	case tool == "Delete":
		c.Capability = "data.file.write"
		c.Ctx.Delete = true
		err = setPath(c, in, where, "file_path", "path", "target_file")
	case tool == "Task":
		c.Capability = "agent.session.create"
		err = setSubagent(c, in, where)
	case strings.HasPrefix(tool, "MCP:"):
		c.Capability = "mcp.tool.execute"
		c.Ctx.MCPTool = strings.TrimPrefix(tool, "MCP:")
		c.Ctx.ServerUnknown = true
		c.Ctx.ParamBytes = paramBytes(c.Input)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func cursorMCP(c *eval.Call, m Payload) (*eval.Call, error) {
	tool, ok := str(m, "tool_name")
	if !ok || tool == "" {
		return nil, inputErr("the Cursor beforeMCPExecution payload has no tool_name")
	}
	c.Tool = "MCP:" + tool
	c.Capability = "mcp.tool.execute"
	c.Ctx.MCPTool = tool
	// tool_input is a JSON document inside a string.
	raw := m["tool_input"]
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if strings.TrimSpace(s) == "" {
			s = "{}"
		}
		if !json.Valid([]byte(s)) {
			return nil, inputErr("tool_input of beforeMCPExecution is not valid JSON")
		}
		c.Input = json.RawMessage(s)
	} else if len(raw) > 0 {
		c.Input = raw // tolerate an object
	} else {
		c.Input = json.RawMessage("{}")
	}
	c.Ctx.ParamBytes = paramBytes(c.Input)
	if u, _ := str(m, "url"); u != "" {
		if cmd, _ := str(m, "command"); cmd != "" {
			return nil, inputErr("the Cursor beforeMCPExecution payload names both a url and a command; a server is one or the other")
		}
	}
	if u, ok := str(m, "url"); ok && u != "" {
		pu, err := url.Parse(u)
		if err != nil || pu.Hostname() == "" {
			return nil, inputErr("the MCP server url %q has no host", u)
		}
		c.Ctx.Server = strings.ToLower(strings.TrimSuffix(pu.Hostname(), "."))
	} else if cmd, ok := str(m, "command"); ok && cmd != "" {
		c.Ctx.Server = StdioServer(cmd)
	}
	if c.Ctx.Server == "" {
		return nil, inputErr("the Cursor beforeMCPExecution payload names no server (url or command)")
	}
	return c, nil
}

// cursorActionKey names the action behind a Cursor event, so that the two
// events Cursor fires for it (preToolUse with Shell, Read or MCP:<tool>, and
// beforeShellExecution, beforeReadFile or beforeMCPExecution) share one key
// and are counted once against counting limits. The key hashes the
// conversation, the generation, the capability and the action's subject: the
// command text; the absolute, cleaned path read; the MCP tool name and its
// parameters in canonical JSON (sorted keys, no spaces: preToolUse sends an
// object, beforeMCPExecution a string holding one). The server is left out:
// preToolUse does not name it. Only these three kinds of action have two
// events; every other call, and any event without a generation_id, gets no
// key and is counted on its own. The fields come from Cursor, not from the
// model, except the subject, which is the action itself.
func cursorActionKey(c *eval.Call, generation string) string {
	if generation == "" {
		return ""
	}
	var subject string
	switch {
	case c.Capability == "system.command.execute" && c.Tool == "Shell":
		if !c.Ctx.HasCommand {
			return ""
		}
		subject = strings.TrimSpace(c.Ctx.Command)
	case c.Capability == "data.file.read" && c.Tool == "Read" && !c.Ctx.SearchRoot:
		if !c.Ctx.HasPath {
			return ""
		}
		p, err := pathx.Absolute(c.Ctx.Path, c.Cwd, "")
		if err != nil {
			p = c.Ctx.Path // ~/x: the same text in both events
		}
		subject = p
	case c.Capability == "mcp.tool.execute" && c.Ctx.MCPTool != "":
		subject = c.Ctx.MCPTool + "\x00" + canonicalJSON(c.Input)
	default:
		return ""
	}
	h := sha256.New()
	for _, part := range []string{c.SessionID, generation, c.Capability, subject} {
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// canonicalJSON re-encodes a JSON value with sorted object keys, no spaces
// and numbers as written; an absent or null value is {}. Bytes that are not
// JSON are returned as they are.
func canonicalJSON(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return "{}"
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return string(raw)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// StdioServer names a stdio MCP server from its launch command: the package a
// runner (npx, uvx, bunx, pnpm dlx, ...) starts, without its version, or the
// program's base name. "npx -y @modelcontextprotocol/server-postgres ..." is
// "@modelcontextprotocol/server-postgres".
func StdioServer(cmd string) string {
	f := strings.Fields(cmd)
	if len(f) == 0 {
		return ""
	}
	if strings.ContainsAny(f[0], `/\`) {
		// a program named by its path: that path is the server, so a
		// program elsewhere named like a known server is not it
		return path.Clean(f[0])
	}
	prog := f[0]
	args := f[1:]
	switch prog {
	case "pnpm", "yarn", "bun":
		if len(args) > 0 && (args[0] == "dlx" || args[0] == "x") {
			args = args[1:]
		} else {
			return prog
		}
	case "npx", "uvx", "bunx", "pipx", "deno":
		if prog == "pipx" || prog == "deno" {
			if len(args) > 0 && (args[0] == "run") {
				args = args[1:]
			}
		}
	case "docker", "podman":
		return containerImage(prog, args)
	default:
		return prog
	}
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			// only options known to leave what runs as it is: any other
			// (--package, --from, --userconfig, --cache NAME, --python,
			// --index, a registry) may start something else, or take the
			// next word as its value: the server is not known
			if !runnerOption(a) {
				return ""
			}
			continue
		}
		// strip a version: @scope/pkg@1.2.3 or pkg@latest or pkg==1.0
		name, version := a, ""
		if at := strings.LastIndex(name, "@"); at > 0 {
			name, version = name[:at], name[at+1:]
		}
		if eq := strings.Index(name, "=="); eq > 0 {
			name, version = name[:eq], name[eq+2:]
		}
		// a registry name only: github:x/y, git+https://..., npm:alias,
		// a URL or a path is a package from somewhere else
		if strings.ContainsAny(name, ":\\") || strings.ContainsAny(version, ":/") ||
			strings.Count(name, "/") > 1 || strings.Contains(name, "/") && !strings.HasPrefix(name, "@") || strings.HasPrefix(name, ".") {
			return ""
		}
		return name
	}
	return prog
}

// runnerOption reports a package runner's option that changes neither the
// package that runs nor where it comes from.
func runnerOption(a string) bool {
	switch a {
	case "-y", "--yes", "-q", "--quiet", "--silent", "--no", "--no-install", "--offline", "--no-cache", "--isolated",
		"-A", "--no-prompt", "--verbose", "-v":
		return true
	}
	return strings.HasPrefix(a, "--allow-") // deno permissions
}

// containerImage is the image of `docker run` (or podman): the first word
// that is neither an option nor an option's value. An option aport does not
// know, or --entrypoint (which runs something else than the image's
// program), leaves the server unknown: "".
func containerImage(prog string, args []string) string {
	if len(args) == 0 || args[0] != "run" {
		return prog
	}
	valued := map[string]bool{"-e": true, "--env": true, "--env-file": true, "-v": true, "--volume": true, "--mount": true,
		"--name": true, "-l": true, "--label": true, "--label-file": true, "-w": true, "--workdir": true, "-u": true, "--user": true,
		"--network": true, "--net": true, "-p": true, "--publish": true, "--platform": true, "--pull": true, "--cpus": true,
		"-m": true, "--memory": true, "--add-host": true, "--dns": true, "-h": true, "--hostname": true, "--restart": true,
		"--security-opt": true, "--shm-size": true, "--tmpfs": true, "--ulimit": true, "--cap-add": true, "--cap-drop": true,
		"--device": true, "--gpus": true, "--group-add": true, "--log-driver": true, "--log-opt": true, "--ipc": true, "--pid": true}
	flags := map[string]bool{"-i": true, "-t": true, "-it": true, "-ti": true, "-d": true, "--rm": true, "--init": true,
		"--interactive": true, "--tty": true, "--detach": true, "--read-only": true, "-q": true, "--quiet": true}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			for _, rest := range args[i+1:] {
				if !strings.HasPrefix(rest, "-") {
					return "" // a command after the image replaces its own
				}
			}
			return a
		}
		opt, _, hasVal := strings.Cut(a, "=")
		switch {
		case opt == "--entrypoint" || opt == "-v" || opt == "--volume" || opt == "--mount":
			return "" // another program, or the image's code shadowed by a mount
		case valued[opt]:
			if !hasVal {
				i++
			}
		case flags[a]:
		default:
			return "" // an option not known here: the image cannot be told
		}
	}
	return ""
}

func encodeCursor(d *eval.Decision) []byte {
	perm := "deny"
	switch {
	case d.Allow:
		perm = "allow"
	case d.Ask:
		perm = "ask"
	}
	msg := jsonString(Summary(d))
	b := make([]byte, 0, 512)
	b = append(b, `{"permission":"`...)
	b = append(b, perm...)
	b = append(b, '"')
	for _, k := range []string{"user_message", "agent_message", "userMessage", "agentMessage"} {
		b = append(b, `,"`...)
		b = append(b, k...)
		b = append(b, `":`...)
		b = append(b, msg...)
	}
	b = append(b, "}\n"...)
	return b
}
