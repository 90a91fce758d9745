package installers

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestData(t *testing.T) {
	for _, h := range []string{"claude-code", "cursor"} {
		b, err := Hook(h)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) || bytes.Count(b, []byte(`"{{command}}"`)) != 1 {
			t.Errorf("%s template: want valid JSON with one \"{{command}}\":\n%s", h, b)
		}
	}
	for _, bad := range []string{"vim", "../installers", "presets/dev"} {
		if _, err := Hook(bad); err == nil {
			t.Errorf("Hook(%q) succeeded", bad)
		}
	}
	names := Presets()
	if len(names) != 3 {
		t.Fatalf("Presets() = %v", names)
	}
	for _, n := range names {
		b, err := Preset(n)
		if err != nil || !json.Valid(b) {
			t.Errorf("preset %s: %v", n, err)
		}
	}
	if _, err := Preset("../claude-code"); err == nil {
		t.Error("Preset escaped its directory")
	}
}
