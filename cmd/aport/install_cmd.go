package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aporthq/aport/internal/install"
	"github.com/aporthq/aport/internal/passport"
	"github.com/aporthq/aport/internal/presets"
)

func init() {
	register(newInstallCmd)
	register(newUninstallCmd)
}

const untouchedHint = "aport left the file as it was; fix it (or move it away) and run the command again"

func hostArg(args []string) (string, error) {
	switch args[0] {
	case install.Claude, "claude":
		return install.Claude, nil
	case install.Cursor:
		return install.Cursor, nil
	}
	return "", &usageError{fmt.Errorf("unknown host %q (claude-code, cursor)", args[0])}
}

func targetFor(a *app, host, scope string) (install.Target, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return install.Target{}, err
	}
	t, err := install.TargetFor(host, scope, userHome(a.getenv), cwd)
	if err != nil {
		return t, &usageError{err}
	}
	return t, nil
}

// planError turns a file aport cannot edit into exit 1 with a hint.
func planError(err error) error {
	var se *install.SyntaxError
	if errors.As(err, &se) {
		return withHint(err, untouchedHint)
	}
	return err
}

func newInstallCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "install claude-code|cursor",
		Short: "Add aport's hook to Claude Code's or Cursor's configuration",
		Long: `Add aport's pre-tool-use hook to a host's configuration file, keeping every
other key, hook and byte of formatting as it was.

  claude-code  a PreToolUse matcher group for every tool ("*") in
               ~/.claude/settings.json (--scope user), .claude/settings.json
               (project) or .claude/settings.local.json (local)
  cursor       preToolUse, beforeShellExecution, beforeMCPExecution and
               beforeReadFile entries with failClosed in ~/.cursor/hooks.json
               (user) or .cursor/hooks.json (project)

The hook runs "<this aport> eval --host HOST --passport <absolute passport>".
An aport entry that names another binary or passport is replaced, so
installing again after moving either is safe; installing twice changes
nothing. The file is written atomically and its previous content is kept in
FILE.aport-backup. A file that is not valid JSON, or has the wrong shape where
aport must edit it, is reported with its position and left untouched.

Without a passport at --passport, install creates one: the wizard on a
terminal, otherwise it stops and says how.`,
		Example: `  aport install claude-code
  aport install claude-code --scope project --dry-run
  aport install claude-code --scope local --passport ./agent-passport.json
  aport install cursor --scope user
  aport install claude-code --aport /usr/local/bin/aport`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{install.Claude, install.Cursor},
	}
	scope := cmd.Flags().String("scope", install.ScopeUser, "user, project or local (claude-code only)")
	passportPath := passportFlag(cmd, a)
	dryRun := cmd.Flags().Bool("dry-run", false, "print the change as a unified diff and write nothing")
	aportFlag := cmd.Flags().String("aport", "", "the aport binary the hook runs (default: this one, symlinks resolved)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		host, err := hostArg(args)
		if err != nil {
			return err
		}
		target, err := targetFor(a, host, *scope)
		if err != nil {
			return err
		}
		bin, err := aportBinary(*aportFlag)
		if err != nil {
			return err
		}
		pp, err := installPassport(a, cmd, *passportPath, *dryRun)
		if err != nil {
			return err
		}
		command, err := install.Command(bin, host, pp)
		if err != nil {
			return err
		}
		c, err := install.PlanInstall(target, command)
		if err != nil {
			return planError(err)
		}
		out := cmd.OutOrStdout()
		if *dryRun {
			return printPlan(out, cmd.ErrOrStderr(), c, "aport's hook is already installed in %s; nothing would change\n")
		}
		if !c.Changed() {
			fmt.Fprintf(out, "aport's hook is already installed in %s; nothing changed\n", c.Path)
			return nil
		}
		backup, err := c.Apply()
		if err != nil {
			return err
		}
		what := "PreToolUse, every tool"
		if host == install.Cursor {
			what = strings.Join(install.CursorEvents, ", ")
		}
		fmt.Fprintf(out, "installed aport's hook in %s (%s)\n  %s\n", c.Path, what, command)
		if backup != "" {
			fmt.Fprintf(out, "the previous file is in %s\n", backup)
		}
		return nil
	}
	return cmd
}

func newUninstallCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "uninstall claude-code|cursor",
		Short: "Remove aport's hook from Claude Code's or Cursor's configuration",
		Long: `Remove exactly aport's hook entries (commands that run "<.../aport> eval")
from a host's configuration file, with the matcher groups, event lists and
"hooks" object that held nothing else. Everything else stays byte for byte:
uninstalling what install added gives back the file as it was. A file left
with nothing but what aport created ({} for Claude Code, {"version": 1} for
Cursor) is deleted. The previous content is kept in FILE.aport-backup.`,
		Example: `  aport uninstall claude-code
  aport uninstall claude-code --scope project --dry-run
  aport uninstall cursor --scope user`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{install.Claude, install.Cursor},
	}
	scope := cmd.Flags().String("scope", install.ScopeUser, "user, project or local (claude-code only)")
	dryRun := cmd.Flags().Bool("dry-run", false, "print the change as a unified diff and write nothing")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		host, err := hostArg(args)
		if err != nil {
			return err
		}
		target, err := targetFor(a, host, *scope)
		if err != nil {
			return err
		}
		c, err := install.PlanUninstall(target)
		if err != nil {
			return planError(err)
		}
		out := cmd.OutOrStdout()
		if *dryRun {
			return printPlan(out, cmd.ErrOrStderr(), c, "aport's hook is not in %s; nothing would change\n")
		}
		if !c.Changed() {
			fmt.Fprintf(out, "aport's hook is not in %s; nothing changed\n", c.Path)
			return nil
		}
		backup, err := c.Apply()
		if err != nil {
			return err
		}
		if c.Delete {
			fmt.Fprintf(out, "removed aport's hook: deleted %s, which held nothing else\n", c.Path)
		} else {
			fmt.Fprintf(out, "removed aport's hook from %s\n", c.Path)
		}
		if backup != "" {
			fmt.Fprintf(out, "the previous file is in %s\n", backup)
		}
		return nil
	}
	return cmd
}

// printPlan writes the change as a unified diff on out, or says there is
// none on errw.
func printPlan(out, errw io.Writer, c *install.Change, none string) error {
	if !c.Changed() {
		fmt.Fprintf(errw, none, c.Path)
		return nil
	}
	oldName, newName := c.Path, c.Path
	if !c.Existed {
		oldName = "/dev/null"
	}
	newContent := c.New
	if c.Delete {
		newName, newContent = "/dev/null", nil
	}
	_, err := io.WriteString(out, install.Diff(oldName, newName, c.Old, newContent))
	return err
}

// aportBinary is the binary the hook runs: --aport made absolute, or this
// executable with symlinks resolved. Its name must be aport: that is how
// install and uninstall recognise their own entries.
func aportBinary(flag string) (string, error) {
	var bin string
	if flag != "" {
		abs, err := filepath.Abs(flag)
		if err != nil {
			return "", err
		}
		bin = abs
	} else {
		exe, err := os.Executable()
		if err != nil {
			return "", withHint(fmt.Errorf("cannot tell where this aport binary is: %w", err), "pass --aport PATH")
		}
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		bin = exe
	}
	if filepath.Base(bin) != "aport" {
		return "", withHint(fmt.Errorf("the hook would run %s, which is not named aport", bin), "aport recognises its hook entries by the binary's name: install it as aport, or pass --aport PATH")
	}
	st, err := os.Stat(bin)
	if err != nil {
		return "", withHint(fmt.Errorf("the hook would run %s: %w", bin, err), "pass --aport with the path of the installed aport binary")
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return "", withHint(fmt.Errorf("the hook would run %s, which is not an executable file", bin), "pass --aport with the path of the installed aport binary")
	}
	return bin, nil
}

// installPassport returns the passport the hook names: a URL as given, a
// file made absolute. A missing file is created first (the wizard on a
// terminal); an invalid one stops the install, since every call would be
// denied.
func installPassport(a *app, cmd *cobra.Command, path string, dryRun bool) (string, error) {
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		return path, nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		switch {
		case dryRun:
			fmt.Fprintf(cmd.ErrOrStderr(), "aport: note: %s does not exist yet; install would create it first\n", abs)
			return abs, nil
		case interactiveTerminal(a):
			fmt.Fprintf(cmd.ErrOrStderr(), "No passport at %s yet: let's create one.\n", abs)
			o := presets.Options{Expires: presets.DefaultExpires, Now: a.now()}
			if err := initPassport(a, cmd.ErrOrStderr(), cmd.OutOrStdout(), abs, o, true, false); err != nil {
				return "", err
			}
		default:
			return "", withHint(fmt.Errorf("no passport at %s", abs), initHint)
		}
	}
	if _, err := passport.LoadFile(abs); err != nil {
		return "", withHint(err, "every call would be denied with this passport: fix it (`aport passport validate`), or pass --passport")
	}
	return abs, nil
}
