package shell

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// scanOpts walks the options at the start of args and stops at the first
// operand or after "--". shortVal lists the short options that take a value,
// longVal the long ones (" name name "). fn sees every option and its value.
// It returns the index of the first operand; ok is false when a word in
// option position is not a literal, so where the operands start is unknown.
func scanOpts(args []field, shortVal, longVal string, fn func(opt string, val field)) (int, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.lit {
			return i, false
		}
		v := a.val
		if v == "--" {
			return i + 1, true
		}
		if len(v) < 2 || v[0] != '-' {
			return i, true
		}
		if strings.HasPrefix(v, "--") {
			name, val, has := strings.Cut(v[2:], "=")
			vf := litField(val)
			if !has && strings.Contains(longVal, " "+name+" ") && i+1 < len(args) {
				i++
				vf = args[i]
			}
			if fn != nil {
				fn("--"+name, vf)
			}
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
				if fn != nil {
					fn("-"+string(ch), vf)
				}
				break
			}
			if fn != nil {
				fn("-"+string(ch), field{lit: true})
			}
		}
	}
	return len(args), true
}

// simple wrappers: name → short options with a value, long options with a
// value, and how many operands come before the command.
func simpleWrapper(name string) (shortVal, longVal string, skip int, ok bool) {
	switch name {
	case "nohup", "setsid", "unbuffer", "firejail", "catchsegv", "builtin",
		"noglob", "nocorrect", "-": // zsh precommand modifiers
		return "", "", 0, true
	case "repeat": // zsh: repeat N cmd
		return "", "", 1, true
	case "nice":
		return "n", " adjustment ", 0, true
	case "ionice":
		return "cnpPu", " class classdata pid pgid uid ", 0, true
	case "time":
		return "fo", " format output ", 0, true
	case "timeout":
		return "sk", " signal kill-after ", 1, true
	case "stdbuf":
		return "ioe", " input output error ", 0, true
	case "strace":
		return "abeEIoOpPsSuX", " trace signal status output attach user env ", 0, true
	case "ltrace":
		return "aAeEnopsuDwxF", " output library ", 0, true
	case "taskset":
		return "", "", 1, true
	case "chroot":
		return "", " userspec groups ", 1, true
	case "pkexec":
		return "", " user ", 0, true
	case "doas":
		return "uC", "", 0, true
	case "fakeroot":
		return "lsib", " lib faked ", 0, true
	case "faketime":
		return "", "", 1, true
	case "proxychains", "proxychains4":
		return "f", "", 0, true
	case "torsocks":
		return "uapP", " user pass address port ", 0, true
	case "caffeinate":
		return "tw", "", 0, true
	case "dbus-run-session":
		return "", " config-file dbus-daemon ", 0, true
	case "unshare":
		return "SGRw", " setuid setgid root wd ", 0, true
	case "nsenter":
		return "tSG", " target setuid setgid ", 0, true
	case "busybox", "toybox":
		return "", "", 0, true
	case "chrt":
		return "TPD", " sched-runtime sched-period sched-deadline ", 1, true
	}
	return "", "", 0, false
}

// isShell names the shells whose -c text and standard input are shell text.
func isShell(name string) bool {
	switch name {
	case "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "fish", "rbash", "csh", "tcsh", "yash", "posh", "busybox-sh":
		return true
	}
	return false
}

// interpreter returns, for a language interpreter, its options taking a
// value and the options that give it its program (so it does not read the
// program from standard input).
func interpreter(name string) (shortVal, programOpts string, ok bool) {
	switch {
	case strings.HasPrefix(name, "python"), strings.HasPrefix(name, "pypy"), name == "ipython":
		return "WXQ", " -c -m ", true
	case name == "node", name == "nodejs", name == "bun", name == "deno":
		return "r", " -e -p --eval --print ", true
	case name == "perl":
		return "IMmx", " -e -E ", true
	case name == "ruby", name == "irb":
		return "IrCEFKT", " -e ", true
	case name == "php":
		return "cdz", " -r -f ", true
	case strings.HasPrefix(name, "lua"):
		return "l", " -e ", true
	case name == "Rscript", name == "R":
		return "", " -e --file ", true
	case name == "osascript":
		return "l", " -e ", true
	case name == "pwsh", name == "powershell", name == "tclsh", name == "wish", name == "julia", name == "groovy", name == "jshell":
		return "", " -c -e -Command -command -f -File -file ", true
	}
	return "", "", false
}

// isDownload names the tools that fetch data from the network.
func isDownload(name string) bool {
	switch name {
	case "curl", "wget", "fetch", "nc", "ncat", "netcat", "socat", "aria2c", "http", "https", "xh", "lwp-request", "lynx", "links",
		// clients whose output is what a server sent
		"openssl", "ssh", "scp", "sftp", "telnet", "ftp", "tftp", "lftp", "smbclient",
		"aws", "gsutil", "gcloud", "az", "gh", "s3cmd", "rclone", "mc":
		return true
	}
	return false
}

// stmtHasDownload reports whether a download tool runs anywhere in n,
// directly or behind a wrapper.
func stmtHasDownload(n syntax.Node) bool {
	if n == nil {
		return false
	}
	found := false
	syntax.Walk(n, func(n syntax.Node) bool {
		if found {
			return false
		}
		if r, ok := n.(*syntax.Redirect); ok && r.Word != nil && (r.Op == syntax.RdrIn || r.Op == syntax.RdrInOut) {
			if v := r.Word.Lit(); strings.HasPrefix(v, "/dev/tcp/") || strings.HasPrefix(v, "/dev/udp/") {
				found = true // $(cat </dev/tcp/...)
				return false
			}
		}
		ce, ok := n.(*syntax.CallExpr)
		if !ok || len(ce.Args) == 0 {
			return true
		}
		for i, w := range ce.Args {
			v := w.Lit()
			if v == "" {
				if i == 0 {
					break
				}
				continue
			}
			nm := baseName(unquoteSimple(v))
			if isDownload(nm) {
				found = true
				return false
			}
			if i == 0 {
				if _, _, _, wrap := simpleWrapper(nm); !wrap && nm != "sudo" && nm != "env" && nm != "command" && nm != "exec" && nm != "xargs" {
					break
				}
			}
		}
		return true
	})
	return found
}

func unquoteSimple(v string) string {
	u, _ := unescapeUnquoted(v)
	return u
}

