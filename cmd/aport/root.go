package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// version is stamped at build time with -ldflags "-X main.version=...".
var version = "dev"

// app carries what every command needs from the outside world, so that
// commands are testable without touching the process's globals.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time
}

// constructors lists the functions that build the top-level subcommands.
// Each command file registers its constructor from init; the commands
// themselves are built fresh for every run.
var constructors []func(*app) *cobra.Command

func register(f func(*app) *cobra.Command) { constructors = append(constructors, f) }

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// usageError marks a mistake in how a command was called (exit 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// hintError adds a hint line that says what to do.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

// run is the whole program; errors become exit codes here and nowhere else.
// `aport eval` never returns from here with anything but 0 or 2: it handles
// its own errors as denials (see eval_cmd.go).
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 && args[0] == "eval" {
		return runEval(args[1:], stdin, stdout, stderr, getenv)
	}
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now}
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			printError(stderr, ee.err)
		}
		return ee.code
	}
	printError(stderr, err)
	var ue *usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return 2
	}
	return 1
}

func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "aport: error: %v\n", err)
	var he *hintError
	if errors.As(err, &he) && he.hint != "" {
		fmt.Fprintf(w, "aport: hint: %s\n", he.hint)
	}
}

func isCobraUsage(err error) bool {
	m := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most", "required flag"} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "aport",
		Short: "Authorize an AI coding agent's tool calls before they run",
		Long: `aport is the pre-tool-use hook of Claude Code and Cursor. It decides each
proposed tool call against the agent's passport and the built-in policy packs,
answers in the host's format, writes a signed audit event, and exits 2 to block.`,
		Example: `  aport install claude-code --scope project
  aport eval --explain --passport examples/passport.json < examples/bash.json
  aport audit verify
  aport test examples/dev-tests.yaml --passport examples/passport.json`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newEvalHelpCmd(a))
	for _, f := range constructors {
		root.AddCommand(f(a))
	}
	// cobra's own help command gets examples like every other command.
	root.InitDefaultHelpCmd()
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Example = "  aport help passport sign\n  aport help eval"
			show := c.Run
			c.Run = nil
			c.RunE = func(cmd *cobra.Command, args []string) error {
				if t, rest, err := root.Find(args); err != nil || t == nil || len(rest) > 0 {
					return &usageError{fmt.Errorf("no help topic %q; `aport help` lists the commands", strings.Join(args, " "))}
				}
				show(cmd, args)
				return nil
			}
		}
	}
	return root
}

// home is $APORT_HOME, or ~/.aport.
func (a *app) home() string { return aportHome(a.getenv) }

func aportHome(getenv func(string) string) string {
	if h := getenv("APORT_HOME"); h != "" {
		return h
	}
	return filepath.Join(userHome(getenv), ".aport")
}

func userHome(getenv func(string) string) string {
	if h := getenv("HOME"); h != "" {
		return h
	}
	if h, err := os.UserHomeDir(); err == nil {
		return h
	}
	return "/"
}

// envOr returns the value of the environment variable, or def.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

func defaultPassport(getenv func(string) string) string {
	return envOr(getenv, "APORT_PASSPORT", filepath.Join(aportHome(getenv), "passport.json"))
}

func defaultAudit(getenv func(string) string) string {
	return envOr(getenv, "APORT_AUDIT_LOG", filepath.Join(aportHome(getenv), "audit.jsonl"))
}

func defaultAuditKey(getenv func(string) string) string {
	return envOr(getenv, "APORT_AUDIT_KEY", filepath.Join(aportHome(getenv), "keys", "audit.ed25519"))
}

func defaultState(getenv func(string) string) string {
	return envOr(getenv, "APORT_STATE_DIR", filepath.Join(aportHome(getenv), "state"))
}

func init() {
	register(func(a *app) *cobra.Command {
		return &cobra.Command{
			Use:     "version",
			Short:   "Print aport's version",
			Example: "  aport version",
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				fmt.Fprintf(cmd.OutOrStdout(), "aport %s\n", version)
				return nil
			},
		}
	})
}
