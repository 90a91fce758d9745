package shell

import (
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// pattern is one compiled allowed/denied/ask entry.
type pattern struct {
	raw   string
	star  bool     // "*"
	words []string // the entry's words
	// deny form: the words that are not flags, and the canonical flags
	nonflags []string
	flags    []string
}

// compiled holds the deny and ask entries, each compiled the first time a
// command whose name could match it is checked. The allow list is matched
// straight from its strings (matchAllowed).
type compiled struct {
	denied, ask []*pattern
}

func (c *checker) patterns(list []string, cache *[]*pattern, name string) []*pattern {
	if *cache == nil {
		*cache = make([]*pattern, len(list))
	}
	var out []*pattern
	for i, e := range list {
		w, _ := nextWord(e)
		if w == "" || (w != "*" && w != name && !strings.Contains(w, "/") && !(name == "." && w == "source")) {
			continue
		}
		if (*cache)[i] == nil {
			ps := compileList(list[i : i+1])
			if len(ps) == 0 {
				continue
			}
			(*cache)[i] = &ps[0]
		}
		out = append(out, (*cache)[i])
	}
	return out
}

// nextWord returns the first space-separated word of s and the rest.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t\n")
	i := strings.IndexAny(s, " \t\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// matchAllowed is matchPrefix on an entry as written, without allocating.
func matchAllowed(entry string, argv []field, name string) bool {
	if entry != "" && entry[0] != ' ' && entry[0] != '\t' && entry[0] != '*' && name != "." &&
		!strings.HasPrefix(entry, name) {
		first := entry
		if i := strings.IndexByte(entry, ' '); i >= 0 {
			first = entry[:i]
		}
		if strings.IndexByte(first, '/') < 0 {
			return false // fast path: the first word is a name, and not this one
		}
	}
	w, rest := nextWord(entry)
	if w == "" {
		return false
	}
	if w == "*" && strings.TrimSpace(rest) == "" {
		return true
	}
	if !matchName(w, argv[0]) || !systemPath(w, argv[0]) {
		return false
	}
	for i := 1; ; i++ {
		w, rest = nextWord(rest)
		if w == "" {
			return true
		}
		if i >= len(argv) || !argv[i].known() || argv[i].val != w {
			return false
		}
	}
}

func compileList(entries []string) []pattern {
	out := make([]pattern, 0, len(entries))
	for _, e := range entries {
		ws := strings.Fields(e)
		if len(ws) == 0 {
			continue // an empty entry matches nothing
		}
		p := pattern{raw: e, words: ws, star: len(ws) == 1 && ws[0] == "*"}
		name := baseName(ws[0])
		p.nonflags = []string{ws[0]}
		var sub string
		for _, w := range ws[1:] {
			if strings.HasPrefix(w, "-") && len(w) > 1 {
				p.flags = append(p.flags, canonFlags(name, sub, w)...)
				continue
			}
			if sub == "" {
				sub = w
			}
			p.nonflags = append(p.nonflags, w)
		}
		out = append(out, p)
	}
	return out
}

// systemPath is the allow list's extra rule for an entry without a slash:
// the command is run by name (found on PATH) or from a system directory.
// "ls" allows ls and /usr/bin/ls, not ./ls, src/ls or /tmp/x/ls: a file the
// agent wrote and named after an allowed command is not that command. The
// deny and ask lists match the basename wherever the file is.
func systemPath(pw string, argv0 field) bool {
	if strings.Contains(pw, "/") || !strings.Contains(argv0.val, "/") {
		return true
	}
	switch path.Dir(path.Clean(argv0.val)) {
	case "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
		"/opt/homebrew/bin", "/opt/homebrew/sbin", "/opt/local/bin", "/opt/local/sbin",
		"/home/linuxbrew/.linuxbrew/bin", "/snap/bin", "/run/current-system/sw/bin",
		"/nix/var/nix/profiles/default/bin":
		return true
	}
	return false
}

// matchName compares a pattern's first word with argv[0]: an entry with a
// slash names the path as written, any other entry the basename.
func matchName(pw string, argv0 field) bool {
	if !argv0.known() {
		return false
	}
	if strings.Contains(pw, "/") {
		return argv0.val == pw || path.Clean(argv0.val) == path.Clean(pw)
	}
	name := baseName(argv0.val)
	return name == pw || (name == "." && pw == "source")
}

// matchPrefix is the allow/ask semantics: argv starts with the entry's words.
func (p *pattern) matchPrefix(argv []field) bool {
	if p.star {
		return true
	}
	if len(argv) < len(p.words) || !matchName(p.words[0], argv[0]) {
		return false
	}
	for i, w := range p.words[1:] {
		a := argv[i+1]
		if !a.known() || a.val != w {
			return false
		}
	}
	return true
}

// matchDeny is the deny semantics: the command's leading operands are the
// entry's non-flag words in order, and it carries every flag of the entry in
// any order, clustered or not, long or short.
func (p *pattern) matchDeny(argv []field, name string) bool {
	if p.star {
		return true
	}
	if !matchName(p.words[0], argv[0]) {
		return false
	}
	ops, flags := splitForDeny(name, argv[1:])
	if len(ops) < len(p.nonflags)-1 {
		return false
	}
	for i, w := range p.nonflags[1:] {
		if !ops[i].known() || ops[i].val != w {
			return false
		}
	}
	for _, want := range p.flags {
		found := false
		for _, have := range flags {
			if have == want {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// splitForDeny separates a command's operands from its canonical flags.
// Values of the global options of git (-C dir, -c key=val) are skipped so
// `git -C dir push -f` still reads as `git push -f`.
func splitForDeny(name string, args []field) (ops []field, flags []string) {
	sub := ""
	dashdash := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if dashdash || !a.lit || !strings.HasPrefix(a.val, "-") || a.val == "-" {
			if a.lit && name == "git" && sub == "push" && strings.HasPrefix(a.val, "+") && len(a.val) > 1 {
				flags = append(flags, "-f") // a +refspec forces
			}
			if sub == "" && a.known() {
				sub = a.val
			}
			ops = append(ops, a)
			continue
		}
		if a.val == "--" {
			dashdash = true
			continue
		}
		if name == "git" && sub == "" {
			switch a.val {
			case "-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env":
				i++
				continue
			}
		}
		flags = append(flags, canonFlags(name, sub, a.val)...)
		flags = append(flags, a.val) // the word itself, for single-dash long options (find -delete)
	}
	return ops, flags
}

// canonFlags turns one option word into canonical flags: a cluster -rf is
// -r and -f; --long=value is --long; well-known long and short spellings of
// the same option become one.
func canonFlags(name, sub, w string) []string {
	if strings.HasPrefix(w, "--") {
		long := w[2:]
		if i := strings.IndexByte(long, '='); i >= 0 {
			long = long[:i]
		}
		return []string{canon(name, sub, "--"+long)}
	}
	out := make([]string, 0, len(w)-1)
	for _, ch := range w[1:] {
		out = append(out, canon(name, sub, "-"+string(ch)))
	}
	return out
}

// longPrefix reports whether f is an abbreviation (at least min characters
// after "--") of the long option full, as getopt_long and git accept.
func longPrefix(f, full string, min int) bool {
	return len(f) >= 2+min && strings.HasPrefix(full, f)
}

func canon(name, sub, f string) string {
	switch name {
	case "rm":
		switch {
		case longPrefix(f, "--recursive", 1):
			return "-r"
		case longPrefix(f, "--force", 1):
			return "-f"
		}
	case "cp":
		switch {
		case longPrefix(f, "--recursive", 3):
			return "-r"
		case longPrefix(f, "--force", 1):
			return "-f"
		}
	case "chmod", "chown", "chgrp":
		if longPrefix(f, "--recursive", 2) {
			return "-r"
		}
	case "git":
		if sub == "push" && strings.HasPrefix(f, "--forc") {
			return "-f"
		}
	}
	switch name {
	case "rm", "cp":
		switch f {
		case "-R", "--recursive":
			return "-r"
		case "--force":
			return "-f"
		}
	case "chmod", "chown", "chgrp":
		switch f {
		case "-R", "--recursive":
			return "-r"
		}
	case "git":
		if sub == "push" {
			switch f {
			case "--force", "--force-with-lease", "--force-if-includes":
				return "-f"
			case "--delete":
				return "-d"
			}
		}
	}
	return f
}

// matchArg is the denied_args semantics: equal, or a glob match.
func matchArg(pat, val string) bool {
	if pat == val {
		return true
	}
	ok, err := doublestar.Match(pat, val)
	return err == nil && ok
}

// matchDir matches an allowed_working_directories glob; "/a/**" also allows /a.
func matchDir(glob, dir string) bool {
	if glob == dir {
		return true
	}
	if ok, err := doublestar.Match(glob, dir); err == nil && ok {
		return true
	}
	if strings.HasSuffix(glob, "/**") && strings.TrimSuffix(glob, "/**") == dir {
		return true
	}
	return false
}