// wordHasDownload reports whether a download runs inside a word's
// substitutions (a field made up of "$(curl ...)" or "<(wget ...)").
func wordHasDownload(w *syntax.Word) bool {
	if w == nil {
		return false
	}
	return stmtHasDownload(w)
}

func (c *checker) dangerDownload(text, what string) {
	c.add(Finding{Code: CodeDangerous, Command: text,
		Message: fmt.Sprintf("%s runs code it downloads (%s): piping or substituting a download into a shell or interpreter is in the built-in catalogue of catastrophic operations; download to a file, read it, then run it", text, what)})
}

// inner checks a command run by a wrapper.
func (c *checker) inner(argv []field, x ctx, wrapper string, off uint) {
	if len(argv) == 0 {
		return
	}
	if !c.enter() {
		return
	}
	defer c.leave()
	y := x
	y.wrapper = wrapper
	c.exec(argv, y, off)
}

// innerIn checks a command run by a wrapper in another directory.
func (c *checker) innerIn(dir field, argv []field, x ctx, wrapper string, off uint) {
	saved := c.saveCwd()
	c.setCwd(dir, wrapper)
	c.inner(argv, x, wrapper, off)
	c.cwd = saved
}

// nestedText parses and checks shell text run by a wrapper.
func (c *checker) nestedText(f field, x ctx, wrapper, text string) {
	if !f.known() { // a glob expands to file names, which may hold any code
		if f.w != nil && wordHasDownload(f.w) {
			c.dangerDownload(text, wrapper+" of a download")
			return
		}
		c.add(Finding{Code: CodeDynamic, Command: text,
			Message: fmt.Sprintf("%s is given text that is not a literal (%s), so what it runs cannot be checked; write the command out", wrapper, f.text)})
		return
	}
	// the text's commands read the wrapper's standard input
	y := ctx{wrapper: wrapper, remote: x.remote, stdinDL: x.stdinDL, stdin: x.stdin, hasStdin: x.hasStdin}
	c.parseAndWalk(f.val, y, wrapper)
}

// joinFields joins the values of fields with spaces into one field, the
// way eval, ssh and watch join their arguments.
func joinFields(fs []field) field {
	out := field{lit: true}
	var b, t strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(' ')
			t.WriteByte(' ')
		}
		b.WriteString(f.val)
		t.WriteString(f.text)
		out.glob = out.glob || f.glob
		if !f.lit {
			out.lit = false
			if f.w != nil && wordHasDownload(f.w) {
				out.w = f.w
			}
		}
	}
	out.val, out.text = b.String(), t.String()
	return out
}

func ops(args []field, i int) []field {
	if i >= len(args) {
		return nil
	}
	return args[i:]
}

