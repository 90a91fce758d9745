package packs

import (
	"strings"
	"testing"
)

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

func TestGeneratedIndexMatchesData(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(indexIDs) != len(all) {
		t.Fatalf("index has %d packs, data %d: run go generate ./packs", len(indexIDs), len(all))
	}
	for _, p := range all {
		i, ok := Lookup(p.ID)
		if !ok {
			t.Fatalf("%s missing from index_gen.go: run go generate ./packs", p.ID)
		}
		if i.Capability != p.Capability || i.MinAssurance != p.MinAssurance || strings.Join(i.Context, ",") != strings.Join(p.Context, ",") || len(i.Limits) != len(p.Limits) {
			t.Errorf("%s: index_gen.go is stale: run go generate ./packs", p.ID)
		}
		for n, l := range p.Limits {
			if il, ok := i.Limits[n]; !ok || il.Type != l.Type || il.Required != l.Required {
				t.Errorf("%s limit %s: index_gen.go is stale: run go generate ./packs", p.ID, n)
			}
		}
	}
}
