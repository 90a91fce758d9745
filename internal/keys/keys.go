// Package keys stores Ed25519 key pairs in aport's small text format and
// signs with them quickly.
//
// A private key file holds the 32-byte seed and the public key (loading
// derives the public key from the seed and refuses a file whose public line
// differs):
//
//	# aport Ed25519 private key, kid 3f2a9c0d5e6b7a81. Keep this file secret.
//	aport-ed25519-private:<base64 seed>
//	aport-ed25519-public:<base64 public key>
//
// and the public key file (PATH.pub) holds the last line alone. A key id
// (kid) is the first 16 hex digits of SHA-256 over the 32-byte public key.
//
// Signing goes through filippo.io/edwards25519 with a constant-time
// variable-base scalar multiplication of the base point instead of
// crypto/ed25519, whose first signature in a process first builds a
// base-point table (milliseconds, in a hook that runs once per tool call).
// Signatures are plain RFC 8032 Ed25519 and verify with crypto/ed25519.
//
// This package does not decide which keys are trusted, and it does not
// verify signatures: callers use crypto/ed25519.Verify.
package keys

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"filippo.io/edwards25519"

	"github.com/aporthq/aport/internal/fsx"
)

const (
	privPrefix = "aport-ed25519-private:"
	pubPrefix  = "aport-ed25519-public:"
	maxFile    = 4096
)

// ErrExist is returned by Generate when the key file already exists.
var ErrExist = fs.ErrExist

// Key is an Ed25519 key pair loaded from a private key file.
type Key struct {
	Seed   []byte            // 32 bytes
	Public ed25519.PublicKey // 32 bytes
	ID     string            // KeyID(Public)

	once   sync.Once
	s      edwards25519.Scalar // the clamped secret scalar
	prefix [32]byte            // the nonce prefix (second half of SHA-512(seed))
}

// KeyID is the key id of a public key: the first 16 hex digits of SHA-256
// over the 32 raw bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// PrivateKey returns the key in crypto/ed25519's form (seed || public).
func (k *Key) PrivateKey() ed25519.PrivateKey {
	p := make([]byte, 0, ed25519.PrivateKeySize)
	p = append(p, k.Seed...)
	return append(p, k.Public...)
}

func (k *Key) expand() {
	h := sha512.Sum512(k.Seed)
	if _, err := k.s.SetBytesWithClamping(h[:32]); err != nil {
		panic("keys: SetBytesWithClamping: " + err.Error()) // cannot happen: the input is 32 bytes
	}
	copy(k.prefix[:], h[32:])
}

// Sign returns the RFC 8032 Ed25519 signature of msg. It is equal, byte for
// byte, to ed25519.Sign(k.PrivateKey(), msg).
func (k *Key) Sign(msg []byte) []byte {
	k.once.Do(k.expand)
	var digest [64]byte

	h := sha512.New()
	h.Write(k.prefix[:])
	h.Write(msg)
	r, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0]))
	if err != nil {
		panic("keys: SetUniformBytes: " + err.Error()) // cannot happen: the input is 64 bytes
	}
	// r·B with the constant-time variable-base multiplication: it needs no
	// precomputed table, so the first signature in a process is as fast as
	// the next (see docs/audit.md for the figures).
	R := new(edwards25519.Point).ScalarMult(r, edwards25519.NewGeneratorPoint())
	var sig [64]byte
	copy(sig[:32], R.Bytes())

	h.Reset()
	h.Write(sig[:32])
	h.Write(k.Public)
	h.Write(msg)
	kh, err := edwards25519.NewScalar().SetUniformBytes(h.Sum(digest[:0]))
	if err != nil {
		panic("keys: SetUniformBytes: " + err.Error())
	}
	S := edwards25519.NewScalar().MultiplyAdd(kh, &k.s, r)
	copy(sig[32:], S.Bytes())
	return sig[:]
}

