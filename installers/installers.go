// Package installers holds the data that `aport install` and
// `aport passport init` write: the hook entry templates for each host and the
// passport presets. It is data only, embedded in the binary; the code that
// merges an entry into a host's configuration lives in internal/install, and
// the code that turns a preset into a passport in internal/presets.
package installers

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed claude-code.json cursor.json presets/*.json
var files embed.FS

// Hook returns the hook entry template of a host ("claude-code" or "cursor").
// The template is JSON with the string "{{command}}" where the hook command
// goes.
func Hook(host string) ([]byte, error) {
	if strings.ContainsAny(host, "/\\.") {
		return nil, fmt.Errorf("no hook template for %q", host)
	}
	b, err := files.ReadFile(host + ".json")
	if err != nil {
		return nil, fmt.Errorf("no hook template for %q", host)
	}
	return b, nil
}

// Preset returns the preset file with the given name (strict, dev, ci).
func Preset(name string) ([]byte, error) {
	if strings.ContainsAny(name, "/\\.") {
		return nil, fmt.Errorf("no preset %q", name)
	}
	b, err := files.ReadFile("presets/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("no preset %q", name)
	}
	return b, nil
}

// Presets lists the preset names, sorted.
func Presets() []string {
	ents, _ := files.ReadDir("presets")
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".json"))
	}
	return out
}
