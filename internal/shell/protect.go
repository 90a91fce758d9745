package shell

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/aporthq/aport/internal/pathx"
)

// target is a path a command would write, move, delete or change the mode of.
type target struct {
	f         field
	recursive bool // the operation reaches everything below a directory
}

// backups are the copies cp, mv, ln and install keep of a destination they
// replace with -b/--backup: DEST~ or DEST+SUFFIX (-S, --suffix).
func backups(dests []target, opts []opt) []target {
	if !hasOpt(opts, "-b", "--backup") && len(optVals(opts, "-S", "--suffix")) == 0 {
		return nil
	}
	suffixes := optVals(opts, "-S", "--suffix")
	if len(suffixes) == 0 {
		suffixes = []field{litField("~")}
	}
	var out []target
	for _, d := range dests {
		for _, s := range suffixes {
			if d.f.lit && s.lit {
				out = append(out, target{f: litField(d.f.val + s.val)})
			} else {
				out = append(out, target{f: field{text: d.f.text + s.text, val: d.f.val + s.val}})
			}
		}
	}
	return out
}

func targets(fs []field, recursive bool) []target {
	out := make([]target, 0, len(fs))
	for _, f := range fs {
		out = append(out, target{f: f, recursive: recursive})
	}
	return out
}

func optVals(opts []opt, names ...string) []field {
	var out []field
	for _, o := range opts {
		for _, n := range names {
			if o.name == n {
				out = append(out, o.val)
			}
		}
	}
	return out
}

// writeTargets lists the paths a command writes, per command; known is
// false for a command it has no rule for.
func writeTargets(name string, args []field) (ts []target, known bool) {
	switch name {
	case "tee":
		_, pos := parseArgs(args, "", "")
		return targets(pos, false), true
	case "cp", "install", "ln":
		opts, pos := parseArgs(args, "tSmogZ", " target-directory suffix mode owner group backup context ")
		dirs := optVals(opts, "-t", "--target-directory")
		out := targets(dirs, false)
		if name == "install" && hasOpt(opts, "-d", "--directory") {
			return append(out, targets(pos, false)...), true
		}
		if name == "ln" || (name == "cp" && hasOpt(opts, "-s", "--symbolic-link", "-l", "--link")) {
			// a link is a way to write its target later, and a link to a
			// directory reaches everything below it
			return append(append(out, targets(pos, true)...), intoDirs(pos, dirs)...), true
		}
		if len(out) == 0 && len(pos) > 0 {
			out = append(out, target{f: pos[len(pos)-1]})
		}
		out = append(out, intoDirs(pos, dirs)...)
		if hasOpt(opts, "--parents") && len(pos) > 1 {
			// cp --parents a/b DIR writes DIR/a/b
			for _, s := range pos[:len(pos)-1] {
				if d := pos[len(pos)-1]; s.lit && d.lit {
					out = append(out, target{f: litField(path.Join(d.val, s.val))})
				}
			}
		}
		return append(out, backups(out, opts)...), true
	case "mv":
		opts, pos := parseArgs(args, "tS", " target-directory suffix backup ")
		dirs := optVals(opts, "-t", "--target-directory")
		out := targets(dirs, true)
		out = append(out, intoDirs(pos, dirs)...)
		out = append(out, targets(pos, true)...) // sources are removed, the destination replaced
		return append(out, backups(out, opts)...), true
	case "csplit", "split":
		// files named PREFIX and what the tool adds: a glob for them all
		opts, pos := parseArgs(args, "fbnlCatd", " prefix suffix-format digits lines line-bytes bytes additional-suffix number separator ")
		prefix := optVals(opts, "-f", "--prefix")
		if name == "split" && len(pos) > 1 {
			prefix = append(prefix, pos[len(pos)-1])
		}
		if len(prefix) == 0 {
			prefix = []field{litField("x")}
		}
		var out []target
		for _, p := range prefix {
			if p.lit {
				out = append(out, target{f: field{text: p.text, val: escapeUnquoted(p.val) + "*", lit: true, glob: true}})
			} else {
				out = append(out, target{f: p})
			}
		}
		return out, true
	case "rsync":
		opts, pos := parseArgs(args, "efTBM", rsyncLongVal)
		out := targets(optVals(opts, "--log-file", "--backup-dir", "--partial-dir"), false)
		recursive := hasOpt(opts, "--delete", "--delete-before", "--delete-after", "--delete-during", "--delete-excluded", "--del")
		if len(pos) > 0 {
			out = append(out, target{f: pos[len(pos)-1], recursive: recursive})
		}
		if hasOpt(opts, "--remove-source-files") && len(pos) > 1 {
			out = append(out, targets(pos[:len(pos)-1], true)...)
		}
		return out, true
	case "sed":
		suffix := sedSuffix(args)
		args = sedArgs(args)
		opts, pos := parseArgs(args, sedValueOpts, " expression file line-length ")
		inPlace := false
		for _, a := range args {
			if a.lit && (strings.HasPrefix(a.val, "--in-place") || (strings.HasPrefix(a.val, "-") && !strings.HasPrefix(a.val, "--") && strings.Contains(a.val, "i"))) {
				inPlace = true
			}
		}
		if !inPlace {
			return nil, true
		}
		if !hasOpt(opts, "-e", "--expression", "-f", "--file") && len(pos) > 0 {
			pos = pos[1:] // the script
		}
		out := targets(pos, false)
		if suffix != "" {
			// the backup copy: FILE+SUFFIX, or SUFFIX with * as the file's
			// name, anywhere when it holds a / (-i'/x/*' copies to /x/FILE)
			for _, f := range pos {
				if !f.lit {
					continue
				}
				b := f.val + suffix
				if strings.Contains(suffix, "*") {
					b = strings.ReplaceAll(suffix, "*", path.Base(f.val))
					if !strings.Contains(b, "/") {
						b = path.Join(path.Dir(f.val), b)
					}
				}
				out = append(out, target{f: litField(b)})
			}
		}
		return out, true
	case "perl":
		inPlace, script := false, false
		i := 0
		for ; i < len(args); i++ {
			a := args[i]
			if !a.lit || !strings.HasPrefix(a.val, "-") || a.val == "-" {
				break
			}
			if a.val == "--" {
				i++
				break
			}
			if strings.Contains(a.val, "i") && !strings.HasPrefix(a.val, "-I") {
				inPlace = true
			}
			if strings.HasSuffix(a.val, "e") || strings.HasSuffix(a.val, "E") {
				script = true
				i++ // the code
			}
		}
		if !inPlace {
			return nil, true
		}
		rest := ops(args, i)
		if !script && len(rest) > 0 {
			rest = rest[1:]
		}
		return targets(rest, false), true
	case "truncate":
		_, pos := parseArgs(args, "sr", " size reference ")
		return targets(pos, false), true
	case "rm":
		opts, pos := parseArgs(args, "", "")
		return targets(pos, recursiveOpt(opts, "rm")), true
	case "rmdir", "unlink", "shred", "mkdir", "touch":
		_, pos := parseArgs(args, "mnsudtrZ", " mode iterations size random-source date time reference context ")
		if name == "shred" || name == "rmdir" || name == "unlink" || name == "mkdir" {
			_, pos = parseArgs(args, "mnsZ", " mode iterations size random-source context ")
		}
		return targets(pos, false), true
	case "chmod", "chown", "chgrp":
		opts, pos := parseArgs(args, "", " reference from ")
		if !hasOpt(opts, "--reference") && len(pos) > 0 {
			pos = pos[1:]
		}
		return targets(pos, recursiveOpt(opts, name)), true
	case "chattr":
		var pos []field
		recursive := false
		for i := 0; i < len(args); i++ {
			a := args[i]
			switch {
			case a.lit && (a.val == "-v" || a.val == "-p"):
				i++
			case a.lit && a.val == "-R":
				recursive = true
			case a.lit && len(a.val) > 0 && strings.ContainsRune("-+=", rune(a.val[0])):
			default:
				pos = append(pos, a)
			}
		}
		return targets(pos, recursive), true
	case "setfacl":
		opts, pos := parseArgs(args, "mMxX", " modify modify-file remove remove-file set set-file ")
		return targets(pos, hasOpt(opts, "-R", "--recursive")), true
	case "dd":
		var out []target
		for _, a := range args {
			if a.lit && strings.HasPrefix(a.val, "of=") {
				out = append(out, target{f: litField(strings.TrimPrefix(a.val, "of="))})
			} else if !a.lit && strings.HasPrefix(a.text, "of=") {
				out = append(out, target{f: a})
			}
		}
		return out, true
	case "tar", "bsdtar", "gtar":
		return tarTargets(args), true
	case "unzip":
		opts, _ := parseArgs(args, "dx", "")
		if hasOpt(opts, "-l", "-t", "-v", "-p", "-Z", "-z") {
			return nil, true
		}
		if d := optVals(opts, "-d"); len(d) > 0 {
			return targets(d, false), true
		}
		return []target{{f: litField(".")}}, true
	case "patch":
		opts, pos := parseArgs(args, "oditpDBFrVYzgx", " output directory input strip ifdef prefix fuzz reject-file version-control basename-prefix suffix get ")
		out := targets(optVals(opts, "-o", "--output", "-d", "--directory", "-r", "--reject-file"), false)
		if len(pos) > 0 {
			out = append(out, target{f: pos[0]})
		}
		if len(out) == 0 {
			out = append(out, target{f: litField(".")})
		}
		return out, true
	case "vim", "vi", "nvim", "nano", "ed", "ex", "emacs", "pico", "micro", "joe", "kak", "hx", "helix", "mcedit":
		var pos []field
		for _, a := range args {
			if a.lit && (strings.HasPrefix(a.val, "-") || strings.HasPrefix(a.val, "+")) {
				continue
			}
			pos = append(pos, a)
		}
		return targets(pos, false), true
	case "curl":
		opts, _ := parseArgs(args, curlShortVal, curlLongVal)
		out := targets(optVals(opts, "-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar", "--trace", "--trace-ascii", "--stderr", "--libcurl"), false)
		if dirs := optVals(opts, "--output-dir"); len(dirs) > 0 {
			out = append(out, targets(dirs, false)...)
		} else if hasOpt(opts, "-O", "--remote-name", "--remote-name-all", "-J") {
			out = append(out, target{f: litField(".")})
		}
		return out, true
	case "wget":
		opts, _ := parseArgs(args, "OoaPeUiTtwQlDAR", " output-document output-file append-output directory-prefix execute user-agent input-file timeout tries wait quota level domains accept reject header user password ")
		out := targets(optVals(opts, "-O", "--output-document", "-o", "--output-file", "-a", "--append-output"), false)
		if dirs := optVals(opts, "-P", "--directory-prefix"); len(dirs) > 0 {
			out = append(out, targets(dirs, false)...)
		} else if !hasOpt(opts, "-O", "--output-document", "--spider") {
			out = append(out, target{f: litField(".")})
		}
		return out, true
	case "sort":
		opts, _ := parseArgs(args, "okStT", " output key field-separator buffer-size temporary-directory parallel ")
		return targets(optVals(opts, "-o", "--output"), false), true
	case "time":
		opts, _ := parseArgs(args, "fo", " format output ")
		return targets(optVals(opts, "-o", "--output"), false), true
	case "strace", "ltrace":
		opts, _ := parseArgs(args, "abeEIoOpPsSuX", " output ")
		return targets(optVals(opts, "-o", "--output"), false), true
	case "script":
		_, pos := parseArgs(args, "cEIOTB", " command echo log-in log-out log-timing log-io timing output-limit ")
		return targets(pos, false), true
	case "gzip", "gunzip", "bzip2", "bunzip2", "xz", "unxz", "zstd", "unzstd", "lzma", "compress", "uncompress":
		opts, pos := parseArgs(args, "S", " suffix ")
		if hasOpt(opts, "-c", "--stdout", "--to-stdout", "-l", "--list", "-t", "--test") {
			return nil, true
		}
		out := targets(pos, hasOpt(opts, "-r", "--recursive"))
		// FILE is replaced by FILE+SUFFIX (-S, --suffix): both are written
		for _, sfx := range optVals(opts, "-S", "--suffix") {
			for _, p := range pos {
				if p.lit && sfx.lit {
					out = append(out, target{f: litField(p.val + sfx.val)})
				}
			}
		}
		return out, true
	case "find":
		var out []target
		del := false
		roots, expr := findRoots(args)
		for i := expr; i < len(args); i++ {
			a := args[i]
			if !a.lit {
				continue
			}
			switch a.val {
			case "-delete":
				del = true
			case "-fprint", "-fprint0", "-fprintf", "-fls":
				if i+1 < len(args) {
					out = append(out, target{f: args[i+1]})
				}
			}
		}
		// find . -name '*.pyc' -delete: no protected file has such a name
		if names := findNames(args[expr:]); del && (names == nil || anyProtectedName(names)) {
			out = append(out, targets(roots, true)...)
		}
		return out, true
	}
	return nil, false
}