// publicFromSeed derives the public key the same way Sign computes R, so key
// generation does not pay for crypto/ed25519's base-point table either.
func publicFromSeed(seed []byte) ed25519.PublicKey {
	h := sha512.Sum512(seed)
	s, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		panic("keys: SetBytesWithClamping: " + err.Error())
	}
	return new(edwards25519.Point).ScalarMult(s, edwards25519.NewGeneratorPoint()).Bytes()
}

// FromSeed builds a key from a 32-byte seed.
func FromSeed(seed []byte) (*Key, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("an Ed25519 seed is %d bytes, got %d", ed25519.SeedSize, len(seed))
	}
	pub := publicFromSeed(seed)
	return &Key{Seed: bytes.Clone(seed), Public: pub, ID: KeyID(pub)}, nil
}

// EncodePrivate is the private key file's content.
func EncodePrivate(k *Key) []byte {
	return fmt.Appendf(nil, "# aport Ed25519 private key, kid %s. Keep this file secret.\n%s%s\n%s%s\n",
		k.ID, privPrefix, base64.StdEncoding.EncodeToString(k.Seed), pubPrefix, base64.StdEncoding.EncodeToString(k.Public))
}

// EncodePublic is the public key file's content.
func EncodePublic(pub ed25519.PublicKey) []byte {
	return fmt.Appendf(nil, "%s%s\n", pubPrefix, base64.StdEncoding.EncodeToString(pub))
}

// Generate creates a new key pair: the private key at path (0600, in a
// directory created 0700 if missing) and the public key at path+".pub"
// (0644). It never overwrites a private key: if path exists it returns an
// error that wraps ErrExist.
func Generate(path string) (kid string, pub ed25519.PublicKey, err error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := io.ReadFull(rand.Reader, seed); err != nil {
		return "", nil, fmt.Errorf("generate key: %w", err)
	}
	k, err := FromSeed(seed)
	if err != nil {
		return "", nil, err
	}
	if err := createExclusive(path, EncodePrivate(k)); err != nil {
		return "", nil, err
	}
	if err := writePublic(path+".pub", k.Public); err != nil {
		return "", nil, err
	}
	return k.ID, k.Public, nil
}

// createExclusive publishes data at path only if path does not exist, and
// only complete: the bytes go to a temporary file created O_EXCL 0600 in the
// same directory, are synced, and are then hard-linked to path (link fails
// if path exists). A reader never sees a half-written key. On file systems
// without hard links it falls back to O_CREATE|O_EXCL on path itself.
func createExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create key directory %s: %w", dir, err)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("key file %s: %w", path, ErrExist)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := writeSync(tmp, data); err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	if err := os.Link(name, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("key file %s: %w", path, ErrExist)
		}
		var le *os.LinkError
		if !errors.As(err, &le) || !(errors.Is(le.Err, syscall.EPERM) || errors.Is(le.Err, syscall.ENOTSUP) || errors.Is(le.Err, syscall.EXDEV) || errors.Is(le.Err, syscall.EMLINK)) {
			return fmt.Errorf("write key %s: %w", path, err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("write key %s: %w", path, err)
		}
		if err := writeSync(f, data); err != nil {
			return fmt.Errorf("write key %s: %w", path, err)
		}
	}
	syncDir(dir)
	return nil
}

func writeSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// writePublic replaces path with the public key (0644), atomically.
func writePublic(path string, pub ed25519.PublicKey) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write public key %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name)
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write public key %s: %w", path, err)
	}
	if err := writeSync(tmp, EncodePublic(pub)); err != nil {
		return fmt.Errorf("write public key %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("write public key %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// Load reads a private key file.
func Load(path string) (*Key, error) {
	b, err := readSmall(path)
	if err != nil {
		return nil, err
	}
	k, err := parsePrivate(b)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreate loads the private key at path, generating it first if it does
// not exist. When several processes create it at once, one wins and the
// others load the winner's key.
func LoadOrCreate(path string) (*Key, error) {
	k, err := Load(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if _, _, err := Generate(path); err != nil && !errors.Is(err, ErrExist) {
		return nil, err
	}
	// Either we created it or another process did; with the hard-link
	// publication the file is complete. The O_EXCL fallback can expose a
	// file still being written, so retry a parse failure briefly.
	for i := 0; ; i++ {
		k, err = Load(path)
		if err == nil || i >= 20 || errors.Is(err, fs.ErrNotExist) {
			return k, err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// LoadPublic reads a public key: a PATH.pub file, a private key file (its
// public line), or a file holding the bare base64 of the 32-byte key.
func LoadPublic(path string) (ed25519.PublicKey, error) {
	b, err := readSmall(path)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublic(b)
	if err != nil {
		return nil, fmt.Errorf("public key file %s: %w", path, err)
	}
	return pub, nil
}

// ParsePublic parses the content of a public or private key file.
func ParsePublic(b []byte) (ed25519.PublicKey, error) {
	fields, err := parseFields(b)
	if err != nil {
		return nil, err
	}
	v, ok := fields[pubPrefix]
	if !ok {
		if bare, ok := fields[""]; ok {
			v = bare
		} else {
			return nil, fmt.Errorf("no %q line", pubPrefix)
		}
	}
	pub, err := decode32(v)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if _, err := new(edwards25519.Point).SetBytes(pub); err != nil {
		return nil, fmt.Errorf("public key: not a point on Ed25519")
	}
	return ed25519.PublicKey(pub), nil
}

func parsePrivate(b []byte) (*Key, error) {
	fields, err := parseFields(b)
	if err != nil {
		return nil, err
	}
	sv, ok := fields[privPrefix]
	if !ok {
		return nil, fmt.Errorf("not an aport private key (no %q line)", privPrefix)
	}
	seed, err := decode32(sv)
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	// The public key is always derived from the seed, and the signer uses the
	// derived one: a public line that does not match the seed would give
	// signatures that verify with no key. One variable-base scalar
	// multiplication, as in Sign (no base-point table).
	k, err := FromSeed(seed)
	if err != nil {
		return nil, err
	}
	pv, ok := fields[pubPrefix]
	if !ok {
		return k, nil // an older or hand-written file: the seed alone
	}
	pub, err := decode32(pv)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if !bytes.Equal(pub, k.Public) {
		return nil, fmt.Errorf("the %q line (kid %s) is not the public key of the seed in the same file (kid %s): the file was edited or mixed up with another key; restore it, or move it aside so a new key is created", pubPrefix, KeyID(pub), k.ID)
	}
	return k, nil
}

// parseFields reads "prefix:value" lines; comments (#) and blank lines are
// skipped; a line without a known prefix is stored under "".
func parseFields(b []byte) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key := ""
		for _, p := range []string{privPrefix, pubPrefix} {
			if v, ok := strings.CutPrefix(line, p); ok {
				key, line = p, v
			}
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("more than one %q line", key)
		}
		out[key] = line
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func decode32(s string) ([]byte, error) {
	b, err := DecodeBase64(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("want 32 bytes, got %d", len(b))
	}
	return b, nil
}

// DecodeBase64 decodes standard, padded base64 and accepts only the one
// spelling EncodeToString gives for the bytes: no line breaks, and the
// unused low bits of the last character zero. encoding/base64 alone ignores
// both, so two different strings would decode to the same key or signature.
func DecodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("not base64 in its canonical spelling")
	}
	return b, nil
}

func readSmall(path string) ([]byte, error) {
	// Opened without blocking, and only a regular file is read: a FIFO in
	// place of a key would otherwise hang the caller.
	f, err := fsx.OpenRegular(path, os.O_RDONLY, 0)
	if errors.Is(err, fsx.ErrNotRegular) {
		return nil, fmt.Errorf("read key %s: not a regular file", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("read key %s: %w", path, err)
	}
	if len(b) > maxFile {
		return nil, fmt.Errorf("key file %s: larger than %d bytes, not a key", path, maxFile)
	}
	return b, nil
}
