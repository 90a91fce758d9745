package presets

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aporthq/aport/internal/passport"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func mustBuild(t *testing.T, o Options) *passport.Passport {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = now
	}
	b, _, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := passport.Parse(b, "test")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func list(t *testing.T, p *passport.Passport, c, name string) []string {
	t.Helper()
	v, _ := p.Limits(c).Strings(name)
	return v
}

func TestPresetsBuildValidPassports(t *testing.T) {
	t.Parallel()
	if got := Names(); !slices.Equal(got, []string{"ci", "dev", "strict"}) {
		t.Fatalf("Names() = %v", got)
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, sum, err := Build(Options{Preset: name, Owner: "alice", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			p, err := passport.Parse(b, name)
			if err != nil {
				t.Fatal(err)
			}
			if p.SpecVersion != "oap/1.0" || p.Status != "active" || p.Assurance != "L1" || p.OwnerID != "alice" || p.Version != "1.0.0" {
				t.Errorf("header: %+v", p)
			}
			if p.Name != "Coding agent ("+name+")" {
				t.Errorf("name %q", p.Name)
			}
			if !p.ExpiresAt.Equal(now.AddDate(0, 0, 90)) {
				t.Errorf("expires %v", p.ExpiresAt)
			}
			if sum.ID != p.ID || !strings.Contains(sum.String(), name+" preset") {
				t.Errorf("summary %q", sum)
			}
			var top map[string]any
			json.Unmarshal(b, &top)
			for _, k := range []string{"created_at", "updated_at"} {
				if top[k] != "2026-12-01T10:00:00Z" {
					t.Errorf("%s = %v", k, top[k])
				}
			}
		})
	}
}

func TestPresetContents(t *testing.T) {
	t.Parallel()
	strict := mustBuild(t, Options{Preset: "strict", Owner: "o"})
	if !slices.Equal(strict.Capabilities(), []string{"data.file.read"}) {
		t.Errorf("strict grants %v", strict.Capabilities())
	}
	dev := mustBuild(t, Options{Preset: "dev", Owner: "o"})
	allowed := list(t, dev, "system.command.execute", "allowed_commands")
	for _, c := range []string{"git status", "git diff", "git log", "git show", "git add", "git commit", "git branch", "git checkout", "git switch", "git stash", "git fetch", "git pull", "git rev-parse", "go test", "go build", "npm test", "pnpm test", "yarn test", "cargo test", "cargo build", "make", "pytest", "ls", "cat", "grep", "rg", "find", "head", "tail", "wc", "diff", "sort", "uniq", "echo", "pwd", "which"} {
		if !slices.Contains(allowed, c) {
			t.Errorf("dev does not allow %q", c)
		}
	}
	for _, c := range []string{"git push", "rm", "curl", "sudo", "npm publish", "*"} {
		if slices.Contains(allowed, c) {
			t.Errorf("dev allows %q", c)
		}
	}
	denied := list(t, dev, "system.command.execute", "denied_commands")
	for _, c := range []string{"git push --force", "git push -f", "git push --force-with-lease", "npm publish", "cargo publish", "twine upload", "gh release create", "git reset --hard", "git clean -f", "rm -r -f"} {
		if !slices.Contains(denied, c) {
			t.Errorf("dev does not deny %q", c)
		}
	}
	for _, d := range []string{"pkg.go.dev", "docs.python.org", "developer.mozilla.org", "docs.rs", "www.npmjs.com"} {
		if !slices.Contains(list(t, dev, "web.fetch", "allowed_domains"), d) {
			t.Errorf("dev does not allow fetching %s", d)
		}
	}
	if !slices.Contains(list(t, dev, "data.file.read", "denied_paths"), "**/.env") {
		t.Error("dev reads .env")
	}
	ci := mustBuild(t, Options{Preset: "ci", Owner: "o"})
	if ci.Has("web.fetch") || ci.Has("web.search") {
		t.Error("ci fetches from the network")
	}
	for _, p := range list(t, ci, "data.file.write", "allowed_paths") {
		if p == "**" || strings.HasPrefix(p, "src") {
			t.Errorf("ci writes %s", p)
		}
	}
}

