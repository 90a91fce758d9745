package presets

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestWizard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers string
		check   func(t *testing.T, o Options, prompts string)
		wantErr string
	}{
		{"all defaults", "\n\n\n\n\n\n\n\n", func(t *testing.T, o Options, prompts string) {
			if o.Preset != "dev" || o.Name != "Coding agent (dev)" || o.Owner != "alice" || o.Expires != "90d" {
				t.Errorf("%+v", o)
			}
			if !slices.Equal(o.Capabilities, []string{"data.file.read", "data.file.write", "system.command.execute", "web.fetch", "web.search", "agent.session.create"}) {
				t.Errorf("caps %v", o.Capabilities)
			}
			for _, p := range []string{"Preset [dev]: ", "Agent name [Coding agent (dev)]: ", "Owner (a person, team or org id) [alice]: ", "Expires (90d, an RFC 3339 time, or never) [90d]: ", "Extra domains"} {
				if !strings.Contains(prompts, p) {
					t.Errorf("prompt %q missing from:\n%s", p, prompts)
				}
			}
		}, ""},
		{"answers", "strict\nReviewer\nteam-a\ndata.file.read, system.command.execute\ndocker ps, make lint\nsrc/**\n2030-01-01T00:00:00Z\n", func(t *testing.T, o Options, prompts string) {
			if o.Preset != "strict" || o.Name != "Reviewer" || o.Owner != "team-a" || o.Expires != "2030-01-01T00:00:00Z" {
				t.Errorf("%+v", o)
			}
			if !slices.Equal(o.ExtraCommands, []string{"docker ps", "make lint"}) || !slices.Equal(o.ExtraPaths, []string{"src/**"}) || o.ExtraDomains != nil {
				t.Errorf("extras %+v", o)
			}
			if strings.Contains(prompts, "Extra domains") {
				t.Error("asked for domains without web.fetch")
			}
			if _, _, err := Build(o); err != nil {
				t.Errorf("Build: %v", err)
			}
		}, ""},
		{"bad answers are asked again", "yolo\nci\n\n\nfs.delete\ndata.file.read\nsoon\nnever\n", func(t *testing.T, o Options, prompts string) {
			if o.Preset != "ci" || o.Expires != "never" || !slices.Equal(o.Capabilities, []string{"data.file.read"}) {
				t.Errorf("%+v", o)
			}
			if strings.Count(prompts, "Preset [") != 2 || !strings.Contains(prompts, `no preset "yolo"`) || !strings.Contains(prompts, `unknown capability "fs.delete"`) {
				t.Errorf("prompts:\n%s", prompts)
			}
		}, ""},
		{"last line without newline", "\n\n\n\n\n\n\nnever", func(t *testing.T, o Options, _ string) {
			if o.Expires != "never" {
				t.Errorf("%+v", o)
			}
		}, ""},
		{"input ends", "dev\n", nil, ErrInputEnded.Error()},
		{"no input", "", nil, ErrInputEnded.Error()},
		{"keeps failing", strings.Repeat("nope\n", 10), nil, `no preset "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out strings.Builder
			o, err := Wizard(strings.NewReader(tt.answers), &out, Options{Owner: "alice", Now: now})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o, out.String())
		})
	}
	if _, err := Wizard(strings.NewReader(""), &strings.Builder{}, Options{}); !errors.Is(err, ErrInputEnded) {
		t.Errorf("error %v", err)
	}
}