// tarTargets: extraction writes into -C DIR (or the working directory);
// creating or appending writes the archive.
func tarTargets(args []field) []target {
	var extract, create, remove bool
	var file, dir, operands []field
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.lit {
			operands = append(operands, a)
			continue
		}
		v := a.val
		switch {
		case !strings.HasPrefix(v, "-") && !(i == 0 && isLetters(v)):
			operands = append(operands, a)
		case strings.HasPrefix(v, "--"):
			name, val, has := strings.Cut(v[2:], "=")
			switch name {
			case "remove-files":
				remove = true
			case "extract", "get":
				extract = true
			case "create", "append", "update", "catenate", "concatenate", "delete":
				create = true
			case "file", "directory":
				vf := litField(val)
				if !has && i+1 < len(args) {
					i++
					vf = args[i]
				}
				if name == "file" {
					file = append(file, vf)
				} else {
					dir = append(dir, vf)
				}
			}
		case strings.HasPrefix(v, "-") || (i == 0 && isLetters(v)):
			letters := strings.TrimPrefix(v, "-")
			for k := 0; k < len(letters); k++ {
				switch letters[k] {
				case 'x':
					extract = true
				case 'c', 'r', 'u', 'A':
					create = true
				case 'f', 'C':
					l := letters[k]
					var vf field
					switch {
					case strings.HasPrefix(v, "-") && k+1 < len(letters):
						vf = litField(letters[k+1:])
						k = len(letters)
					case i+1 < len(args):
						i++
						vf = args[i]
					default:
						continue
					}
					if l == 'C' {
						dir = append(dir, vf)
					} else {
						file = append(file, vf)
					}
				}
			}
		}
	}
	var out []target
	if extract {
		if len(dir) == 0 {
			dir = []field{litField(".")}
		}
		out = append(out, targets(dir, false)...)
	}
	if create {
		out = append(out, targets(file, false)...)
	}
	if remove {
		// --remove-files deletes what it archived: every operand, below
		// each -C directory when it is relative
		for _, o := range operands {
			out = append(out, target{f: o, recursive: true})
			for _, d := range dir {
				if o.lit && d.lit && !path.IsAbs(o.val) {
					out = append(out, target{f: litField(path.Join(d.val, o.val)), recursive: true})
				}
			}
		}
	}
	return out
}

func isLetters(s string) bool {
	for _, ch := range s {
		if (ch < 'a' || ch > 'z') && (ch < 'A' || ch > 'Z') {
			return false
		}
	}
	return s != ""
}

// protect checks the paths a command writes against self-protection.
func (c *checker) protect(argv []field, name, text string) {
	args := argv[1:]
	if name == "git" {
		c.gitTargets(args, text)
		return
	}
	if name == "ln" || name == "cp" || name == "mv" || name == "rsync" {
		c.recordLinks(name, args, text)
	}
	if name == "curl" {
		c.curlFiles(args, text)
	}
	ts, known := writeTargets(name, args)
	for _, t := range ts {
		c.checkWrite(t, text, name+" writing")
	}
	if !known {
		c.protectArgs(args, name, text)
	}
}

// intoDirs is where cp, mv, install and ln put each source when the
// destination is a directory: DIR/basename(SRC). cp x .git/hooks writes
// .git/hooks/x, which the destination alone does not show.
func intoDirs(pos, dirs []field) []target {
	srcs := pos
	if len(dirs) == 0 {
		if len(pos) < 2 {
			return nil
		}
		srcs, dirs = pos[:len(pos)-1], pos[len(pos)-1:]
	}
	var out []target
	for _, d := range dirs {
		for _, s := range srcs {
			if d.known() && s.known() {
				out = append(out, target{f: litField(path.Join(d.val, path.Base(s.val)))})
			}
		}
	}
	return out
}

// curlSpec are curl's short and long options that take a value.
const curlShortVal, curlLongVal = "oDcdHuXAeEKTwxbr", " output dump-header cookie-jar trace trace-ascii stderr libcurl output-dir data header user request user-agent referer cert key config upload-file write-out proxy cookie range data-binary data-raw data-urlencode form "

