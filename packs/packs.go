// Package packs holds aport's built-in policy packs as data: one JSON file per
// versioned pack id, embedded in the binary. A pack declares the capability it
// governs, the minimum assurance level, the context fields a call must carry,
// the limits it reads from a passport (with their types and meaning) and the
// deny codes it can produce. The checks themselves live in internal/eval, one
// file per pack; this package only describes them.
//
// Loading is lazy: nothing is parsed until a pack is asked for, so the hook
// pays only for the pack of the call it decides.
package packs

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

//go:generate go run gen.go

//go:embed *.json
var files embed.FS

// Info is what deciding a call needs to know about a pack, compiled into the
// binary (index_gen.go) so the hook parses no pack file.
type Info struct {
	ID           string
	Capability   string
	MinAssurance string
	Context      []string
	Limits       map[string]LimitInfo
}

// LimitInfo is a limit's type and whether the pack requires it.
type LimitInfo struct {
	Type     string
	Required bool
}

// Lookup returns the compiled facts of a pack.
func Lookup(id string) (*Info, bool) {
	i := lookupIndex(id)
	return i, i != nil
}

// Limit describes one limit a pack reads from passport limits.
type Limit struct {
	Type        string `json:"type"` // string_list, int, bool, currency_limits
	Required    bool   `json:"required,omitempty"`
	Description string `json:"description"`
}

// Pack is one versioned policy pack.
type Pack struct {
	ID           string           `json:"id"`
	Capability   string           `json:"capability"`
	Title        string           `json:"title"`
	MinAssurance string           `json:"min_assurance"`
	Context      []string         `json:"context"`
	Description  string           `json:"description"`
	Limits       map[string]Limit `json:"limits"`
	DenyCodes    []string         `json:"deny_codes"`
}

// byCapability maps a passport capability id to the pack that governs it.
// TestIndexMatchesData keeps it in step with the JSON files.
var byCapability = map[string]string{
	"system.command.execute": "system.command.execute.v1",
	"data.file.read":         "data.file.read.v1",
	"data.file.write":        "data.file.write.v1",
	"web.fetch":              "web.fetch.v1",
	"web.search":             "web.search.v1",
	"mcp.tool.execute":       "mcp.tool.execute.v1",
	"agent.session.create":   "agent.session.create.v1",
	"finance.payment.refund": "finance.payment.refund.v1",
	"messaging.send":         "messaging.message.send.v1",
	"repo.merge":             "code.repository.merge.v1",
}

// ForCapability returns the id of the pack that governs a capability.
func ForCapability(capability string) (string, bool) {
	id, ok := byCapability[capability]
	return id, ok
}

// Capabilities lists every capability a pack governs, sorted.
func Capabilities() []string {
	out := make([]string, 0, len(byCapability))
	for c := range byCapability {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Get loads the pack with the given id.
func Get(id string) (*Pack, error) {
	if strings.ContainsAny(id, "/\\") {
		return nil, fmt.Errorf("no pack %q", id)
	}
	b, err := files.ReadFile(id + ".json")
	if err != nil {
		return nil, fmt.Errorf("no pack %q (aport packs list shows them)", id)
	}
	var p Pack
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("pack %s: %w", id, err)
	}
	return &p, nil
}

// Raw returns the pack file's bytes.
func Raw(id string) ([]byte, error) { return files.ReadFile(id + ".json") }

// All loads every pack, sorted by id.
func All() ([]*Pack, error) {
	ents, err := files.ReadDir(".")
	if err != nil {
		return nil, err
	}
	var out []*Pack
	for _, e := range ents {
		p, err := Get(strings.TrimSuffix(e.Name(), ".json"))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// AssuranceRank orders assurance levels L0 < L1 < ... < L4; -1 for an unknown level.
func AssuranceRank(level string) int {
	if len(level) == 2 && level[0] == 'L' && level[1] >= '0' && level[1] <= '4' {
		return int(level[1] - '0')
	}
	return -1
}