// unwrap checks what a command runs: wrapped commands, shell text, code
// read from standard input.
func (c *checker) unwrap(argv []field, name, text string, x ctx, off uint) {
	args := argv[1:]
	dynamic := func() {
		c.add(Finding{Code: CodeDynamic, Command: text,
			Message: fmt.Sprintf("%s: an option is not a literal, so the command it runs cannot be found; write the options out", text)})
	}
	if short, long, skip, ok := simpleWrapper(name); ok {
		chdir := field{}
		hasDir := false
		noCmd := false
		i, lit := scanOpts(args, short, long, func(o string, v field) {
			switch {
			case name == "ionice" && (o == "-p" || o == "-P" || o == "-u" || o == "--pid" || o == "--pgid" || o == "--uid"),
				name == "strace" && (o == "-p" || o == "--attach"),
				name == "ltrace" && o == "-p",
				name == "taskset" && o == "-p",
				name == "busybox" && (o == "--list" || o == "--help" || o == "--install"):
				noCmd = true
			case name == "unshare" && (o == "-w" || o == "--wd"), name == "nsenter" && o == "--wd":
				chdir, hasDir = v, true
			}
		})
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i+skip)
		if noCmd && len(rest) == 0 {
			return
		}
		if len(rest) == 0 {
			if name == "chroot" {
				c.inner([]field{litField("sh")}, x, name, off)
			}
			return
		}
		y := x
		y.noFunc = true
		if hasDir {
			c.innerIn(chdir, rest, y, name, off)
		} else {
			c.inner(rest, y, name, off)
		}
		return
	}
	if isShell(name) {
		c.shell(args, name, text, x)
		return
	}
	if short, prog, ok := interpreter(name); ok {
		c.interp(args, name, text, short, prog, x)
		return
	}
	switch name {
	case "sudo":
		edit, shellOpt, noCmd := false, false, false
		var dir field
		hasDir := false
		i, lit := scanOpts(args, "ugpCDrtTUR", " user group prompt close-from chdir role type command-timeout other-user chroot host ", func(o string, v field) {
			switch o {
			case "-e", "--edit":
				edit = true
			case "-s", "--shell", "-i", "--login":
				shellOpt = true
			case "-l", "--list", "-v", "--validate", "-k", "-K", "--reset-timestamp", "--remove-timestamp", "-V", "--version", "--help":
				noCmd = true
			case "-D", "--chdir":
				dir, hasDir = v, true
			}
		})
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i)
		switch {
		case edit:
			for _, f := range rest {
				c.checkWrite(target{f: f}, text, "sudo -e of")
			}
		case len(rest) == 0 && shellOpt:
			c.inner([]field{litField("sh")}, x, name, off)
		case len(rest) == 0 || noCmd && len(rest) == 0:
		case hasDir:
			c.innerIn(dir, rest, x, name, off)
		default:
			c.inner(rest, x, name, off)
		}
	case "env":
		var split field
		hasSplit := false
		var dir field
		hasDir := false
		i, lit := scanOpts(args, envValueOpts, " unset chdir split-string ", func(o string, v field) {
			switch o {
			case "-S", "--split-string":
				split, hasSplit = v, true
			case "-C", "--chdir":
				dir, hasDir = v, true
			}
		})
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i)
		for len(rest) > 0 {
			f := rest[0]
			if !f.lit {
				break
			}
			n, v, isAssign := strings.Cut(f.val, "=")
			if !isAssign || !syntax.ValidName(n) {
				break
			}
			if !c.harmlessValue(n, v) {
				c.assignName(n, x, text)
			}
			rest = rest[1:]
		}
		if hasSplit && split.lit && strings.ContainsAny(split.val, `\$`) {
			// env's own escapes (\_ is a separator, \c ends the string) and
			// ${VAR} are not the shell's, so the shell parser would read
			// other words than env runs
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: env -S splits %q with its own escapes and variable expansion, which differ from the shell's, so what it runs cannot be checked; write the command out without -S", text, split.val)})
			return
		}
		if hasSplit {
			if ws := strings.Fields(split.val); len(ws) > 0 && strings.HasPrefix(strings.TrimLeft(ws[0], `'"`), "-") {
				// env reads options again from the split string: -C DIR, -u, -i
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s: env -S %q starts with options, which env reads again (-C changes the directory), so what it runs cannot be followed; give the options to env itself", text, split.val)})
				return
			}
			parts := []field{split}
			for _, f := range rest {
				q, err := syntax.Quote(f.val, syntax.LangBash)
				if err != nil || !f.lit {
					c.nestedText(field{text: f.text}, x, "env -S", text)
					return
				}
				parts = append(parts, field{val: q, text: f.text, lit: true})
			}
			joined := joinFields(parts)
			if hasDir {
				saved := c.saveCwd()
				c.setCwd(dir, "env -C")
				c.nestedText(joined, x, "env -S", text)
				c.cwd = saved
			} else {
				c.nestedText(joined, x, "env -S", text)
			}
			return
		}
		if len(rest) == 0 {
			return
		}
		y := x
		y.noFunc = true
		if hasDir {
			c.innerIn(dir, rest, y, name, off)
		} else {
			c.inner(rest, y, name, off)
		}
	case "command":
		query := false
		i, lit := scanOpts(args, "", "", func(o string, _ field) {
			if o == "-v" || o == "-V" {
				query = true
			}
		})
		if !lit {
			dynamic()
			return
		}
		if query {
			return
		}
		y := x
		y.noFunc = true
		c.inner(ops(args, i), y, name, off)
	case "exec":
		i, lit := scanOpts(args, "a", "", nil)
		if !lit {
			dynamic()
			return
		}
		y := x
		y.noFunc = true
		c.inner(ops(args, i), y, name, off)
	case "watch":
		execMode := false
		i, lit := scanOpts(args, "nq", " interval ", func(o string, _ field) {
			if o == "-x" || o == "--exec" {
				execMode = true
			}
		})
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i)
		if len(rest) == 0 {
			return
		}
		if execMode {
			c.inner(rest, x, name, off)
			return
		}
		c.nestedText(joinFields(rest), x, "watch", text)
	case "xargs":
		i, m, lit := parseXargs(args)
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i)
		if len(rest) == 0 {
			rest = []field{litField("echo")}
		}
		if x.stdinDL && rest[0].known() {
			n := baseName(rest[0].val)
			if isShell(n) || n == "eval" || n == "source" || n == "." {
				c.dangerDownload(text, "a download turned into "+n+" arguments")
				return
			}
			if _, _, ok := interpreter(n); ok {
				c.dangerDownload(text, "a download turned into "+n+" arguments")
				return
			}
		}
		if (!x.hasStdin || m.argFile) && rest[0].known() {
			if what := xargsHidesCode(rest); what != "" {
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s: xargs adds arguments read from input the text does not show, and for %s; give it the program itself", text, what)})
				return
			}
		}
		if x.hasStdin && !m.argFile {
			// the operands are known when standard input is (echo PATH | xargs rm),
			// split as xargs splits them
			words, ok := xargsItems(x.stdin, m)
			if !ok {
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s: the delimiter %s is not one aport reads, so the arguments xargs builds cannot be checked; write them out", text, m.delim.display())})
				return
			}
			if m.replace == "" {
				rest = append(append([]field(nil), rest...), litFields(words)...)
			} else {
				for _, w := range words {
					one := make([]field, len(rest))
					for k, f := range rest {
						one[k] = f
						if f.lit && strings.Contains(f.val, m.replace) {
							one[k] = litField(strings.ReplaceAll(f.val, m.replace, w))
						}
					}
					y := x
					y.noFunc, y.stdinDL, y.hasStdin = true, false, false
					c.inner(one, y, name, off)
				}
				return
			}
		}
		y := x
		y.noFunc, y.stdinDL, y.hasStdin = true, false, false
		c.inner(rest, y, name, off)
	case "find":
		if bad := findDynamic(args); bad != "" {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: the argument %s is not a literal, and find reads any argument as an expression (-exec, -delete) or a place to start, so it cannot be checked; write it out", text, bad)})
			return
		}
		for i := 0; i < len(args); i++ {
			a := args[i]
			if !a.known() {
				continue
			}
			switch a.val {
			case "-exec", "-execdir", "-ok", "-okdir":
				j := i + 1
				for j < len(args) && !(args[j].lit && (args[j].val == ";" || args[j].val == "+" && args[j-1].lit && args[j-1].val == "{}")) {
					j++
				}
				y := x
				y.noFunc, y.stdinDL, y.hasStdin = true, false, false
				inDir := a.val == "-execdir" || a.val == "-okdir"
				switch {
				case inDir:
					// runs in the directory of each path found, given ./NAME
					for _, found := range c.findFound(args) {
						c.inFoundDir(args[i+1:j], found, y, "find "+a.val, off)
					}
				case usesFound(args[i+1 : j]):
					// {} is each path found: a root itself, or any path below it
					for _, found := range c.findFound(args) {
						c.inner(replaceFound(args[i+1:j], found), y, "find "+a.val, off)
					}
				default:
					c.inner(args[i+1:j], y, "find "+a.val, off)
				}
				if !x.remote && (usesFound(args[i+1:j]) || inDir) {
					c.findReads(args, text)
				}
				i = j
			}
		}
	case "parallel":
		end := len(args)
		for i, a := range args {
			if a.lit && strings.HasPrefix(a.val, ":::") {
				end = i
				break
			}
		}
		i, lit := scanOpts(args[:end], "jJSaIEdC", " jobs sshlogin arg-file delimiter colsep joblog results tmpdir workdir wd timeout retries max-args env nice delay tagstring halt basefile ", nil)
		if !lit {
			dynamic()
			return
		}
		rest := args[i:end]
		if len(rest) == 0 {
			y := x
			c.inner([]field{litField("sh")}, y, name, off) // commands come from standard input
			return
		}
		c.nestedText(joinFields(rest), x, "parallel", text)
	case "flock":
		i, lit := scanOpts(args, "wE", " timeout conflict-exit-code ", nil)
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i+1)
		if len(rest) == 0 {
			return
		}
		if rest[0].lit && (rest[0].val == "-c" || rest[0].val == "--command") {
			if len(rest) > 1 {
				c.nestedText(rest[1], x, "flock -c", text)
			}
			return
		}
		c.inner(rest, x, name, off)
	case "script":
		var cmdText field
		has := false
		_, lit := scanOpts(args, "cEIOTB", " command echo log-in log-out log-timing log-io timing output-limit ", func(o string, v field) {
			if o == "-c" || o == "--command" {
				cmdText, has = v, true
			}
		})
		if !lit {
			dynamic()
			return
		}
		if has {
			c.nestedText(cmdText, x, "script -c", text)
		}
	case "sed":
		c.checkSed(args, text, x)
	case "awk", "gawk", "mawk", "nawk":
		c.checkAwk(args, name, text)
	case "fc":
		// fc -s and fc -e run commands from the history (history -s puts
		// any text there); only listing is followed
		listing := false
		for _, a := range args {
			if !a.lit {
				dynamic()
				return
			}
			if strings.HasPrefix(a.val, "-") && strings.Contains(a.val, "l") && !strings.ContainsAny(a.val, "es") {
				listing = true
			}
		}
		if !listing {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s runs commands from the shell's history, which aport cannot see; write the commands out", text)})
		}
	case "compgen", "complete":
		// compgen -C runs a command, and -W expands its word list ($(...)
		// included) when the words are generated
		for _, a := range args {
			if !a.lit {
				dynamic()
				return
			}
		}
		opts, _ := parseArgs(args, "AGWCFXPSo", "")
		for _, o := range opts {
			if o.name == "-C" || o.name == "-W" && strings.ContainsAny(o.val.val, "$`") {
				c.add(Finding{Code: CodeDynamic, Command: text,
					Message: fmt.Sprintf("%s: %s %s is run or expanded as shell text when completions are generated, which cannot be checked; write the commands out", text, o.name, o.val.val)})
				return
			}
		}
	case "alias", "hash", "set", "shopt":
		if why := c.rebinds(name, args); why != "" {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: %s, so the rest of the text cannot be read the way the shell will run it", text, why)})
		}
	case "emulate": // zsh: emulate sh -c TEXT runs TEXT
		for i := 0; i < len(args); i++ {
			if a := args[i]; !a.lit {
				dynamic()
				return
			} else if a.val == "-c" && i+1 < len(args) {
				c.nestedText(args[i+1], x, "emulate -c", text)
				return
			}
		}
	case "su", "runuser":
		var cmdText field
		has, user := false, false
		for i := 0; i < len(args); i++ {
			a := args[i]
			if !a.lit {
				continue
			}
			switch {
			case a.val == "-c" || a.val == "--command":
				if i+1 < len(args) {
					cmdText, has = args[i+1], true
					i++
				}
			case strings.HasPrefix(a.val, "--command="):
				cmdText, has = litField(strings.TrimPrefix(a.val, "--command=")), true
			case a.val == "-u" && name == "runuser":
				user = true
				i++
			}
		}
		switch {
		case has:
			c.nestedText(cmdText, x, name+" -c", text)
		case user:
			j, _ := scanOpts(args, "ugGsw", " user group supp-group shell whitelist-environment ", nil)
			c.inner(ops(args, j), x, name, off)
		default:
			c.shellOnStdin(name, text, x) // su USER: a shell that reads standard input
		}
	case "sg", "newgrp":
		// sg GROUP [-c] COMMAND runs COMMAND with sh -c; without one (and
		// newgrp always) a shell reads standard input
		i, lit := scanOpts(args, "", "", nil)
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i)
		if name == "sg" && len(rest) > 1 {
			cmd := rest[1:]
			if cmd[0].lit && cmd[0].val == "-c" {
				cmd = cmd[1:]
			}
			if len(cmd) > 0 {
				c.nestedText(joinFields(cmd), x, name, text)
				return
			}
		}
		c.shellOnStdin(name, text, x)
	case "ssh":
		i, lit := scanOpts(args, "BbcDEeFIiJLlmOoPpQRSWw", "", nil)
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i+1)
		if len(rest) == 0 {
			return
		}
		y := x
		y.remote = true
		c.nestedText(joinFields(rest), y, "ssh", text)
	case "eval":
		rest := args
		if len(rest) > 0 && rest[0].lit && rest[0].val == "--" {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return
		}
		c.nestedText(joinFields(rest), x, "eval", text)
	case "trap":
		i, lit := scanOpts(args, "", "", nil)
		if !lit {
			dynamic()
			return
		}
		rest := ops(args, i)
		if len(rest) < 2 {
			return // trap -p, trap -l, trap SIG: nothing to run
		}
		if rest[0].lit && rest[0].val == "-" {
			return
		}
		for _, sig := range rest[1:] {
			if strings.EqualFold(strings.TrimPrefix(sig.val, "SIG"), "DEBUG") || !sig.lit {
				c.debugTrap = true // it runs before every command: $_ is its last argument then
			}
		}
		c.nestedText(rest[0], x, "trap", text)
	case "source", ".":
		if len(args) > 0 {
			if args[0].w != nil && wordHasDownload(args[0].w) || c.downloaded(args[0]) {
				c.dangerDownload(text, name+" of a download")
			} else if (x.stdinDL || c.netAny) && args[0].lit && (isStdinPath(path.Clean(args[0].val)) || args[0].val == "-") {
				c.dangerDownload(text, "a download on standard input")
			} else {
				c.readsCode(args[0], name, text, x)
			}
		}
	}
}