// curlFiles checks file:// addresses given to curl: a path it reads, or
// writes with -T (upload), after decoding %XX. curl expands {a,b} and
// [1-3] in an address (unless -g), which cannot be followed here.
func (c *checker) curlFiles(args []field, text string) {
	opts, pos := parseArgs(args, curlShortVal, curlLongVal)
	if hasOpt(opts, "-K", "--config") {
		c.add(Finding{Code: CodeDynamic, Command: text,
			Message: fmt.Sprintf("%s: curl reads more options (addresses, files to write) from a config file aport cannot see; give them on the command line", text)})
		return
	}
	upload := hasOpt(opts, "-T", "--upload-file")
	uploads := optVals(opts, "-T", "--upload-file")
	globs := !hasOpt(opts, "-g", "--globoff")
	for _, d := range optVals(opts, "--output-dir") { // --output-dir DIR -o NAME writes DIR/NAME
		for _, o := range optVals(opts, "-o", "--output") {
			if d.known() && o.known() {
				c.checkWrite(target{f: litField(path.Join(d.val, o.val))}, text, "curl writing")
			}
		}
	}
	for _, u := range pos {
		if !u.lit || len(u.val) < 7 || !strings.EqualFold(u.val[:7], "file://") {
			continue
		}
		rest := u.val[7:]
		if !strings.HasPrefix(rest, "/") {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				rest = rest[i:] // file://localhost/path
			}
		}
		p, err := url.PathUnescape(rest)
		if err != nil || strings.IndexByte(p, 0) >= 0 || globs && strings.ContainsAny(p, "{}[]") {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: the address %s does not name one file aport can read (curl expands {..} and [..], or it is not valid); write the path out, or add -g", text, u.val)})
			continue
		}
		if upload {
			c.checkWrite(target{f: litField(p)}, text, "curl writing")
			if strings.HasSuffix(p, "/") { // -T FILE file:///DIR/ writes DIR/FILE
				for _, u := range uploads {
					if u.known() {
						c.checkWrite(target{f: litField(path.Join(p, path.Base(u.val)))}, text, "curl writing")
					}
				}
			}
		} else {
			c.checkRead(litField(p), text, false)
		}
	}
}

// rsyncLongVal are rsync's long options that take a value.
const rsyncLongVal = " rsh rsync-path filter exclude include exclude-from include-from files-from temp-dir log-file password-file port chmod chown backup-dir partial-dir compare-dest copy-dest link-dest info debug out-format timeout contimeout "

// recordLinks notes the symbolic links ln -s (and cp -s) makes, and the
// links mv and cp carry to a new name, so that a later path through one is
// checked where it leads: after ln -s /usr u, rm -rf u/ empties /usr. Where
// the link lands is not certain (NAME, or NAME/basename when NAME is a
// directory), so both are noted. A target the text does not show is noted
// as unknown ("").
func (c *checker) recordLinks(name string, args []field, text string) {
	shortVal, longVal := "tSmogZ", " target-directory suffix mode owner group backup context "
	if name == "rsync" {
		shortVal, longVal = "efTBM", rsyncLongVal
	}
	opts, pos := parseArgs(args, shortVal, longVal)
	makes := name != "rsync" && hasOpt(opts, "-s", "--symbolic", "--symbolic-link")
	if !makes && name == "ln" {
		return // a hard link: no link to follow
	}
	dirs := optVals(opts, "-t", "--target-directory")
	srcs := pos
	var names []field
	switch {
	case len(dirs) > 0:
	case len(pos) == 1:
		dirs = []field{litField(".")}
	case len(pos) >= 2:
		srcs, dirs = pos[:len(pos)-1], pos[len(pos)-1:]
		if len(pos) == 2 {
			names = dirs // ln -s TARGET NAME, mv OLD NEW
		}
	}
	for _, src := range srcs {
		var targets []string
		switch {
		case makes:
			targets = c.linkTargets(src)
		default: // mv, cp: a link keeps its target under the new name
			tree := name == "mv" || name == "rsync" || hasOpt(opts, "-r", "-R", "-a", "--recursive", "--archive")
			for _, sv := range c.fieldValues(src) {
				ps, _ := c.resolveLexical(sv)
				for _, p := range ps {
					real := p
					if c.env.Physical != nil {
						if r, ok := c.env.Physical(p, c.cwdOne(), c.links); ok {
							real = r
						}
					}
					switch t, ok := c.links[p]; {
					case ok:
						targets = append(targets, t) // made by the text
					case real != p:
						targets = append(targets, real) // a link on disk
					case tree:
						// a directory moved or copied keeps the links inside
						// it: the new name leads where the old one did
						targets = append(targets, p)
					}
				}
			}
			if len(targets) == 0 {
				continue
			}
		}
		at := names
		for _, d := range dirs {
			for _, dv := range c.fieldValues(d) {
				for _, sv := range c.fieldValues(src) {
					at = append(at, litField(path.Join(dv, path.Base(sv))))
				}
			}
		}
		for _, n := range at {
			vals := c.fieldValues(n)
			if vals == nil {
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s: the name of the link it makes, %s, is not written out, so later paths through it cannot be followed; write it out", text, n.text)})
				continue
			}
			for _, nv := range vals {
				ps, _ := c.resolveLexical(nv)
				for _, p := range ps {
					for _, t := range targets {
						if t != "" && !path.IsAbs(t) {
							t = path.Dir(p) + "/" + t
						}
						if c.links == nil {
							c.links = map[string]string{}
						}
						if old, ok := c.links[p]; ok && old != t {
							t = "" // two targets under one name: not known which
						}
						c.links[p] = t
					}
				}
			}
		}
	}
}

// linkTargets is what a link made to f may point to: its values, or ""
// (unknown) when the text does not show them ({} of find -exec included).
func (c *checker) linkTargets(f field) []string {
	vals := c.fieldValues(f)
	for _, v := range vals {
		if strings.Contains(v, "{}") || strings.ContainsAny(v, "*?[") {
			return []string{""}
		}
	}
	if vals == nil {
		return []string{""}
	}
	return vals
}

// fieldValues is the values a field may have: itself when literal, else
// those the text shows (possibleValues); nil when not known.
func (c *checker) fieldValues(f field) []string {
	if f.known() {
		return []string{f.val}
	}
	if f.w != nil {
		return c.possibleValues(f.w.Parts)
	}
	return nil
}

