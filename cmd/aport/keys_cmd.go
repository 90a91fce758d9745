package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/aporthq/aport/internal/keys"
)

func init() { register(newKeysCmd) }

func newKeysCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Create and inspect Ed25519 keys",
		Long: `Keys sign passports (an issuer key) and the audit log (the audit key, created
on first use at $APORT_HOME/keys/audit.ed25519).`,
		Example: `  aport keys generate --out ~/.aport/keys/ci-issuer.ed25519
  aport keys show ~/.aport/keys/audit.ed25519.pub`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newKeysGenerateCmd(a), newKeysShowCmd(a))
	return cmd
}

func defaultIssuerKey(getenv func(string) string) string {
	return filepath.Join(aportHome(getenv), "keys", "issuer.ed25519")
}

func newKeysGenerateCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Create an Ed25519 key pair: PATH (0600) and PATH.pub",
		Long: `generate creates a new Ed25519 key pair: the private key at PATH (mode 0600, in
a directory created 0700) and the public key at PATH.pub. It never overwrites
an existing key. It prints the key id (the first 16 hex digits of SHA-256 over
the public key), the two paths, and the public key in the form of the .pub
file's line, ready to hand to whoever verifies what the key signs.`,
		Example: `  aport keys generate
  aport keys generate --out ~/.aport/keys/ci-issuer.ed25519`,
		Args: cobra.NoArgs,
	}
	out := cmd.Flags().String("out", defaultIssuerKey(a.getenv), "private key file to create")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		kid, pub, err := keys.Generate(*out)
		if errors.Is(err, keys.ErrExist) {
			return withHint(fmt.Errorf("%s already exists; not overwriting it", *out),
				"choose another --out, or remove the old key yourself (whatever it signed stops verifying without it)")
		}
		if err != nil {
			return withHint(err, "check that the directory of --out is writable")
		}
		w := cmd.OutOrStdout()
		fmt.Fprintf(w, "kid %s\n", kid)
		fmt.Fprintf(w, "private key %s (0600, keep it secret)\n", *out)
		fmt.Fprintf(w, "public key  %s.pub\n", *out)
		_, _ = w.Write(keys.EncodePublic(pub)) // the .pub file's line, byte for byte
		return nil
	}
	return cmd
}

func newKeysShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "show FILE",
		Short:   "Print the key id and public key of a key file",
		Example: `  aport keys show ~/.aport/keys/audit.ed25519.pub`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pub, err := keys.LoadPublic(args[0])
			if err != nil {
				return withHint(err, "pass a key file written by `aport keys generate` (private or .pub)")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "kid %s\npublic %s\n", keys.KeyID(pub), base64.StdEncoding.EncodeToString(pub))
			return nil
		},
	}
}
