package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/aporthq/aport/internal/audit"
	"github.com/aporthq/aport/internal/keys"
)

func init() { register(newAuditCmd) }

func newAuditCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check and read the signed audit log",
		Long: `The audit log holds one Ed25519-signed, hash-chained event per decision.
verify checks every signature and the chain; tail and show read it.`,
		Example: `  aport audit verify
  aport audit tail -n 20
  aport audit show --decision deny --since 1h`,
		Args: cobra.NoArgs,
	}
	auditPath := cmd.PersistentFlags().String("audit", defaultAudit(a.getenv), "audit log [APORT_AUDIT_LOG]")
	auditKey := cmd.PersistentFlags().String("audit-key", defaultAuditKey(a.getenv), "audit signing key; verify uses its public key PATH.pub [APORT_AUDIT_KEY]")
	cmd.AddCommand(newAuditVerifyCmd(a, auditPath, auditKey), newAuditTailCmd(a, auditPath), newAuditShowCmd(a, auditPath))
	return cmd
}

func newAuditVerifyCmd(a *app, auditPath, auditKey *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every signature and the hash chain; name the first bad line",
		Long: `verify reads every segment of the log, oldest first, and checks that each line
is an event in canonical form, hashes to its hash, is signed by a trusted key,
and links to the one before it. It exits 0 with a summary, or 1 naming the
first bad line and what is wrong with it.

A partial last line that a later append closed and recorded (an append
interrupted by a crash or a full disk) fails verification unless
--allow-recovered is given. Only one such line is accepted per recovery:
complete lines that do not verify are never a crash.`,
		Example: `  aport audit verify
  aport audit verify --audit /var/log/aport/audit.jsonl --pubkey audit.ed25519.pub`,
		Args: cobra.NoArgs,
	}
	pubkeys := cmd.Flags().StringArray("pubkey", nil, "trusted public key file (repeatable); default: the audit key's PATH.pub")
	workers := cmd.Flags().Int("workers", 0, "signature-checking workers (default: one per CPU)")
	allowRecovered := cmd.Flags().Bool("allow-recovered", false, "accept a partial line (no newline) that a later append recorded as recovered")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		trusted, err := trustedKeys(*pubkeys, *auditKey)
		if err != nil {
			return err
		}
		sum, err := audit.VerifyWith(*auditPath, audit.VerifyOptions{Pubkeys: trusted, Workers: *workers, AllowRecovered: *allowRecovered})
		if err != nil {
			var ve *audit.VerifyError
			switch {
			case errors.Is(err, os.ErrNotExist):
				return withHint(fmt.Errorf("no audit log at %s", *auditPath), "nothing has been audited yet, or --audit / APORT_AUDIT_LOG points elsewhere")
			case errors.As(err, &ve) && strings.Contains(ve.Problem, "partial write recovered"):
				return withHint(fmt.Errorf("audit log does not verify: %w", err),
					"an append was interrupted (a crash, a full disk) and left one line without a newline, which the next append closed and recorded; that line is the only one outside the chain. Accept such recorded recoveries with --allow-recovered")
			case errors.As(err, &ve) && ve.Line > 0:
				return withHint(fmt.Errorf("audit log does not verify: %w", err),
					fmt.Sprintf("the log was changed after it was written; %d events before this line verify. Keep a copy of the file for investigation", sum.Events))
			}
			return withHint(fmt.Errorf("audit log does not verify: %w", err), "check --audit and --pubkey")
		}
		fmt.Fprintln(cmd.OutOrStdout(), verifySummary(sum))
		return nil
	}
	return cmd
}

func verifySummary(s *audit.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ok: %d events", s.Events)
	if s.Segments > 1 {
		fmt.Fprintf(&b, " in %d segments", s.Segments)
	}
	if s.Events > 0 {
		fmt.Fprintf(&b, ", %s to %s, seq 1..%d, key %s", s.First, s.Last, s.LastSeq, strings.Join(s.Kids, ","))
	}
	if n := len(s.Recovered); n > 0 {
		lines := make([]string, n)
		for i, r := range s.Recovered {
			lines[i] = fmt.Sprintf("%s line %d", r.Segment, r.Line)
		}
		fmt.Fprintf(&b, ", %d recovered partial write(s) (%s)", n, strings.Join(lines, ", "))
	}
	return b.String()
}

// trustedKeys loads the --pubkey files, or by default the audit key's
// public key (PATH.pub, else the public line of the private key file).
func trustedKeys(files []string, auditKey string) (map[string]ed25519.PublicKey, error) {
	out := map[string]ed25519.PublicKey{}
	if len(files) == 0 {
		pub, err := keys.LoadPublic(auditKey + ".pub")
		if errors.Is(err, os.ErrNotExist) {
			pub, err = keys.LoadPublic(auditKey)
		}
		if err != nil {
			return nil, withHint(fmt.Errorf("the audit public key: %w", err),
				"pass the public key of the key that signed the log with --pubkey FILE, or point --audit-key at it")
		}
		out[keys.KeyID(pub)] = pub
		return out, nil
	}
	for _, f := range files {
		pub, err := keys.LoadPublic(f)
		if err != nil {
			return nil, withHint(err, "--pubkey takes a public key file written by `aport keys generate` or the audit key's .pub")
		}
		out[keys.KeyID(pub)] = pub
	}
	return out, nil
}

