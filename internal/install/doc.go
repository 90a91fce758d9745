// Package install merges aport's hook entries into the configuration files of
// Claude Code (settings.json: a PreToolUse matcher group for every tool) and
// Cursor (hooks.json: preToolUse, beforeShellExecution, beforeMCPExecution and
// beforeReadFile), and takes them out again.
//
// It edits the files as text: the document is parsed into a tree that keeps
// byte offsets, and aport's entries are inserted, replaced or removed at those
// offsets, in the file's own indentation, line endings and separators. What
// aport did not touch stays byte for byte; installing twice changes nothing;
// uninstalling what install added gives back the original bytes. Files are
// written atomically with a backup of the previous content.
//
// It is not a general JSON editor, and it does not decide anything about tool
// calls: the hook command it writes runs `aport eval`.
package install
