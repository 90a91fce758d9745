package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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
	f.Add([]byte(`{"a":1,"\u0061":2}`))
	f.Add([]byte(`[{"k":"\"","k":0}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := CheckDuplicates(b), reference(b)
		if (got == nil) != (want == nil) {
			t.Fatalf("%q: scanner says %v, decoder says %v", b, got, want)
		}
	})
}

func TestCheckDuplicatesManyKeysAndDepth(t *testing.T) {
	if err := CheckDuplicates([]byte(`{"a":"x\"y","b":"\\","c":{"a":1}}`)); err != nil {
		t.Fatal(err)
	}
	deep := make([]byte, 0, 600)
	for i := 0; i < 300; i++ {
		deep = append(deep, '[')
	}
	for i := 0; i < 300; i++ {
		deep = append(deep, ']')
	}
	if CheckDuplicates(deep) == nil {
		t.Fatal("300 levels accepted")
	}
}

// reference is the token-by-token check the scanner must agree with.
func reference(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := walk(dec, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

func walk(dec *json.Decoder, depth int) error {
	if depth > maxDepth {
		return errors.New("too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if d == '{' {
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			if seen[k] {
				return errors.New("duplicate")
			}
			seen[k] = true
			if err := walk(dec, depth+1); err != nil {
				return err
			}
		}
	} else {
		for dec.More() {
			if err := walk(dec, depth+1); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token()
	return err
}