// shellOnStdin checks a shell that reads its commands from standard input:
// a download there runs it; text the text shows is parsed.
func (c *checker) shellOnStdin(name, text string, x ctx) {
	switch {
	case x.stdinDL || c.netAny:
		c.dangerDownload(text, "a download on standard input")
	case x.hasStdin:
		c.parseAndWalk(x.stdin, ctx{wrapper: name + " <<", remote: x.remote}, name+" <<")
	}
}

// readsCode checks the script a shell or source reads when the text shows
// it: standard input the text gives (source /dev/stdin <<< 'cmd'), or the
// output of echo or printf in a process substitution (. <(echo cmd)). Any
// other process substitution is generated code that cannot be checked.
func (c *checker) readsCode(f field, name, text string, x ctx) {
	if f.lit && isStdinPath(f.val) && x.hasStdin {
		c.parseAndWalk(x.stdin, ctx{wrapper: name + " <<", remote: x.remote}, name+" <<")
		return
	}
	if f.w == nil || len(f.w.Parts) != 1 {
		return
	}
	ps, ok := f.w.Parts[0].(*syntax.ProcSubst)
	if !ok || ps.Op != syntax.CmdIn {
		return
	}
	if len(ps.Stmts) == 1 {
		if out, ok := c.echoed(ps.Stmts[0]); ok {
			c.parseAndWalk(out, ctx{wrapper: name + " <(...)", remote: x.remote}, name+" <(...)")
			return
		}
	}
	c.add(Finding{Code: CodeDynamic, Command: text,
		Message: fmt.Sprintf("%s: %s runs the output of %s as shell code, which cannot be checked; write the commands out", text, name, c.wordText(ps))})
}

