package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/aporthq/aport/internal/presets"
)

func init() { passportInitCmd = newPassportInitCmd }

// initHint is what to run when there is no terminal to ask on.
const initHint = "run `aport passport init --preset dev --yes` (or strict, ci), or pass --passport"

func newPassportInitCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create a passport from a preset (a wizard on a terminal, flags otherwise)",
		Long: `Create a new passport for a coding agent from a preset:

  strict  read the workspace, nothing else
  dev     read the workspace except secrets, write under it, common git, build
          and test commands, package documentation sites; force pushes,
          publishing, hard resets and recursive deletes denied
  ci      run tests and builds, read the workspace, write only build output
          directories, no network fetch

On a terminal (stdin and stderr), a wizard asks for the preset, the agent's
name, the owner, the capabilities to grant, extra commands, paths and domains
to allow, and the expiry; flags give the defaults. Without a terminal it never
asks: --preset and --yes are required. The passport is written with mode 0600
(its directory 0700) and an existing one is replaced only with --force.`,
		Example: `  aport passport init
  aport passport init --preset dev --yes
  aport passport init --preset ci --yes --owner ci-bot --expires never --passport ci/passport.json
  aport passport init --preset dev --yes --allow-command "docker compose up" --allow-domain api.example.com
  aport passport init --preset strict --yes --force`,
		Args: cobra.NoArgs,
	}
	path := passportFlag(cmd, a)
	preset := cmd.Flags().String("preset", "", "strict, dev or ci")
	name := cmd.Flags().String("name", "", `the agent's name (default "Coding agent (PRESET)")`)
	owner := cmd.Flags().String("owner", "", "who answers for the agent: a person, team or org id (default $USER)")
	expires := cmd.Flags().String("expires", presets.DefaultExpires, "90d (days from now), an RFC 3339 time, or never")
	caps := cmd.Flags().StringSlice("capabilities", nil, "capabilities to grant, comma-separated (default: the preset's)")
	cmds := cmd.Flags().StringArray("allow-command", nil, "another command to allow (repeatable)")
	paths := cmd.Flags().StringArray("allow-path", nil, "another path glob to allow reading and writing (repeatable)")
	domains := cmd.Flags().StringArray("allow-domain", nil, "another domain to allow fetching (repeatable)")
	yes := cmd.Flags().BoolP("yes", "y", false, "ask nothing: take the flags and the preset's defaults")
	force := cmd.Flags().Bool("force", false, "replace an existing passport")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		o := presets.Options{
			Preset: *preset, Name: *name, Owner: *owner, Expires: *expires,
			ExtraCommands: *cmds, ExtraPaths: *paths, ExtraDomains: *domains, Now: a.now(),
		}
		if cmd.Flags().Changed("capabilities") {
			o.Capabilities = *caps
			if o.Capabilities == nil {
				o.Capabilities = []string{}
			}
		}
		interactive := !*yes && interactiveTerminal(a)
		if !interactive {
			if !*yes {
				return withHint(&usageError{errors.New("no terminal to ask on, and --yes not given")}, initHint)
			}
			if *preset == "" {
				return withHint(&usageError{errors.New("--preset is required with --yes")}, "pass --preset strict, dev or ci")
			}
		}
		return initPassport(a, cmd.ErrOrStderr(), cmd.OutOrStdout(), *path, o, interactive, *force)
	}
	return cmd
}

// interactiveTerminal reports whether a person is at the keyboard: stdin and
// stderr (where the questions go) are both terminals.
func interactiveTerminal(a *app) bool { return isTerminal(a.stdin) && isTerminal(a.stderr) }

func isTerminal(x any) bool {
	f, ok := x.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// initPassport creates the passport at path, asking on the terminal first
// when interactive.
func initPassport(a *app, prompts, out io.Writer, path string, o presets.Options, interactive, force bool) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(abs); err == nil && !force {
		return withHint(fmt.Errorf("%s already exists", abs), "pass --force to replace it (the old passport is lost), or --passport to write another file")
	}
	if o.Owner == "" {
		o.Owner = envOr(a.getenv, "USER", "local")
	}
	if interactive {
		fmt.Fprintf(prompts, "Creating a passport at %s\n", abs)
		if o, err = presets.Wizard(a.stdin, prompts, o); err != nil {
			return err
		}
	}
	data, sum, err := presets.Build(o)
	if err != nil {
		var oe *presets.OptionError
		if errors.As(err, &oe) {
			return &usageError{err}
		}
		return err
	}
	if err := presets.Write(abs, data, force); err != nil {
		if errors.Is(err, presets.ErrExists) {
			return withHint(err, "pass --force to replace it")
		}
		return err
	}
	fmt.Fprintf(out, "wrote %s\n%s\n", abs, sum)
	return nil
}
