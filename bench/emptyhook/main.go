// Command emptyhook is the baseline for aport's whole-process benchmark: the
// least a Go hook can do — decode the payload on stdin and print a JSON
// answer. aport's start-up and decision cost is reported as a ratio to it.
package main

import (
	"encoding/json"
	"os"
)

func main() {
	var in map[string]any
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		os.Exit(2)
	}
	out := map[string]any{"hookSpecificOutput": map[string]any{
		"hookEventName": "PreToolUse", "permissionDecision": "allow", "permissionDecisionReason": "ok",
	}}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