// isStdinPath names standard input as a file.
func isStdinPath(p string) bool {
	switch p {
	case "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0", "/proc/thread-self/fd/0":
		return true
	}
	return false
}

// shell handles sh, bash, ... : -c text, a script, or code on standard input.
func (c *checker) shell(args []field, name, text string, x ctx) {
	cmdMode, stdinMode := false, false
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if !a.lit {
			if cmdMode {
				break // the -c text
			}
			if a.w != nil && wordHasDownload(a.w) {
				c.dangerDownload(text, "a downloaded script")
				return
			}
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s: an option or script is not a literal, so what the shell runs cannot be found; write it out", text)})
			return
		}
		v := a.val
		if v == "--" || v == "-" {
			i++
			break
		}
		if len(v) < 2 || (v[0] != '-' && v[0] != '+') {
			break
		}
		if strings.HasPrefix(v, "--") {
			if v == "--rcfile" || v == "--init-file" {
				i++
			}
			continue
		}
		for _, ch := range v[1:] {
			switch ch {
			case 'c':
				cmdMode = true
			case 's':
				stdinMode = true
			case 'o', 'O':
				i++
			}
		}
	}
	rest := ops(args, i)
	switch {
	case cmdMode:
		if len(rest) == 0 {
			return
		}
		c.nestedText(rest[0], x, name+" -c", text)
	case stdinMode || len(rest) == 0:
		if x.stdinDL || c.netAny {
			c.dangerDownload(text, "a download on standard input")
		} else if x.hasStdin {
			c.parseAndWalk(x.stdin, ctx{wrapper: name + " <<", remote: x.remote}, name+" <<")
		}
	default:
		if rest[0].w != nil && wordHasDownload(rest[0].w) || c.downloaded(rest[0]) {
			c.dangerDownload(text, "a downloaded script")
		} else if rest[0].lit && isStdinPath(rest[0].val) && x.stdinDL {
			c.dangerDownload(text, "a download on standard input")
		} else {
			c.readsCode(rest[0], name, text, x)
		}
	}
}

// interp handles python, node, perl, ...: the code they run is not
// analysed, but code they would read from a download is catastrophic.
func (c *checker) interp(args []field, name, text, short, prog string, x ctx) {
	program := false
	i, lit := scanOpts(args, short, "", func(o string, v field) {
		if strings.Contains(prog, " "+o+" ") {
			program = true
			if v.w != nil && !v.lit && wordHasDownload(v.w) {
				c.dangerDownload(text, o+" of a download")
			}
		}
	})
	// -c/-e take a value in every interpreter listed; scanOpts treats them as
	// flags unless listed in short, so look at the next word too.
	for j := 0; j < i && j < len(args); j++ {
		if args[j].lit && strings.Contains(prog, " "+args[j].val+" ") && j+1 < len(args) {
			program = true
			if v := args[j+1]; v.w != nil && !v.lit && wordHasDownload(v.w) {
				c.dangerDownload(text, args[j].val+" of a download")
			}
		}
	}
	if !lit && i < len(args) && args[i].w != nil && wordHasDownload(args[i].w) {
		c.dangerDownload(text, "a downloaded script")
		return
	}
	if !lit || program {
		return
	}
	rest := ops(args, i)
	if len(rest) == 0 || (rest[0].lit && (rest[0].val == "-" || isStdinPath(path.Clean(rest[0].val)))) {
		if x.stdinDL || c.netAny {
			c.dangerDownload(text, "a download on standard input")
		}
		return
	}
	if rest[0].w != nil && wordHasDownload(rest[0].w) || c.downloaded(rest[0]) {
		c.dangerDownload(text, "a downloaded script")
	}
}

// findRoots returns the starting points of a find command line, after its
// leading options (-H, -L, -P, -D OPTS, -Olevel), and the index where its
// expression starts; "." when there is none.
func findRoots(args []field) (roots []field, expr int) {
	i := 0
	for i < len(args) && args[i].lit {
		v := args[i].val
		if v == "-D" {
			i += 2
			continue
		}
		if v != "-H" && v != "-L" && v != "-P" && !strings.HasPrefix(v, "-O") {
			break
		}
		i++
	}
	for ; i < len(args); i++ {
		if v := args[i].val; args[i].lit && (strings.HasPrefix(v, "-") || v == "(" || v == "!" || v == ",") {
			break
		}
		roots = append(roots, args[i])
	}
	if len(roots) == 0 {
		roots = []field{litField(".")}
	}
	return roots, i
}

// findFound is what find puts in place of {}: each starting point itself,
// and, below it, every path of aport's concern that it may find (its own
// files, the hook configs, private keys, git's program locations, system
// directories) whose name the -name tests allow, plus one ordinary file.
// Each is a literal path, checked by the command's own rules.
func (c *checker) findFound(args []field) []field {
	roots, expr := findRoots(args)
	names := findNames(args[expr:])
	c.loadProbes()
	var out []field
	add := func(p string) {
		for _, f := range out {
			if f.val == p {
				return
			}
		}
		out = append(out, field{text: "{}", val: p, lit: true, glob: strings.ContainsAny(p, "*?[")})
	}
	nameOK := func(p string) bool { return names == nil || anyNameMatches(names, path.Base(p)) }
	for _, r := range roots {
		if !r.known() {
			out = append(out, field{text: "{}", val: "{}"})
			continue
		}
		if nameOK(r.val) {
			add(r.val)
		}
		bases, ok := c.resolveAll(r)
		if !ok {
			out = append(out, field{text: "{}", val: "{}"})
			continue
		}
		for _, b := range bases {
			below := func(q string) bool { return q != "" && q != b && strings.HasPrefix(q, strings.TrimSuffix(b, "/")+"/") }
			files := append(append([]string{}, c.probes...), c.secrets...)
			files = append(files, b+"/.git/config", b+"/.git/hooks/pre-commit")
			for _, d := range c.cwd.dirs {
				files = append(files, d+"/.git/config", d+"/.git/hooks/pre-commit")
			}
			if h := c.env.Home; h != "" {
				files = append(files, h+"/.gitconfig", h+"/.config/git/config")
			}
			for _, q := range files {
				if below(q) && nameOK(q) {
					add(q)
				}
			}
			dirs := append([]string{c.env.Home}, systemDirs...)
			if c.env.Home != "" {
				dirs = append(dirs, path.Join(c.env.Home, ".aport"))
			}
			for _, q := range dirs {
				if !below(q) {
					continue
				}
				if nameOK(q) {
					add(q)
				}
				for _, n := range names { // a file of that name inside it
					add(path.Join(q, n))
				}
			}
			add(path.Join(b, "found"))
		}
	}
	return out
}

