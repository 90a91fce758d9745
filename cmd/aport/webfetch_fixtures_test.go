package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebFetchFixtures decides the Claude Code WebFetch fixtures of
// testdata/hosts with the dev preset's passport and with a passport that
// grants web.fetch without any limit: the docs page is allowed, the cloud
// metadata address is denied either way.
func TestWebFetchFixtures(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"HOME":            filepath.Join(dir, "home"),
		"APORT_HOME":      filepath.Join(dir, "home", ".aport"),
		"APORT_AUDIT_LOG": filepath.Join(dir, "audit.jsonl"),
		"APORT_STATE_DIR": filepath.Join(dir, "state"),
		"USER":            "dev",
	}
	getenv := func(k string) string { return env[k] }
	var out, errb bytes.Buffer
	if code := run([]string{"passport", "init", "--preset", "dev", "--yes"}, strings.NewReader(""), &out, &errb, getenv); code != 0 {
		t.Fatalf("passport init: exit %d %s", code, errb.String())
	}
	dev := filepath.Join(dir, "home", ".aport", "passport.json")
	open := filepath.Join(dir, "open.json")
	if err := os.WriteFile(open, []byte(`{"passport_id":"p-open","owner_id":"o","capabilities":["web.fetch"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fixture, passport string
		code              int
		want              []string
	}{
		{"webfetch.json", dev, 0, []string{`"permissionDecision":"allow"`, "allowed by web.fetch.v1"}},
		{"webfetch.json", open, 0, []string{`"permissionDecision":"allow"`}},
		{"webfetch-metadata.json", dev, 2, []string{`"permissionDecision":"deny"`, "oap.private_ip_blocked", "cloud metadata service address 169.254.169.254"}},
		{"webfetch-metadata.json", open, 2, []string{`"permissionDecision":"deny"`, "oap.private_ip_blocked"}},
	}
	for _, tc := range cases {
		payload, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hosts", "claude-code", tc.fixture))
		if err != nil {
			t.Fatal(err)
		}
		out.Reset()
		errb.Reset()
		code := run([]string{"eval", "--passport", tc.passport}, bytes.NewReader(payload), &out, &errb, getenv)
		if code != tc.code {
			t.Errorf("%s with %s: exit %d, want %d; stdout %s stderr %s", tc.fixture, filepath.Base(tc.passport), code, tc.code, out.String(), errb.String())
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s with %s: stdout %s lacks %s", tc.fixture, filepath.Base(tc.passport), out.String(), w)
			}
		}
	}
}