// throughLinks adds to out each path raw may lead to through the links the
// text made (recordLinks), leaving the rest as written: every link on the
// way is taken and also not taken, since a name may be the link or a
// directory holding one. It reports false for a link whose target is not
// known.
func (c *checker) throughLinks(raw string, depth int, out *[]string) (known bool) {
	if depth > 8 || len(*out) > 16 {
		return true
	}
	comps := strings.Split(raw, "/")
	cur := "/"
	for i, x := range comps {
		switch x {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		cur = path.Join(cur, x)
		if t, ok := c.links[cur]; ok {
			if t == "" {
				return false
			}
			alt := t + "/" + strings.Join(comps[i+1:], "/")
			*out = append(*out, alt)
			if !c.throughLinks(alt, depth+1, out) {
				return false
			}
		}
	}
	return true
}

// protectArgs applies self-protection to every argument of a command that
// aport does not know to only read its operands: go build -o FILE, uniq IN
// OUT, openssl -out FILE, sqlite3 DB and countless others write to paths
// they are given. A literal argument (an option's value after =, or a path
// attached to a short option) that names a protected file, or a path inside
// a protected directory, is denied. Arguments that are not literals, globs
// and directories above protected files are left to the per-command rules.
func (c *checker) protectArgs(args []field, name, text string) {
	if c.env.Protected == nil || onlyReads(name) || runsCommand(name) {
		return
	}
	for _, f := range args {
		if !f.lit && f.w != nil {
			// built from variables: each value the text shows, or what it looks like
			vals := c.possibleValues(f.w.Parts)
			for _, v := range vals {
				c.protectArgs([]field{litField(v)}, name, text)
			}
			if v := bashSetValue(f.w.Parts); vals == nil && v != "" {
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s is given %s, built from %s, which bash sets from what ran before (%s); aport does not follow it, and does not know %s to only read its arguments; write the path out", name, f.text, v, bashSetWhat(v), name)})
				return
			}
			if vals == nil && (protectedShape(c.skeleton(f.w.Parts)) || c.tailNames(f.w.Parts, c.env.Own) || c.tailNames(f.w.Parts, hostConfigTails) ||
				c.headNames(f.w.Parts, c.env.Own, c.env.Protected)) {
				c.add(Finding{Code: CodeProtected, Command: text,
					Message: fmt.Sprintf("%s is given %s, which is built to look like one of aport's own files or a hook configuration, and aport does not know %s to only read it (self-protection, independent of the passport)", name, f.text, name)})
				return
			}
			continue
		}
		if !f.lit || f.glob || f.val == "" {
			continue
		}
		g, ok := pathField(f)
		if !ok {
			continue
		}
		ps, known := c.resolveAll(g)
		if !known {
			continue
		}
		for _, p := range ps {
			if c.env.Protected(p) {
				c.add(Finding{Code: CodeProtected, Command: text,
					Message: fmt.Sprintf("%s is given %s, one of aport's own files or a hook configuration, and aport does not know %s to only read it (self-protection, independent of the passport); leave them alone", name, p, name)})
				return
			}
			if s, ok := c.gitExec(p, g.glob); ok {
				c.add(Finding{Code: CodePathDenied, Command: text,
					Message: fmt.Sprintf("%s is given %s, under %s where git runs programs from, and aport does not know %s to only read it; shell text may not write there", name, p, s.Rule, name)})
				return
			}
			if d := c.programDir(p); d != "" {
				c.add(Finding{Code: CodePathDenied, Command: text,
					Message: fmt.Sprintf("%s is given %s, in %s, where programs and the code they load are found, and aport does not know %s to only read it: what is written there runs under an allowed command's name; shell text may not write there", name, p, d, name)})
				return
			}
		}
	}
}

// onlyReads names commands that never write to the paths they are given
// (shell builtins that only change the shell's state included).
func onlyReads(name string) bool {
	if isNeutral(name) {
		return true
	}
	switch name {
	case "cat", "tac", "less", "more", "most", "head", "tail", "grep", "egrep", "fgrep", "zgrep", "rg", "ag", "ack",
		"wc", "ls", "ll", "dir", "tree", "exa", "eza", "stat", "file", "du", "diff", "cmp", "comm", "colordiff", "delta",
		"md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum", "b2sum", "cksum", "sum", "shasum", "md5",
		"jq", "jless", "gron", "bat", "batcat", "hexdump", "od", "strings", "nl", "fold", "cut", "paste", "column", "fmt",
		"realpath", "readlink", "basename", "dirname", "namei", "lsattr", "getfacl", "echo", "printf", "type", "which",
		"whereis", "[[", "git", "aport", "cd", "pushd", "popd", "find", "fd", "fdfind", "locate", "look", "zcat", "bzcat",
		"xzcat", "zless", "zmore", "view":
		return true
	}
	return false
}

// runsCommand names the wrappers, shells and interpreters whose arguments are
// another command or a program: what they run is checked on its own.
func runsCommand(name string) bool {
	if _, _, _, ok := simpleWrapper(name); ok || isShell(name) {
		return true
	}
	if _, _, ok := interpreter(name); ok {
		return true
	}
	switch name {
	case "sudo", "env", "command", "exec", "watch", "xargs", "parallel", "flock", "script", "su", "runuser",
		"ssh", "eval", "trap", "source", ".", "emulate":
		return true
	}
	return false
}

// gitTargets: git checkout -- FILE and git restore FILE overwrite files;
// git -C DIR moves where they are.
func (c *checker) gitTargets(args []field, text string) {
	i := 0
	var dir *field
	for i < len(args) {
		a := args[i]
		if !a.lit || !strings.HasPrefix(a.val, "-") {
			break
		}
		if a.val == "-C" && i+1 < len(args) {
			d := args[i+1]
			dir = &d
			i += 2
			continue
		}
		if (a.val == "-c" || a.val == "--git-dir" || a.val == "--work-tree") && i+1 < len(args) {
			i += 2
			continue
		}
		i++
	}
	if i >= len(args) || !args[i].lit {
		return
	}
	sub, rest := args[i].val, args[i+1:]
	var files []field
	// --output FILE: the diff family (diff, log, show, format-patch, ...)
	// writes its output there instead of to standard output
	for j := 0; j < len(rest); j++ {
		if a := rest[j]; a.lit && a.val == "--output" && j+1 < len(rest) {
			files = append(files, rest[j+1])
		} else if v, ok := strings.CutPrefix(a.val, "--output="); a.lit && ok {
			files = append(files, litField(v))
		}
	}
	generic := false
	switch sub {
	case "checkout":
		for j, a := range rest {
			if a.lit && a.val == "--" {
				files = append(files, rest[j+1:]...)
				break
			}
		}
	case "restore":
		_, pos := parseArgs(rest, "s", " source ")
		files = append(files, pos...)
	case "rm", "mv":
		_, pos := parseArgs(rest, "", "")
		files = append(files, pos...)
	case "status", "diff", "log", "show", "blame", "annotate", "ls-files", "ls-tree", "grep", "cat-file", "rev-parse",
		"add", "commit", "branch", "tag", "fetch", "pull", "push", "remote", "describe", "shortlog", "reflog",
		"whatchanged", "stash", "switch", "merge", "rebase", "cherry-pick", "revert", "reset", "help", "version",
		"range-diff", "difftool", "check-ignore", "check-attr", "for-each-ref", "show-ref", "name-rev", "merge-base":
		// these read the paths they are given; their effect on the work tree
		// is the repository's own content
	default:
		generic = true // clone DIR, worktree add DIR, archive -o FILE, config --file FILE, ...
	}
	check := func() {
		for _, f := range files {
			c.checkWrite(target{f: f}, text, "git "+sub+" of")
		}
		if generic {
			c.protectArgs(rest, "git "+sub, text)
		}
	}
	if dir != nil {
		saved := c.saveCwd()
		c.setCwd(*dir, "git -C")
		check()
		c.cwd = saved
		return
	}
	check()
}

// loadProbes lists the protected and secret paths derivable from Home and
// Cwd, used to decide globs and recursive operations on their ancestors.
func (c *checker) loadProbes() {
	if c.probesOK {
		return
	}
	c.probesOK = true
	var cand []string
	if h := c.env.Home; path.IsAbs(h) {
		h = path.Clean(h)
		cand = append(cand, h+"/.aport", h+"/.claude/settings.json", h+"/.claude/settings.local.json", h+"/.cursor/hooks.json",
			h+"/.cursor/mcp.json", h+"/.claude.json", h+"/.mcp.json")
		if c.env.Secret != nil {
			for _, s := range []string{h + "/.aport/keys/audit.ed25519", h + "/.ssh/id_rsa", h + "/.ssh/id_ed25519", h + "/.ssh/id_ecdsa"} {
				if c.env.Secret(s) {
					c.secrets = append(c.secrets, s)
				}
			}
		}
	}
	if d := c.env.Cwd; path.IsAbs(d) {
		d = path.Clean(d)
		cand = append(cand, d+"/.claude/settings.json", d+"/.claude/settings.local.json", d+"/.cursor/hooks.json",
			d+"/.cursor/mcp.json", d+"/.mcp.json")
	}
	if c.env.Protected != nil {
		for _, p := range cand {
			if c.env.Protected(p) {
				c.probes = append(c.probes, p)
			}
		}
	}
}

// covers reports whether p (a path or a glob) names q, or — when deep —
// one of q's ancestors.
func covers(p string, glob, deep bool, q string) bool {
	for a := q; ; a = path.Dir(a) {
		if a == "/" || a == "." {
			return deep && p == "/"
		}
		if a == p || (glob && globMatch(p, a)) {
			return a == q || deep
		}
		if !deep && !glob {
			return false
		}
	}
}

// globMatch matches a shell glob against a path segment by segment; as in
// the shell, a leading dot must be matched explicitly.
func globMatch(pattern, name string) bool {
	ps, ns := strings.Split(pattern, "/"), strings.Split(name, "/")
	if strings.Count(pattern, "**") > 4 {
		return true // too many to follow: counts as matching
	}
	return segsMatch(ps, ns)
}

// segsMatch matches path segments. A segment that is exactly ** matches
// any number of segments, hidden ones included: what it does with shopt -s
// globstar (without it, ** is *, which matches less).
func segsMatch(ps, ns []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			for k := 0; k <= len(ns); k++ {
				if segsMatch(ps[1:], ns[k:]) {
					return true
				}
			}
			return false
		}
		if len(ns) == 0 {
			return false
		}
		if strings.HasPrefix(ns[0], ".") && !strings.HasPrefix(ps[0], ".") {
			return false
		}
		ok, err := path.Match(bashGlob(ps[0]), ns[0])
		if err == nil && !ok {
			return false // a pattern it cannot read counts as matching
		}
		ps, ns = ps[1:], ns[1:]
	}
	return len(ns) == 0
}

