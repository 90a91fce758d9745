package pathx

import "strings"

// Secret says why a path is a built-in secret location.
type Secret struct {
	Rule  string // the list entry that matched, as documented: ".env*", ".ssh/", "*.pem", ...
	Index int    // the element of the path (split on "/") that makes it secret
}

// secretDirs are directories whose whole contents are secret, wherever they are.
var secretDirs = map[string]string{
	".ssh":            ".ssh/",
	".gnupg":          ".gnupg/",
	".password-store": ".password-store/",
}

// secretPairs are files secret only inside a particular directory; the
// directory is the element reported.
var secretPairs = map[string]map[string]string{
	".aws":                {"credentials": ".aws/credentials", "config": ".aws/config"},
	".docker":             {"config.json": ".docker/config.json"},
	".kube":               {"config": ".kube/config"},
	".config":             {"gcloud": ".config/gcloud/", "gh": ".config/gh/", "cursor": ".config/cursor/ (Cursor's login)", "Cursor": ".config/Cursor/ (Cursor's login)"},
	".cursor":             {"cli-config.json": ".cursor/cli-config.json (Cursor's login)"},
	"git":                 {"credentials": "git/credentials"},
	"application support": {"cursor": "Application Support/Cursor/ (Cursor's login)"},
	".azure":              {"accesstokens.json": ".azure/accessTokens.json", "msal_token_cache.json": ".azure/msal_token_cache.json"},
}

// secretFiles are file names secret anywhere.
var secretFiles = map[string]bool{
	".envrc": true, ".netrc": true, "_netrc": true, ".npmrc": true, ".pypirc": true,
	".git-credentials": true, ".pgpass": true, ".htpasswd": true, ".vault-token": true,
	".credentials.json": true, // Claude Code's own OAuth tokens (~/.claude/.credentials.json)
}

// envExamples are the .env files meant to be committed: not secret.
var envExamples = map[string]bool{
	".env.example": true, ".env.sample": true, ".env.template": true, ".env.dist": true,
}

// keyPrefixes are SSH private key names (and their .pub halves, which the
// list does not tell apart: name them in allowed_paths to read them).
var keyPrefixes = []string{"id_rsa", "id_ed25519", "id_ecdsa", "id_dsa"}

// secretExts are extensions of key and certificate-bundle files.
var secretExts = []string{".pem", ".key", ".p12", ".pfx"}

// IsSecret reports whether the absolute, cleaned path is, or is inside, a
// built-in secret location. Matching ignores case (macOS and Windows file
// systems do).
func IsSecret(abs string) (Secret, bool) {
	el := strings.Split(abs, "/")
	last := len(el) - 1
	for i, e := range el {
		if e == "" {
			continue
		}
		le := strings.ToLower(e)
		if rule, ok := secretDirs[le]; ok {
			return Secret{rule, i}, true
		}
		if files, ok := secretPairs[le]; ok && i < last {
			if rule, ok := files[strings.ToLower(el[i+1])]; ok {
				return Secret{rule, i}, true
			}
		}
		if i != last {
			continue
		}
		switch {
		case secretFiles[le]:
			return Secret{e, i}, true
		case le == ".env" || strings.HasPrefix(le, ".env.") && !envExamples[le]:
			return Secret{".env*", i}, true
		}
		for _, p := range keyPrefixes {
			if strings.HasPrefix(le, p) {
				return Secret{p + "*", i}, true
			}
		}
		for _, x := range secretExts {
			if strings.HasSuffix(le, x) && len(le) > len(x) {
				return Secret{"*" + x, i}, true
			}
		}
	}
	return Secret{}, false
}

// Probes returns abs with the secret element replaced by neutral names. An
// allow-list entry that still matches a probe matched through a wildcard,
// not because it names the secret.
func (s Secret) Probes(abs string) []string {
	el := strings.Split(abs, "/")
	if s.Index <= 0 || s.Index >= len(el) {
		return nil
	}
	out := make([]string, 0, 2)
	for _, name := range []string{"aport-probe", ".aport-probe"} {
		el[s.Index] = name
		out = append(out, strings.Join(el, "/"))
	}
	return out
}

// IsGitExec reports whether the absolute, cleaned path is a place git runs
// programs from: a file under a repository's hooks directory
// (.git/hooks/, .git/modules/NAME/hooks/), a repository's config, or the
// user's or system's git config, whose core.pager, core.fsmonitor,
// diff.external, filter and alias entries are commands. Writing there turns any allowed git command into any program.
// Index is the .git element. Matching ignores case.
func IsGitExec(abs string) (Secret, bool) {
	el := strings.Split(abs, "/")
	last := len(el) - 1
	// the user's and the system's git config: ~/.gitconfig, ~/.config/git/config, /etc/gitconfig
	switch {
	case strings.EqualFold(el[last], ".gitconfig"):
		return Secret{".gitconfig", last}, true
	case last >= 2 && strings.EqualFold(el[last], "config") && strings.EqualFold(el[last-1], "git") && strings.EqualFold(el[last-2], ".config"):
		return Secret{".config/git/config", last - 1}, true
	case abs == "/etc/gitconfig":
		return Secret{"/etc/gitconfig", last}, true
	}
	for i, e := range el {
		if !strings.EqualFold(e, ".git") {
			continue
		}
		if i == last {
			return Secret{".git", i}, true // a .git file points git at another directory
		}
		for j := i + 1; j <= last; j++ {
			switch {
			case strings.EqualFold(el[j], "hooks") && j < last:
				return Secret{".git/hooks/", i}, true
			case strings.EqualFold(el[j], "config") && j == last:
				return Secret{".git/config", i}, true
			case j == last && (strings.EqualFold(el[j], "commondir") || strings.EqualFold(el[j], "gitdir") || strings.EqualFold(el[j], "config.worktree")):
				return Secret{".git/" + strings.ToLower(el[j]), i}, true // they move where git reads its config
			}
		}
	}
	return Secret{}, false
}
