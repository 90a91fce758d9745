package state

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecode feeds arbitrary bytes to the value decoders: they must never
// panic, and what they accept must encode back to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add((&events{W: int64(time.Minute), T: []int64{1, 2}}).encode())
	f.Add((&amounts{W: int64(time.Hour), E: [][2]int64{{1, 500}}}).encode())
	f.Add((&idem{H: "sha256:ab", X: 9}).encode())
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, v []byte) {
		if w, err := decodeEvents(v); err == nil && !bytes.Equal(w.encode(), v) {
			t.Errorf("events round trip: %x -> %x", v, w.encode())
		}
		if w, err := decodeAmounts(v); err == nil && !bytes.Equal(w.encode(), v) {
			t.Errorf("amounts round trip: %x -> %x", v, w.encode())
		}
		if e, err := decodeIdem(v); err == nil && !bytes.Equal(e.encode(), v) {
			t.Errorf("idempotency round trip: %x -> %x", v, e.encode())
		}
	})
}
