package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aporthq/aport/internal/keys"
	"github.com/aporthq/aport/internal/passport"
)

// TestRemotePassportIssuerKey: with an issuer key configured, a passport
// served by a registry must carry a valid signature by that key, checked on
// every call: a registry (or anyone between it and aport) that serves a
// changed or unsigned document gets every call denied.
func TestRemotePassportIssuerKey(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "issuer.ed25519")
	if _, _, err := keys.Generate(keyPath); err != nil {
		t.Fatal(err)
	}
	k, err := keys.Load(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte(`{"spec_version":"oap/1.0","passport_id":"p-remote-signed","owner_id":"o","capabilities":["web.search"]}`)
	signed, err := passport.Sign(doc, k.PrivateKey(), k.ID)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	body, etag := signed, `"v1"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Write(body)
	}))
	defer srv.Close()
	serve := func(b []byte, tag string) {
		mu.Lock()
		body, etag = b, tag
		mu.Unlock()
	}

	env := evalEnv(t)
	eval := func(issuer bool) (int, string) {
		args := []string{"eval", "--passport", srv.URL + "/p.json", "--passport-ttl", "0s"}
		if issuer {
			args = append(args, "--issuer-key", keyPath+".pub")
		}
		var stdout, stderr bytes.Buffer
		code := run(args, strings.NewReader(searchPayload), &stdout, &stderr, env)
		return code, stdout.String() + stderr.String()
	}

	if code, out := eval(true); code != 0 {
		t.Fatalf("signed passport: exit %d: %s", code, out)
	}
	// one byte changed by the registry: the signature no longer holds
	serve(bytes.Replace(signed, []byte(`"web.search"`), []byte(`"web.fetch"`), 1), `"v2"`)
	if code, out := eval(true); code != 2 || !strings.Contains(out, "oap.passport_signature_invalid") {
		t.Fatalf("changed passport: exit %d: %s", code, out)
	}
	// unsigned
	serve(doc, `"v3"`)
	if code, out := eval(true); code != 2 || !strings.Contains(out, "oap.passport_signature_invalid") {
		t.Fatalf("unsigned passport: exit %d: %s", code, out)
	}
	// without an issuer key the same unsigned document is accepted
	if code, out := eval(false); code != 0 {
		t.Fatalf("unsigned passport, no issuer key: exit %d: %s", code, out)
	}
	// the signed one again, served from the cache after a 304
	serve(signed, `"v4"`)
	if code, out := eval(true); code != 0 {
		t.Fatalf("signed again: exit %d: %s", code, out)
	}
	if code, out := eval(true); code != 0 {
		t.Fatalf("signed, revalidated (304): exit %d: %s", code, out)
	}
}
