package shell

import (
	"fmt"
	"strings"
)

// codeVar reports environment variables whose value makes a program run
// code or look commands up elsewhere.
func codeVar(name string) bool {
	switch name {
	case "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH",
		"GIT_SSH_COMMAND", "GIT_SSH", "GIT_PAGER", "GIT_EDITOR", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS",
		"GIT_PROXY_COMMAND", "GIT_EXEC_PATH", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
		"PAGER", "EDITOR", "VISUAL", "MANPAGER", "LESSOPEN", "LESSCLOSE", "SSH_ASKPASS", "SUDO_ASKPASS",
		"PROMPT_COMMAND", "BASH_ENV", "ENV", "PS4",
		"PYTHONSTARTUP", "PYTHONPATH", "NODE_OPTIONS", "PERL5OPT", "PERL5LIB", "RUBYOPT", "RUBYLIB",
		"PATH", "CDPATH", "SHELLOPTS", "BASHOPTS",
		// the shell's command hash table and aliases: a name runs another program
		"BASH_CMDS", "BASH_ALIASES",
		// where programs read their configuration (git's core.pager, core.fsmonitor, ...)
		"HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_DIR", "GIT_WORK_TREE",
		"GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_TEMPLATE_DIR", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
		"GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
		// files a program writes to when set, and the shell's own view of where it is
		"SSLKEYLOGFILE", "HISTFILE", "PWD", "GLOBIGNORE", "DIRSTACK", "OLDPWD",
		// files bash reads when asked (compgen -A hostname, readline)
		"HOSTFILE", "INPUTRC",
		// $"..." strings are looked up in these message catalogues and expanded again
		"TEXTDOMAIN", "TEXTDOMAINDIR",
		// options, tools and configuration that common programs take from the environment
		"TAR_OPTIONS", "ZIPOPT", "UNZIP", "GZIP", "CURL_HOME", "WGETRC", "GOFLAGS", "GOENV", "GOTOOLCHAIN",
		"COMPILER_PATH", "GCC_EXEC_PREFIX", "CC", "CXX", "CPP", "LD", "AS", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS",
		"CGO_CFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS", "RUSTC_WRAPPER", "RUSTC", "RUSTFLAGS", "MAKEFLAGS", "MAKEFILES",
		"PERLLIB", "PERL5DB", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONINSPECT", "NODE_PATH", "NODE_REPL_EXTERNAL_MODULE",
		"GNUPGHOME", "OPENSSL_CONF", "BROWSER", "MANOPT", "MANPATH", "SUDO_EDITOR", "GIT_SEQUENCE_EDITOR", "TERMINFO":
		return true
	}
	return strings.HasPrefix(name, "DYLD_") || strings.HasPrefix(name, "GIT_CONFIG_KEY_") || strings.HasPrefix(name, "GIT_CONFIG_VALUE_") ||
		strings.HasPrefix(name, "BASH_FUNC_") || strings.HasPrefix(name, "GIT_TRACE") ||
		strings.HasPrefix(name, "GIT_TEST_") || // GIT_TEST_FSMONITOR runs a program, as core.fsmonitor does
		strings.HasPrefix(name, "NPM_CONFIG_") || strings.HasPrefix(name, "npm_config_") || strings.HasPrefix(name, "CARGO_")
}

// assignName checks an assignment to a variable.
func (c *checker) assignName(name string, x ctx, cmd string) {
	if name == "CDPATH" {
		c.cdpath = true
	}
	if !codeVar(name) {
		return
	}
	for _, a := range c.pol.AllowedEnv {
		if matchArg(a, name) {
			return
		}
	}
	where := cmd
	if where == "" {
		where = name + "=..."
	}
	c.add(Finding{Code: CodeDenied, Command: where,
		Message: fmt.Sprintf("assigning %s makes commands run other code, so it is denied unless allowed_env (%s) lists %s", name, limitsName, name)})
}