// inFoundDir checks a find -execdir command as it runs: in the directory of
// the path found, with ./NAME in place of {}.
func (c *checker) inFoundDir(argv []field, found field, x ctx, wrapper string, off uint) {
	saved := c.saveCwd()
	defer func() { c.cwd = saved }()
	if !found.lit {
		c.cwd.dirs = nil // not known where it runs
		c.inner(replaceFound(argv, found), x, wrapper, off)
		return
	}
	abs := found.val
	if !path.IsAbs(abs) {
		abs = path.Join(c.cwdOne(), abs)
	}
	c.cwd.dirs = []string{path.Dir(abs)}
	g := found
	g.val = "./" + path.Base(abs)
	c.inner(replaceFound(argv, g), x, wrapper, off)
}

// replaceFound puts found in place of {} in a find -exec command.
func replaceFound(argv []field, found field) []field {
	out := make([]field, len(argv))
	for i, f := range argv {
		out[i] = f
		if f.lit && strings.Contains(f.val, "{}") {
			g := found
			g.val = strings.ReplaceAll(f.val, "{}", found.val)
			g.text = f.text
			g.lit = found.lit
			out[i] = g
		}
	}
	return out
}

// usesFound reports whether a find -exec command is given the found paths.
func usesFound(argv []field) bool {
	for _, f := range argv {
		if strings.Contains(f.val, "{}") {
			return true
		}
	}
	return false
}

// findReads applies the no-secret rule to find ROOT ... -exec CMD {}: the
// command is given every path below the roots, so a root that is a private
// key's directory or one of its ancestors reads the key, unless -name
// patterns (without negation) exclude every key's file name.
func (c *checker) findReads(args []field, text string) {
	if c.env.Secret == nil {
		return
	}
	roots, i := findRoots(args)
	names := findNames(args[i:])
	c.loadProbes()
	for _, r := range roots {
		if !r.lit {
			continue
		}
		ps, _ := c.resolveAll(r)
		for _, p := range ps {
			bad := c.env.Secret(p)
			for _, q := range c.secrets {
				if !bad && covers(p, false, true, q) {
					bad = len(names) == 0 || anyNameMatches(names, path.Base(q))
				}
			}
			if bad {
				c.add(Finding{Code: CodeProtected, Command: text,
					Message: fmt.Sprintf("%s gives its command every path below %s, which holds a private key no tool may read (self-protection, independent of the passport); narrow it with -name or pick another directory", text, p)})
				return
			}
		}
	}
}

func anyNameMatches(patterns []string, name string) bool {
	for _, p := range patterns {
		for _, n := range []string{name, strings.ToLower(name)} {
			if ok, err := path.Match(p, n); err != nil || ok {
				return true
			}
		}
	}
	return false
}

// rebinds reports builtins that change how the shell reads what follows:
// what a command name runs (alias NAME=..., hash -p), and every set and
// shopt option aport does not follow (set -k, set -H, set +B, shopt -s
// lastpipe, dotglob, expand_aliases, ...: setLetters, shoptOptions).
func (c *checker) rebinds(name string, args []field) string {
	for _, a := range args {
		if !a.lit {
			return "an argument is not a literal"
		}
		v := a.val
		switch name {
		case "alias":
			if strings.Contains(v, "=") {
				return "an alias makes a command name run other text"
			}
		case "hash":
			if strings.HasPrefix(v, "-") && strings.Contains(v, "p") {
				return "hash -p makes a command name run another program"
			}
		case "set":
			return setRebinds(args)
		case "shopt":
			if strings.HasPrefix(v, "-") {
				continue
			}
			flags := ""
			for _, a := range args {
				if strings.HasPrefix(a.val, "-") {
					flags += a.val[1:]
				}
			}
			if !strings.ContainsAny(flags, "su") {
				continue // only printed or queried
			}
			if strings.Contains(flags, "o") {
				if why := setOption("-", v); why != "" {
					return why
				}
				continue
			}
			if !slices.Contains(shoptOptions, v) {
				return "shopt " + v + " changes how the shell reads, expands or runs the rest (only shopt " + strings.Join(shoptOptions, ", ") + " are followed)"
			}
		}
	}
	return ""
}

// setRebinds checks set's options: the ones that change how the rest of the
// text is read or run are denied.
func setRebinds(args []field) string {
	for i := 0; i < len(args); i++ {
		v := args[i].val
		if v == "--" || v == "-" || !strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "+") {
			return "" // the rest are positional parameters
		}
		sign := v[:1]
		for _, l := range v[1:] {
			if l == 'o' {
				// set -o NAME, also inside a cluster (set -euo pipefail); no
				// name prints the options
				i++
				if i < len(args) {
					if why := setOption(sign, args[i].val); why != "" {
						return why
					}
				}
				continue
			}
			if !strings.ContainsRune(setLetters, l) || l == 'B' && sign == "+" {
				return "set " + sign + string(l) + " changes how the shell reads or runs the rest (only set " + sign + "[" + setLetters + "] and set -o/+o " + strings.Join(setOptions, ", ") + " are followed)"
			}
		}
	}
	return ""
}

// setLetters are the set options whose change aport follows: errexit,
// nounset, xtrace, verbose, noglob, noclobber, allexport, notify, hashall,
// monitor, noexec, onecmd, errtrace, functrace, braceexpand (on only), and
// -o/+o. Anything else (-k keyword, -H histexpand, -P physical, +B) changes
// how the rest is read and is denied.
const setLetters = "euxvfCabhmntETB"

