package shell

import (
	"fmt"
	"strings"
)

// codeVar reports environment variables whose value makes a program run
// code or look commands up elsewhere.
func codeVar(name string) bool {
	switch name {
	case "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT",
		"GIT_SSH_COMMAND", "GIT_SSH", "GIT_PAGER", "GIT_EDITOR", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS",
		"GIT_PROXY_COMMAND", "GIT_EXEC_PATH", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
		"PAGER", "EDITOR", "VISUAL", "MANPAGER", "LESSOPEN", "LESSCLOSE", "SSH_ASKPASS", "SUDO_ASKPASS",
		"PROMPT_COMMAND", "BASH_ENV", "ENV", "PS4",
		"PYTHONSTARTUP", "PYTHONPATH", "NODE_OPTIONS", "PERL5OPT", "PERL5LIB", "RUBYOPT", "RUBYLIB",
		"PATH", "IFS", "SHELLOPTS", "BASHOPTS":
		return true
	}
	return strings.HasPrefix(name, "DYLD_") || strings.HasPrefix(name, "GIT_CONFIG_KEY_") || strings.HasPrefix(name, "GIT_CONFIG_VALUE_") ||
		strings.HasPrefix(name, "BASH_FUNC_")
}

// assignName checks an assignment to a variable.
func (c *checker) assignName(name string, x ctx, cmd string) {
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

// varArgs checks the variables that read, printf -v, mapfile and getopts assign.
func (c *checker) varArgs(argv []field, name, text string, x ctx) {
	args := argv[1:]
	switch name {
	case "read":
		opts, pos := parseArgs(args, "adinNptu", "")
		for _, f := range append(pos, optVals(opts, "-a")...) {
			if f.lit {
				c.assignName(f.val, x, text)
			}
		}
	case "printf":
		opts, _ := parseArgs(args, "v", "")
		for _, f := range optVals(opts, "-v") {
			if f.lit {
				c.assignName(f.val, x, text)
			}
		}
	case "mapfile", "readarray":
		_, pos := parseArgs(args, "dnOsuCc", "")
		for _, f := range pos {
			if f.lit {
				c.assignName(f.val, x, text)
			}
		}
	}
}
