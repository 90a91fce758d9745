package packs

import "testing"

func TestIndexMatchesData(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(byCapability) {
		t.Fatalf("%d pack files, %d index entries", len(all), len(byCapability))
	}
	for _, p := range all {
		id, ok := ForCapability(p.Capability)
		if !ok || id != p.ID {
			t.Errorf("pack %s: capability %s maps to %q", p.ID, p.Capability, id)
		}
		if AssuranceRank(p.MinAssurance) < 0 {
			t.Errorf("pack %s: bad min_assurance %q", p.ID, p.MinAssurance)
		}
		for name, l := range p.Limits {
			switch l.Type {
			case "string_list", "int", "bool", "currency_limits":
			default:
				t.Errorf("pack %s limit %s: unknown type %q", p.ID, name, l.Type)
			}
			if l.Description == "" {
				t.Errorf("pack %s limit %s: no description", p.ID, name)
			}
		}
	}
}

func TestGetRejectsPaths(t *testing.T) {
	for _, id := range []string{"../go.mod", "x/y", "nope.v1"} {
		if _, err := Get(id); err == nil {
			t.Errorf("Get(%q) succeeded", id)
		}
	}
}