// eventWriter prints records as JSON lines, or for a terminal as one
// human-readable line each (coloured unless NO_COLOR is set).
type eventWriter struct {
	w     io.Writer
	human bool
	color bool
	bad   int
}

func newEventWriter(w io.Writer, asJSON bool, getenv func(string) string) *eventWriter {
	ew := &eventWriter{w: w}
	if f, ok := w.(*os.File); ok && !asJSON && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		ew.human = true
		ew.color = getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	}
	return ew
}

func (ew *eventWriter) write(r audit.Record) error {
	if r.Event == nil {
		ew.bad++
	}
	var err error
	if ew.human {
		_, err = fmt.Fprintln(ew.w, audit.Human(r, ew.color))
	} else if r.Event != nil {
		_, err = fmt.Fprintf(ew.w, "%s\n", r.Raw)
	}
	return err
}

func (ew *eventWriter) finish(stderr io.Writer) {
	if ew.bad > 0 {
		fmt.Fprintf(stderr, "aport: warning: %d line(s) are not events; `aport audit verify` names them\n", ew.bad)
	}
}

func newAuditTailCmd(a *app, auditPath *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print the last events of the log",
		Long: `tail prints the last N events: one line each on a terminal (time, decision,
tool, reason), JSON lines when piped or with --json. --follow keeps printing
new events as they are appended, until interrupted.`,
		Example: `  aport audit tail -n 20
  aport audit tail --follow --json | jq .reason`,
		Args: cobra.NoArgs,
	}
	n := cmd.Flags().IntP("lines", "n", 10, "how many events")
	follow := cmd.Flags().BoolP("follow", "f", false, "keep printing events as they are appended")
	asJSON := cmd.Flags().Bool("json", false, "print JSON lines even on a terminal")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *n < 0 {
			return &usageError{fmt.Errorf("-n %d: want 0 or more", *n)}
		}
		ew := newEventWriter(cmd.OutOrStdout(), *asJSON, a.getenv)
		defer ew.finish(cmd.ErrOrStderr())
		recs, err := audit.Tail(*auditPath, *n)
		if err != nil && !(*follow && errors.Is(err, os.ErrNotExist)) {
			return auditReadError(err, *auditPath)
		}
		for _, r := range recs {
			if err := ew.write(r); err != nil {
				return err
			}
		}
		if !*follow {
			return nil
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		var werr error
		err = audit.Follow(ctx, *auditPath, 250*time.Millisecond, func(r audit.Record) bool {
			werr = ew.write(r)
			return werr == nil
		})
		if werr != nil {
			return werr
		}
		return err
	}
	return cmd
}

func auditReadError(err error, path string) error {
	if errors.Is(err, os.ErrNotExist) {
		return withHint(fmt.Errorf("no audit log at %s", path), "nothing has been audited yet, or --audit / APORT_AUDIT_LOG points elsewhere")
	}
	return withHint(err, "check --audit; `aport audit verify` checks the log")
}

func newAuditShowCmd(a *app, auditPath *string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the events that match filters",
		Long: `show prints every event of the log, oldest first, that matches all the given
filters: one line each on a terminal, JSON lines when piped or with --json.
It reads, it does not verify: run aport audit verify for that.`,
		Example: `  aport audit show --decision deny
  aport audit show --tool Bash --since 2h
  aport audit show --since 2026-11-22T00:00:00Z --json`,
		Args: cobra.NoArgs,
	}
	decision := cmd.Flags().String("decision", "", "only this decision: allow, deny or ask")
	tool := cmd.Flags().String("tool", "", "only this tool (as the host named it, e.g. Bash)")
	since := cmd.Flags().String("since", "", "only events at or after: a duration back from now (90m, 2h) or an RFC 3339 time")
	asJSON := cmd.Flags().Bool("json", false, "print JSON lines even on a terminal")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		switch *decision {
		case "", "allow", "deny", "ask":
		default:
			return &usageError{fmt.Errorf("--decision %q: want allow, deny or ask", *decision)}
		}
		var from time.Time
		if *since != "" {
			if d, err := time.ParseDuration(*since); err == nil && d >= 0 {
				from = a.now().Add(-d)
			} else if t, err := time.Parse(time.RFC3339, *since); err == nil {
				from = t
			} else {
				return &usageError{fmt.Errorf("--since %q: want a duration (90m, 2h) or an RFC 3339 time (2026-11-22T10:00:00Z)", *since)}
			}
		}
		ew := newEventWriter(cmd.OutOrStdout(), *asJSON, a.getenv)
		defer ew.finish(cmd.ErrOrStderr())
		var werr error
		err := audit.Scan(*auditPath, func(r audit.Record) bool {
			if e := r.Event; e != nil {
				if *decision != "" && e.Decision != *decision || *tool != "" && e.Tool != *tool {
					return true
				}
				if !from.IsZero() {
					t, err := time.Parse(time.RFC3339, e.TS)
					if err != nil || t.Before(from) {
						return true
					}
				}
			} else if *decision != "" || *tool != "" || *since != "" {
				ew.bad++
				return true
			}
			werr = ew.write(r)
			return werr == nil
		})
		if werr != nil {
			return werr
		}
		if err != nil {
			return auditReadError(err, *auditPath)
		}
		return nil
	}
	return cmd
}
