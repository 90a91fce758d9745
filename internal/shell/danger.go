package shell

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// opt is one parsed option.
type opt struct {
	name string // "-r", "--recursive"
	val  field
}

// parseArgs splits args into options and operands the GNU way: options may
// follow operands, "--" ends them. shortVal and longVal are as in scanOpts.
// A word that is not a literal is an operand.
// dashMode reports a chmod mode that starts with "-": -w, -rwx, -x,g+w.
func dashMode(v string) bool {
	if len(v) < 2 || v[0] != '-' {
		return false
	}
	m, _, _ := strings.Cut(v[1:], ",")
	return m != "" && strings.Trim(m, "rwxXst") == ""
}

// matchAnything reports -name patterns that every name matches ('*'): they
// do not narrow what find -delete removes.
func matchAnything(names []string) bool {
	for _, n := range names {
		for _, sample := range []string{"bin", "lib", "usr", "passwd", "a.txt", "x"} {
			if ok, err := path.Match(bashGlob(n), sample); err == nil && !ok {
				return false
			}
		}
	}
	return true
}

func parseArgs(args []field, shortVal, longVal string) (opts []opt, pos []field) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		v := a.val
		if !a.lit || len(v) < 2 || v[0] != '-' {
			pos = append(pos, a)
			continue
		}
		if v == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if strings.HasPrefix(v, "--") {
			name, val, has := strings.Cut(v[2:], "=")
			vf := litField(val)
			if !has && strings.Contains(longVal, " "+name+" ") && i+1 < len(args) {
				i++
				vf = args[i]
			}
			opts = append(opts, opt{"--" + name, vf})
			continue
		}
		for k := 1; k < len(v); k++ {
			ch := v[k]
			if strings.IndexByte(shortVal, ch) >= 0 {
				vf := litField(v[k+1:])
				if k+1 == len(v) && i+1 < len(args) {
					i++
					vf = args[i]
				}
				opts = append(opts, opt{"-" + string(ch), vf})
				break
			}
			opts = append(opts, opt{"-" + string(ch), field{lit: true}})
		}
	}
	return opts, pos
}

// recursiveOpt reports a recursive option of rm, cp, chmod, chown or chgrp
// in any spelling the tool accepts.
func recursiveOpt(opts []opt, name string) bool {
	for _, o := range opts {
		if o.name == "-R" || (o.name == "-r" && name != "chmod") || canon(name, "", o.name) == "-r" && strings.HasPrefix(o.name, "--") {
			return true
		}
	}
	return false
}

func hasOpt(opts []opt, names ...string) bool {
	for _, o := range opts {
		for _, n := range names {
			if o.name == n {
				return true
			}
		}
	}
	return false
}

// systemDir reports the top-level system directories (and a few second-level
// ones) whose recursive removal or mode change wrecks the machine.
func systemDir(p string) bool { return slices.Contains(systemDirs, p) }

// systemDirs are the top-level system directories of the catalogue.
var systemDirs = []string{"/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/proc",
	"/root", "/sbin", "/srv", "/sys", "/usr", "/var",
	"/usr/bin", "/usr/sbin", "/usr/lib", "/usr/lib64", "/usr/libexec", "/usr/local", "/usr/share", "/usr/include",
	"/var/lib", "/Users", "/System", "/Library", "/Applications", "/private", "/Volumes"}

// critical reports whether a resolved path is /, the home directory, a
// system directory, or a glob directly inside one of them (/*, ~/*, /usr/*).
func (c *checker) critical(p string, glob bool) bool {
	home := path.Clean(c.env.Home)
	isCrit := func(d string) bool { return d == "/" || (c.env.Home != "" && d == home) || systemDir(d) }
	if !glob {
		return isCrit(p)
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		if strings.ContainsAny(s, "*?[") {
			if i != len(segs)-1 {
				return false
			}
			return isCrit("/" + strings.Join(segs[:i], "/"))
		}
	}
	return isCrit(p)
}

