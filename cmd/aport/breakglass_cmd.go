package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aporthq/aport/internal/audit"
	"github.com/aporthq/aport/internal/breakglass"
)

func init() { register(newBreakglassCmd) }

func newBreakglassCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "breakglass",
		Short: "Open a bounded window in which liftable denials become audited allows",
		Long: `Break-glass is for an operator in an emergency. While the window is open,
denials by passport limits become allows, each marked "breakglass": true in its
audit event. Catastrophic operations, self-protection, passport status and
signature, invalid input and audit failures are never lifted. The window closes
by itself; opening, closing and expiry are audit events.

Opening needs a person at a terminal: standard input must be a terminal, and
the window opens only after you type "open" to confirm. An agent's shell tool
has no terminal, and shell commands that run a mutating aport subcommand are
denied anyway.`,
		Example: `  aport breakglass --for 15m --reason "prod incident 42: need kubectl"
  aport breakglass status
  aport breakglass close`,
		Args: cobra.NoArgs,
	}
	dur := cmd.Flags().Duration("for", 0, "how long the window stays open (at most 24h)")
	reason := cmd.Flags().String("reason", "", "why (required; recorded in the audit log)")
	stateDir := cmd.PersistentFlags().String("state", defaultState(a.getenv), "state directory [APORT_STATE_DIR]")
	auditPath := cmd.PersistentFlags().String("audit", defaultAudit(a.getenv), "audit log [APORT_AUDIT_LOG]")
	auditKey := cmd.PersistentFlags().String("audit-key", defaultAuditKey(a.getenv), "audit signing key [APORT_AUDIT_KEY]")
	record := func(kind, reason string) error {
		return audit.Append(audit.Options{Path: *auditPath, KeyPath: *auditKey}, &audit.Event{
			Event: kind, TS: a.now().UTC().Format(time.RFC3339), Decision: kind, Reason: reason, Breakglass: true,
		})
	}
	// expired records the end of a window that closed by itself, if no
	// aport process has yet; it reports whether there was one.
	expired := func(cmd *cobra.Command) (bool, error) {
		w := breakglass.Expire(*stateDir, a.now())
		if w == nil {
			return false, nil
		}
		if err := record("breakglass.expire", breakglassEndReason(w)); err != nil {
			return true, err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "the break-glass window expired at %s (%s)\n", w.Until.UTC().Format(time.RFC3339), w.Reason)
		return true, nil
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *dur <= 0 || *reason == "" {
			return &usageError{errors.New("--for DURATION and --reason TEXT are required")}
		}
		if !isTerminal(a.stdin) {
			return withHint(errors.New("break-glass is opened by a person at a terminal, and standard input is not one"),
				"run `aport breakglass` yourself in a terminal, not through an agent, a pipe or a script")
		}
		if _, err := expired(cmd); err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "Open a break-glass window for %s? Denials by passport limits become allows until it closes.\nReason: %s\nType \"open\" to confirm: ", dur.String(), strings.TrimSpace(*reason))
		line, _ := bufio.NewReader(a.stdin).ReadString('\n')
		if strings.TrimSpace(line) != "open" {
			return errors.New("not confirmed; no break-glass window was opened")
		}
		w, err := breakglass.Open(*stateDir, *dur, *reason, a.now())
		if err != nil {
			return err
		}
		if err := record("breakglass.open", *reason); err != nil {
			_, _ = breakglass.Close(*stateDir, a.now())
			return withHint(fmt.Errorf("the window was not opened because the audit event could not be written: %w", err), "check the audit log with `aport doctor`")
		}
		fmt.Fprintf(cmd.OutOrStdout(), "break-glass open until %s: %s\n", w.Until.UTC().Format(time.RFC3339), w.Reason)
		return nil
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "close",
		Short:   "Close the break-glass window now",
		Example: "  aport breakglass close",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if was, err := expired(cmd); was || err != nil {
				return err
			}
			w, err := breakglass.Close(*stateDir, a.now())
			if err != nil {
				return err
			}
			if w == nil {
				fmt.Fprintln(cmd.OutOrStdout(), "no break-glass window was open")
				return nil
			}
			if err := record("breakglass.close", w.Reason); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "break-glass closed")
			return nil
		},
	}, &cobra.Command{
		Use:     "status",
		Short:   "Say whether a break-glass window is open",
		Example: "  aport breakglass status\n  aport breakglass status --state ~/.aport/state",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := expired(cmd); err != nil {
				return err
			}
			w, ok, err := breakglass.Active(*stateDir, a.now())
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(cmd.OutOrStdout(), "no break-glass window is open")
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "break-glass open until %s (%s left): %s\n", w.Until.UTC().Format(time.RFC3339), w.Until.Sub(a.now()).Round(time.Second), w.Reason)
			return nil
		},
	})
	return cmd
}
