package hooks

import (
	"encoding/json"
	"testing"
)

// with returns a copy of a fixture with fields set (a nil value removes the
// field); values are Go values, encoded as JSON.
func with(t *testing.T, name string, fields map[string]any) Payload {
	t.Helper()
	m := load(t, name)
	out := Payload{}
	for k, v := range m {
		out[k] = v
	}
	for k, v := range fields {
		if v == nil {
			delete(out, k)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

func actionKey(t *testing.T, host string, m Payload) string {
	t.Helper()
	c, err := Decode(host, m)
	if err != nil {
		t.Fatal(err)
	}
	return c.ActionKey
}

func TestCursorActionKey(t *testing.T) {
	shellPre := func(cmd string) Payload {
		return with(t, "cursor/preToolUse-shell.json", map[string]any{"tool_input": map[string]any{"command": cmd, "working_directory": "/home/dev/demo"}})
	}
	shell := func(cmd string) Payload {
		return with(t, "cursor/beforeShellExecution.json", map[string]any{"command": cmd})
	}
	readPre := func(p string) Payload {
		return with(t, "cursor/preToolUse-shell.json", map[string]any{"tool_name": "Read", "tool_input": map[string]any{"file_path": p}})
	}

	// The two events of one action share a key.
	same := []struct {
		name string
		a, b Payload
	}{
		{"shell", shellPre("git status"), shell("git status")},
		{"read", readPre("/home/dev/demo/src/app.ts"), load(t, "cursor/beforeReadFile.json")},
		{"read, relative and unclean", readPre("src/../src/./app.ts"), load(t, "cursor/beforeReadFile.json")},
		// the fixtures as Cursor sends them: an object in preToolUse, a
		// string holding JSON in beforeMCPExecution, no server in preToolUse
		{"mcp", load(t, "cursor/preToolUse-mcp.json"), load(t, "cursor/beforeMCPExecution.json")},
		{"mcp, keys reordered and spaced", load(t, "cursor/preToolUse-mcp.json"),
			with(t, "cursor/beforeMCPExecution.json", map[string]any{"tool_input": `{ "title": "Bug", "repo": "demo", "owner": "acme" }`})},
		{"mcp, no parameters", with(t, "cursor/preToolUse-mcp.json", map[string]any{"tool_input": nil}),
			with(t, "cursor/beforeMCPExecution.json", map[string]any{"tool_input": ""})},
	}
	for _, tc := range same {
		t.Run("same/"+tc.name, func(t *testing.T) {
			a, b := actionKey(t, Cursor, tc.a), actionKey(t, Cursor, tc.b)
			if a == "" || a != b {
				t.Fatalf("keys %q and %q, want one non-empty key", a, b)
			}
			if len(a) != 32 {
				t.Errorf("key %q is not a 32-digit hash", a)
			}
		})
	}

	// Another action has another key.
	base := actionKey(t, Cursor, shell("git status"))
	differ := map[string]Payload{
		"another command":      shell("git diff"),
		"another generation":   with(t, "cursor/beforeShellExecution.json", map[string]any{"command": "git status", "generation_id": "g-other"}),
		"another conversation": with(t, "cursor/beforeShellExecution.json", map[string]any{"command": "git status", "conversation_id": "c-other"}),
		// the same subject text under another capability
		"another capability": readPre("git status"),
	}
	for name, m := range differ {
		t.Run("differs/"+name, func(t *testing.T) {
			if k := actionKey(t, Cursor, m); k == "" || k == base {
				t.Fatalf("key %q, want non-empty and not %q", k, base)
			}
		})
	}
	mcp := actionKey(t, Cursor, load(t, "cursor/beforeMCPExecution.json"))
	for name, m := range map[string]Payload{
		"mcp, another tool":      with(t, "cursor/beforeMCPExecution.json", map[string]any{"tool_name": "close_issue"}),
		"mcp, another parameter": with(t, "cursor/beforeMCPExecution.json", map[string]any{"tool_input": `{"owner":"acme","repo":"demo","title":"Bugs"}`}),
		"mcp, number as written": with(t, "cursor/beforeMCPExecution.json", map[string]any{"tool_input": `{"owner":"acme","repo":"demo","title":"Bug","n":1.0}`}),
	} {
		t.Run("differs/"+name, func(t *testing.T) {
			if k := actionKey(t, Cursor, m); k == "" || k == mcp {
				t.Fatalf("key %q, want non-empty and not %q", k, mcp)
			}
		})
	}
	n1 := actionKey(t, Cursor, with(t, "cursor/beforeMCPExecution.json", map[string]any{"tool_input": `{"n":1}`}))
	n10 := actionKey(t, Cursor, with(t, "cursor/beforeMCPExecution.json", map[string]any{"tool_input": `{"n":1.0}`}))
	if n1 == n10 {
		t.Error("parameters 1 and 1.0 share a key: numbers must keep their spelling")
	}

	// No key: no generation_id, tools without a second event, other hosts.
	none := map[string]struct {
		host string
		m    Payload
	}{
		"no generation_id":                 {Cursor, with(t, "cursor/beforeShellExecution.json", map[string]any{"generation_id": nil})},
		"empty generation_id":              {Cursor, with(t, "cursor/preToolUse-shell.json", map[string]any{"generation_id": ""})},
		"mcp, no generation_id":            {Cursor, with(t, "cursor/preToolUse-mcp.json", map[string]any{"generation_id": nil})},
		"read, no generation_id":           {Cursor, with(t, "cursor/beforeReadFile.json", map[string]any{"generation_id": nil})},
		"cursor write":                     {Cursor, load(t, "cursor/preToolUse-write.json")},
		"cursor delete":                    {Cursor, load(t, "cursor/preToolUse-delete.json")},
		"claude code bash":                 {Claude, load(t, "claude-code/bash.json")},
		"claude code read":                 {Claude, load(t, "claude-code/read.json")},
		"claude code mcp":                  {Claude, load(t, "claude-code/mcp.json")},
		"claude code with a generation_id": {Claude, with(t, "claude-code/bash.json", map[string]any{"generation_id": "g-19ab"})},
		"generic":                          {Generic, load(t, "generic/command.json")},
	}
	for name, tc := range none {
		t.Run("none/"+name, func(t *testing.T) {
			if k := actionKey(t, tc.host, tc.m); k != "" {
				t.Fatalf("key %q, want none", k)
			}
		})
	}
}
