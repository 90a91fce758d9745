// Package jsonx holds the small JSON checks aport applies to untrusted
// documents before decoding them: the standard decoder keeps the last of
// duplicate keys, which would let a payload or passport say one thing to one
// reader and another thing to the next.
package jsonx

import (
	"encoding/json"
	"errors"
	"fmt"
)

const maxDepth = 256

// CheckDuplicates returns an error if the document is not a single valid JSON
// value or if any object in it repeats a key (compared after unescaping).
//
// It is a byte scanner over a document json.Valid has accepted: the hook
// calls it on every payload and passport, and a token-by-token decoder costs
// several times more in a fresh process.
func CheckDuplicates(b []byte) error {
	if !json.Valid(b) {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		return errors.New("invalid JSON")
	}
	type frame struct {
		obj       bool
		expectKey bool
		keys      []string
		set       map[string]bool // past a few keys: looking them up stays linear
	}
	stack := make([]frame, 0, 8)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			stack = append(stack, frame{obj: true, expectKey: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			stack = stack[:len(stack)-1]
		case ',':
			if top := &stack[len(stack)-1]; top.obj {
				top.expectKey = true
			}
		case '"':
			j := i + 1
			escaped := false
			for ; b[j] != '"'; j++ {
				if b[j] == '\\' {
					escaped = true
					j++
				}
			}
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].expectKey {
				top := &stack[n-1]
				key := string(b[i+1 : j])
				if escaped {
					if err := json.Unmarshal(b[i:j+1], &key); err != nil {
						return err
					}
				}
				if top.set == nil && len(top.keys) >= 16 {
					top.set = make(map[string]bool, 2*len(top.keys))
					for _, k := range top.keys {
						top.set[k] = true
					}
				}
				if top.set != nil {
					if top.set[key] {
						return fmt.Errorf("duplicate key %q", key)
					}
					top.set[key] = true
				} else {
					for _, k := range top.keys {
						if k == key {
							return fmt.Errorf("duplicate key %q", key)
						}
					}
					top.keys = append(top.keys, key)
				}
				top.expectKey = false
			}
			i = j
		}
		if len(stack) > maxDepth {
			return fmt.Errorf("nested deeper than %d", maxDepth)
		}
	}
	return nil
}
