package keys

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHelperFirstSign is run as a child process by
// BenchmarkFirstSignFreshProcess: it times the first signature of a
// process and prints the nanoseconds.
func TestHelperFirstSign(t *testing.T) {
	mode := os.Getenv("KEYS_FIRST_SIGN")
	if mode == "" {
		t.Skip("helper for BenchmarkFirstSignFreshProcess")
	}
	seed := bytes.Repeat([]byte{5}, 32)
	pub := []byte(mustHex("6e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1"))
	msg := []byte("sha256:" + strings.Repeat("0", 64))
	var d time.Duration
	switch mode {
	case "keys":
		k := &Key{Seed: seed, Public: pub, ID: "x"}
		start := time.Now()
		k.Sign(msg)
		d = time.Since(start)
	case "stdlib":
		// crypto/ed25519 with the public key already known, as it would be
		// loaded from the key file (no NewKeyFromSeed).
		priv := ed25519.PrivateKey(append(bytes.Clone(seed), pub...))
		start := time.Now()
		ed25519.Sign(priv, msg)
		d = time.Since(start)
	default:
		t.Fatalf("mode %q", mode)
	}
	fmt.Printf("first-sign-ns %d\n", d.Nanoseconds())
}

func mustHex(s string) string {
	b := make([]byte, len(s)/2)
	for i := range b {
		v, _ := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		b[i] = byte(v)
	}
	return string(b)
}

// BenchmarkFirstSignFreshProcess measures what a hook pays: the first
// signature in a new process. Each iteration starts this test binary as a
// child that times its first Sign; ns/op is the child's whole run, the
// first-sign metrics are what the child measured.
func BenchmarkFirstSignFreshProcess(b *testing.B) {
	for _, mode := range []string{"keys", "stdlib"} {
		b.Run(mode, func(b *testing.B) {
			var got []float64
			for b.Loop() {
				c := exec.Command(os.Args[0], "-test.run=^TestHelperFirstSign$", "-test.count=1")
				c.Env = append(os.Environ(), "KEYS_FIRST_SIGN="+mode)
				out, err := c.Output()
				if err != nil {
					b.Fatalf("%v: %s", err, out)
				}
				_, v, ok := strings.Cut(string(out), "first-sign-ns ")
				if !ok {
					b.Fatalf("no measurement in %q", out)
				}
				f, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
				got = append(got, f)
			}
			slices.Sort(got)
			b.ReportMetric(got[len(got)/2], "first-sign-p50-ns")
			b.ReportMetric(got[len(got)*99/100], "first-sign-p99-ns")
		})
	}
}

func TestHelperPublicKeyMatches(t *testing.T) {
	k, _ := FromSeed(bytes.Repeat([]byte{5}, 32))
	if string(k.Public) != mustHex("6e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1") {
		t.Fatal("the helper's public key does not match its seed")
	}
}