// varArgs checks the variables that read, printf -v, mapfile, getopts and
// unset name: a name that is not a literal, or whose subscript is not inert,
// is denied (bash evaluates the subscript); the value they receive is not
// known, so the variable may not reach arithmetic afterwards.
func (c *checker) varArgs(argv []field, name, text string, x ctx) {
	args := argv[1:]
	var names []field
	if (name == "read" || name == "mapfile" || name == "readarray") && (x.stdinDL || len(c.netFds) > 0) {
		c.netAny = true // network text read into variables
	}
	if name == "printf" {
		for _, a := range args {
			if a.w != nil && (wordHasDownload(a.w) || c.wordHasDLVar(a.w)) {
				c.netAny = true // printf -v x %s "$(curl ...)"
			}
		}
	}
	switch name {
	case "read":
		opts, pos := parseArgs(args, "adinNptu", "")
		names = append(pos, optVals(opts, "-a")...)
	case "printf":
		opts, _ := parseArgs(args, "v", "")
		names = optVals(opts, "-v")
	case "mapfile", "readarray":
		opts, pos := parseArgs(args, "dnOsuCc", "")
		names = pos
		if len(optVals(opts, "-C")) > 0 {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s -C runs a callback given as text, which cannot be checked", name)})
		}
	case "wait":
		opts, _ := parseArgs(args, "p", "")
		names = optVals(opts, "-p")
	case "getopts":
		if _, pos := parseArgs(args, "", ""); len(pos) >= 2 {
			names = pos[1:2]
		}
	case "unset":
		opts, names := parseArgs(args, "", "")
		fn := false
		for _, o := range opts {
			fn = fn || o.name == "-f"
		}
		for _, f := range names {
			c.nameOperand(f, text)
			if !fn && f.known() {
				c.mayBeEmpty(f.val) // $f is empty from here on
			}
		}
		return
	case "test", "[":
		for i := 0; i+1 < len(args); i++ {
			if args[i].lit && args[i].val == "-v" {
				c.nameOperand(args[i+1], text)
			}
		}
		return
	default:
		return
	}
	for _, f := range names {
		if !f.known() {
			c.add(Finding{Code: CodeDynamic, Command: text,
				Message: fmt.Sprintf("%s %s: the variable it sets is not a literal, and bash evaluates a subscript in it, so it cannot be checked; write the name out", name, f.text)})
			continue
		}
		c.checkName(f.val, text)
		base := f.val
		if i := strings.IndexByte(base, '['); i >= 0 {
			base = base[:i]
		}
		c.assignName(base, x, text)
		c.valueUnknown(base)
		if c.intVars[base] {
			c.arithDenyIn(text, "the value "+name+" gives "+base, base+" is declared integer and the value is not known")
		}
		c.setVar(base, false)
	}
}

// nameOperand checks a variable name that bash looks up, evaluating a
// subscript in it (unset NAME, test -v NAME): a name that is not a literal is
// denied, a literal one has its subscript checked.
func (c *checker) nameOperand(f field, text string) {
	if f.known() { // a glob expands to a file name: any name, any subscript
		c.checkName(f.val, text)
		return
	}
	c.add(Finding{Code: CodeDynamic, Command: text,
		Message: fmt.Sprintf("%s: the variable %s names is not a literal, and bash evaluates a subscript in it, so it cannot be checked", text, f.text)})
}

// harmlessValue reports a literal value of a code variable that runs
// nothing: a pager or editor that is cat (when allowed), true, false or :
// (GIT_PAGER=cat, GIT_EDITOR=true), NODE_OPTIONS made only of tuning flags,
// or a PYTHONPATH of project directories.
func (c *checker) harmlessValue(name, val string) bool {
	switch name {
	case "GOFLAGS":
		// build and test flags; -toolexec and -exec run a program, -overlay
		// and -modfile swap the files built
		for _, f := range strings.Fields(val) {
			if !strings.HasPrefix(f, "-") || strings.Contains(f, "exec") || strings.Contains(f, "overlay") || strings.Contains(f, "modfile") {
				return false
			}
		}
		return true
	case "GIT_PAGER", "PAGER", "MANPAGER", "GIT_EDITOR", "EDITOR", "VISUAL":
		if val == "" || strings.ContainsFunc(val, func(r rune) bool {
			return !(r == ' ' || r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ':' || r == '+' ||
				r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}) {
			return false // git runs it with sh -c: no shell syntax
		}
		// only programs that show or accept text and run nothing: cat, true, false, :
		argv := litFields(strings.Fields(val))
		switch argv[0].val {
		case "true", "false", ":":
			return len(argv) == 1
		case "cat":
			for _, a := range argv[1:] {
				if !strings.HasPrefix(a.val, "-") {
					return false
				}
			}
			for _, e := range c.pol.Allowed {
				if matchAllowed(e, argv, "cat") {
					return true
				}
			}
		}
		return false
	case "NODE_OPTIONS":
		for _, f := range strings.Fields(val) {
			opt, _, _ := strings.Cut(f, "=")
			switch opt {
			case "--max-old-space-size", "--max-semi-space-size", "--stack-size", "--enable-source-maps",
				"--no-warnings", "--no-deprecation", "--trace-warnings", "--trace-deprecation",
				"--unhandled-rejections", "--experimental-vm-modules", "--max-http-header-size",
				"--dns-result-order", "--openssl-legacy-provider", "--use-openssl-ca":
			default:
				return false
			}
		}
		return true
	case "PYTHONPATH":
		// directories in the project: the interpreter it affects already runs the project's code
		for _, d := range strings.Split(val, ":") {
			if d == "" || strings.HasPrefix(d, "/") || strings.HasPrefix(d, "~") || d == ".." || strings.HasPrefix(d, "../") || strings.Contains(d, "/../") {
				return false
			}
		}
		return true
	}
	return false
}
