package passport

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gowebpki/jcs"

	"github.com/aporthq/aport/internal/keys"
)

// SigningBytes is what a passport signature covers: the RFC 8785 canonical
// form of the document without its signature and kid fields.
func SigningBytes(raw []byte) ([]byte, error) {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	delete(top, "signature")
	delete(top, "kid")
	b, err := json.Marshal(top)
	if err != nil {
		return nil, err
	}
	return jcs.Transform(b)
}

// Sign returns the document with "signature" ("ed25519:<base64>") and "kid"
// set, re-indented with two spaces and keys sorted.
func Sign(raw []byte, priv ed25519.PrivateKey, kid string) ([]byte, error) {
	msg, err := SigningBytes(raw)
	if err != nil {
		return nil, err
	}
	sig := ed25519.Sign(priv, msg)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), &top); err != nil {
		return nil, err
	}
	s, _ := json.Marshal("ed25519:" + base64.StdEncoding.EncodeToString(sig))
	k, _ := json.Marshal(kid)
	top["signature"], top["kid"] = s, k
	out, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// ErrUnsigned is a passport without a signature.
var ErrUnsigned = errors.New("the passport is not signed")

// VerifySignature checks the passport's signature against an issuer key.
func VerifySignature(p *Passport, pub ed25519.PublicKey) error {
	if p.Signature == "" {
		return ErrUnsigned
	}
	enc, ok := strings.CutPrefix(p.Signature, "ed25519:")
	if !ok {
		return fmt.Errorf("the signature is not of the form ed25519:<base64>")
	}
	sig, err := keys.DecodeBase64(enc)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("the signature is not a base64 Ed25519 signature")
	}
	msg, err := SigningBytes(p.Raw)
	if err != nil {
		return err
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, msg, sig) {
		return fmt.Errorf("the signature does not verify with the issuer key (the passport was changed after signing, or signed by another key)")
	}
	return nil
}