// resolveAll makes a literal path absolute against every possible working
// directory. known is false for a relative path when the directory is not known.
func (c *checker) resolveAll(f field) (out []string, known bool) {
	out, known = c.resolveLexical(f.val)
	if !known {
		return out, known
	}
	if len(c.links) > 0 {
		if out, known = c.addThroughLinks(f.val, out); !known {
			c.add(Finding{Code: CodeDynamic, Command: f.display(),
				Message: fmt.Sprintf("%s goes through a symbolic link the text makes to a place it does not show, so where it leads cannot be checked; write the link's target out", f.display())})
			return nil, false
		}
	}
	if c.env.Physical == nil || !dotDot(f.val) && devOrProc(f.val) {
		return out, known // /dev and /proc names are read by their own rules
	}
	// where the kernel would land: through a symlink on disk (rm -rf link/
	// empties its target), and with a .. after a symlink at the parent of
	// its target, which the lexical form does not show (/var/run/../x is /x
	// when /var/run links to /run)
	real, ok := c.kernelPaths(f.val)
	if !ok {
		return nil, false
	}
	for _, r := range real {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, true
}

// addThroughLinks adds to out where v leads through the links the text made.
func (c *checker) addThroughLinks(v string, out []string) ([]string, bool) {
	dirs := c.cwd.dirs
	if path.IsAbs(v) {
		dirs = []string{""}
	}
	for _, d := range dirs {
		raw := v
		if !path.IsAbs(raw) {
			raw = d + "/" + raw
		}
		var rs []string
		if !c.throughLinks(raw, 0, &rs) {
			return nil, false
		}
		for _, r := range rs {
			alts := []string{path.Clean(r)}
			if c.env.Physical != nil && dotDot(r) {
				if real, ok := c.env.Physical(r, d, c.links); ok {
					alts = append(alts, real)
				}
			}
			for _, a := range alts {
				if !slices.Contains(out, a) {
					out = append(out, a)
				}
			}
		}
	}
	return out, true
}

// underDescriptor reports a path below a descriptor (/dev/stdin/x,
// /dev/fd/3/x): a descriptor open on a directory (< ~) makes it a path in
// that directory, which the text does not show.
func underDescriptor(p string) bool {
	for _, d := range []string{"/dev/stdin/", "/dev/stdout/", "/dev/stderr/"} {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	rest, ok := strings.CutPrefix(p, "/dev/fd/")
	return ok && strings.Contains(rest, "/")
}

// devOrProc reports a path under /dev or /proc.
func devOrProc(p string) bool {
	return strings.HasPrefix(p, "/dev/") || strings.HasPrefix(p, "/proc/")
}

// dotDot reports a path with a .. component.
func dotDot(p string) bool {
	return p == ".." || strings.HasPrefix(p, "../") || strings.HasSuffix(p, "/..") || strings.Contains(p, "/../")
}

// resolveLexical makes v absolute against each possible working directory
// and cleans it, reading the /proc links that lead back into the file
// system.
func (c *checker) resolveLexical(v string) (out []string, known bool) {
	if path.IsAbs(v) {
		if underDescriptor(path.Clean(v)) {
			return nil, false
		}
		p, kind := procLink(path.Clean(v))
		switch kind {
		case "root":
			return []string{p}, true
		case "cwd":
			if len(c.cwd.dirs) == 0 {
				return nil, false
			}
			for _, d := range c.cwd.dirs {
				out = append(out, path.Join(d, p))
			}
			return out, true
		case "other":
			return nil, false
		}
		return []string{p}, true
	}
	if len(c.cwd.dirs) == 0 {
		return nil, false
	}
	for _, d := range c.cwd.dirs {
		out = append(out, path.Join(d, v))
	}
	return out, true
}

// procLink reads the /proc links that lead back into the file system:
// /proc/self/root/x (or /proc/PID/root, /proc/thread-self/root, and the
// same under task/TID/) is /x, and /proc/self/cwd/x is x in the working
// directory (kind "cwd", p relative). Another process's cwd, or its fd/ and
// map_files/ links, lead somewhere unknown (kind "other"). Any other path
// comes back as it is (kind ""). The components may be globs
// (/proc/[s]elf/root/x): a glob that can match a link counts as that link.
func procLink(p string) (string, string) {
	comps := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if !strings.HasPrefix(p, "/") || len(comps) < 3 {
		return p, ""
	}
	match := func(pat, name string) bool {
		ok, err := path.Match(pat, name)
		return err == nil && ok
	}
	if !match(comps[0], "proc") {
		return p, ""
	}
	who := comps[1]
	self := who == "self" || who == "thread-self" // a glob may match another process too
	if !self && strings.Trim(who, "0123456789") != "" && !strings.ContainsAny(who, "*?[") {
		return p, ""
	}
	i := 2
	if match(comps[i], "task") && len(comps) > i+2 {
		i += 2 // task/TID/: the thread's view, the same links
	}
	rest := strings.Join(comps[i+1:], "/")
	switch link := comps[i]; {
	case match(link, "root"):
		return path.Clean("/" + rest), "root"
	case match(link, "cwd") && self:
		if rest == "" {
			rest = "."
		}
		return rest, "cwd"
	case match(link, "cwd") || match(link, "fd") || match(link, "map_files") || match(link, "exe"):
		return p, "other"
	}
	return p, ""
}

func (c *checker) dangerous(text, what string) {
	c.add(Finding{Code: CodeDangerous, Command: text,
		Message: fmt.Sprintf("%s: %s is in the built-in catalogue of catastrophic operations, denied whatever the passport allows", text, what)})
}

// criticalTargets reports the first operand that is a critical path.
func (c *checker) criticalTarget(pos []field) string {
	for _, f := range pos {
		if !f.lit && f.w != nil {
			for _, v := range c.possibleValues(f.w.Parts) { // X=/; rm -rf $X
				g := litField(v)
				g.glob = strings.ContainsAny(v, "*?[") // x=/us?; rm -rf $x
				if t := c.criticalTarget([]field{g}); t != "" {
					return t
				}
			}
			continue
		}
		if !f.lit || f.val == "" {
			continue
		}
		ps, _ := c.resolveAll(f)
		for _, p := range ps {
			if c.critical(p, f.glob) {
				return f.val
			}
		}
	}
	return ""
}

// safeDevice lists the device files writing to which harms nothing.
func safeDevice(p string) bool {
	switch p {
	case "/dev/null", "/dev/zero", "/dev/full", "/dev/stdout", "/dev/stderr", "/dev/stdin", "/dev/tty", "/dev/random", "/dev/urandom":
		return true
	}
	return strings.HasPrefix(p, "/dev/fd/") || strings.HasPrefix(p, "/dev/pts/") || strings.HasPrefix(p, "/dev/shm/")
}

// diskDevice reports block devices of disks and partitions.
func diskDevice(p string) bool {
	if !strings.HasPrefix(p, "/dev/") {
		return false
	}
	rest := p[len("/dev/"):]
	for _, pre := range []string{"sd", "nvme", "hd", "xvd", "vd", "mmcblk", "disk", "rdisk", "loop", "md", "dm-", "sr", "nbd", "mapper/", "disk/"} {
		if strings.HasPrefix(rest, pre) {
			return true
		}
	}
	return false
}

// deviceWrite flags a redirection onto a disk device.
func (c *checker) deviceWrite(t field, text, how string) {
	if !t.lit {
		return
	}
	ps, _ := c.resolveAll(t)
	for _, p := range ps {
		if diskDevice(p) {
			c.dangerous(text, fmt.Sprintf("%s the disk device %s (overwriting a disk)", how, p))
			return
		}
	}
}

// danger applies the built-in catalogue of catastrophic operations.
func (c *checker) danger(argv []field, name, text string, x ctx) {
	args := argv[1:]
	switch {
	case name == "rm":
		opts, pos := parseArgs(args, "", "")
		for _, o := range opts {
			if longPrefix(o.name, "--no-preserve-root", 2) {
				c.dangerous(text, "rm --no-preserve-root")
				return
			}
		}
		if recursiveOpt(opts, "rm") {
			if t := c.criticalTarget(pos); t != "" {
				c.dangerous(text, fmt.Sprintf("recursive removal of %s (/, the home directory or a system directory)", t))
			}
		}
	case name == "find":
		roots, expr := findRoots(args)
		del := false
		for _, a := range args[expr:] {
			del = del || a.lit && a.val == "-delete"
		}
		if names := findNames(args[expr:]); del && (names == nil || matchAnything(names)) {
			if t := c.criticalTarget(roots); t != "" {
				c.dangerous(text, fmt.Sprintf("find -delete of everything under %s (/, the home directory or a system directory)", t))
			}
		}
	case name == "mv":
		_, pos := parseArgs(args, "tS", " target-directory suffix backup ")
		if len(pos) > 1 {
			pos = pos[:len(pos)-1] // the sources: moved away from where they are
		}
		if t := c.criticalTarget(pos); t != "" {
			c.dangerous(text, fmt.Sprintf("moving %s (/, the home directory or a system directory) away", t))
		}
	case name == "chmod" || name == "chown" || name == "chgrp":
		// chmod -R -rwx /: a mode may start with "-"; it is the mode, not
		// options
		var mode *field
		if name == "chmod" {
			for i, a := range args {
				if a.lit && dashMode(a.val) {
					m := a
					mode = &m
					args = append(append([]field(nil), args[:i]...), args[i+1:]...)
					break
				}
			}
		}
		opts, pos := parseArgs(args, "", " reference from ")
		if !recursiveOpt(opts, name) {
			return
		}
		if mode == nil && !hasOpt(opts, "--reference") && len(pos) > 0 {
			pos = pos[1:] // the mode or owner
		}
		if t := c.criticalTarget(pos); t != "" {
			c.dangerous(text, fmt.Sprintf("recursive %s of %s (/, the home directory or a system directory)", name, t))
		}
	case name == "tar" || name == "zip":
		// tar --remove-files and zip -m delete what they archive
		removes := false
		var pos []field
		for i, a := range args {
			switch {
			case !a.lit:
				pos = append(pos, a)
			case a.val == "--remove-files" || name == "zip" && (a.val == "--move" || strings.HasPrefix(a.val, "-") && !strings.HasPrefix(a.val, "--") && strings.Contains(a.val, "m")):
				removes = true
			case !strings.HasPrefix(a.val, "-") && !(i == 0 && name == "tar" && isLetters(a.val)):
				pos = append(pos, a)
			}
		}
		if removes {
			if t := c.criticalTarget(pos); t != "" {
				c.dangerous(text, fmt.Sprintf("%s removing %s (/, the home directory or a system directory) after archiving it", name, t))
			}
		}
	case name == "mkswap" || name == "badblocks" && hasLit(args, "-w") || name == "e2image" || name == "pvcreate" || name == "sg_format" ||
		name == "ddrescue" || name == "dcfldd" || name == "zpool" || name == "mdadm" || name == "cryptsetup" || name == "nvme" || name == "hdparm" && strings.Contains(text, "--security-erase"):
		// tools that write a disk given as an argument
		for _, a := range args {
			v := strings.TrimPrefix(a.val, "of=")
			if a.lit && diskDevice(path.Clean(v)) {
				c.dangerous(text, fmt.Sprintf("%s writing the disk device %s (overwriting a disk)", name, v))
				return
			}
		}
	case strings.HasPrefix(name, "mkfs") || name == "mke2fs" || name == "mkdosfs" || name == "mkntfs" || name == "wipefs" || name == "blkdiscard":
		c.dangerous(text, name+" (formatting or wiping a file system)")
	case name == "dd":
		for _, a := range args {
			if a.lit && strings.HasPrefix(a.val, "of=") {
				ps, _ := c.resolveAll(litField(strings.TrimPrefix(a.val, "of=")))
				for _, p := range ps {
					if strings.HasPrefix(p, "/dev/") && !safeDevice(p) {
						c.dangerous(text, fmt.Sprintf("dd onto the device %s (overwriting a disk)", p))
						return
					}
				}
			}
		}
	case name == "shred":
		_, pos := parseArgs(args, "ns", " iterations size random-source ")
		for _, f := range pos {
			if !f.lit {
				continue
			}
			ps, _ := c.resolveAll(f)
			for _, p := range ps {
				if strings.HasPrefix(p, "/dev/") && !safeDevice(p) {
					c.dangerous(text, fmt.Sprintf("shred of the device %s (wiping a disk)", p))
					return
				}
			}
		}
	case name == "fdisk" || name == "gdisk":
		opts, _ := parseArgs(args, "bcuLS", "")
		if !hasOpt(opts, "-l", "--list", "-V", "--version", "-h", "--help", "-s", "--getsz") {
			c.dangerous(text, name+" (rewriting a partition table)")
		}
	case name == "cfdisk":
		opts, _ := parseArgs(args, "", "")
		if !hasOpt(opts, "-h", "--help", "-V", "--version") {
			c.dangerous(text, name+" (rewriting a partition table)")
		}
	case name == "sfdisk":
		opts, _ := parseArgs(args, "NXY", "")
		if !hasOpt(opts, "-l", "--list", "-d", "--dump", "-s", "--show-size", "-V", "--verify", "-h", "--help",
			"-v", "--version", "-J", "--json", "-g", "--show-geometry", "-F", "--list-free") {
			c.dangerous(text, name+" (rewriting a partition table)")
		}
	case name == "sgdisk":
		opts, _ := parseArgs(args, "", "")
		if !hasOpt(opts, "-p", "--print", "-i", "--info", "-v", "--verify", "-V", "--version", "-?", "--help", "-O", "--print-mbr") {
			c.dangerous(text, name+" (rewriting a partition table)")
		}
	case name == "parted":
		opts, pos := parseArgs(args, "", "")
		if hasOpt(opts, "-l", "--list", "-h", "--help", "-v", "--version") {
			return
		}
		if len(pos) <= 1 {
			c.dangerous(text, "interactive parted (rewriting a partition table)")
			return
		}
		for _, f := range pos[1:] {
			switch f.val {
			case "mklabel", "mktable", "mkpart", "mkpartfs", "rm", "resizepart", "resize", "rescue", "name", "set",
				"toggle", "disk_set", "disk_toggle", "mkfs", "cp", "move", "type":
				c.dangerous(text, "parted "+f.val+" (rewriting a partition table)")
				return
			}
			if !f.lit {
				c.dangerous(text, "parted with a command that is not a literal (rewriting a partition table)")
				return
			}
		}
	}
}
