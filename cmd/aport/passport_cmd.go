package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aporthq/aport/internal/atomicfile"
	"github.com/aporthq/aport/internal/audit"
	"github.com/aporthq/aport/internal/filelock"
	"github.com/aporthq/aport/internal/keys"
	"github.com/aporthq/aport/internal/passport"
)

func init() { register(newPassportCmd) }

func newPassportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "passport",
		Short: "Create, check, show, sign a passport and flip its kill switch",
		Example: `  aport passport init --preset dev --yes
  aport passport validate --passport examples/passport.json
  aport passport suspend --reason "investigating a prompt injection"
  aport passport sign --key issuer.ed25519 --passport p.json`,
	}
	cmd.AddCommand(newPassportValidateCmd(a), newPassportShowCmd(a), newPassportSignCmd(a), newPassportVerifyCmd(a))
	for _, s := range []struct{ verb, status, short string }{
		{"suspend", passport.StatusSuspended, "Suspend the passport: every call is denied until activate"},
		{"activate", passport.StatusActive, "Activate a suspended passport (a revoked one stays revoked)"},
		{"revoke", passport.StatusRevoked, "Revoke the passport for good: every call is denied, activate refuses"},
	} {
		cmd.AddCommand(newPassportStatusCmd(a, s.verb, s.status, s.short))
	}
	if passportInitCmd != nil {
		cmd.AddCommand(passportInitCmd(a))
	}
	return cmd
}

// passportInitCmd is set by the init command's file.
var passportInitCmd func(*app) *cobra.Command

func passportFlag(cmd *cobra.Command, a *app) *string {
	return cmd.Flags().String("passport", defaultPassport(a.getenv), "passport file [APORT_PASSPORT]")
}

func newPassportValidateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "validate",
		Short:   "Check a passport and print every problem",
		Example: `  aport passport validate --passport examples/passport.json`,
		Args:    cobra.NoArgs,
	}
	path := passportFlag(cmd, a)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		p, err := passport.LoadFile(*path)
		if err != nil {
			var pe *passport.Error
			if errors.As(err, &pe) && len(pe.Problems) > 0 {
				w := cmd.ErrOrStderr()
				fmt.Fprintf(w, "aport: %s: %d problem(s)\n", *path, len(pe.Problems))
				for _, pr := range pe.Problems {
					fmt.Fprintf(w, "  %s: %s: expected %s\n", *path, pr.Field, pr.Expected)
				}
				return &exitError{code: 1}
			}
			return withHint(err, "create one with `aport passport init`, or pass --passport")
		}
		status := p.Status
		if !p.ExpiresAt.IsZero() && !a.now().Before(p.ExpiresAt) {
			status = "expired"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: valid passport %s (%s, %d capabilities, %s)\n", *path, p.ID, status, len(p.Capabilities()), p.Digest())
		return nil
	}
	return cmd
}

func newPassportShowCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show",
		Short:   "Print a passport for a person",
		Example: `  aport passport show --passport examples/passport.json`,
		Args:    cobra.NoArgs,
	}
	path := passportFlag(cmd, a)
	asJSON := cmd.Flags().Bool("json", false, "print the document as JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		p, err := passport.LoadFile(*path)
		if err != nil {
			return withHint(err, "run `aport passport validate` to see every problem")
		}
		w := cmd.OutOrStdout()
		if *asJSON {
			var buf bytes.Buffer
			if err := json.Indent(&buf, p.Raw, "", "  "); err != nil {
				return err
			}
			buf.WriteByte('\n')
			_, err := w.Write(buf.Bytes())
			return err
		}
		showPassport(w, p, a.now())
		return nil
	}
	return cmd
}

func showPassport(w io.Writer, p *passport.Passport, now time.Time) {
	name := p.Name
	if name == "" {
		name = "(unnamed)"
	}
	fmt.Fprintf(w, "%s\n", name)
	fmt.Fprintf(w, "  id:         %s\n", p.ID)
	if p.OwnerID != "" {
		fmt.Fprintf(w, "  owner:      %s\n", p.OwnerID)
	}
	status := p.Status
	if p.StatusReason != "" {
		status += " (" + p.StatusReason + ")"
	}
	fmt.Fprintf(w, "  status:     %s\n", status)
	fmt.Fprintf(w, "  assurance:  %s\n", p.Assurance)
	if p.ExpiresAt.IsZero() {
		fmt.Fprintf(w, "  expires:    never\n")
	} else if now.Before(p.ExpiresAt) {
		fmt.Fprintf(w, "  expires:    %s (in %s)\n", p.ExpiresAt.UTC().Format(time.RFC3339), p.ExpiresAt.Sub(now).Round(time.Hour))
	} else {
		fmt.Fprintf(w, "  expires:    %s (EXPIRED)\n", p.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if p.HasRegions {
		fmt.Fprintf(w, "  regions:    %s\n", strings.Join(p.Regions, ", "))
	}
	if p.Signature != "" {
		fmt.Fprintf(w, "  signed:     yes (kid %s)\n", p.Kid)
	} else {
		fmt.Fprintf(w, "  signed:     no\n")
	}
	fmt.Fprintf(w, "  digest:     %s\n", p.Digest())
	fmt.Fprintf(w, "  capabilities:\n")
	for _, c := range p.Capabilities() {
		fmt.Fprintf(w, "    %s\n", c)
		l := p.Limits(c)
		names := make([]string, 0, len(l))
		for n := range l {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			var v any
			_ = json.Unmarshal(l[n], &v)
			switch vv := v.(type) {
			case []any:
				parts := make([]string, len(vv))
				for i, e := range vv {
					parts[i] = fmt.Sprint(e)
				}
				fmt.Fprintf(w, "      %-28s %s\n", n+":", strings.Join(parts, ", "))
			default:
				b, _ := json.Marshal(vv)
				fmt.Fprintf(w, "      %-28s %s\n", n+":", b)
			}
		}
	}
}

func newPassportSignCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sign",
		Short: "Sign a passport with an issuer key (adds signature and kid)",
		Long: `Sign a passport: signature is ed25519 over the RFC 8785 canonical passport
without its signature and kid fields. With an issuer key configured for
aport eval (--issuer-key / APORT_ISSUER_KEY), only signed passports are used,
so an agent that edits its own passport only locks itself out.`,
		Example: `  aport keys generate --out issuer.ed25519
  aport passport sign --key issuer.ed25519 --passport p.json`,
		Args: cobra.NoArgs,
	}
	path := passportFlag(cmd, a)
	key := cmd.Flags().String("key", "", "the issuer's private key file (from aport keys generate)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *key == "" {
			return &usageError{errors.New("--key is required")}
		}
		p, err := passport.LoadFile(*path)
		if err != nil {
			return withHint(err, "fix the passport first: `aport passport validate`")
		}
		k, err := keys.Load(*key)
		if err != nil {
			return withHint(err, "make a key with `aport keys generate --out FILE`")
		}
		kid := k.ID
		out, err := passport.Sign(p.Raw, k.PrivateKey(), kid)
		if err != nil {
			return err
		}
		if err := atomicfile.Write(*path, out, 0o600); err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "signed %s (kid %s)\n", *path, kid)
		return nil
	}
	return cmd
}

func newPassportVerifyCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "verify",
		Short:   "Check a passport's signature against an issuer public key",
		Example: `  aport passport verify --pubkey issuer.ed25519.pub --passport p.json`,
		Args:    cobra.NoArgs,
	}
	path := passportFlag(cmd, a)
	pubPath := cmd.Flags().String("pubkey", "", "the issuer's public key file (KEY.pub)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if *pubPath == "" {
			*pubPath = a.getenv("APORT_ISSUER_KEY")
		}
		if *pubPath == "" {
			return &usageError{errors.New("--pubkey is required")}
		}
		p, err := passport.LoadFile(*path)
		if err != nil {
			return err
		}
		pub, err := keys.LoadPublic(*pubPath)
		if err != nil {
			return err
		}
		if err := passport.VerifySignature(p, pub); err != nil {
			return withHint(fmt.Errorf("%s: %w", *path, err), "re-sign it with `aport passport sign --key ISSUER_KEY`")
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s: signature valid (kid %s)\n", *path, keys.KeyID(pub))
		return nil
	}
	return cmd
}

// newPassportStatusCmd builds suspend, activate and revoke: the kill switch.
func newPassportStatusCmd(a *app, verb, status, short string) *cobra.Command {
	cmd := &cobra.Command{
		Use:     verb,
		Short:   short,
		Example: fmt.Sprintf(`  aport passport %s --reason "incident 42"`, verb),
		Args:    cobra.NoArgs,
	}
	path := passportFlag(cmd, a)
	reason := cmd.Flags().String("reason", "", "why (shown in every denial and recorded in the audit log)")
	auditPath := cmd.Flags().String("audit", defaultAudit(a.getenv), "audit log [APORT_AUDIT_LOG]")
	auditKey := cmd.Flags().String("audit-key", defaultAuditKey(a.getenv), "audit signing key [APORT_AUDIT_KEY]")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		id, old, err := flipStatus(*path, status, *reason, a.now())
		if err != nil {
			return err
		}
		ev := &audit.Event{
			Event:      "passport." + verb,
			TS:         a.now().UTC().Format(time.RFC3339),
			PassportID: id,
			Decision:   status,
			Reason:     *reason,
		}
		if err := audit.Append(audit.Options{Path: *auditPath, KeyPath: *auditKey}, ev); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "aport: warning: the status changed but the audit event could not be written: %v\n", err)
		}
		fmt.Fprintf(cmd.OutOrStdout(), "passport %s: %s → %s\n", id, old, status)
		return nil
	}
	return cmd
}

// flipStatus sets status, status_reason and updated_at under a lock, and
// writes the file atomically. Revocation is final.
func flipStatus(path, status, reason string, now time.Time) (id, old string, err error) {
	// The lock file stays: removing it while another flip waits on it would
	// let two flips hold "the" lock at once.
	unlock, err := filelock.Acquire(path+".lock", 10*time.Second)
	if err != nil {
		return "", "", fmt.Errorf("lock %s: %w", path, err)
	}
	defer unlock()
	p, err := passport.LoadFile(path)
	if err != nil {
		return "", "", withHint(err, "run `aport passport validate` to see every problem")
	}
	old = p.Status
	if old == passport.StatusRevoked && status != passport.StatusRevoked {
		return p.ID, old, withHint(fmt.Errorf("passport %s is revoked, and revocation is final", p.ID), "issue a new passport with `aport passport init`")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimPrefix(p.Raw, []byte("\xef\xbb\xbf")), &top); err != nil {
		return "", "", err
	}
	set := func(k, v string) { b, _ := json.Marshal(v); top[k] = b }
	set("status", status)
	set("updated_at", now.UTC().Format(time.RFC3339))
	if reason != "" {
		set("status_reason", reason)
	} else {
		delete(top, "status_reason")
	}
	out, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return "", "", err
	}
	out = append(out, '\n')
	if _, err := passport.Parse(out, path); err != nil {
		return "", "", err
	}
	if err := atomicfile.Write(path, out, 0o600); err != nil {
		return "", "", err
	}
	return p.ID, old, nil
}
