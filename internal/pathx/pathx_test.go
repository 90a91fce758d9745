package pathx

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestAbsolute(t *testing.T) {
	cases := []struct{ raw, cwd, want string }{
		{"src/a.go", "/w", "/w/src/a.go"},
		{"/tmp/../etc/shadow", "/w", "/etc/shadow"},
		{"src/../../.ssh/id_rsa", "/home/dev/demo", "/home/dev/.ssh/id_rsa"},
		{"~/.env", "/w", "/home/dev/.env"},
		{"~", "/w", "/home/dev"},
		// off Windows, \ is part of a name and C: a relative name
		{`src\pkg\a.go`, "/w", `/w/src\pkg\a.go`},
		{`C:\Users\dev\a.go`, "/w", `/w/C:\Users\dev\a.go`},
		{"c:/x", "/w", "/w/c:/x"},
		{"../../../../..", "/w", "/"},
		{"a//b/./c/", "/w", "/w/a/b/c"},
	}
	for _, tc := range cases {
		got, err := Absolute(tc.raw, tc.cwd, "/home/dev")
		if err != nil || got != tc.want {
			t.Errorf("Absolute(%q, %q) = %q, %v; want %q", tc.raw, tc.cwd, got, err, tc.want)
		}
	}
	for _, raw := range []string{"", "a\x00b", "~root/.ssh", "~x"} {
		if got, err := Absolute(raw, "/w", "/home/dev"); err == nil {
			t.Errorf("Absolute(%q) = %q, want an error", raw, got)
		}
	}
	if _, err := Absolute("rel", "", "/h"); err == nil {
		t.Error("a relative path with no cwd must be an error")
	}
	if _, err := Absolute("~/x", "/w", ""); err == nil {
		t.Error("~ with no home must be an error")
	}
}

func TestNormalizeSymlinks(t *testing.T) {
	ws := t.TempDir()
	out := t.TempDir()
	mk := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mk(os.MkdirAll(filepath.Join(ws, "src", "deep"), 0o755))
	mk(os.Symlink(out, filepath.Join(ws, "src", "out")))
	mk(os.Symlink("../..", filepath.Join(ws, "src", "deep", "up")))
	mk(os.Symlink("loop2", filepath.Join(ws, "loop1")))
	mk(os.Symlink("loop1", filepath.Join(ws, "loop2")))
	// ws itself may sit under a symlinked temp dir
	realWS, err := filepath.EvalSymlinks(ws)
	mk(err)
	realOut, err := filepath.EvalSymlinks(out)
	mk(err)

	cases := []struct{ raw, written, real string }{
		{"src/out/x.txt", ws + "/src/out/x.txt", realOut + "/x.txt"},
		{"src/out/../y", ws + "/src/y", filepath.Dir(realOut) + "/y"},
		{"src/deep/up/z", ws + "/src/deep/up/z", realWS + "/z"},
		{"src/missing/a/b", ws + "/src/missing/a/b", realWS + "/src/missing/a/b"},
	}
	for _, tc := range cases {
		p, err := Normalize(tc.raw, ws, "/h")
		if err != nil {
			t.Fatalf("%s: %v", tc.raw, err)
		}
		real := p.Real
		if real == "" {
			real = p.Written
		}
		if p.Written != tc.written || real != tc.real {
			t.Errorf("%s: written %q real %q; want %q %q", tc.raw, p.Written, real, tc.written, tc.real)
		}
	}
	if _, err := Normalize("loop1/x", ws, "/h"); err == nil {
		t.Error("a symlink loop must be an error")
	}
}

func TestIsSecret(t *testing.T) {
	secret := []string{
		"/w/.env", "/w/.env.local", "/w/.ENV.production", "/h/.ssh/config", "/h/.SSH/known_hosts",
		"/h/.ssh", "/b/id_rsa", "/b/id_ed25519.pub", "/h/.aws/credentials", "/h/.netrc", "/w/.npmrc",
		"/c/server.pem", "/c/tls.KEY", "/h/.git-credentials", "/h/.docker/config.json", "/h/.kube/config",
		"/h/.gnupg/x", "/h/.config/gcloud/credentials.db", "/h/.envrc",
	}
	for _, p := range secret {
		if _, ok := IsSecret(p); !ok {
			t.Errorf("%s should be secret", p)
		}
	}
	plain := []string{
		"/w/.env.example", "/w/.env.sample", "/w/src/env.go", "/w/.environment/x", "/h/.aws/cli/cache.txt",
		"/w/docker/config.json", "/w/keys.go", "/w/.key", "/w/key", "/w/README.md", "/w/.envy",
	}
	for _, p := range plain {
		if s, ok := IsSecret(p); ok {
			t.Errorf("%s should not be secret (rule %s)", p, s.Rule)
		}
	}
}

func TestProbes(t *testing.T) {
	s, ok := IsSecret("/w/app/.env")
	if !ok {
		t.Fatal("not secret")
	}
	got := s.Probes("/w/app/.env")
	if len(got) != 2 || got[0] != "/w/app/aport-probe" || got[1] != "/w/app/.aport-probe" {
		t.Fatalf("probes %q", got)
	}
}

