package breakglass

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func TestMissingIsInactive(t *testing.T) {
	w, ok, err := Active(filepath.Join(t.TempDir(), "nope"), t0)
	if w != nil || ok || err != nil {
		t.Fatalf("Active on a missing dir = %v %v %v", w, ok, err)
	}
}

func TestOpenExpires(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	w, err := Open(dir, 15*time.Minute, "  prod incident 4711 ", t0)
	if err != nil {
		t.Fatal(err)
	}
	if w.Reason != "prod incident 4711" || !w.Until.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("Open = %+v", w)
	}
	fi, err := os.Stat(Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	tests := []struct {
		name string
		now  time.Time
		want bool
	}{
		{"at opening", t0, true},
		{"inside", t0.Add(14 * time.Minute), true},
		{"last instant", t0.Add(15*time.Minute - time.Nanosecond), true},
		{"at until", t0.Add(15 * time.Minute), false},
		{"long after", t0.Add(48 * time.Hour), false},
		{"clock before opening", t0.Add(-time.Second), false},
	}
	for _, tc := range tests {
		got, ok, err := Active(dir, tc.now)
		if err != nil || ok != tc.want || got == nil || got.Reason != w.Reason {
			t.Errorf("%s: Active = %+v %v %v, want active=%v", tc.name, got, ok, err, tc.want)
		}
	}
}

func TestOpenBounds(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		d      time.Duration
		reason string
		ok     bool
	}{
		{"one second", time.Second, "r", true},
		{"24h", 24 * time.Hour, "r", true},
		{"zero", 0, "r", false},
		{"negative", -time.Minute, "r", false},
		{"over 24h", 24*time.Hour + time.Nanosecond, "r", false},
		{"no reason", time.Minute, "", false},
		{"blank reason", time.Minute, " \t\n", false},
		{"long reason", time.Minute, strings.Repeat("x", MaxReason+1), false},
		{"bad utf-8", time.Minute, "\xff\xfe", false},
	}
	for _, tc := range tests {
		os.Remove(Path(dir))
		_, err := Open(dir, tc.d, tc.reason, t0)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Open = %v, want ok=%v", tc.name, err, tc.ok)
		}
		if !tc.ok {
			if _, ok, _ := Active(dir, t0); ok {
				t.Errorf("%s: a refused Open left a window active", tc.name)
			}
		}
	}
	if _, err := Open("", time.Minute, "r", t0); err == nil {
		t.Error("Open with no state dir succeeded")
	}
}

func TestReopenReplaces(t *testing.T) {
	dir := t.TempDir()
	Open(dir, time.Hour, "first", t0)
	w, _ := Open(dir, time.Minute, "second", t0.Add(time.Minute))
	got, ok, err := Active(dir, t0.Add(time.Minute))
	if err != nil || !ok || got.Reason != "second" || !got.Until.Equal(w.Until) {
		t.Fatalf("Active = %+v %v %v", got, ok, err)
	}
}

func TestClose(t *testing.T) {
	dir := t.TempDir()
	if w, err := Close(dir, t0); w != nil || err != nil {
		t.Errorf("Close with nothing open = %v %v, want nil, nil", w, err)
	}
	Open(dir, time.Hour, "incident", t0)
	w, err := Close(dir, t0.Add(time.Minute))
	if err != nil || w == nil || w.Reason != "incident" {
		t.Fatalf("Close = %+v %v", w, err)
	}
	if _, ok, err := Active(dir, t0.Add(2*time.Minute)); ok || err != nil {
		t.Errorf("after Close: active=%v err=%v", ok, err)
	}
	if _, err := os.Stat(Path(dir)); !os.IsNotExist(err) {
		t.Error("Close left the file")
	}
	// An expired window is not open, and Close removes its file.
	Open(dir, time.Minute, "old", t0)
	if w, err := Close(dir, t0.Add(time.Hour)); w != nil || err != nil {
		t.Errorf("Close of an expired window = %v %v, want nil, nil", w, err)
	}
	if _, err := os.Stat(Path(dir)); !os.IsNotExist(err) {
		t.Error("Close left an expired window's file")
	}
	// A corrupt file is removed too.
	os.WriteFile(Path(dir), []byte("junk"), 0o600)
	if w, err := Close(dir, t0); w != nil || err != nil {
		t.Errorf("Close of a corrupt file = %v %v, want nil, nil", w, err)
	}
	if _, err := os.Stat(Path(dir)); !os.IsNotExist(err) {
		t.Error("Close left a corrupt file")
	}
}

