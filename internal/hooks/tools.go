package hooks

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"

	"github.com/aporthq/aport/internal/eval"
)

// The shared mapping from the tool inputs that Claude Code and Cursor send to
// the typed context the packs read.

// setCommand reads a shell call's command and timeout, and, when
// workingDir is set (Cursor's Shell tool runs its command there), the
// working_directory the command runs in. Elsewhere the field is ignored: the
// host runs the command in the session's cwd whatever the input says, so
// the input must not move where aport resolves paths.
func setCommand(c *eval.Call, in map[string]json.RawMessage, where string, workingDir bool) error {
	cmd, ok, err := strictStr(in, "command", where)
	if err != nil {
		return err
	}
	c.Ctx.Command, c.Ctx.HasCommand = cmd, ok && cmd != ""
	if raw, ok := in["timeout"]; ok && string(bytes.TrimSpace(raw)) != "null" {
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil || f < 0 || math.IsInf(f, 0) {
			return inputErr("%s.timeout must be a number of milliseconds", where)
		}
		c.Ctx.TimeoutMS, c.Ctx.HasTimeout = int64(math.Ceil(f)), true
	}
	if !workingDir {
		return nil
	}
	if wd, ok, err := strictStr(in, "working_directory", where); err != nil {
		return err
	} else if ok && wd != "" {
		if d := cleanDir(wd); d != "" {
			c.Cwd = d
		}
	}
	return nil
}

// setPath reads the first present of the given fields as the call's path.
//
// When several of the fields are present they must agree: which one a tool
// acts on (NotebookEdit edits notebook_path) is the tool's business, so a
// call naming two different paths is refused rather than checked by one.
func setPath(c *eval.Call, in map[string]json.RawMessage, where string, fields ...string) error {
	first := ""
	for _, f := range fields {
		p, ok, err := strictStr(in, f, where)
		if err != nil {
			return err
		}
		if !ok || p == "" {
			continue
		}
		if !c.Ctx.HasPath {
			c.Ctx.Path, c.Ctx.HasPath, first = p, true, f
		} else if p != c.Ctx.Path {
			return inputErr("%s.%s and %s.%s name different paths (%q, %q); a call names one file", where, first, where, f, c.Ctx.Path, p)
		}
	}
	return nil
}

// setSearchRoot sets the directory a search tool (Glob, Grep, LS) reads: the
// first present of fields (default "path"), else the call's cwd. For Glob the
// literal directories at the start of the pattern narrow or move the root:
// `src/**/*.go` searches src, `/etc/*.conf` searches /etc and `../../x/*`
// searches two levels up, so a pattern cannot read outside the checked root.
func setSearchRoot(c *eval.Call, in map[string]json.RawMessage, where string, glob bool, fields ...string) error {
	if len(fields) == 0 {
		fields = []string{"path"}
	}
	if err := setPath(c, in, where, fields...); err != nil {
		return err
	}
	if !c.Ctx.HasPath {
		c.Ctx.Path, c.Ctx.HasPath = c.Cwd, true
	}
	c.Ctx.SearchRoot = true
	if !glob {
		return nil
	}
	pattern, _, err := strictStr(in, "pattern", where)
	if err != nil {
		return err
	}
	if prefix := literalDirs(pattern); prefix != "" {
		if isAbsLike(prefix) {
			c.Ctx.Path = prefix
		} else {
			c.Ctx.Path = strings.TrimRight(c.Ctx.Path, `/\`) + "/" + prefix
		}
	}
	return nil
}

// literalDirs returns the leading directories of a glob pattern that contain
// no glob syntax: "src/**/*.go" -> "src", "/etc/*.conf" -> "/etc",
// "*.go" -> "".
func literalDirs(pattern string) string {
	p := strings.ReplaceAll(pattern, `\`, "/")
	end := strings.IndexAny(p, "*?[{")
	if end < 0 {
		end = len(p)
		// a pattern without glob syntax names one file: its directory is read
	}
	i := strings.LastIndexByte(p[:end], '/')
	switch {
	case i < 0:
		if strings.HasPrefix(p, "~") && end == len(p) && !strings.Contains(p, "/") {
			return p
		}
		return ""
	case i == 0:
		return "/"
	}
	return p[:i]
}

// isAbsLike reports whether a path is absolute or starts at a home (~) or a
// drive letter, so that it does not join onto the root.
func isAbsLike(p string) bool {
	return strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") ||
		len(p) >= 2 && p[1] == ':' && (p[0]|0x20) >= 'a' && (p[0]|0x20) <= 'z'
}

// contentBytes counts the bytes a write or edit carries. A value of the wrong
// type is an input error, never zero bytes.
func contentBytes(in map[string]json.RawMessage, where string, fields ...string) (int64, bool, error) {
	var total int64
	found := false
	for _, f := range fields {
		raw, ok := in[f]
		if !ok || string(bytes.TrimSpace(raw)) == "null" {
			continue
		}
		found = true
		if f == "edits" {
			var edits []map[string]json.RawMessage
			if err := json.Unmarshal(raw, &edits); err != nil {
				return 0, false, inputErr("%s.edits must be an array of edits", where)
			}
			for i, e := range edits {
				s, ok, err := strictStr(e, "new_string", where+".edits["+itoa(i)+"]")
				if err != nil {
					return 0, false, err
				}
				if ok {
					total += int64(len(s))
				}
			}
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false, inputErr("%s.%s must be a string", where, f)
		}
		total += int64(len(s))
	}
	return total, found, nil
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func setURL(c *eval.Call, in map[string]json.RawMessage, where string) error {
	u, ok, err := strictStr(in, "url", where)
	if err != nil {
		return err
	}
	c.Ctx.URL, c.Ctx.HasURL = u, ok && u != ""
	m, _, err := strictStr(in, "method", where)
	if err != nil {
		return err
	}
	if m == "" {
		m = "GET"
	}
	c.Ctx.Method = strings.ToUpper(m)
	return nil
}

func setSearch(c *eval.Call, in map[string]json.RawMessage, where string) error {
	q, ok, err := strictStr(in, "query", where)
	if err != nil {
		return err
	}
	c.Ctx.Query, c.Ctx.HasQuery = q, ok && q != ""
	for _, f := range []struct {
		name string
		dst  *[]string
	}{{"allowed_domains", &c.Ctx.AllowedDomains}, {"blocked_domains", &c.Ctx.BlockedDomains}} {
		if raw, ok := in[f.name]; ok && string(bytes.TrimSpace(raw)) != "null" {
			if err := json.Unmarshal(raw, f.dst); err != nil {
				return inputErr("%s.%s must be an array of strings", where, f.name)
			}
		}
	}
	return nil
}

func setSubagent(c *eval.Call, in map[string]json.RawMessage, where string) error {
	t, _, err := strictStr(in, "subagent_type", where)
	c.Ctx.SubagentType = t
	return err
}

func paramBytes(raw json.RawMessage) int64 {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return int64(len(raw))
	}
	return int64(buf.Len())
}