// FuzzNormalize: Normalize never panics; what it returns is absolute,
// clean, free of `..` and backslashes, and a secret found in the written
// form is found again after cleaning (the check is stable).
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"src/a.go", "../../etc/passwd", "~/.ssh/id_rsa", `C:\x\..\y`, "/tmp/../etc/shadow", "a\x00", "~root", ".env", "////", `\\server\share`} {
		f.Add(s, "/home/dev/demo")
	}
	f.Fuzz(func(t *testing.T, raw, cwd string) {
		p, err := Normalize(raw, cwd, "/home/dev")
		if err != nil {
			return
		}
		for _, form := range p.Both() {
			if !strings.HasPrefix(form, "/") || filepath.Clean(form) != form {
				t.Fatalf("%q -> %q is not absolute and clean", raw, form)
			}
			if runtime.GOOS == "windows" && strings.Contains(form, `\`) {
				t.Fatalf("%q -> %q keeps a backslash", raw, form)
			}
			for _, el := range strings.Split(form, "/") {
				if el == ".." {
					t.Fatalf("%q -> %q keeps ..", raw, form)
				}
			}
			if _, ok := IsSecret(form); ok {
				if _, again := IsSecret(filepath.Clean(form)); !again {
					t.Fatalf("secret check unstable for %q", form)
				}
			}
		}
	})
}

func TestIsGitExec(t *testing.T) {
	for p, want := range map[string]string{
		"/w/.git/hooks/pre-commit":             ".git/hooks/",
		"/w/.GIT/Hooks/post-checkout":          ".git/hooks/",
		"/w/.git/config":                       ".git/config",
		"/w/.git/modules/lib/hooks/pre-push":   ".git/hooks/",
		"/w/.git/modules/lib/config":           ".git/config",
		"/w/.git/worktrees/x/config":           ".git/config",
		"/w/.git/hooks":                        "", // the directory itself: its files are what runs
		"/w/.git/HEAD":                         "",
		"/w/hooks/pre-commit":                  "",
		"/w/config":                            "",
		"/w/.github/workflows/ci.yml":          "",
		"/w/src/.gitignore":                    "",
		"/w/.git/refs/heads/main":              "",
		"/w/.git/objects/ab/cdef":              "",
		"/w/.git/info/exclude":                 "",
		"/w/.git/modules/lib/hooks/pre-commit": ".git/hooks/",
		"/home/u/.gitconfig":                   ".gitconfig",
		"/home/u/.config/git/config":           ".config/git/config",
		"/etc/gitconfig":                       "/etc/gitconfig",
		"/home/u/.config/app/config":           "",
		"/w/.git/commondir":                    ".git/commondir",
		"/w/.git/worktrees/x/gitdir":           ".git/gitdir",
		"/w/.git/config.worktree":              ".git/config.worktree",
		"/w/sub/.git":                          ".git",
	} {
		s, ok := IsGitExec(p)
		if got := map[bool]string{true: s.Rule}[ok]; got != want {
			t.Errorf("IsGitExec(%s) = %q, want %q", p, got, want)
		}
		if el := strings.Split(p, "/"); ok && !strings.EqualFold(el[s.Index], ".git") && !strings.HasPrefix(s.Rule, ".gitconfig") && s.Rule != ".config/git/config" && s.Rule != "/etc/gitconfig" {
			t.Errorf("IsGitExec(%s): index %d is not the .git element", p, s.Index)
		}
	}
}

func TestKernel(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "a", "b", "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a", "b", "c"), filepath.Join(dir, "abs")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a/b", filepath.Join(dir, "rel")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ p, cwd, want string }{
		{dir + "/abs/../x", "", dir + "/a/b/x"},             // .. climbs the target
		{dir + "/abs/../../../x", "", dir + "/x"},           // lexically: the parent of dir
		{dir + "/rel/../x", "", dir + "/a/x"},               // a relative target
		{dir + "/missing/../x", "", dir + "/x"},             // past a missing name: as written
		{"/proc/self/cwd/../x", "/w/proj", "/w/x"},          // the shell's working directory
		{"/proc/thread-self/cwd/y", "/w/proj", "/w/proj/y"}, // the same, per thread
		{"/proc/self/root" + dir + "/abs/..", "", dir + "/a/b"},
	} {
		got, ok := Kernel(tc.p, tc.cwd, nil)
		if !ok || got != tc.want {
			t.Errorf("Kernel(%q, %q) = %q, %v; want %q", tc.p, tc.cwd, got, ok, tc.want)
		}
	}
	// links the command makes count as if they existed
	made := map[string]string{dir + "/q": dir + "/a/b", dir + "/u": ""}
	if got, ok := Kernel(dir+"/q/../x", "", made); !ok || got != dir+"/a/x" {
		t.Errorf("Kernel through a made link = %q, %v; want %q", got, ok, dir+"/a/x")
	}
	if got, ok := Kernel(dir+"/u/x", "", made); ok {
		t.Errorf("Kernel through a made link to an unknown place = %q, want not followed", got)
	}
	// what leads into a process's own view cannot be followed
	for _, p := range []string{"/proc/self/fd/1/x", "/proc/self/exe/..", "/proc/1/cwd/x", "/proc/self/cwd/x"} {
		if got, ok := Kernel(p, "", nil); ok {
			t.Errorf("Kernel(%q) = %q, want not followed", p, got)
		}
	}
}

// TestNormalizeCleanedForm: a host that cleans link/../x before opening it
// opens x, whose own symlink the kernel's order never meets; that place is
// a form of its own.
func TestNormalizeCleanedForm(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("k"), 0o600)
	os.MkdirAll(filepath.Join(dir, "ws", "a", "b"), 0o755)
	os.Symlink(filepath.Join(dir, "ws", "a", "b"), filepath.Join(dir, "ws", "link"))
	os.Symlink(secret, filepath.Join(dir, "ws", "x"))
	p, err := Normalize("link/../x", filepath.Join(dir, "ws"), "/home/dev")
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(secret)
	if !slices.Contains(p.Both(), real) {
		t.Fatalf("forms %q lack %s, what the host opens", p.Both(), real)
	}
	if !slices.Contains(p.Both(), filepath.Join(dir, "ws", "a", "x")) {
		t.Fatalf("forms %q lack the kernel's place", p.Both())
	}
}