func TestCorrupt(t *testing.T) {
	tests := []struct {
		name string
		file string
	}{
		{"empty", ""},
		{"junk", "junk"},
		{"truncated", `{"opened_at":"2026-11-22T10:00:00Z","until":"2026-11-22T10:`},
		{"missing until", `{"opened_at":"2026-11-22T10:00:00Z","reason":"r"}`},
		{"missing reason", `{"opened_at":"2026-11-22T10:00:00Z","until":"2026-11-22T10:15:00Z"}`},
		{"blank reason", `{"opened_at":"2026-11-22T10:00:00Z","until":"2026-11-22T10:15:00Z","reason":" "}`},
		{"edited to a year", `{"opened_at":"2026-11-22T10:00:00Z","until":"2027-11-22T10:15:00Z","reason":"r"}`},
		{"until before opened", `{"opened_at":"2026-11-22T10:00:00Z","until":"2026-11-22T09:00:00Z","reason":"r"}`},
		{"unknown field", `{"opened_at":"2026-11-22T10:00:00Z","until":"2026-11-22T10:15:00Z","reason":"r","final":false}`},
		{"two objects", `{"opened_at":"2026-11-22T10:00:00Z","until":"2026-11-22T10:15:00Z","reason":"r"}{}`},
		{"bad time", `{"opened_at":"yesterday","until":"2026-11-22T10:15:00Z","reason":"r"}`},
		{"oversize", `{"opened_at":"2026-11-22T10:00:00Z","until":"2026-11-22T10:15:00Z","reason":"` + strings.Repeat("r", maxFile) + `"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(Path(dir), []byte(tc.file), 0o600)
			w, ok, err := Active(dir, t0.Add(time.Minute))
			if !errors.Is(err, ErrCorrupt) || ok || w != nil {
				t.Fatalf("Active = %+v %v %v, want ErrCorrupt and not active", w, ok, err)
			}
			if !strings.Contains(err.Error(), Path(dir)) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestUnreadableIsError(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(Path(dir), 0o700); err != nil { // a directory where the file should be
		t.Fatal(err)
	}
	if _, ok, err := Active(dir, t0); err == nil || ok {
		t.Errorf("Active = %v %v, want an error", ok, err)
	}
}

func BenchmarkActiveMissing(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, ok, err := Active(dir, t0); ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkActiveOpen(b *testing.B) {
	dir := b.TempDir()
	Open(dir, time.Hour, "bench", t0)
	for b.Loop() {
		if _, ok, err := Active(dir, t0); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func TestExpire(t *testing.T) {
	dir := t.TempDir()
	if w := Expire(dir, t0); w != nil {
		t.Fatalf("Expire with no window = %+v", w)
	}
	if _, err := Open(dir, time.Minute, "incident", t0); err != nil {
		t.Fatal(err)
	}
	if w := Expire(dir, t0.Add(30*time.Second)); w != nil {
		t.Fatalf("Expire of an active window = %+v", w)
	}
	if w := Expire(dir, t0.Add(-time.Second)); w != nil {
		t.Fatalf("Expire with the clock before opening = %+v", w)
	}
	w := Expire(dir, t0.Add(time.Minute))
	if w == nil || w.Reason != "incident" {
		t.Fatalf("Expire at until = %+v", w)
	}
	if _, err := os.Stat(Path(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the expired window's file is still there: %v", err)
	}
	// the end is reported once
	if w := Expire(dir, t0.Add(2*time.Minute)); w != nil {
		t.Fatalf("second Expire = %+v", w)
	}
	// a corrupt file is left for doctor and close
	if err := os.WriteFile(Path(dir), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if w := Expire(dir, t0); w != nil {
		t.Fatalf("Expire of a corrupt file = %+v", w)
	}
	if _, err := os.Stat(Path(dir)); err != nil {
		t.Fatalf("a corrupt file was removed: %v", err)
	}
}