// bashGlob turns one segment of a bash glob into Go's path.Match syntax,
// widening what Go cannot express: an extglob group (@(a|b), !(x), ...) and a
// bracket expression with a class ([[:alpha:]], [[=a=]]) match anything
// there; [!x] is [^x].
func bashGlob(seg string) string {
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		ch := seg[i]
		switch {
		case ch == '\\' && i+1 < len(seg):
			b.WriteByte(ch)
			i++
			b.WriteByte(seg[i])
		case strings.IndexByte("?*+@!", ch) >= 0 && i+1 < len(seg) && seg[i+1] == '(':
			depth, j := 0, i+1
			for ; j < len(seg); j++ {
				if seg[j] == '(' {
					depth++
				} else if seg[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			b.WriteByte('*')
			i = j
		case ch == '[':
			j := i + 1
			if j < len(seg) && (seg[j] == '!' || seg[j] == '^') {
				j++
			}
			if j < len(seg) && seg[j] == ']' {
				j++
			}
			for j < len(seg) && seg[j] != ']' {
				if seg[j] == '[' && j+1 < len(seg) && strings.IndexByte(":=.", seg[j+1]) >= 0 {
					if end := strings.Index(seg[j+2:], string(seg[j+1])+"]"); end >= 0 {
						j += end + 4
						continue
					}
				}
				j++
			}
			if j >= len(seg) {
				b.WriteString(seg[i:]) // no closing bracket: as written
				return b.String()
			}
			expr := seg[i : j+1]
			switch {
			case strings.Contains(expr, "[:") || strings.Contains(expr, "[=") || strings.Contains(expr, "[."):
				b.WriteByte('?')
			case strings.HasPrefix(expr, "[!"):
				b.WriteString("[^" + expr[2:])
			default:
				b.WriteString(expr)
			}
			i = j
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// globUnder reports whether a glob's leading segments match the protected
// directory q and the path below it is protected: ~/.a*/passport.json.
func (c *checker) globUnder(p, q string) bool {
	ps := strings.Split(p, "/")
	n := len(strings.Split(q, "/"))
	if len(ps) <= n || !globMatch(strings.Join(ps[:n], "/"), q) {
		return false
	}
	return c.env.Protected(q + "/" + strings.Join(ps[n:], "/"))
}

// checkWrite applies self-protection to one write target.
func (c *checker) checkWrite(t target, text, how string) {
	c.deviceWrite(t.f, text, how) // cp /dev/zero /dev/sda, tee /dev/sda, sort -o /dev/sda
	switch path.Base(t.f.val) {
	case "config", "HEAD", "commondir", "gitdir", "packed-refs", "config.worktree":
		c.gitBait = true // a repository's own files, written by the text: see ownDirWrites
	}
	if !t.f.lit {
		if t.f.w != nil {
			// built from values the text shows: check each
			if vals := c.possibleValues(t.f.w.Parts); vals != nil {
				for _, v := range vals {
					g := litField(v)
					g.glob = strings.ContainsAny(v, "*?[")
					c.checkWrite(target{f: g, recursive: t.recursive}, text, how)
				}
				return
			}
		}
		c.add(Finding{Code: CodeDynamic, Command: text,
			Message: fmt.Sprintf("%s %s: the path is not a literal, so aport cannot tell whether it is one of its own files; write the path out", how, t.f.text)})
		return
	}
	if t.f.val == "" || t.f.val == "-" {
		return
	}
	ps, known := c.resolveAll(t.f)
	if !known {
		c.add(Finding{Code: CodeDynamic, Command: text,
			Message: fmt.Sprintf("%s %s: where the path leads is not known (it is relative to a working directory that is not known, or goes through a link that cannot be followed), so it cannot be checked; use an absolute path", how, t.f.val)})
		return
	}
	for _, p := range ps {
		if strings.HasPrefix(path.Base(p), "-") {
			c.dashFile = true // a glob later may pass its name as an option
		}
		if fdLink(p) {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s %s: writing through a descriptor other than standard output or error reopens whatever file it holds, which cannot be followed; name the file", how, p)})
			return
		}
	}
	for _, p := range ps {
		if c.isProtected(p, t.f.glob, t.recursive) {
			c.add(Finding{Code: CodeProtected, Command: text,
				Message: fmt.Sprintf("%s %s would change aport's own files or a hook configuration (self-protection, independent of the passport); leave them alone", how, p)})
			return
		}
		if s, ok := c.gitExec(p, t.f.glob); ok {
			c.add(Finding{Code: CodePathDenied, Command: text,
				Message: fmt.Sprintf("%s %s would change %s, where git runs programs from, so any allowed git command could then run anything; shell text may not write there (a file tool may, when allowed_paths names the path explicitly)", how, p, s.Rule)})
			return
		}
		if d := c.programDir(p); d != "" {
			c.add(Finding{Code: CodePathDenied, Command: text,
				Message: fmt.Sprintf("%s %s would write into %s, where programs and the code they load are found: what is written there runs under an allowed command's name (printf ... > /usr/bin/wc; wc), so shell text may not write there unless allowed_commands is \"*\"", how, p, d)})
			return
		}
	}
}

// programDir returns the place p is in where a file written becomes code
// that commands the text may run later load or run: a directory of the
// program search path (/usr/bin, ~/.local/bin, every PATH entry), the
// dynamic loader's configuration and library directories
// (/etc/ld.so.preload, /usr/lib/...), or a shell's startup files (~/.bashrc,
// /etc/profile.d/). "" otherwise. With allowed_commands "*" any program may
// run anyway, so nothing is returned.
func (c *checker) programDir(p string) string {
	for _, a := range c.pol.Allowed {
		if a == "*" {
			return ""
		}
	}
	dir := path.Dir(p)
	progDirs := append([]string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/usr/games", "/usr/local/games", "/snap/bin"}, c.env.Path...)
	for _, d := range progDirs {
		if d == "" || !path.IsAbs(d) {
			continue
		}
		if d = path.Clean(d); dir == d || strings.ContainsAny(dir, "*?[") && globMatch(dir, d) {
			return d // /usr/b[i]n/wc too
		}
	}
	h := c.env.Home
	if h != "" && (dir == h+"/.local/bin" || dir == h+"/bin" || dir == h+"/go/bin" || dir == h+"/.cargo/bin") {
		return dir
	}
	switch {
	case p == "/etc/ld.so.preload" || p == "/etc/ld.so.conf" || strings.HasPrefix(p, "/etc/ld.so.conf.d/"):
		return "the dynamic loader's configuration"
	case dir == "/etc" && startupFile(path.Base(p)) ||
		strings.HasPrefix(p, "/etc/profile.d/") || strings.HasPrefix(p, "/etc/zsh/") || strings.HasPrefix(p, "/etc/fish/") ||
		strings.HasPrefix(p, "/etc/bash_completion.d/") || strings.HasPrefix(p, "/usr/share/bash-completion/"):
		return "the shells' startup files"
	case strings.HasPrefix(p, "/etc/cron") || strings.HasPrefix(p, "/var/spool/cron/") || strings.HasPrefix(p, "/etc/sudoers") ||
		strings.HasPrefix(p, "/etc/systemd/") || strings.HasPrefix(p, "/etc/init.d/") || p == "/etc/rc.local":
		return "what the system runs by itself"
	case strings.Contains(p, "/pkg/tool/"):
		return "a Go toolchain's tool directory"
	}
	for _, lib := range []string{"/lib", "/lib32", "/lib64", "/libx32", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec", "/usr/local/lib", "/usr/local/lib64", "/usr/local/libexec"} {
		if strings.HasPrefix(p, lib+"/") {
			return lib + " (libraries and helper programs)"
		}
	}
	if h != "" {
		switch {
		case dir == h && (startupFile(path.Base(p)) || strings.HasPrefix(path.Base(p), ".bash")):
			return "the shells' startup files"
		case p == h+"/.ssh/rc" || strings.HasPrefix(p, h+"/.config/fish/") || strings.HasPrefix(p, h+"/.config/systemd/") ||
			strings.HasPrefix(p, h+"/.config/autostart/"):
			return "what the system runs by itself"
		}
	}
	return ""
}

// startupFile names the startup and logout files shells read, in /etc or
// the home.
func startupFile(base string) bool {
	switch base {
	case ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zshenv", ".zprofile", ".zlogin",
		".zlogout", ".bash_aliases", ".kshrc", ".cshrc", ".tcshrc", ".login", ".logout", ".inputrc",
		"profile", "bash.bashrc", "bashrc", "bash.bash_logout", "environment", "zshrc", "zshenv", "zprofile", "zlogin",
		"zlogout", "csh.cshrc", "csh.login", "csh.logout", "ksh.kshrc", "inputrc":
		return true
	}
	return false
}

// gitExec is pathx.IsGitExec for a path that may be a glob: .gi[t]/config
// names .git/config. A glob is tried against git's locations in the
// working directories and the home.
func (c *checker) gitExec(p string, glob bool) (pathx.Secret, bool) {
	if !glob {
		return pathx.IsGitExec(p)
	}
	var cand []string
	for _, d := range c.cwd.dirs {
		cand = append(cand, d+"/.git", d+"/.git/config", d+"/.git/hooks", d+"/.git/hooks/pre-commit")
	}
	if h := c.env.Home; h != "" {
		cand = append(cand, h+"/.gitconfig", h+"/.config/git/config")
	}
	for _, g := range cand {
		if globMatch(p, g) {
			if s, ok := pathx.IsGitExec(g); ok {
				return s, true
			}
		}
	}
	return pathx.IsGitExec(p)
}

func (c *checker) isProtected(p string, glob, deep bool) bool {
	if c.env.Protected == nil {
		return false
	}
	if c.env.Protected(p) {
		return true
	}
	if !glob && !deep {
		return false
	}
	c.loadProbes()
	for _, q := range append(append([]string(nil), c.probes...), c.env.Own...) {
		if covers(p, glob, deep, q) || (glob && c.globUnder(p, q)) {
			return true
		}
	}
	return false
}

// recursiveReader reports commands that read everything below their
// directory operands.
func recursiveReader(name string, args []field) bool {
	switch name {
	case "rg", "ag", "ack", "scp", "rsync", "tar", "bsdtar", "gtar", "zip", "7z":
		return true
	case "cp":
		opts, _ := parseArgs(args, "tS", "")
		return hasOpt(opts, "-r", "-R", "--recursive", "-a", "--archive")
	case "grep", "egrep", "fgrep", "zgrep":
		opts, _ := parseArgs(args, "efmABCd", " directories ")
		for _, v := range optVals(opts, "-d", "--directories") {
			if len(v.val) >= 3 && strings.HasPrefix("recurse", v.val) || !v.lit {
				return true // grep takes a prefix of the value too: -d rec
			}
		}
		return hasOpt(opts, "-r", "-R", "--recursive", "--dereference-recursive")
	case "diff", "cmp":
		return true // a directory operand reads the file of the same name in it, or its whole tree with -r
	case "git":
		// git diff --no-index DIR DIR reads both trees, and git diff does so
		// by itself when a path is outside the work tree
		sub := gitSubcommand(append([]field{litField("git")}, args...))[1:] // git --no-pager diff
		return hasLit(args, "--no-index") || len(sub) > 0 && sub[0].lit && sub[0].val == "diff"
	}
	return false
}

// readArgs denies any argument naming a private key (no tool may read it).
func (c *checker) readArgs(argv []field, name, text string) {
	if c.env.Secret == nil {
		return
	}
	deep := recursiveReader(name, argv[1:])
	for _, f := range argv[1:] {
		if f.val == "" {
			continue
		}
		if !f.lit {
			c.checkRead(f, text, deep) // its possible values, if the text shows them
			continue
		}
		if g, ok := pathField(f); ok {
			c.checkRead(g, text, deep)
		}
	}
}

// readsFound applies the no-secret rule to a word that is the output of
// find or ls: the paths they print, below their operands.
func (c *checker) readsFound(w *syntax.Word, text string) {
	parts := w.Parts
	if len(parts) == 1 {
		if dq, ok := parts[0].(*syntax.DblQuoted); ok {
			parts = dq.Parts
		}
	}
	if len(parts) != 1 {
		return
	}
	cs, ok := parts[0].(*syntax.CmdSubst)
	if !ok || len(cs.Stmts) != 1 {
		return
	}
	ce, ok := cs.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(ce.Args) == 0 {
		return
	}
	var argv []field
	for _, a := range ce.Args {
		argv = append(argv, c.fields(a)...)
	}
	if !argv[0].known() {
		return
	}
	switch baseName(argv[0].val) {
	case "find":
		c.findReads(argv[1:], text)
	case "ls":
		_, pos := parseArgs(argv[1:], "", "")
		for _, a := range pos {
			c.checkRead(a, text, false)
		}
	}
}

// pathField is the argument f with its value replaced by the path it names
// (argPath), or false when it names none.
func pathField(f field) (field, bool) {
	v, ok := argPath(f.val)
	f.val = v
	return f, ok
}

// argPath is the path an argument may name: the argument itself, the value
// of --opt=FILE, -o=FILE, key=FILE (dd if=FILE), a path attached to a short
// option (-o/path, curl -d@/path), without curl's @ (-F name=@FILE). ok is
// false for an option that carries no path.
func argPath(v string) (string, bool) {
	switch {
	case strings.HasPrefix(v, "--"):
		_, val, has := strings.Cut(v, "=")
		if !has {
			return "", false
		}
		v = val
	case strings.HasPrefix(v, "-"):
		if _, val, has := strings.Cut(v, "="); has {
			v = val
		} else if i := strings.IndexByte(v, '/'); i > 1 {
			v = v[i:]
		} else {
			return "", false
		}
	default:
		if i := strings.IndexByte(v, '='); i > 0 && !strings.Contains(v[:i], "/") {
			v = v[i+1:]
		}
	}
	return strings.TrimPrefix(v, "@"), true
}

// checkRead applies the no-secret rule to one path being read.
func (c *checker) checkRead(f field, text string, deep bool) {
	if c.env.Secret == nil {
		return
	}
	if !f.lit && f.w != nil {
		// a path built from variables the text assigned literals: each value it may have
		vals := c.possibleValues(f.w.Parts)
		for _, v := range vals {
			g := litField(v)
			g.glob = f.glob || strings.ContainsAny(v, "*?[")
			c.checkRead(g, text, deep)
		}
		if vals == nil {
			c.readsFound(f.w, text) // cat $(find ~/.ssh -name 'id_*')
		}
		if vals == nil {
			if v := bashSetValue(f.w.Parts); v != "" {
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s reads %s, built from %s, which bash sets from what ran before (%s); aport does not follow it, so the file cannot be checked; write the path out", text, f.text, v, bashSetWhat(v))})
				return
			}
		}
		if vals == nil && (keyTail(f.text) || keyTail(c.skeleton(f.w.Parts)) || c.tailNames(f.w.Parts, c.secretNames()) ||
			c.headNames(f.w.Parts, c.secretNames(), c.env.Protected)) {
			c.add(Finding{Code: CodeProtected, Command: text,
				Message: fmt.Sprintf("%s reads %s, which ends in a private key's place (.ssh/id_*, .aport/keys/) whatever the unknown part is (self-protection, independent of the passport)", text, f.text)})
		}
		return
	}
	if !f.lit || f.val == "" {
		return
	}
	ps, known := c.resolveAll(f)
	if !known && path.IsAbs(f.val) && devOrProc(path.Clean(f.val)) {
		c.add(Finding{Code: CodeProtected, Command: text,
			Message: fmt.Sprintf("%s reads %s, through a descriptor or a /proc link whose place is not known, so it may be a private key (self-protection, independent of the passport); name the file", text, f.val)})
		return
	}
	for _, p := range ps {
		bad := c.env.Secret(p)
		if !bad && (f.glob || deep) {
			c.loadProbes()
			for _, q := range c.secrets {
				if covers(p, f.glob, deep, q) {
					bad = true
					break
				}
			}
		}
		if bad {
			c.add(Finding{Code: CodeProtected, Command: text,
				Message: fmt.Sprintf("%s reads %s, a private key no tool may read (self-protection, independent of the passport)", text, p)})
			return
		}
	}
}

// aport denies running aport itself with a subcommand that changes its
// state; reading commands are fine.
func (c *checker) aport(argv []field, text string) {
	var pos []string
	var flags []string
	for _, f := range argv[1:] {
		if !f.lit {
			c.aportDenied(text)
			return
		}
		if strings.HasPrefix(f.val, "-") {
			flag, _, _ := strings.Cut(f.val, "=")
			flags = append(flags, flag)
			continue
		}
		pos = append(pos, f.val)
	}
	for _, fl := range flags {
		if fl == "-h" || fl == "--help" {
			return
		}
	}
	at := func(i int) string {
		if i < len(pos) {
			return pos[i]
		}
		return ""
	}
	switch at(0) {
	case "version", "doctor", "packs", "help":
		return
	case "passport":
		switch at(1) {
		case "show", "validate", "verify":
			return
		}
	case "audit":
		switch at(1) {
		case "verify", "tail", "show":
			return
		}
	case "eval":
		explain, other := false, false
		for _, fl := range flags {
			switch fl {
			case "--explain":
				explain = true
			case "--host":
			default:
				other = true
			}
		}
		if explain && !other && len(pos) <= 2 {
			return
		}
	}
	c.aportDenied(text)
}

func (c *checker) aportDenied(text string) {
	c.add(Finding{Code: CodeProtected, Command: text,
		Message: fmt.Sprintf("%s changes aport's own state (self-protection, independent of the passport); from a tool call only aport version, packs, passport show|validate|verify, audit verify|tail|show, doctor and eval --explain may run", text)})
}

// setCwd moves the working directory to dir (a cd operand).
func (c *checker) setCwd(dir field, cmd string) {
	c.setCwdGuarded(dir, cmd, true)
}

func (c *checker) setCwdGuarded(dir field, cmd string, guarded bool) {
	c.setCwdMode(dir, cmd, guarded, false)
}

// setCwdMode follows a change of directory. bash's cd works on the
// logical path by default: cd .. drops the last name, whatever it links
// to. With -P (physical) it resolves symlinks first: cd -P link && cd ..
// lands in the parent of the link's target.
func (c *checker) setCwdMode(dir field, cmd string, guarded, physical bool) {
	old := c.cwd.dirs
	if !dir.lit || dir.glob || dir.val == "" {
		c.cwd.old, c.cwd.dirs = old, nil
		if c.pol.HasAllowedDirs {
			c.add(Finding{Code: CodeDirectory, Command: cmd,
				Message: fmt.Sprintf("%s: the directory %s is not a literal, so allowed_working_directories (%s) cannot be checked; use a literal path", cmd, dir.text, limitsName)})
		}
		return
	}
	next, known := c.resolveLexical(dir.val)
	if known && physical {
		next, known = c.kernelPaths(dir.val)
	}
	if !known {
		c.cwd.old, c.cwd.dirs = old, nil
		return
	}
	for _, d := range next {
		c.checkDir(d, cmd)
	}
	if !guarded {
		next = unionDirs(next, old)
	}
	c.cwd.old, c.cwd.dirs = old, next
}

// kernelPaths is where the kernel takes path v from each possible working
// directory (cd -P v lands there); unknown without Env.Physical.
func (c *checker) kernelPaths(v string) (out []string, known bool) {
	if c.env.Physical == nil {
		return nil, false
	}
	dirs := c.cwd.dirs
	if path.IsAbs(v) && len(dirs) == 0 {
		dirs = []string{""}
	}
	for _, d := range dirs {
		raw := v
		if !path.IsAbs(raw) {
			raw = d + "/" + raw
		}
		real, ok := c.env.Physical(raw, d, c.links)
		if !ok {
			return nil, false
		}
		out = append(out, real)
	}
	return out, len(out) > 0
}

// chdir follows cd, pushd and popd.
func (c *checker) chdir(argv []field, name, text string, x ctx) {
	if x.remote {
		return
	}
	physical := false
	i, lit := scanOpts(argv[1:], "", "", func(o string, _ field) {
		switch o {
		case "-P":
			physical = true
		case "-L":
			physical = false
		}
	})
	rest := ops(argv[1:], i)
	if !lit {
		c.setCwdGuarded(field{text: text}, text, x.guarded)
		return
	}
	switch name {
	case "cd":
		switch {
		case len(rest) == 0:
			c.setCwdGuarded(litField(c.env.Home), text, x.guarded)
		case rest[0].lit && rest[0].val == "-":
			old := c.cwd.old
			if len(old) == 0 {
				c.setCwdGuarded(field{text: "-"}, text, x.guarded)
				return
			}
			cur := c.cwd.dirs
			for _, d := range old {
				c.checkDir(d, text)
			}
			c.cwd.dirs, c.cwd.old = old, cur
			if !x.guarded {
				c.cwd.dirs = unionDirs(old, cur)
			}
		case (c.env.CDPath || c.cdpath) && viaCDPath(rest[0]):
			c.setCwdGuarded(field{text: rest[0].text}, text, x.guarded) // unknown: CDPATH decides
		default:
			c.setCwdMode(rest[0], text, x.guarded, physical)
		}
	case "pushd":
		if len(rest) == 0 || i > 0 || (rest[0].lit && (strings.HasPrefix(rest[0].val, "+") || strings.HasPrefix(rest[0].val, "-"))) {
			c.cwd.dirs = nil // pushd -n only stacks the directory: where popd lands is not followed
			return
		}
		cur := c.cwd.dirs
		c.setCwdGuarded(rest[0], text, x.guarded)
		c.cwd.stack = append(append([][]string(nil), c.cwd.stack...), cur)
	case "popd":
		if len(rest) > 0 || len(c.cwd.stack) == 0 {
			c.cwd.dirs = nil
			return
		}
		top := c.cwd.stack[len(c.cwd.stack)-1]
		c.cwd.stack = c.cwd.stack[:len(c.cwd.stack)-1]
		c.cwd.old, c.cwd.dirs = c.cwd.dirs, top
	}
}

// viaCDPath reports a cd target that bash looks up in CDPATH: relative, and
// not starting with ./ or ../.
func viaCDPath(f field) bool {
	v := f.val
	return f.lit && v != "" && !strings.HasPrefix(v, "/") && v != "." && v != ".." &&
		!strings.HasPrefix(v, "./") && !strings.HasPrefix(v, "../")
}

// maxValues bounds how many values of a path built from variables are checked.
const maxValues = 16

// possibleValues lists the values a word may have when it is built from
// literals and variables the text assigned only literals ($$ and $BASHPID
// count as "self", for /proc paths). It returns nil when a part is not known
// or there would be too many.
func (c *checker) possibleValues(parts []syntax.WordPart) []string {
	out := []string{""}
	add := func(vals []string) bool {
		next := make([]string, 0, len(out)*len(vals))
		for _, o := range out {
			for _, v := range vals {
				next = append(next, o+v)
			}
		}
		out = next
		return len(out) <= maxValues
	}
	for i, part := range parts {
		var vals []string
		switch p := part.(type) {
		case *syntax.DblQuoted:
			vals = c.possibleValues(p.Parts)
		case *syntax.CmdSubst:
			out, ok := c.substEcho(p)
			if !ok && c.numericOutput(p.Stmts) {
				out, ok = "0", true // $(date +%s), $(wc -l < f): a number
			}
			if !ok {
				return nil
			}
			vals = []string{out}
		case *syntax.ArithmExp:
			vals = []string{"0"}
		case *syntax.ParamExp:
			if !simpleParam(p) {
				return nil
			}
			switch name := p.Param.Value; {
			case name == "$" || name == "BASHPID":
				vals = []string{"self"}
			case numericVar(name):
				vals = []string{"0"}
			case name == "PWD" && len(c.cwd.dirs) > 0:
				vals = c.cwd.dirs
			case name == "_" && len(c.cwd.last) > 0:
				vals = c.cwd.last
			case name == "OLDPWD" && len(c.cwd.old) > 0:
				vals = c.cwd.old // set by the text's cd (assigning it is denied)
			case c.lits[name] != nil && !c.litsUnknown[name] && c.defined[name]:
				vals = c.lits[name]
			case c.globVals[name] != nil && !c.litsUnknown[name] && c.lits[name] == nil && c.defined[name]:
				vals = c.globVals[name] // a for loop over globs: any file they match
			default:
				f := c.partsField([]syntax.WordPart{p}, "")
				if !f.lit {
					return nil
				}
				vals = []string{f.val}
			}
		default:
			if lit, ok := part.(*syntax.Lit); ok && i == 0 && len(c.cwd.old) > 1 {
				// ~-/x after cd in a branch: each directory it may have left
				if rest, ok := strings.CutPrefix(lit.Value, "~-"); ok && (rest == "" || rest[0] == '/') && !strings.ContainsAny(rest, `\*?[`) {
					for _, d := range c.cwd.old {
						vals = append(vals, d+rest)
					}
					break
				}
			}
			f := c.partsField(parts[i:i+1], "")
			if i == 0 {
				f = c.argField(parts[:1], "") // dd of=~-/x: the tildes of an argument too
			}
			if !f.lit {
				return nil
			}
			vals = []string{f.val}
		}
		if vals == nil || !add(vals) {
			return nil
		}
	}
	return out
}

// fdLink reports /dev/fd/N and /proc/PID/fd/N for N other than 0, 1 and 2:
// opening one for writing reopens the file descriptor N holds.
func fdLink(p string) bool {
	rest, ok := strings.CutPrefix(p, "/dev/fd/")
	if !ok {
		if r, kind := procLink(p); kind == "other" && strings.Contains(r, "/fd/") {
			rest = r[strings.LastIndex(r, "/fd/")+4:]
		} else {
			return false
		}
	}
	return rest != "0" && rest != "1" && rest != "2" && rest != ""
}

// bashSetValue names the first part of a word whose value bash sets from
// the commands before it and aport does not follow: BASH_REMATCH, the
// directory stack (DIRSTACK, ~1, ~+1, ~-1), BASH_ARGV and BASH_SOURCE. ""
// when there is none. ($_ is followed: cwdState.last.)
func bashSetValue(parts []syntax.WordPart) string {
	for i, part := range parts {
		switch p := part.(type) {
		case *syntax.DblQuoted:
			if v := bashSetValue(p.Parts); v != "" {
				return v
			}
		case *syntax.ParamExp:
			if p.Param != nil {
				switch p.Param.Value {
				case "BASH_REMATCH", "DIRSTACK", "BASH_ARGV", "BASH_SOURCE":
					return "$" + p.Param.Value
				}
			}
		case *syntax.Lit:
			if i == 0 && strings.HasPrefix(p.Value, "~") {
				t, _, _ := strings.Cut(p.Value, "/")
				n := strings.TrimLeft(t[1:], "+-")
				if n != "" && strings.Trim(n, "0123456789") == "" && n != "0" {
					return t
				}
			}
		}
	}
	return ""
}

func bashSetWhat(v string) string {
	switch {
	case v == "$BASH_REMATCH":
		return "what the last =~ matched"
	case v == "$BASH_ARGV", v == "$BASH_SOURCE":
		return "the call stack"
	}
	return "the directory stack of pushd and popd"
}

// keyTail reports a path, as written, whose literal end is a private key's
// place: .ssh/id_* (not .pub) or .aport/keys/..., so that $X/.ssh/id_rsa or
// ~root/../home/u/.ssh/id_rsa is a key read whatever the unknown part is.
func keyTail(text string) bool {
	els := strings.Split(strings.NewReplacer(`"`, "", `'`, "", "|", "/").Replace(text), "/")
	for i := 0; i+1 < len(els); i++ {
		switch {
		case strings.EqualFold(els[i], ".ssh") && strings.HasPrefix(strings.ToLower(els[i+1]), "id_") && !strings.HasSuffix(els[i+1], ".pub"):
			return true
		case els[i] == ".aport" && els[i+1] == "keys":
			return true
		}
	}
	return false
}

// skeleton is the shape of a word built from variables, for the checks that
// cannot know its value: literals as written, a variable the text assigned
// literals as those values (joined by |, operators on it ignored), anything
// else as *. It is lower-case.
func (c *checker) skeleton(parts []syntax.WordPart) string {
	var b strings.Builder
	for _, part := range parts {
		switch p := part.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			b.WriteString(c.skeleton(p.Parts))
		case *syntax.CmdSubst:
			if out, ok := c.substEcho(p); ok {
				b.WriteString(out)
			} else {
				b.WriteString("*")
			}
		case *syntax.ParamExp:
			if p.Param != nil && len(c.lits[p.Param.Value]) > 0 {
				b.WriteString(strings.Join(c.lits[p.Param.Value], "|"))
			} else {
				b.WriteString("*")
			}
		default:
			b.WriteString("*")
		}
	}
	return strings.ToLower(b.String())
}

// hostConfigTails are the ends of the hosts' configuration files, for words
// whose start is not known ($x/.mcp.json).
var hostConfigTails = []string{"/.claude/settings.json", "/.claude/settings.local.json", "/.cursor/hooks.json", "/.cursor/mcp.json", "/.mcp.json", "/.claude.json"}

// secretNames are the private keys a word's literal end is compared with:
// aport's (Env.Secrets) and the usual SSH keys in the home.
func (c *checker) secretNames() []string {
	c.loadProbes()
	return append(append([]string(nil), c.env.Secrets...), c.secrets...)
}

// tailNames reports a word whose literal end, after its last part that is
// not a literal, can only be the end of one of targets (files or
// directories), so that whatever that part holds, the word may name one of
// them: $x/keys/audit.ed25519, ${d%x}passport.json. The end must hold a
// whole name: a "/" in it, or a target's whole base name.
func (c *checker) tailNames(parts []syntax.WordPart, targets []string) bool {
	_, tails := c.knownRuns(parts)
	for _, t := range tails {
		if c.tailNamesOne(cleanTail(t), targets) {
			return true
		}
	}
	return false
}

// cleanTail removes ./ segments and doubled slashes from the end of a path
// (the end of a name before it stays as it is).
func cleanTail(t string) string {
	for strings.Contains(t, "/./") {
		t = strings.ReplaceAll(t, "/./", "/")
	}
	for strings.Contains(t, "//") {
		t = strings.ReplaceAll(t, "//", "/")
	}
	return strings.TrimSuffix(t, "/.")
}

func (c *checker) tailNamesOne(tail string, targets []string) bool {
	tail = strings.ToLower(braceGlob(tail))
	if tail == "" {
		return false
	}
	if strings.ContainsAny(tail, "*?[") {
		// $x/keys/*, $x/id_*: a glob end matches as a glob, also below a
		// target directory
		for _, t := range targets {
			if globTailMatch(tail, strings.ToLower(path.Clean(t))) {
				return true
			}
		}
		return false
	}
	for _, t := range targets {
		t = strings.ToLower(path.Clean(t))
		base := path.Base(t)
		if !strings.Contains(tail, "/") && tail != base {
			continue
		}
		if strings.HasSuffix(t, tail) {
			return true
		}
		// below a target directory named in the end: $x/keys/k, $x/.aport/p
		if strings.HasPrefix(tail, base+"/") || strings.Contains(tail, "/"+base+"/") {
			return true
		}
	}
	return false
}

// braceGlob reads each {...} group of s as a glob that matches anything: a
// brace expansion after an unknown part makes words aport does not follow.
func braceGlob(s string) string {
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return s
		}
		s = s[:i] + "*" + s[i+j+1:]
	}
}

// globTailMatch reports whether a glob end of a path can be the end of t or
// of a path up to two levels below t (t a directory): its segments, from
// the last, match t's; a first segment that does not start after a / is
// the end of a name.
func globTailMatch(tail, t string) bool {
	ts := strings.Split(tail, "/")
	partial := ts[0] != ""
	if !partial {
		ts = ts[1:]
	}
	tt := strings.Split(t, "/")
	for below := 0; below <= 2 && below < len(ts); below++ {
		segs := ts[:len(ts)-below]
		if len(segs) == 0 || len(segs) > len(tt) {
			continue
		}
		ok := true
		for k := 1; k <= len(segs) && ok; k++ {
			pat, name := segs[len(segs)-k], tt[len(tt)-k]
			if k == len(segs) && partial {
				pat = "*" + pat // the unknown part may hold the name's start
			}
			m, err := path.Match(bashGlob(pat), name)
			ok = err != nil || m
		}
		if ok {
			return true
		}
	}
	return false
}

// headNames reports a word whose literal start, before its first part that
// is not a literal, can only begin one of targets: ~/.aport/keys$x,
// ~/.aport$x, ~/.ss$x — or names a directory inside (dir reports one) where
// an unknown name may be one of them (~/.aport/$x). A start that is an
// ordinary directory above them (~/$x, /$x) is not enough.
func (c *checker) headNames(parts []syntax.WordPart, targets []string, inside func(string) bool) bool {
	head, _ := c.knownRuns(parts)
	if head == "" {
		return false
	}
	switch {
	case head == "~" || strings.HasPrefix(head, "~/"):
		if c.env.Home == "" {
			return false
		}
		head = c.env.Home + head[1:]
	case !strings.HasPrefix(head, "/"):
		d := c.cwdOne()
		if d == "" {
			return false
		}
		head = d + "/" + head
	}
	// ~/./.aport, ~/.ssh/../.aport: the start as the kernel takes it, its
	// last name kept as it is (a name's start, not a directory)
	if i := strings.LastIndexByte(head, '/'); i >= 0 {
		head = strings.TrimSuffix(path.Clean(head[:i+1]), "/") + "/" + head[i+1:]
	}
	low := strings.ToLower(head)
	for _, t := range targets {
		t = strings.ToLower(path.Clean(t))
		if !strings.HasPrefix(t, low) && !strings.HasPrefix(low, t+"/") && !globPrefix(low, t) {
			continue
		}
		// a start that ends in a name, the target's own directory (~/.ssh/$x),
		// or a directory inside aport's own (~/.aport/$x)
		if !strings.HasSuffix(low, "/") || path.Clean(low) == path.Dir(t) || inside != nil && inside(path.Clean(head)) {
			return true
		}
	}
	return false
}

// globPrefix reports a start with glob characters (~/.apor[t]/keys) whose
// directories match the first directories of t.
func globPrefix(head, t string) bool {
	if !strings.ContainsAny(head, "*?[") {
		return false
	}
	hs, ts := strings.Split(head, "/"), strings.Split(t, "/")
	if len(hs) > len(ts) {
		return false
	}
	for i, h := range hs {
		pat := h
		if i == len(hs)-1 {
			pat += "*" // the start of a name
		}
		if ok, err := path.Match(bashGlob(pat), ts[i]); err == nil && !ok {
			return false
		}
	}
	return true
}

// knownRuns splits a word into runs of parts whose value aport knows
// (literals, escapes, $'...', $HOME, $(echo ...)) and parts it does not. It
// returns the first run when the word starts with one and an unknown part
// follows (the word's known start), and every run that follows an unknown
// part (a known end: a later unknown part may be empty, as $(true) is).
func (c *checker) knownRuns(parts []syntax.WordPart) (head string, tails []string) {
	var flat []syntax.WordPart
	for _, p := range parts {
		if dq, ok := p.(*syntax.DblQuoted); ok {
			flat = append(flat, dq.Parts...)
		} else {
			flat = append(flat, p)
		}
	}
	var run strings.Builder
	inRun, sawUnknown, first := false, false, true
	end := func() {
		if !inRun {
			return
		}
		if sawUnknown {
			tails = append(tails, run.String())
		} else if first {
			head = run.String()
		}
		run.Reset()
		inRun, first = false, false
	}
	for _, p := range flat {
		v, ok := c.partKnown(p)
		if !ok {
			end()
			first = false
			sawUnknown = true
			continue
		}
		run.WriteString(v)
		inRun = true
	}
	if inRun && sawUnknown {
		tails = append(tails, run.String())
	} else if inRun && first {
		head = "" // every part known: not a word these checks are for
	}
	if !sawUnknown {
		head = ""
	}
	return head, tails
}

// partKnown is the value of one part of a word when aport knows it.
func (c *checker) partKnown(p syntax.WordPart) (string, bool) {
	switch x := p.(type) {
	case *syntax.CmdSubst:
		return c.substEcho(x)
	case *syntax.BraceExp:
		return "*", true // its words, as a glob that matches them all
	}
	f := c.partsField([]syntax.WordPart{p}, "")
	return f.val, f.lit
}

// protectedShape reports a skeleton that names aport's home or a hook
// configuration whatever its unknown parts are.
func protectedShape(s string) bool {
	return strings.Contains(s, "/.aport/") || strings.HasSuffix(s, "/.aport") ||
		strings.Contains(s, ".claude/settings") || strings.Contains(s, ".cursor/hooks.json")
}

// substEcho is the output of $(echo LITERAL ...) without its newline.
func (c *checker) substEcho(p *syntax.CmdSubst) (string, bool) {
	if len(p.Stmts) != 1 {
		return "", false
	}
	out, ok := c.echoed(p.Stmts[0])
	return strings.TrimSuffix(out, "\n"), ok
}

// protectedNames are the file names of aport's files and the hook configs.
var protectedNames = []string{"settings.json", "settings.local.json", "hooks.json", "mcp.json", ".mcp.json", ".claude.json", "passport.json", "audit.jsonl",
	"audit.jsonl.1", "audit.jsonl.head", "audit.jsonl.lock", "audit.ed25519", "audit.ed25519.pub", "state.db",
	"breakglass.json", "keys", "state", ".aport", ".claude", ".cursor"}

func anyProtectedName(patterns []string) bool {
	for _, n := range protectedNames {
		if anyNameMatches(patterns, n) {
			return true
		}
	}
	return false
}
