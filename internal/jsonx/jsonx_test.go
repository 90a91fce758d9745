package jsonx

import (
	"encoding/json"
	"testing"
)

func TestCheckDuplicates(t *testing.T) {
	for doc, ok := range map[string]bool{
		`{"a":1,"b":{"a":2}}`:     true,
		`[{"a":1},{"a":1}]`:       true,
		`{"a":1,"a":2}`:           false,
		`{"x":{"k":1,"k":1}}`:     false,
		`[{"a":[{"b":1,"b":2}]}]`: false,
		`{"a":1} {"b":2}`:         false,
		`{"a":`:                   false,
		`"s"`:                     true,
		`{"\u0061":1,"a":2}`:      false,
	} {
		if err := CheckDuplicates([]byte(doc)); (err == nil) != ok {
			t.Errorf("%s: err=%v", doc, err)
		}
	}
}

func FuzzCheckDuplicates(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[1,2,{"c":null}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if CheckDuplicates(b) == nil && !json.Valid(b) {
			t.Fatalf("accepted invalid JSON %q", b)
		}
	})
}
