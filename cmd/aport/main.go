// Command aport authorizes an AI coding agent's tool calls before they run.
//
// It is the pre-tool-use hook of Claude Code and Cursor: `aport eval` reads
// one proposed tool call on stdin, decides it against the agent's passport and
// the built-in policy packs, answers in the host's own format, writes a signed
// audit event and exits 2 to block. The other subcommands install the hook,
// manage passports, keys and the audit log, and test policies in CI.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