func TestBuildOptions(t *testing.T) {
	t.Parallel()
	p := mustBuild(t, Options{Preset: "strict", Owner: "o", Name: "Reviewer", Capabilities: []string{"data.file.read", "system.command.execute", "web.fetch"},
		ExtraCommands: []string{"docker compose ps", "ls"}, ExtraPaths: []string{"~/notes/**"}, ExtraDomains: []string{"api.example.com"}, Expires: "never", ID: "11111111-2222-4333-8444-555555555555"})
	if p.Name != "Reviewer" || p.ID != "11111111-2222-4333-8444-555555555555" || !p.ExpiresAt.IsZero() {
		t.Errorf("%+v", p)
	}
	cmds := list(t, p, "system.command.execute", "allowed_commands")
	if !slices.Contains(cmds, "docker compose ps") || !slices.Contains(cmds, "git status") {
		t.Errorf("commands: a capability strict lacks gets dev's limits plus the extras: %v", cmds)
	}
	if n := strings.Count(strings.Join(cmds, "\n"), "\nls\n"); n > 1 {
		t.Error("duplicate ls")
	}
	if !slices.Contains(list(t, p, "data.file.read", "allowed_paths"), "~/notes/**") {
		t.Error("extra path missing")
	}
	if !slices.Contains(list(t, p, "web.fetch", "allowed_domains"), "api.example.com") {
		t.Error("extra domain missing")
	}

	bad := []struct {
		name string
		o    Options
		want string
	}{
		{"no owner", Options{Preset: "dev"}, "owner"},
		{"unknown preset", Options{Preset: "yolo", Owner: "o"}, `no preset "yolo"`},
		{"unknown capability", Options{Preset: "dev", Owner: "o", Capabilities: []string{"data.file.delete"}}, "unknown capability"},
		{"no capability", Options{Preset: "dev", Owner: "o", Capabilities: []string{}}, "at least one"},
		{"commands without the capability", Options{Preset: "strict", Owner: "o", ExtraCommands: []string{"ls"}}, "need system.command.execute"},
		{"domains without the capability", Options{Preset: "ci", Owner: "o", ExtraDomains: []string{"x.org"}}, "need web.fetch"},
		{"bad expiry", Options{Preset: "dev", Owner: "o", Expires: "soon"}, "expiry"},
	}
	for _, b := range bad {
		b.o.Now = now
		var oe *OptionError
		if _, _, err := Build(b.o); err == nil || !strings.Contains(err.Error(), b.want) || !errors.As(err, &oe) {
			t.Errorf("%s: error %v, want %q", b.name, err, b.want)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"90d", now.AddDate(0, 0, 90), true},
		{"1d", now.AddDate(0, 0, 1), true},
		{"never", time.Time{}, true},
		{"2027-07-01T00:00:00Z", time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC), true},
		{"2027-07-01T02:00:00+02:00", time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC), true},
		{"2020-01-01T00:00:00Z", time.Time{}, false},
		{"0d", time.Time{}, false},
		{"-3d", time.Time{}, false},
		{"99999d", time.Time{}, false},
		{"90", time.Time{}, false},
		{"2027-07-01", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := ParseExpiry(tt.in, now)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ParseExpiry(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestNewID(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id, err := NewID()
		if err != nil || !re.MatchString(id) || seen[id] {
			t.Fatalf("NewID() = %q, %v", id, err)
		}
		seen[id] = true
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "new", ".aport", "passport.json")
	if err := Write(path, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode().Perm())
	}
	if err := Write(path, []byte("two"), false); !errors.Is(err, ErrExists) {
		t.Fatalf("overwrite without force: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Fatal("overwritten without force")
	}
	os.Chmod(path, 0o644)
	if err := Write(path, []byte("two"), true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Fatal("not overwritten with force")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after force %v", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(filepath.Dir(path))
	if len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

// TestExampleIsTheDevPreset keeps examples/dev-passport.json, which
// `make test` runs examples/dev-tests.yaml against, in step with the dev
// preset that `aport passport init` writes.
func TestExampleIsTheDevPreset(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "dev-passport.json"))
	if err != nil {
		t.Fatal(err)
	}
	var example struct {
		Capabilities []string                  `json:"capabilities"`
		Limits       map[string]map[string]any `json:"limits"`
	}
	if err := json.Unmarshal(b, &example); err != nil {
		t.Fatal(err)
	}
	dev, err := Get("dev")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(dev)
	var want struct {
		Capabilities []string                  `json:"capabilities"`
		Limits       map[string]map[string]any `json:"limits"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(example.Capabilities, want.Capabilities) || !reflect.DeepEqual(example.Limits, want.Limits) {
		t.Fatal("examples/dev-passport.json differs from the dev preset; regenerate it with `aport passport init --preset dev --yes --force --passport examples/dev-passport.json`")
	}
}
