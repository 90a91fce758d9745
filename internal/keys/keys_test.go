package keys

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 8032 section 7.1, tests 1-3 and SHA(abc).
var rfc8032 = []struct{ name, seed, pub, msg, sig string }{
	{"test1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"test2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		"92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
	{"test3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
		"6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
	{"sha-abc", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42", "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
		"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
		"dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
}

func TestSignRFC8032(t *testing.T) {
	for _, tc := range rfc8032 {
		t.Run(tc.name, func(t *testing.T) {
			k, err := FromSeed(unhex(t, tc.seed))
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(k.Public); got != tc.pub {
				t.Fatalf("public key %s, want %s", got, tc.pub)
			}
			msg := unhex(t, tc.msg)
			sig := k.Sign(msg)
			if got := hex.EncodeToString(sig); got != tc.sig {
				t.Fatalf("signature %s, want %s", got, tc.sig)
			}
			if !ed25519.Verify(k.Public, msg, sig) {
				t.Fatal("crypto/ed25519 rejects the signature")
			}
		})
	}
}

// TestSignMatchesStdlib compares with crypto/ed25519 over many keys and
// message lengths.
func TestSignMatchesStdlib(t *testing.T) {
	for i := 0; i < 64; i++ {
		seed := bytes.Repeat([]byte{byte(i * 7)}, 32)
		seed[0] = byte(i)
		k, err := FromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		std := ed25519.NewKeyFromSeed(seed)
		if !bytes.Equal(k.Public, std.Public().(ed25519.PublicKey)) {
			t.Fatalf("seed %d: public key differs from crypto/ed25519", i)
		}
		msg := bytes.Repeat([]byte("m"), i*3)
		if got, want := k.Sign(msg), ed25519.Sign(std, msg); !bytes.Equal(got, want) {
			t.Fatalf("seed %d: signature differs from crypto/ed25519", i)
		}
		if !bytes.Equal(k.PrivateKey(), std) {
			t.Fatalf("seed %d: PrivateKey differs", i)
		}
	}
}

func TestGenerateLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "issuer.ed25519")
	kid, pub, err := Generate(path)
	if err != nil {
		t.Fatal(err)
	}
	if kid != KeyID(pub) || len(kid) != 16 {
		t.Fatalf("kid %q", kid)
	}
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + ".pub": 0o644} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	k, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.Public, pub) || k.ID != kid {
		t.Fatal("loaded key differs")
	}
	for _, p := range []string{path, path + ".pub"} {
		got, err := LoadPublic(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, pub) {
			t.Fatalf("%s: public key differs", p)
		}
	}
	msg := []byte("sha256:abc")
	if !ed25519.Verify(pub, msg, k.Sign(msg)) {
		t.Fatal("signature does not verify")
	}

	before, _ := os.ReadFile(path)
	_, _, err = Generate(path)
	if !errors.Is(err, ErrExist) {
		t.Fatalf("second Generate: %v, want ErrExist", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("Generate overwrote an existing key")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestLoadOrCreateRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k", "audit.ed25519")
	const n = 32
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := LoadOrCreate(path)
			errs[i] = err
			if err == nil {
				ids[i] = k.ID
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("goroutine %d got key %s, goroutine 0 got %s", i, ids[i], ids[0])
		}
	}
}

func TestParseErrors(t *testing.T) {
	good, _ := FromSeed(bytes.Repeat([]byte{1}, 32))
	other, _ := FromSeed(bytes.Repeat([]byte{2}, 32))
	for _, tc := range []struct {
		name, text string
		private    bool
	}{
		{"empty private", "", true},
		{"empty public", "", false},
		{"short seed", privPrefix + "AAAA\n", true},
		{"not base64", privPrefix + "!!!\n", true},
		{"duplicate", string(EncodePublic(good.Public)) + string(EncodePublic(good.Public)), false},
		{"public as private", string(EncodePublic(good.Public)), true},
		{"not a point", pubPrefix + "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", false},
		// "AQE=" spelled "AQF=": the unused low bits of the last character
		// set, the same 32 bytes with a lenient decoder
		{"public line of another key", privPrefix + "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n" + string(EncodePublic(other.Public)), true},
		{"public, unused base64 bits set", pubPrefix + respell(base64.StdEncoding.EncodeToString(good.Public)) + "\n", false},
		{"seed, unused base64 bits set", privPrefix + "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQF=\n", true},
		{"public, no padding", pubPrefix + strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(EncodePublic(good.Public))), pubPrefix), "=") + "\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.private {
				_, err = parsePrivate([]byte(tc.text))
			} else {
				_, err = ParsePublic([]byte(tc.text))
			}
			if err == nil {
				t.Fatal("want an error")
			}
		})
	}
	// The matching public line loads.
	if k, err := parsePrivate(EncodePrivate(good)); err != nil || !bytes.Equal(k.Public, good.Public) {
		t.Fatalf("own key file: %v", err)
	}
	// A private key file without the public line still loads.
	k, err := parsePrivate([]byte(privPrefix + "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"))
	if err != nil || !bytes.Equal(k.Public, good.Public) {
		t.Fatalf("seed-only file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big")
	os.WriteFile(big, bytes.Repeat([]byte("#"), maxFile+10), 0o600)
	if _, err := Load(big); err == nil {
		t.Fatal("oversize file loaded")
	}
}

// respell flips the lowest bit of the last base64 character before the
// padding: for 32 bytes that bit is unused, so a lenient decoder returns the
// same bytes.
func respell(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(s, '=') - 1
	return s[:i] + string(alphabet[strings.IndexByte(alphabet, s[i])^1]) + s[i+1:]
}

func FuzzParsePublic(f *testing.F) {
	k, _ := FromSeed(bytes.Repeat([]byte{2}, 32))
	f.Add(EncodePrivate(k))
	f.Add(EncodePublic(k.Public))
	f.Add([]byte("#\n\naport-ed25519-public:\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParsePublic(b)
		parsePrivate(b)
	})
}

// Steady-state signing cost.
func BenchmarkSign(b *testing.B) {
	k, _ := FromSeed(bytes.Repeat([]byte{3}, 32))
	msg := []byte("sha256:" + fmt.Sprintf("%064d", 0))
	b.Run("keys", func(b *testing.B) {
		for b.Loop() {
			k.Sign(msg)
		}
	})
	b.Run("crypto-ed25519", func(b *testing.B) {
		priv := k.PrivateKey()
		for b.Loop() {
			ed25519.Sign(priv, msg)
		}
	})
}

// BenchmarkLoad is reading a private key file, which derives the public key
// from the seed to check the file's public line.
func BenchmarkLoad(b *testing.B) {
	path := filepath.Join(b.TempDir(), "k")
	if _, _, err := Generate(path); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}
