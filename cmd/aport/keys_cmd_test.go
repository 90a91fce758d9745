package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aporthq/aport/internal/keys"
)

// TestKeysGeneratePrintsThePublicKey: `aport keys generate` prints the key
// id, the two paths and the public key, and the printed key line is the
// .pub file's line byte for byte, of the key whose id it printed.
func TestKeysGeneratePrintsThePublicKey(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		return map[string]string{"HOME": dir, "APORT_HOME": filepath.Join(dir, ".aport")}[k]
	}
	out := filepath.Join(dir, "k", "issuer.ed25519")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"keys", "generate", "--out", out}, strings.NewReader(""), &stdout, &stderr, getenv); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	pubFile, err := os.ReadFile(out + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.LoadPublic(out + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	want := "kid " + keys.KeyID(pub) + "\n" +
		"private key " + out + " (0600, keep it secret)\n" +
		"public key  " + out + ".pub\n" +
		string(pubFile)
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
	}
	if !strings.HasPrefix(string(pubFile), "aport-ed25519-public:") || strings.Count(string(pubFile), "\n") != 1 {
		t.Errorf(".pub file %q is not one public key line", pubFile)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}
