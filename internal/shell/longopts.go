package shell

import "strings"

// GNU tools accept any unambiguous prefix of a long option: `rm --recur
// --forc /` is `rm --recursive --force /`, `sed --in-pl` is `sed --in-place`,
// `sort --outp=F` is `sort --output=F`. expandLong rewrites such prefixes to
// the full option for the tools whose options matter to the checks, so the
// catalogue, self-protection and the deny list see what the tool sees. A
// prefix that matches several options here is left alone (the tool would
// refuse it as ambiguous, or the options it could mean are checked alike).
var gnuLongOpts = map[string][]string{
	"rm": {"recursive", "force", "no-preserve-root", "preserve-root", "dir", "interactive", "one-file-system", "verbose", "help", "version"},
	"cp": {"target-directory", "symbolic-link", "link", "recursive", "archive", "no-target-directory", "parents",
		"remove-destination", "force", "dereference", "no-dereference", "backup", "suffix", "update", "preserve",
		"no-preserve", "reflink", "sparse", "strip-trailing-slashes", "interactive", "no-clobber", "one-file-system",
		"attributes-only", "copy-contents", "context", "verbose", "debug", "keep-directory-symlink", "help", "version"},
	"mv": {"target-directory", "no-target-directory", "force", "backup", "suffix", "interactive", "no-clobber",
		"strip-trailing-slashes", "update", "verbose", "context", "exchange", "no-copy", "debug", "help", "version"},
	"ln": {"target-directory", "symbolic", "force", "backup", "suffix", "interactive", "logical", "no-dereference",
		"physical", "relative", "no-target-directory", "verbose", "directory", "help", "version"},
	"install": {"target-directory", "directory", "mode", "owner", "group", "backup", "suffix", "compare", "preserve-timestamps",
		"strip", "strip-program", "no-target-directory", "verbose", "preserve-context", "context", "debug", "help", "version"},
	"sed": {"in-place", "expression", "file", "line-length", "null-data", "zero-terminated", "posix", "quiet", "silent",
		"regexp-extended", "separate", "sandbox", "unbuffered", "debug", "follow-symlinks", "binary", "help", "version"},
	"sort": {"output", "compress-program", "files0-from", "temporary-directory", "random-source", "ignore-leading-blanks",
		"dictionary-order", "ignore-case", "general-numeric-sort", "ignore-nonprinting", "month-sort", "human-numeric-sort",
		"numeric-sort", "random-sort", "reverse", "sort", "version-sort", "batch-size", "check", "debug", "key", "merge",
		"stable", "buffer-size", "field-separator", "parallel", "unique", "zero-terminated", "help", "version"},
	"tee": {"append", "ignore-interrupts", "output-error", "help", "version"},
	"grep": {"recursive", "dereference-recursive", "directories", "devices", "regexp", "file", "files-with-matches", "files-without-match",
		"include", "exclude", "exclude-from", "exclude-dir", "ignore-case", "no-ignore-case", "invert-match", "word-regexp", "line-regexp",
		"count", "color", "colour", "max-count", "only-matching", "quiet", "silent", "no-messages", "byte-offset", "with-filename",
		"no-filename", "label", "line-number", "initial-tab", "unix-byte-offsets", "null", "null-data", "after-context",
		"before-context", "context", "text", "binary-files", "basic-regexp", "extended-regexp", "fixed-strings", "perl-regexp",
		"line-buffered", "binary", "help", "version"},
	"truncate": {"size", "reference", "no-create", "io-blocks", "help", "version"},
	"chmod":    {"recursive", "reference", "no-preserve-root", "preserve-root", "changes", "silent", "quiet", "verbose", "dereference", "no-dereference", "help", "version"},
	"chown":    {"recursive", "reference", "no-preserve-root", "preserve-root", "changes", "silent", "quiet", "verbose", "from", "dereference", "no-dereference", "help", "version"},
	"chgrp":    {"recursive", "reference", "no-preserve-root", "preserve-root", "changes", "silent", "quiet", "verbose", "dereference", "no-dereference", "help", "version"},
	"shred":    {"remove", "force", "iterations", "random-source", "size", "exact", "zero", "verbose", "help", "version"},
	"touch":    {"no-create", "date", "reference", "time", "no-dereference", "help", "version"},
	"mkdir":    {"parents", "mode", "verbose", "context", "help", "version"},
	"tar": {"directory", "file", "extract", "get", "create", "append", "update", "delete", "list", "to-command",
		"use-compress-program", "checkpoint-action", "checkpoint", "info-script", "new-volume-script", "rsh-command",
		"remove-files", "overwrite", "keep-old-files", "gzip", "bzip2", "xz", "zstd", "verbose", "exclude", "help", "version"},
	"xargs":   {"arg-file", "delimiter", "eof", "replace", "max-lines", "max-args", "max-procs", "max-chars", "interactive", "no-run-if-empty", "null", "verbose", "exit", "show-limits", "open-tty", "process-slot-var", "help", "version"},
	"env":     {"split-string", "chdir", "unset", "ignore-environment", "null", "argv0", "default-signal", "ignore-signal", "block-signal", "list-signal-handling", "debug", "help", "version"},
	"timeout": {"signal", "kill-after", "preserve-status", "foreground", "verbose", "help", "version"},
}

func expandLong(name string, args []field) ([]field, bool) {
	opts, ok := gnuLongOpts[name]
	if !ok {
		return args, false
	}
	var out []field
	for i, a := range args {
		if !a.lit || !strings.HasPrefix(a.val, "--") || len(a.val) < 3 {
			continue
		}
		if a.val == "--" {
			break
		}
		pre, val, hasVal := strings.Cut(a.val[2:], "=")
		full := ""
		for _, o := range opts {
			if o == pre {
				full = ""
				break
			}
			if strings.HasPrefix(o, pre) {
				if full != "" {
					full = ""
					break
				}
				full = o
			}
		}
		if full == "" {
			continue
		}
		if out == nil {
			out = append([]field(nil), args...)
		}
		out[i].val = "--" + full
		if hasVal {
			out[i].val += "=" + val
		}
	}
	if out == nil {
		return args, false
	}
	return out, true
}