// setOptions are the set -o names aport follows (braceexpand: on only).
var setOptions = []string{"errexit", "nounset", "xtrace", "verbose", "pipefail", "noglob", "noclobber",
	"allexport", "notify", "hashall", "monitor", "noexec", "onecmd", "errtrace", "functrace", "braceexpand",
	"ignoreeof", "nolog", "emacs", "vi"}

// setOption checks set -o NAME (sign "-") or set +o NAME (sign "+").
func setOption(sign, name string) string {
	if !slices.Contains(setOptions, name) || sign == "+" && name == "braceexpand" {
		return "set " + sign + "o " + name + " changes how the shell reads or runs the rest (only set -o/+o " + strings.Join(setOptions, ", ") + " are followed, and braceexpand only on)"
	}
	return ""
}

// shoptOptions are the shopt options aport follows either way (globstar:
// aport always reads a ** segment as globstar does, ~/**/.aport as
// ~/.aport too; extglob groups are read as matching anything). Others
// change what the text means in ways aport does not model and are denied:
// lastpipe keeps a cd at the end of a pipeline, expand_aliases, dotglob,
// nocaseglob, nullglob, nocasematch, xpg_echo, cdable_vars,
// interactive_comments, localvar_*, patsub_replacement, extquote,
// compat*, ...
var shoptOptions = []string{"globstar", "extglob", "failglob", "checkwinsize", "histappend", "cmdhist", "lithist", "inherit_errexit",
	"huponexit", "checkjobs", "checkhash", "execfail", "gnu_errfmt", "progcomp", "hostcomplete", "sourcepath",
	"shift_verbose", "force_fignore"}

func hasLit(args []field, v string) bool {
	for _, a := range args {
		if a.lit && a.val == v {
			return true
		}
	}
	return false
}

// findDynamic returns the first find argument that is not a literal (or is
// an unquoted glob) outside the value of a test that takes one (-name "$p"),
// or "".
func findDynamic(args []field) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.known() || a.val == "-files0-from" { // roots read from a file
			return a.text
		}
		switch a.val {
		case "-name", "-iname", "-path", "-ipath", "-wholename", "-iwholename", "-regex", "-iregex", "-lname", "-ilname",
			"-newer", "-anewer", "-cnewer", "-samefile", "-type", "-xtype", "-user", "-group", "-uid", "-gid", "-perm",
			"-size", "-mtime", "-mmin", "-atime", "-amin", "-ctime", "-cmin", "-maxdepth", "-mindepth", "-links",
			"-inum", "-fstype", "-used", "-context", "-regextype":
			i++ // its value may be anything: it is data
		}
	}
	return ""
}

// programOpts checks the options through which a command runs another
// program or shell text: sort --compress-program, tar -I and --to-command
// and --checkpoint-action=exec=, rsync -e, ssh -o ProxyCommand and
// LocalCommand, wget --use-askpass, zip -TT, man -P. The program is checked
// as shell text, so it must be allowed like any command.
func (c *checker) programOpts(args []field, name, text string, x ctx) {
	var long []string // --name=VALUE or --name VALUE
	// short: the option letters that name a program; shortVal: every letter
	// taking a value, for reading clusters (-avze CMD) the way the tool does
	short, shortVal := "", ""
	switch name {
	case "sort":
		long = []string{"--compress-program"}
	case "tar", "bsdtar", "gtar":
		long = []string{"--use-compress-program", "--to-command", "--info-script", "--new-volume-script", "--rsh-command"}
		short, shortVal = "IF", "IFfCbgKLNTVX"
	case "rsync":
		long = []string{"--rsh"}
		short, shortVal = "e", "eBfTM"
	case "wget":
		long = []string{"--use-askpass"}
	case "zip":
		long = []string{"--unzip-command"}
		for i, a := range args {
			if a.lit && a.val == "-TT" && i+1 < len(args) {
				c.nestedText(args[i+1], x, "zip -TT", text)
			}
		}
	case "man":
		long = []string{"--pager"}
		short, shortVal = "P", "PMLSCmpRsEe"
	case "ssh", "scp", "sftp":
		for i, a := range args {
			v := a.val
			if a.lit && v == "-o" && i+1 < len(args) {
				v = "-o" + args[i+1].val
				a = args[i+1]
			}
			if !a.lit {
				continue
			}
			kv := strings.TrimSpace(strings.TrimPrefix(v, "-o"))
			k, val, ok := strings.Cut(kv, "=")
			if !ok {
				k, val, ok = strings.Cut(kv, " ") // ssh also takes "Key Value"
			}
			if strings.HasPrefix(v, "-o") && ok {
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "proxycommand", "localcommand", "knownhostscommand":
					c.nestedText(litField(val), x, name+" -o "+k, text)
				}
			}
		}
		return
	default:
		return
	}
	run := func(f field, opt string) {
		if name == "tar" || name == "bsdtar" || name == "gtar" {
			if rest, ok := strings.CutPrefix(f.val, "exec="); ok && f.lit {
				f = litField(rest)
			}
		}
		c.nestedText(f, x, name+" "+opt, text)
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.lit {
			continue
		}
		for _, o := range long {
			if a.val == o && i+1 < len(args) {
				run(args[i+1], o)
			} else if v, ok := strings.CutPrefix(a.val, o+"="); ok {
				run(litField(v), o)
			}
		}
		if (name == "tar" || name == "gtar") && strings.HasPrefix(a.val, "--checkpoint-action=exec=") {
			run(litField(strings.TrimPrefix(a.val, "--checkpoint-action=")), "--checkpoint-action")
		}
	}
	if short == "" {
		return
	}
	opts, _ := parseArgs(args, shortVal, "")
	for _, o := range opts {
		if len(o.name) == 2 && strings.IndexByte(short, o.name[1]) >= 0 {
			run(o.val, o.name)
		}
	}
}

func litFields(ws []string) []field {
	out := make([]field, len(ws))
	for i, w := range ws {
		out[i] = litField(w)
	}
	return out
}

// findNames returns the -name and -iname patterns of a find expression that
// every match must satisfy, or nil when there are none or the expression can
// escape them (!, -not, -o, a path or regex test, a word not written out).
func findNames(args []field) []string {
	var names []string
	for j := 0; j < len(args); j++ {
		switch v := args[j].val; {
		case !args[j].lit:
			return nil
		case v == "!" || v == "-not" || v == "-o" || v == "-or" || v == "," || v == "-path" || v == "-ipath" || v == "-wholename" || v == "-iwholename" ||
			v == "-regex" || v == "-iregex" || v == "-lname" || v == "-ilname" || v == "-samefile" || v == "-inum":
			return nil
		case (v == "-name" || v == "-iname") && j+1 < len(args):
			j++
			n := args[j].val
			if v == "-iname" {
				n = strings.ToLower(n)
			}
			names = append(names, n)
		}
	}
	return names
}

// xargsHidesCode reports a command that xargs would give, from input the
// text does not show, its program (sed or awk without a script written
// out) or options that write or run programs (sort -o, env -S, find
// -exec, xargs again): what it does could not be checked.
func xargsHidesCode(argv []field) string {
	args := argv[1:]
	switch name := baseName(argv[0].val); name {
	case "sed":
		opts, pos := parseArgs(sedArgs(args), sedValueOpts, " expression file line-length ")
		if len(pos) == 0 && !hasOpt(opts, "-e", "--expression", "-f", "--file") {
			return "sed that would be its script"
		}
	case "awk", "gawk", "mawk", "nawk":
		opts, pos := parseArgs(args, awkValueOpts, " file assign field-separator source include load ")
		if len(pos) == 0 && !hasOpt(opts, "-f", "--file", "-e", "--source") {
			return name + " that would be its program"
		}
	case "sort", "env", "find", "xargs":
		return name + " those may be options that write files or run programs"
	}
	return ""
}

// xargsMode is how xargs reads its input, from its options.
type xargsMode struct {
	replace  string // -I, -i: one command per line, with this string replaced by it
	null     bool   // -0: items end at a NUL
	delim    field  // -d: items end at this character
	hasDelim bool
	argFile  bool // -a: items come from a file, not standard input
}

// parseXargs reads xargs's options up to the command. GNU xargs's -e, -i
// and -l take a value only when it is attached (-i% sets % as the replace
// string); --eof, --replace and --max-lines only after =.
func parseXargs(args []field) (int, xargsMode, bool) {
	var m xargsMode
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.lit {
			return i, m, false
		}
		v := a.val
		if v == "--" {
			return i + 1, m, true
		}
		if len(v) < 2 || v[0] != '-' {
			return i, m, true
		}
		if strings.HasPrefix(v, "--") {
			name, val, has := strings.Cut(v[2:], "=")
			vf := litField(val)
			if !has && strings.Contains(" arg-file delimiter max-args max-procs max-chars process-slot-var ", " "+name+" ") && i+1 < len(args) {
				i++
				vf = args[i]
			}
			switch name {
			case "null":
				m.null, m.hasDelim = true, false // the last of -0 and -d counts
			case "delimiter":
				m.delim, m.hasDelim, m.null = vf, true, false
			case "arg-file":
				m.argFile = true
			case "replace":
				m.replace = "{}"
				if has {
					m.replace = val
				}
			}
			continue
		}
		for k := 1; k < len(v); k++ {
			switch ch := v[k]; ch {
			case 'a', 'd', 'E', 'I', 'L', 'n', 'P', 's':
				vf := litField(v[k+1:])
				if k+1 == len(v) && i+1 < len(args) {
					i++
					vf = args[i]
				}
				switch ch {
				case 'a':
					m.argFile = true
				case 'd':
					m.delim, m.hasDelim, m.null = vf, true, false
				case 'I':
					if !vf.lit {
						return i, m, false
					}
					m.replace = vf.val
				}
				k = len(v)
			case 'e', 'i', 'l':
				if ch == 'i' {
					m.replace = "{}"
					if k+1 < len(v) {
						m.replace = v[k+1:]
					}
				}
				k = len(v)
			case '0':
				m.null, m.hasDelim = true, false
			}
		}
	}
	return len(args), m, true
}

// xargsItems splits xargs's input into the arguments it passes, as GNU
// xargs does: at NULs with -0, at the delimiter with -d (nothing else is
// special), and otherwise at blanks and newlines, with single and double
// quotes grouping and a backslash escaping the next character; with -I an
// item is a whole line, without its leading blanks. ok is false for a
// delimiter it cannot read.
func xargsItems(in string, m xargsMode) (items []string, ok bool) {
	if m.null || m.hasDelim {
		sep := "\x00"
		if !m.null {
			if !m.delim.lit {
				return nil, false
			}
			d, ok := xargsDelim(m.delim.val)
			if !ok {
				return nil, false
			}
			sep = string([]byte{d})
		}
		items = strings.Split(in, sep)
		if items[len(items)-1] == "" {
			items = items[:len(items)-1]
		}
		return items, true
	}
	line := m.replace != ""
	var cur strings.Builder
	have := false
	flush := func() {
		if have {
			items = append(items, cur.String())
		}
		cur.Reset()
		have = false
	}
	var quote byte
	for i := 0; i < len(in); i++ {
		ch := in[i]
		if quote != 0 {
			switch ch {
			case quote:
				quote = 0
			case '\n': // an unmatched quote: xargs stops here, without the item
				return items, true
			default:
				cur.WriteByte(ch)
			}
			continue
		}
		switch {
		case ch == '\\' && i+1 < len(in):
			i++
			cur.WriteByte(in[i])
			have = true
		case ch == '\'' || ch == '"':
			quote, have = ch, true
		case ch == '\n':
			flush()
		case ch == ' ' || ch == '\t':
			if !line {
				flush()
			} else if have {
				cur.WriteByte(ch)
			}
		default:
			cur.WriteByte(ch)
			have = true
		}
	}
	flush()
	return items, true
}

// xargsDelim decodes the value of xargs -d: one character, or a C escape.
func xargsDelim(v string) (byte, bool) {
	if len(v) == 1 {
		return v[0], true
	}
	if len(v) < 2 || v[0] != '\\' {
		return 0, false
	}
	switch v[1] {
	case 'a':
		return 7, len(v) == 2
	case 'b':
		return 8, len(v) == 2
	case 'f':
		return 12, len(v) == 2
	case 'n':
		return '\n', len(v) == 2
	case 'r':
		return '\r', len(v) == 2
	case 't':
		return '\t', len(v) == 2
	case 'v':
		return 11, len(v) == 2
	case '\\':
		return '\\', len(v) == 2
	case 'x':
		n, err := strconv.ParseUint(v[2:], 16, 8)
		return byte(n), err == nil && len(v) > 2
	}
	n, err := strconv.ParseUint(v[1:], 8, 8)
	return byte(n), err == nil
}
