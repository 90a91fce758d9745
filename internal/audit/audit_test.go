package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/gowebpki/jcs"

	"github.com/aporthq/aport/internal/keys"
)

// testLog is a log and its key in a temporary directory.
type testLog struct {
	opt  Options
	pubs map[string]ed25519.PublicKey
	key  *keys.Key
}

func newTestLog(t testing.TB) *testLog {
	t.Helper()
	dir := t.TempDir()
	opt := Options{Path: filepath.Join(dir, "home", "audit.jsonl"), KeyPath: filepath.Join(dir, "home", "keys", "audit.ed25519")}
	k, err := keys.LoadOrCreate(opt.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	return &testLog{opt: opt, pubs: map[string]ed25519.PublicKey{k.ID: k.Public}, key: k}
}

func sampleEvent(i int) *Event {
	dec := "allow"
	if i%3 == 0 {
		dec = "deny"
	}
	return &Event{
		TS:             time.Date(2026, 11, 22, 10, 0, i, 0, time.UTC).Format(time.RFC3339),
		AgentID:        "agent-1",
		PassportID:     "550e8400-e29b-41d4-a716-446655440001",
		Host:           "claude-code",
		Tool:           "Bash",
		Capability:     "system.command.execute",
		Policy:         "system.command.execute.v1",
		Decision:       dec,
		Reason:         "oap.allowed",
		InputHash:      InputHash([]byte(fmt.Sprintf(`{"command":"ls %d"}`, i))),
		PassportDigest: "sha256:" + strings.Repeat("ab", 32),
	}
}

func (l *testLog) appendN(t testing.TB, n int) {
	t.Helper()
	for i := range n {
		if err := Append(l.opt, sampleEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func (l *testLog) lines(t testing.TB) [][]byte {
	t.Helper()
	b, err := os.ReadFile(l.opt.Path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.SplitAfter(b, []byte("\n"))[:bytes.Count(b, []byte("\n"))]
}

func (l *testLog) write(t testing.TB, lines [][]byte) {
	t.Helper()
	if err := os.WriteFile(l.opt.Path, bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAppendVerify(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 25)
	sum, err := Verify(l.opt.Path, l.pubs, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 25 || sum.LastSeq != 25 || sum.Segments != 1 || len(sum.Kids) != 1 || sum.Kids[0] != l.key.ID {
		t.Fatalf("summary %+v", sum)
	}
	if sum.First != "2026-11-22T10:00:00Z" || sum.Last != "2026-11-22T10:00:24Z" {
		t.Fatalf("first/last %s %s", sum.First, sum.Last)
	}
	lines := l.lines(t)
	first, err := Parse(bytes.TrimSuffix(lines[0], []byte("\n")))
	if err != nil {
		t.Fatal(err)
	}
	if first.Seq != 1 || first.PrevHash != Genesis || first.Kid != l.key.ID {
		t.Fatalf("first event %+v", first)
	}
	// The signature is crypto/ed25519-valid over the hash string.
	sig, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(first.Signature, "ed25519:"))
	if !ed25519.Verify(l.key.Public, []byte(first.Hash), sig) {
		t.Fatal("signature does not verify with crypto/ed25519")
	}
	for _, p := range []struct {
		path string
		mode os.FileMode
	}{{l.opt.Path, 0o600}, {filepath.Dir(l.opt.Path), 0o700}, {LockPath(l.opt.Path), 0o600}} {
		st, err := os.Stat(p.path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != p.mode {
			t.Errorf("%s: mode %v, want %v", p.path, st.Mode().Perm(), p.mode)
		}
	}
}

// TestHashIsJCS checks that the hand-written canonical form is RFC 8785's,
// with strings that need escaping.
func TestHashIsJCS(t *testing.T) {
	for i, s := range []string{"plain", "quote\" back\\slash", "ctl \x00\x01\x1f\b\f\n\r\t", "uni é ☃ 𝄞 \u2028\u2029 <>&", "\x7f del", "bad utf8 \xff\xfe"} {
		e := sampleEvent(i)
		e.Tool, e.Reason, e.Note = s, s, s
		e.Breakglass = i%2 == 0
		e.Input = Redact([]byte(`{"b":1.50,"a":[true,null,"x"],"password":"p"}`))
		e.Recovered = &Recovered{AfterSeq: 3, Bytes: 17}
		e.SegmentPrev = "audit.jsonl.1"
		e.Event = KindBreakglassOpen
		e.Seq, e.PrevHash, e.Hash, e.Kid, e.Signature = int64(i+1), Genesis, "sha256:x", "kid", "ed25519:x"
		e.sanitize()
		plain, _ := json.Marshal(e)
		want, err := jcs.Transform(plain)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.canonical(nil, true); !bytes.Equal(got, want) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want)
		}
		back, err := Parse(want)
		if err != nil {
			t.Fatalf("case %d: Parse: %v", i, err)
		}
		if back.Tool != e.Tool {
			t.Fatalf("case %d: round trip %q != %q", i, back.Tool, e.Tool)
		}
	}
}

// forged is an event that links correctly after prev but is signed by
// another key (or, with ourKid, carries our kid and a foreign signature).
func forged(t *testing.T, prev []byte, ourKid string) []byte {
	p, err := Parse(bytes.TrimSuffix(prev, []byte("\n")))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := keys.FromSeed(bytes.Repeat([]byte{9}, 32))
	e := sampleEvent(99)
	e.Seq, e.PrevHash, e.Kid = p.Seq+1, p.Hash, other.ID
	if ourKid != "" {
		e.Kid = ourKid
	}
	e.Hash, _ = e.computeHash(nil)
	e.Signature = "ed25519:" + base64.StdEncoding.EncodeToString(other.Sign([]byte(e.Hash)))
	return append(e.canonical(nil, true), '\n')
}

func TestTamper(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(t *testing.T, l *testLog, lines [][]byte) [][]byte
		line    int
		problem string
	}{
		{"edit one byte of a field", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			ls[3] = bytes.Replace(ls[3], []byte(`"tool":"Bash"`), []byte(`"tool":"Bask"`), 1)
			return ls
		}, 4, "does not match its hash"},
		{"edit the decision", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			ls[3] = bytes.Replace(ls[3], []byte(`"decision":"deny"`), []byte(`"decision":"allow"`), 1)
			return ls
		}, 4, "does not match its hash"},
		{"edit one byte of the signature", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			i := bytes.Index(ls[4], []byte(`"signature":"ed25519:`)) + len(`"signature":"ed25519:`) + 5
			ls[4] = bytes.Clone(ls[4])
			if ls[4][i] == 'A' {
				ls[4][i] = 'B'
			} else {
				ls[4][i] = 'A'
			}
			return ls
		}, 5, "signature does not verify"},
		{"respell the signature's unused base64 bits", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			// The last character before "==" carries 2 bits of the signature
			// and 4 unused bits: flipping its lowest bit decodes to the same
			// 64 bytes with a lenient decoder.
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
			i := bytes.Index(ls[4], []byte(`=="`)) - 1
			ls[4] = bytes.Clone(ls[4])
			ls[4][i] = alphabet[strings.IndexByte(alphabet, ls[4][i])^1]
			return ls
		}, 5, "signature is not ed25519:<base64 of 64 bytes>"},
		{"edit the hash", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			i := bytes.Index(ls[6], []byte(`"hash":"sha256:`)) + len(`"hash":"sha256:`)
			ls[6] = bytes.Clone(ls[6])
			ls[6][i] ^= 1
			return ls
		}, 7, "does not match its hash"},
		{"non-canonical spacing", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			ls[1] = bytes.Replace(ls[1], []byte(`,"host"`), []byte(`, "host"`), 1)
			return ls
		}, 2, "canonical"},
		{"added field", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			ls[1] = bytes.Replace(ls[1], []byte(`{`), []byte(`{"admin":true,`), 1)
			return ls
		}, 2, "canonical"},
		{"bad JSON", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			ls[5] = []byte("{not json\n")
			return ls
		}, 6, "not a valid JSON event"},
		{"delete a line", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			return append(ls[:2:2], ls[3:]...)
		}, 3, "seq jumps from 2 to 4"},
		{"delete the first line", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			return ls[1:]
		}, 1, "does not start at the genesis"},
		{"swap two lines", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			ls[5], ls[6] = ls[6], ls[5]
			return ls
		}, 6, "seq jumps from 5 to 7"},
		{"duplicate a line", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			return append(ls[:4:4], append([][]byte{ls[3]}, ls[4:]...)...)
		}, 5, "seq 4 after seq 4"},
		{"insert a line signed by another key", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			return append(ls[:4:4], append([][]byte{forged(t, ls[3], "")}, ls[4:]...)...)
		}, 5, "unknown key"},
		{"insert a line with our kid and a foreign signature", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			return append(ls[:4:4], append([][]byte{forged(t, ls[3], l.key.ID)}, ls[4:]...)...)
		}, 5, "signature does not verify"},
		{"replace a line by a forged one", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			ls[4] = forged(t, ls[3], l.key.ID)
			return ls
		}, 5, "signature does not verify"},
		{"truncate the last line", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			last := len(ls) - 1
			ls[last] = ls[last][:len(ls[last])-20]
			return ls
		}, 10, "truncated"},
		{"cut the last newline", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			last := len(ls) - 1
			ls[last] = ls[last][:len(ls[last])-1]
			return ls
		}, 10, "truncated"},
		{"delete the last line", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			return ls[:9]
		}, 10, "events deleted from the end: the log ends at seq 9, but seq 10 was written"},
		{"delete the last three lines", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			return ls[:7]
		}, 8, "the log ends at seq 7, but seq 10"},
		{"replace the last line by a forged one", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			ls[9] = forged(t, ls[8], l.key.ID)
			return ls
		}, 10, "signature does not verify"},
		{"blank line", func(t *testing.T, l *testLog, ls [][]byte) [][]byte {
			return append(ls[:7:7], append([][]byte{[]byte("\n")}, ls[7:]...)...)
		}, 8, "not a valid JSON event"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newTestLog(t)
			l.appendN(t, 10)
			if _, err := Verify(l.opt.Path, l.pubs, 2); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			l.write(t, tc.edit(t, l, l.lines(t)))
			_, err := Verify(l.opt.Path, l.pubs, 2)
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify: %v, want a *VerifyError", err)
			}
			if ve.Line != tc.line || !strings.Contains(ve.Problem, tc.problem) {
				t.Fatalf("got line %d %q, want line %d containing %q", ve.Line, ve.Problem, tc.line, tc.problem)
			}
			if ve.Segment != l.opt.Path {
				t.Fatalf("segment %q", ve.Segment)
			}
		})
	}
}

func TestVerifyNeedsKeys(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 2)
	if _, err := Verify(l.opt.Path, nil, 1); err == nil {
		t.Fatal("no keys: want an error")
	}
	if _, err := Verify(filepath.Join(t.TempDir(), "none.jsonl"), l.pubs, 1); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing log: %v", err)
	}
	// An empty log verifies, with no events.
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	os.WriteFile(empty, nil, 0o600)
	if sum, err := Verify(empty, l.pubs, 1); err != nil || sum.Events != 0 {
		t.Fatalf("empty log: %v %+v", err, sum)
	}
}

func TestCrashRecovery(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 5)
	lines := l.lines(t)
	// A crash mid-append: the first 37 bytes of an event, no newline.
	partial := lines[2][:37]
	f, _ := os.OpenFile(l.opt.Path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(partial)
	f.Close()

	_, err := Verify(l.opt.Path, l.pubs, 2)
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Line != 6 || !strings.Contains(ve.Problem, "truncated") {
		t.Fatalf("before recovery: %v", err)
	}

	l.appendN(t, 3) // the first of these recovers
	_, err = Verify(l.opt.Path, l.pubs, 2)
	if !errors.As(err, &ve) || ve.Line != 6 || !strings.Contains(ve.Problem, "partial write recovered: 38 bytes") {
		t.Fatalf("strict verify after recovery: %v", err)
	}
	sum, err := VerifyWith(l.opt.Path, VerifyOptions{Pubkeys: l.pubs, AllowRecovered: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 8 || sum.LastSeq != 8 || len(sum.Recovered) != 1 || sum.Recovered[0].Line != 6 || sum.Recovered[0].BySeq != 6 {
		t.Fatalf("summary %+v", sum)
	}
	rec, _ := Parse(bytes.TrimSuffix(l.lines(t)[6], []byte("\n")))
	if rec.Recovered == nil || rec.Recovered.AfterSeq != 5 || rec.Recovered.Bytes != 38 || rec.Seq != 6 {
		t.Fatalf("recovery event %+v", rec)
	}

	// A second crash, in a later append: recovered the same way.
	f, _ = os.OpenFile(l.opt.Path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write([]byte("{\"seq\":9,"))
	f.Close()
	l.appendN(t, 1)
	sum, err = VerifyWith(l.opt.Path, VerifyOptions{Pubkeys: l.pubs, AllowRecovered: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 9 || len(sum.Recovered) != 2 || sum.Recovered[1].Line != 10 || sum.Recovered[1].Bytes != 10 {
		t.Fatalf("summary %+v", sum)
	}

	// A recovery record that does not match the skipped bytes is an edit.
	ls := l.lines(t)
	ls[5] = append(bytes.Clone(ls[5][:len(ls[5])-1]), 'x', '\n')
	l.write(t, ls)
	_, err = VerifyWith(l.opt.Path, VerifyOptions{Pubkeys: l.pubs, AllowRecovered: true})
	if !errors.As(err, &ve) || ve.Line != 6 {
		t.Fatalf("mismatched recovery: %v", err)
	}
}

func TestRotation(t *testing.T) {
	l := newTestLog(t)
	l.opt.MaxSegmentBytes = 3000
	l.appendN(t, 40)
	segs, err := Segments(l.opt.Path)
	if err != nil || len(segs) < 3 {
		t.Fatalf("segments %v %v", segs, err)
	}
	sum, err := Verify(l.opt.Path, l.pubs, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != 40 || sum.Segments != len(segs)+1 {
		t.Fatalf("summary %+v", sum)
	}
	for i, s := range segs {
		if filepath.Base(s) != "audit.jsonl."+strconv.Itoa(i+1) {
			t.Fatalf("segment %d is %s", i, s)
		}
	}
	// The first event of the live file links to the last segment.
	ls := l.lines(t)
	e, _ := Parse(bytes.TrimSuffix(ls[0], []byte("\n")))
	if e.SegmentPrev != filepath.Base(segs[len(segs)-1]) {
		t.Fatalf("segment_prev %q", e.SegmentPrev)
	}
	recs, err := Tail(l.opt.Path, len(ls)+2)
	if err != nil || len(recs) != len(ls)+2 || recs[len(recs)-1].Event.Seq != 40 || recs[0].Event.Seq != int64(40-len(ls)-1) {
		t.Fatalf("tail across segments: %d %v", len(recs), err)
	}
	n := 0
	Scan(l.opt.Path, func(r Record) bool { n++; return r.Event != nil })
	if n != 40 {
		t.Fatalf("scan saw %d", n)
	}

	// Deleting the live file loses the newest events.
	live, _ := os.ReadFile(l.opt.Path)
	os.Remove(l.opt.Path)
	_, err = Verify(l.opt.Path, l.pubs, 2)
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Segment != segs[len(segs)-1] || !strings.Contains(ve.Problem, "but seq 40 was written") {
		t.Fatalf("without the live file: %v", err)
	}
	os.WriteFile(l.opt.Path, live, 0o600)

	// Deleting the oldest segment loses the genesis.
	os.Rename(segs[0], segs[0]+".bak")
	_, err = Verify(l.opt.Path, l.pubs, 2)
	if !errors.As(err, &ve) || ve.Line != 1 || !strings.Contains(ve.Problem, "genesis") {
		t.Fatalf("without segment 1: %v", err)
	}
	os.Rename(segs[0]+".bak", segs[0])
	// Deleting a middle segment breaks the chain at the next one.
	os.Rename(segs[1], filepath.Join(t.TempDir(), "x"))
	_, err = Verify(l.opt.Path, l.pubs, 2)
	if !errors.As(err, &ve) || ve.Line != 1 || ve.Segment != segs[2] || !strings.Contains(ve.Problem, "seq jumps") {
		t.Fatalf("without segment 2: %v", err)
	}
}

// A crash between rotating and writing the new segment's first event leaves
// no live file; the next append still links to the last segment.
func TestRotationCrash(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 3)
	if _, err := rotate(l.opt.Path); err != nil {
		t.Fatal(err)
	}
	l.appendN(t, 2)
	sum, err := Verify(l.opt.Path, l.pubs, 1)
	if err != nil || sum.Events != 5 || sum.Segments != 2 {
		t.Fatalf("%v %+v", err, sum)
	}
}

func TestAppendErrors(t *testing.T) {
	t.Run("lock held", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 1)
		lk := flock.New(LockPath(l.opt.Path))
		if err := lk.Lock(); err != nil {
			t.Fatal(err)
		}
		defer lk.Unlock()
		opt := l.opt
		opt.LockTimeout = 50 * time.Millisecond
		err := Append(opt, sampleEvent(1))
		if err == nil || !strings.Contains(err.Error(), "held by another process") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("key path is a directory", func(t *testing.T) {
		l := newTestLog(t)
		opt := l.opt
		opt.KeyPath = t.TempDir()
		if err := Append(opt, sampleEvent(1)); err == nil {
			t.Fatal("want an error")
		}
	})
	t.Run("log path is a directory", func(t *testing.T) {
		l := newTestLog(t)
		opt := l.opt
		opt.Path = t.TempDir()
		if err := Append(opt, sampleEvent(1)); err == nil {
			t.Fatal("want an error")
		}
	})
	t.Run("unwritable directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root writes anywhere")
		}
		l := newTestLog(t)
		dir := t.TempDir()
		os.Chmod(dir, 0o500)
		opt := l.opt
		opt.Path = filepath.Join(dir, "audit.jsonl")
		if err := Append(opt, sampleEvent(1)); err == nil {
			t.Fatal("want an error")
		}
	})
	t.Run("log ending in garbage", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 1)
		f, _ := os.OpenFile(l.opt.Path, os.O_WRONLY|os.O_APPEND, 0)
		f.Write(bytes.Repeat([]byte("junk\n"), 20))
		f.Close()
		if err := Append(l.opt, sampleEvent(1)); err == nil || !strings.Contains(err.Error(), "not a valid event") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("unreadable head record", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 2)
		os.WriteFile(HeadPath(l.opt.Path), []byte("garbage"), 0o600)
		_, err := Verify(l.opt.Path, l.pubs, 1)
		var ve *VerifyError
		if !errors.As(err, &ve) || !strings.Contains(ve.Problem, "head record is unreadable") {
			t.Fatalf("got %v", err)
		}
		// Appends refuse it, and write nothing, until it is moved aside.
		before, _ := os.ReadFile(l.opt.Path)
		if err := Append(l.opt, sampleEvent(3)); err == nil || !strings.Contains(err.Error(), "head record") || !strings.Contains(err.Error(), "is unreadable") {
			t.Fatalf("append with a garbage head: %v", err)
		}
		if after, _ := os.ReadFile(l.opt.Path); !bytes.Equal(before, after) {
			t.Fatal("an event was written")
		}
		os.Rename(HeadPath(l.opt.Path), HeadPath(l.opt.Path)+".damaged")
		l.appendN(t, 1)
		if _, err := Verify(l.opt.Path, l.pubs, 1); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no paths", func(t *testing.T) {
		if Append(Options{KeyPath: "k"}, &Event{}) == nil || Append(Options{Path: "p"}, &Event{}) == nil {
			t.Fatal("want errors")
		}
	})
}

// TestConcurrentProcesses appends from 200 processes at once (this test
// binary re-run as a helper), so the lock is a real cross-process flock,
// then checks that the log holds exactly 200 events in one intact chain.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns 200 processes")
	}
	l := newTestLog(t)
	const procs = 200
	cmds := make([]*exec.Cmd, procs)
	for i := range procs {
		c := exec.Command(os.Args[0], "-test.run=^TestHelperAppend$")
		c.Env = append(os.Environ(), "AUDIT_HELPER_LOG="+l.opt.Path, "AUDIT_HELPER_KEY="+l.opt.KeyPath, "AUDIT_HELPER_N="+strconv.Itoa(i))
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = c
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper %d: %v", i, err)
		}
	}
	sum, err := Verify(l.opt.Path, l.pubs, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != procs || sum.LastSeq != procs {
		t.Fatalf("%d events, want %d", sum.Events, procs)
	}
	seen := map[string]bool{}
	Scan(l.opt.Path, func(r Record) bool { seen[r.Event.AgentID] = true; return true })
	if len(seen) != procs {
		t.Fatalf("%d distinct writers, want %d", len(seen), procs)
	}
}

func TestHelperAppend(t *testing.T) {
	path := os.Getenv("AUDIT_HELPER_LOG")
	if path == "" {
		t.Skip("helper for TestConcurrentProcesses")
	}
	e := sampleEvent(1)
	e.AgentID = "proc-" + os.Getenv("AUDIT_HELPER_N")
	if err := Append(Options{Path: path, KeyPath: os.Getenv("AUDIT_HELPER_KEY"), LockTimeout: 60 * time.Second}, e); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	l := newTestLog(t)
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- Append(l.opt, sampleEvent(i)) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	sum, err := Verify(l.opt.Path, l.pubs, 2)
	if err != nil || sum.Events != n {
		t.Fatalf("%v %+v", err, sum)
	}
}

// TestInputHashDeep: input nested deeper than MaxCanonicalDepth is hashed as
// received, not canonicalised (quadratic in the depth).
// TestInputHashManyKeys: an input with more object keys than
// MaxCanonicalKeys is hashed raw (canonicalising is quadratic in the keys
// of an object); one at the bound is canonicalised.
func TestInputHashManyKeys(t *testing.T) {
	obj := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d": 1`, i)
		}
		b.WriteString("}")
		return b.String()
	}
	if at := obj(MaxCanonicalKeys); InputHash([]byte(at)) == RawInputHash([]byte(at)) {
		t.Fatalf("%d keys: hashed raw, want canonical", MaxCanonicalKeys)
	}
	if over := obj(MaxCanonicalKeys + 1); InputHash([]byte(over)) != RawInputHash([]byte(over)) {
		t.Fatalf("%d keys: want the raw hash", MaxCanonicalKeys+1)
	}
}

func TestInputHashDeep(t *testing.T) {
	raw := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	at := strings.Repeat("[", MaxCanonicalDepth) + strings.Repeat("]", MaxCanonicalDepth)
	if got := InputHash([]byte(at + " ")); got == raw(at+" ") {
		t.Fatalf("depth %d: hashed raw, want canonical", MaxCanonicalDepth)
	}
	over := "[" + at + "]"
	if got := InputHash([]byte(over)); got != raw(over) {
		t.Fatalf("depth %d: %s, want the raw hash", MaxCanonicalDepth+1, got)
	}
	// brackets inside strings do not count
	inString := `{"a":"` + strings.Repeat("[", 1000) + `"}`
	if got, want := InputHash([]byte(inString)), InputHash([]byte(`{ "a":"`+strings.Repeat("[", 1000)+`"}`)); got != want {
		t.Fatal("brackets inside a string counted as nesting")
	}
	deep := strings.Repeat("[", 160_000) + strings.Repeat("]", 160_000)
	start := time.Now()
	if got := InputHash([]byte(deep)); got != raw(deep) {
		t.Fatal("deep input not hashed raw")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("hashing 160,000 levels took %s", d)
	}
	if RawInputHash([]byte(`{"a": 1}`)) != raw(`{"a": 1}`) {
		t.Fatal("RawInputHash is not SHA-256 of the bytes")
	}
}

func TestInputHash(t *testing.T) {
	a := InputHash([]byte(`{"b": 1, "a": "x"}`))
	b := InputHash([]byte("\xef\xbb\xbf{\"a\":\"x\",\"b\":1.0}"))
	if a != b || !strings.HasPrefix(a, "sha256:") || len(a) != 7+64 {
		t.Fatalf("%s != %s", a, b)
	}
	if InputHash([]byte("not json")) == InputHash([]byte("not json ")) {
		t.Fatal("raw fallback ignores bytes")
	}
	if InputHash([]byte(`{"a":1}`)) == InputHash([]byte(`{"a":2}`)) {
		t.Fatal("different inputs, same hash")
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, gone, kept string }{
		{`{"tool_input":{"command":"curl https://bob:hunter2@example.com/x"}}`, "hunter2", "bob:[REDACTED]@example.com"},
		{`{"command":"export AWS_SECRET_ACCESS_KEY=abc123def456 && ls"}`, "abc123def456", "&& ls"},
		{`{"command":"GITHUB_TOKEN=ghp_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa make"}`, "ghp_aaaa", "make"},
		{`{"command":"curl -H 'Authorization: Bearer eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeKK' x"}`, "SflKxwRJ", "curl"},
		{`{"command":"curl -H \"Authorization: token abcdef0123456789\" x"}`, "abcdef0123456789", "curl"},
		{`{"command":"echo sk-ant-api03-abcdefghijklmnopqrstuvwxyz"}`, "abcdefghijkl", "echo"},
		{`{"command":"aws --profile p s3 ls # AKIAIOSFODNN7EXAMPLE"}`, "IOSFODNN7EXAMPLE", "s3 ls"},
		{`{"password":"p4ss","api_key":"k3y","nested":{"client_secret":"s3c","Authorization":"Basic Zm9vOmJhcg=="},"name":"ok"}`, "p4ss", `"name":"ok"`},
		{`{"password":"p4ss","api_key":"k3y","nested":{"client_secret":"s3c"}}`, "k3y", "REDACTED"},
		{`{"password":"p4ss","api_key":"k3y","nested":{"client_secret":"s3c"}}`, "s3c", "REDACTED"},
		{`{"command":"mysql --password=topsecret -u root"}`, "topsecret", "-u root"},
		{`{"content":"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----\n"}`, "b3BlbnNzaC1rZXk", "REDACTED"},
		{`{"command":"echo xoxb-1234567890-abcdefghij"}`, "1234567890-abcdefghij", "echo"},
		{`not json: DB_PASSWORD=hunter2`, "hunter2", "not json"},
		{`{"file_path":"/src/main.go","content":"package main"}`, "\x00", `"content":"package main"`},
	}
	for _, tc := range cases {
		got := string(Redact([]byte(tc.in)))
		if strings.Contains(got, tc.gone) || !strings.Contains(got, tc.kept) {
			t.Errorf("Redact(%s) = %s; want %q gone and %q kept", tc.in, got, tc.gone, tc.kept)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("Redact(%s) is not JSON: %s", tc.in, got)
		}
	}
}

// TestRedactRules: one case per rule of the redactor (docs/audit.md,
// Redaction), each with the secret that must go and the text that must stay.
func TestRedactRules(t *testing.T) {
	for _, tc := range []struct{ name, in, gone, kept string }{
		{"mysql -p attached", `{"command":"mysql -u root -pS3cretPw db"}`, "S3cretPw", "-u root -p[REDACTED] db"},
		{"mysqldump -p attached", `{"command":"mysqldump -h h -pS3cretPw --all"}`, "S3cretPw", "--all"},
		{"mkdir -p is not a password", `{"command":"mkdir -p build && ls"}`, "[REDACTED]", "mkdir -p build"},
		{"mysql -p quoted", `{"command":"mysql -u root -p'S3cretPw' db"}`, "S3cretPw", "-u root -p"},
		{"curl -u attached", `{"command":"curl -ualice:S3cretPw https://x"}`, "S3cretPw", "https://x"},
		{"docker login -p", `{"command":"docker login -u me -p S3cretPw reg.io"}`, "S3cretPw", "reg.io"},
		{"redis-cli -a", `{"command":"redis-cli -h h -a S3cretPw ping"}`, "S3cretPw", "ping"},
		{"vault login", `{"command":"vault login s.S3cretToken"}`, "S3cretToken", "vault login"},
		{"curl -b cookie", `{"command":"curl -b session=S3cretPw https://x"}`, "S3cretPw", "session="},
		{"aws configure set", `{"command":"aws configure set aws_secret_access_key S3cretPwS3cretPw"}`, "S3cretPwS3cretPw", "aws configure set"},
		{"npm authToken", `{"command":"npm config set //registry.npmjs.org/:_authToken S3cretTok"}`, "S3cretTok", "npm config set"},
		{"netrc", `{"content":"machine api.x.com login me password S3cretPw"}`, "S3cretPw", "login me"},
		{"slack webhook", `{"command":"curl https://hooks.slack.com/services/T000/B000/S3cretHook"}`, "S3cretHook", "hooks.slack.com/services/"},
		{"presigned url", `{"url":"https://b.s3.amazonaws.com/k?X-Amz-Signature=S3cretSig&x=1"}`, "S3cretSig", "x=1"},
		{"aws key pair", `{"content":"AKIAABCDEFGHIJKLMNOP:S3cretS3cretS3cretS3cretS3cret"}`, "S3cretS3cret", "AKIA"},
		{"slack app token", `{"command":"export T=xapp-1-A000-S3cretS3cret"}`, "S3cretS3cret", "export T="},
		{"hugging face token", `{"command":"huggingface-cli login --token-x hf_S3cretS3cretS3cretS3cret1"}`, "S3cretS3cret", "hf_"},
		{"npm token", `{"content":"//registry.npmjs.org/:x=npm_S3cretS3cretS3cretS3cretS3cretS3cret"}`, "S3cretS3cret", "npm_"},
		{"kubeconfig client key", `{"content":"    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo="}`, "LS0tLS1CRUdJTiBSU0E", "client-key-data: "},
		{"curl -u user:pass", `{"command":"curl -u alice:S3cretPw https://api.example.com"}`, "S3cretPw", "-u alice:[REDACTED] https://api.example.com"},
		{"curl --user user:pass", `{"command":"curl --user alice:S3cretPw https://api.example.com"}`, "S3cretPw", "--user alice:[REDACTED]"},
		{"curl --user=user:pass", `{"command":"curl --user=alice:S3cretPw x"}`, "S3cretPw", "alice:"},
		{"sudo -u user is kept", `{"command":"sudo -u postgres psql"}`, "[REDACTED]", "sudo -u postgres psql"},
		{"https token as user", `{"command":"git push https://S3cretTok@github.com/o/r.git"}`, "S3cretTok", "https://[REDACTED]@github.com/o/r.git"},
		{"ssh user is kept", `{"command":"git clone ssh://git@github.com/o/r.git"}`, "[REDACTED]", "ssh://git@github.com"},
		{"JSON text in file contents", `{"content":"{\"password\": \"S3cretPw\", \"api_key\": \"S3cretKey\", \"user\": \"bob\"}"}`, "S3cret", `\"user\": \"bob\"`},
		{"JSON text in curl -d", `{"command":"curl -d '{\"password\":\"S3cretPw\"}' https://x"}`, "S3cretPw", "https://x"},
		{"camelCase privateKey", `{"privateKey":"S3cret1","user":"bob"}`, "S3cret1", `"user":"bob"`},
		{"camelCase accessKey", `{"accessKey":"S3cret2"}`, "S3cret2", "REDACTED"},
		{"camelCase signingKey", `{"signingKey":"S3cret3"}`, "S3cret3", "REDACTED"},
		{"camelCase sessionKey", `{"sessionKey":"S3cret4"}`, "S3cret4", "REDACTED"},
		{"dbPass", `{"dbPass":"S3cret5","dbHost":"h"}`, "S3cret5", `"dbHost":"h"`},
		{"bearer field", `{"bearer":"S3cret6"}`, "S3cret6", "REDACTED"},
		{"Private-Key with dashes", `{"Private-Key":"S3cret7"}`, "S3cret7", "REDACTED"},
		{"PGP private key block", `{"content":"-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBGS3cret\n-----END PGP PRIVATE KEY BLOCK-----\nafter"}`, "lQOYBGS3cret", "after"},
		{"DB_PASS=", `{"command":"DB_PASS=S3cretPw ./run"}`, "S3cretPw", "./run"},
		{"OPENAI_KEY=", `{"command":"OPENAI_KEY=S3cretKey STRIPE_KEY=S3cretK2 ./run"}`, "S3cretK", "./run"},
		{"sshpass -p", `{"command":"sshpass -p S3cretPw ssh host"}`, "S3cretPw", "ssh host"},
		{"sshpass -p quoted", `{"command":"sshpass -p 'S3cret Pw' ssh host"}`, "S3cret", "ssh host"},
		{"openssl -k", `{"command":"openssl enc -aes-256-cbc -k S3cretPw -in f"}`, "S3cretPw", "-in f"},
		{"openssl -pass", `{"command":"openssl pkcs12 -in a.p12 -passin pass:S3cretPw -nodes"}`, "S3cretPw", "-nodes"},
		{"htpasswd -b", `{"command":"htpasswd -bc .htpasswd alice S3cretPw"}`, "S3cretPw", "alice"},
		{"header as name/value", `{"headers":[{"name":"Authorization","value":"S3cretTok"},{"name":"Accept","value":"json"}]}`, "S3cretTok", `"value":"json"`},
		{"setting as key/value", `{"env":[{"key":"DB_PASSWORD","value":"S3cretPw"}]}`, "S3cretPw", "DB_PASSWORD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(Redact([]byte(tc.in)))
			if strings.Contains(got, tc.gone) || !strings.Contains(got, tc.kept) {
				t.Errorf("Redact(%s) = %s; want %q gone and %q kept", tc.in, got, tc.gone, tc.kept)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("not JSON: %s", got)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	e := sampleEvent(1)
	e.Seq, e.PrevHash, e.Kid, e.Signature = 1, Genesis, "k", "ed25519:"
	e.Hash, _ = e.computeHash(nil)
	f.Add(e.canonical(nil, true))
	f.Add([]byte(`{"seq":1,"input":{"a":[1,2]}}`))
	f.Add([]byte(`{"recovered":{"after_seq":1,"bytes":2}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast Event
		if parseFast(b, &fast) && fast.verbatim(b) {
			var slow Event
			if err := json.Unmarshal(b, &slow); err != nil || !slow.verbatim(b) {
				t.Fatalf("the fast parser accepted a line encoding/json rejects: %v", err)
			}
			if !bytes.Equal(slow.canonical(nil, true), fast.canonical(nil, true)) {
				t.Fatal("fast and slow parsers disagree")
			}
		}
		e, err := Parse(b)
		if err == nil {
			if !bytes.Equal(e.canonical(nil, true), b) {
				t.Fatal("Parse accepted a line that is not its canonical form")
			}
		}
	})
}

// FuzzVerify feeds arbitrary bytes as a log (after a valid prefix); Verify
// must never panic and must never accept bytes it did not sign.
func FuzzVerify(f *testing.F) {
	l := newTestLog(f)
	l.appendN(f, 2)
	prefix, _ := os.ReadFile(l.opt.Path)
	f.Add([]byte{})
	f.Add([]byte("{\"seq\":3}\n"))
	f.Add(prefix[:len(prefix)/2])
	f.Fuzz(func(t *testing.T, tail []byte) {
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		os.WriteFile(path, append(bytes.Clone(prefix), tail...), 0o600)
		sum, err := VerifyWith(path, VerifyOptions{Pubkeys: l.pubs, Workers: 2, AllowRecovered: true})
		if err == nil && len(tail) > 0 && sum.Events != 2 {
			t.Fatalf("accepted %d events from unsigned bytes", sum.Events)
		}
	})
}

func TestLongLines(t *testing.T) {
	l := newTestLog(t)
	e := sampleEvent(1)
	e.Input = Redact([]byte(`{"content":"` + strings.Repeat("x", 60<<10) + `","api_key":"s3cr3t"}`))
	if err := Append(l.opt, e); err != nil {
		t.Fatal(err)
	}
	big := sampleEvent(2)
	big.Input = json.RawMessage(`"` + strings.Repeat("y", MaxInputBytes+1) + `"`)
	if err := Append(l.opt, big); err != nil {
		t.Fatal(err)
	}
	sum, err := Verify(l.opt.Path, l.pubs, 2)
	if err != nil || sum.Events != 2 {
		t.Fatalf("%v %+v", err, sum)
	}
	ls := l.lines(t)
	if !bytes.Contains(ls[0], []byte(`"api_key":"[REDACTED]"`)) || bytes.Contains(ls[0], []byte("s3cr3t")) {
		t.Fatal("the stored input is not redacted")
	}
	if !bytes.Contains(ls[1], []byte(`"omitted":"input larger than 65536 bytes"`)) {
		t.Fatal("an oversize input was stored")
	}

	for _, tc := range []struct {
		size    int
		problem string
	}{{400 << 10, "not a valid JSON event"}, {MaxLineBytes + 10, "line longer than"}} {
		l.write(t, append(ls[:2:2], append(bytes.Repeat([]byte("z"), tc.size), '\n')))
		_, err = Verify(l.opt.Path, l.pubs, 2)
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Line != 3 || !strings.Contains(ve.Problem, tc.problem) {
			t.Fatalf("%d-byte line: %v", tc.size, err)
		}
	}
}

// An overlong line stops the read; damage on an earlier line of the same
// chunk is still the first bad line reported.
func TestOverlongLineAfterAnEdit(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 30)
	ls := l.lines(t)
	for _, tc := range []struct {
		name string
		edit func([][]byte) [][]byte
		line int
		want string
	}{
		{"edited line 5", func(ls [][]byte) [][]byte {
			ls[4] = bytes.Replace(bytes.Clone(ls[4]), []byte(`"tool":"Bash"`), []byte(`"tool":"Bask"`), 1)
			return ls
		}, 5, "does not match its hash"},
		{"junk line 5", func(ls [][]byte) [][]byte {
			ls[4] = []byte("junk\n")
			return ls
		}, 5, "not a valid JSON event"},
		{"junk line 20, right before the long one", func(ls [][]byte) [][]byte {
			ls[19] = []byte("junk\n")
			return ls
		}, 20, "not a valid JSON event"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edited := tc.edit(slices.Clone(ls))
			// line 21 is 2 MiB without a newline in the first MiB
			edited = append(edited[:20:20], append([][]byte{append(bytes.Repeat([]byte("x"), 2<<20), '\n')}, edited[20:]...)...)
			l.write(t, edited)
			_, err := Verify(l.opt.Path, l.pubs, 2)
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Line != tc.line || !strings.Contains(ve.Problem, tc.want) {
				t.Fatalf("got %v, want line %d: %s", err, tc.line, tc.want)
			}
		})
	}
	// alone, the overlong line is reported where it is
	l.write(t, append(ls[:20:20], append([][]byte{append(bytes.Repeat([]byte("x"), 2<<20), '\n')}, ls[20:]...)...))
	_, err := Verify(l.opt.Path, l.pubs, 2)
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Line != 21 || !strings.Contains(ve.Problem, "line longer than") {
		t.Fatalf("got %v, want line 21 too long", err)
	}
}

// signedLine seals ev with the log's own key, as Append would, and returns
// its line: for logs that Append itself refuses to write.
func (l *testLog) signedLine(t *testing.T, ev *Event) []byte {
	t.Helper()
	ev.Kid = l.key.ID
	ev.Hash, _ = ev.computeHash(nil)
	ev.Signature = "ed25519:" + base64.StdEncoding.EncodeToString(l.key.Sign([]byte(ev.Hash)))
	return append(ev.canonical(nil, true), '\n')
}

// TestRecoveryCoversOnlyAPartialLine: only a final line without a newline
// can come from an interrupted append. Complete lines that are not events
// make Append fail (it does not chain past them or record them as a
// recovery), and verify does not accept a recovery record covering them.
func TestRecoveryCoversOnlyAPartialLine(t *testing.T) {
	t.Run("append refuses complete bad lines at the end", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			edit func([][]byte) [][]byte
		}{
			{"last three lines edited", func(ls [][]byte) [][]byte {
				for i := 7; i < 10; i++ {
					ls[i] = append([]byte("X"), ls[i]...)
				}
				return ls
			}},
			{"last line edited", func(ls [][]byte) [][]byte {
				ls[9] = bytes.Replace(ls[9], []byte(`"tool":"Bash"`), []byte(`"tool":"Bask"`), 1)
				return ls
			}},
			{"bad complete line, then a partial line", func(ls [][]byte) [][]byte {
				ls[9] = append(append([]byte("junk\n"), ls[9][:40]...), []byte{}...)
				return ls
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l := newTestLog(t)
				l.appendN(t, 10)
				l.write(t, tc.edit(slices.Clone(l.lines(t))))
				before, _ := os.ReadFile(l.opt.Path)
				err := Append(l.opt, sampleEvent(11))
				if err == nil || !strings.Contains(err.Error(), "is not a valid event") || !strings.Contains(err.Error(), "aport audit verify") {
					t.Fatalf("Append: %v", err)
				}
				if after, _ := os.ReadFile(l.opt.Path); !bytes.Equal(before, after) {
					t.Fatal("the log changed")
				}
			})
		}
	})
	t.Run("verify refuses a recovery record over complete lines", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 5)
		ls := l.lines(t)
		last, _ := Parse(bytes.TrimSuffix(ls[4], []byte("\n")))
		junk := []byte("complete but not an event\n{\"seq\":6,\n")
		ev := sampleEvent(6)
		ev.Seq, ev.PrevHash = 6, last.Hash
		ev.Recovered = &Recovered{AfterSeq: 5, Bytes: int64(len(junk))}
		l.write(t, append(ls, junk, l.signedLine(t, ev)))
		_, err := VerifyWith(l.opt.Path, VerifyOptions{Pubkeys: l.pubs, AllowRecovered: true})
		var ve *VerifyError
		if !errors.As(err, &ve) || ve.Line != 6 || !strings.Contains(ve.Problem, "records these 2 lines as one recovered partial write") {
			t.Fatalf("got %v", err)
		}
		// the same record over one line is a recovery
		junk = []byte("{\"seq\":6,\n")
		ev = sampleEvent(6)
		ev.Seq, ev.PrevHash = 6, last.Hash
		ev.Recovered = &Recovered{AfterSeq: 5, Bytes: int64(len(junk))}
		l.write(t, append(ls, junk, l.signedLine(t, ev)))
		if sum, err := VerifyWith(l.opt.Path, VerifyOptions{Pubkeys: l.pubs, AllowRecovered: true}); err != nil || len(sum.Recovered) != 1 {
			t.Fatalf("one-line recovery: %v", err)
		}
	})
}

// TestAppendChecksHead: Append compares the head record with the log's last
// event before it writes. Events deleted from the end, a deleted log, or a
// head that names another event make it fail and write nothing, so the
// next call cannot overwrite the head and hide the deletion.
func TestAppendChecksHead(t *testing.T) {
	refusedOnly := func(t *testing.T, l *testLog, want string) {
		t.Helper()
		before, beforeErr := os.ReadFile(l.opt.Path)
		head, _ := os.ReadFile(HeadPath(l.opt.Path))
		err := Append(l.opt, sampleEvent(99))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "aport audit verify") || !strings.Contains(err.Error(), "mv ") {
			t.Fatalf("Append: %v, want an error containing %q and how to recover", err, want)
		}
		after, afterErr := os.ReadFile(l.opt.Path)
		if !bytes.Equal(before, after) || (beforeErr == nil) != (afterErr == nil) {
			t.Fatal("the log changed")
		}
		if h, _ := os.ReadFile(HeadPath(l.opt.Path)); !bytes.Equal(h, head) {
			t.Fatal("the head record changed")
		}
	}
	refused := func(t *testing.T, l *testLog, want string) {
		t.Helper()
		refusedOnly(t, l, want)
		if _, err := Verify(l.opt.Path, l.pubs, 1); err == nil {
			t.Fatal("verify passes after the refused append")
		}
	}
	t.Run("last events deleted", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 10)
		l.write(t, l.lines(t)[:8])
		refused(t, l, "the log ends at seq 8, but the head record")
	})
	t.Run("log cut in the middle of an event", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 10)
		b, _ := os.ReadFile(l.opt.Path)
		os.WriteFile(l.opt.Path, b[:len(b)-2000], 0o600) // seq 9 and 10 gone, a partial line left
		refused(t, l, "events were deleted from the end")
	})
	t.Run("log deleted", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 10)
		os.Remove(l.opt.Path)
		refused(t, l, "the log holds no event")
		if _, err := os.Stat(l.opt.Path); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("an empty log was created")
		}
	})
	t.Run("log emptied", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 3)
		os.WriteFile(l.opt.Path, nil, 0o600)
		refused(t, l, "the log holds no event")
	})
	t.Run("head edited ahead", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 3)
		writeHead(l.opt.Path, 9, "sha256:"+strings.Repeat("ab", 32))
		refused(t, l, "the log ends at seq 3, but the head record")
	})
	t.Run("head with another hash", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 3)
		writeHead(l.opt.Path, 3, "sha256:"+strings.Repeat("ab", 32))
		refused(t, l, "does not match the head record")
	})
	t.Run("head two behind", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 5)
		e, _ := Parse(bytes.TrimSuffix(l.lines(t)[2], []byte("\n")))
		writeHead(l.opt.Path, 3, e.Hash)
		// a power loss can leave the unsynced head several events behind
		// the synced log; that hides nothing, and appends go on
		if err := Append(l.opt, &Event{TS: "2026-01-01T00:00:00.000Z", Decision: "allow"}); err != nil {
			t.Fatalf("Append with the head two events behind: %v", err)
		}
		if _, err := Verify(l.opt.Path, l.pubs, 1); err != nil {
			t.Fatalf("verify after the append: %v", err)
		}
	})
	t.Run("the log's segments deleted with it", func(t *testing.T) {
		l := newTestLog(t)
		l.opt.MaxSegmentBytes = 3000
		l.appendN(t, 20)
		segs, _ := Segments(l.opt.Path)
		for _, s := range append(segs, l.opt.Path) {
			os.Remove(s)
		}
		refused(t, l, "the log holds no event")
	})

	// What is not damage.
	t.Run("head one behind: a crash before the head write", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 5)
		e, _ := Parse(bytes.TrimSuffix(l.lines(t)[3], []byte("\n")))
		writeHead(l.opt.Path, 4, e.Hash)
		l.appendN(t, 1)
		if sum, err := Verify(l.opt.Path, l.pubs, 1); err != nil || sum.LastSeq != 6 {
			t.Fatalf("%v %+v", err, sum)
		}
	})
	t.Run("no head record", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 3)
		os.Remove(HeadPath(l.opt.Path))
		l.appendN(t, 1)
		if sum, err := Verify(l.opt.Path, l.pubs, 1); err != nil || sum.LastSeq != 4 {
			t.Fatalf("%v %+v", err, sum)
		}
	})
	t.Run("empty head record: a crash before its first write", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 1)
		os.WriteFile(HeadPath(l.opt.Path), nil, 0o600)
		l.appendN(t, 1)
		if sum, err := Verify(l.opt.Path, l.pubs, 1); err != nil || sum.LastSeq != 2 {
			t.Fatalf("%v %+v", err, sum)
		}
	})
	t.Run("partial line after the head's event", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 4)
		f, _ := os.OpenFile(l.opt.Path, os.O_WRONLY|os.O_APPEND, 0)
		f.Write(l.lines(t)[1][:50])
		f.Close()
		l.appendN(t, 1)
		if sum, err := VerifyWith(l.opt.Path, VerifyOptions{Pubkeys: l.pubs, AllowRecovered: true}); err != nil || sum.LastSeq != 5 || len(sum.Recovered) != 1 {
			t.Fatalf("%v %+v", err, sum)
		}
	})
	t.Run("moving the damaged log and head aside starts a new log", func(t *testing.T) {
		l := newTestLog(t)
		l.appendN(t, 10)
		l.write(t, l.lines(t)[:8])
		if err := Append(l.opt, sampleEvent(1)); err == nil {
			t.Fatal("want an error")
		}
		os.Rename(l.opt.Path, l.opt.Path+".damaged")
		os.Rename(HeadPath(l.opt.Path), l.opt.Path+".damaged.head")
		l.appendN(t, 2)
		if sum, err := Verify(l.opt.Path, l.pubs, 1); err != nil || sum.LastSeq != 2 {
			t.Fatalf("%v %+v", err, sum)
		}
	})
}

func TestParseHead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a")
	hash := "sha256:" + strings.Repeat("0f", 32)
	if err := writeHead(p, 1234, hash); err != nil {
		t.Fatal(err)
	}
	h, err := readHead(p)
	if err != nil || h.Seq != 1234 || h.Hash != hash {
		t.Fatalf("%+v %v", h, err)
	}
	for _, bad := range []string{
		`{"hash":"` + hash + `","seq":0}` + "\n",
		`{"hash":"` + hash + `","seq":012}` + "\n",
		`{"hash":"` + hash + `","seq":-1}` + "\n",
		`{"hash":"` + hash + `","seq":12}`,
		`{"hash":"` + hash + `","seq":12} x` + "\n",
		`{"hash":"sha256:` + strings.Repeat("0F", 32) + `","seq":12}` + "\n",
		`{"seq":12,"hash":"` + hash + `"}` + "\n",
		`{"hash":"` + hash + `", "seq":12}` + "\n",
	} {
		if h, ok := parseHead([]byte(bad)); ok {
			t.Errorf("%q parsed as %+v", bad, h)
		}
	}
}

// TestConcurrentAppendsWhileTheLockFileIsDeleted: appenders (each with its
// own open file, so they contend like processes) while another goroutine
// keeps deleting the lock file. The chain must stay one chain.
func TestConcurrentAppendsWhileTheLockFileIsDeleted(t *testing.T) {
	t.Run("one file", func(t *testing.T) { appendWhileDeletingTheLock(t, 0) })
	t.Run("rotating", func(t *testing.T) { appendWhileDeletingTheLock(t, 20_000) })
}

func appendWhileDeletingTheLock(t *testing.T, maxSegment int64) {
	l := newTestLog(t)
	l.opt.MaxSegmentBytes = maxSegment
	l.appendN(t, 1)
	stop := make(chan struct{})
	deleted := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				deleted <- n
				return
			default:
			}
			if os.Remove(LockPath(l.opt.Path)) == nil {
				n++
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	const workers, each = 8, 40
	errs := make(chan error, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- Append(l.opt, sampleEvent(w*each+i))
			}
		}()
	}
	wg.Wait()
	close(stop)
	n := <-deleted
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sum, err := Verify(l.opt.Path, l.pubs, 2)
	if err != nil || sum.Events != 1+workers*each {
		t.Fatalf("after %d deletions of the lock file: %v %+v", n, err, sum)
	}
	t.Logf("%d deletions of the lock file", n)
}

// TestLockFileHardLinkedToLog: a lock file that is the live log under a
// second name would make Append wait on its own lock until the timeout.
// It is refused at once, with what to do.
func TestLockFileHardLinkedToLog(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 1)
	if err := os.Remove(LockPath(l.opt.Path)); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(l.opt.Path, LockPath(l.opt.Path)); err != nil {
		t.Fatal(err)
	}
	opt := l.opt
	opt.LockTimeout = time.Minute
	start := time.Now()
	err := Append(opt, sampleEvent(1))
	if err == nil || !strings.Contains(err.Error(), "hard link") || !strings.Contains(err.Error(), "rm "+LockPath(l.opt.Path)) {
		t.Fatalf("Append: %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("Append waited %s on its own lock", d)
	}
	if len(l.lines(t)) != 1 {
		t.Fatal("an event was written")
	}
	if err := os.Remove(LockPath(l.opt.Path)); err != nil {
		t.Fatal(err)
	}
	if err := Append(l.opt, sampleEvent(1)); err != nil {
		t.Fatalf("after removing the lock file: %v", err)
	}
}

// TestRedactLargeInput: an input too large to be stored is not searched for
// secrets (that took seconds for a few megabytes); its event records only
// the size. One whose canonical form fits is still masked and stored.
func TestRedactLargeInput(t *testing.T) {
	big := []byte(`{"content":"` + strings.Repeat("password=hunter2 ", MaxRedactBytes/16) + `"}`)
	got := Redact(big)
	want := fmt.Sprintf(`{"bytes":%d,"omitted":"input larger than %d bytes"}`, len(big), MaxInputBytes)
	if string(got) != want {
		t.Fatalf("Redact of %d bytes = %.200s, want %s", len(big), got, want)
	}
	// Indented: more than MaxInputBytes of text, less in canonical form.
	padded := []byte("{\"cmd\": \"curl -u bob:hunter2 https://x\"" + strings.Repeat(" ", MaxInputBytes+100) + "}")
	got = Redact(padded)
	if string(got) != `{"cmd":"curl -u bob:[REDACTED] https://x"}` {
		t.Fatalf("Redact of an indented input = %.200s", got)
	}
}

// TestParseRefusesUnstorableInputCheaply: a forged line whose input has
// more keys than Append ever stores is refused before it is canonicalised
// (which took about 19 s for a 1 MB input of keys), and Append stores a
// note in place of such an input.
func TestParseRefusesUnstorableInputCheaply(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{`)
	for i := range 60000 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%07d":0`, i)
	}
	b.WriteString(`}`)
	line := `{"agent_id":"x","decision":"allow","hash":"sha256:` + strings.Repeat("0", 64) + `","input":` + b.String() + `,"seq":1}`
	start := time.Now()
	if _, err := Parse([]byte(line)); err == nil {
		t.Fatal("Parse accepted an input larger than any Append writes")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Parse took %s", d)
	}
	many := make(map[string]int, MaxCanonicalKeys+1)
	for i := range MaxCanonicalKeys + 1 {
		many[fmt.Sprintf("k%d", i)] = i
	}
	raw, _ := json.Marshal(many)
	if len(raw) > MaxInputBytes {
		t.Fatalf("test input of %d bytes is over the size bound", len(raw))
	}
	small := `{"agent_id":"x","decision":"allow","hash":"sha256:` + strings.Repeat("0", 64) + `","input":` + string(raw) + `,"seq":1}`
	if _, err := Parse([]byte(small)); err == nil {
		t.Fatal("Parse accepted an input with more keys than Append stores")
	}
	l := newTestLog(t)
	ev := sampleEvent(1)
	ev.Input = raw
	if err := Append(l.opt, ev); err != nil {
		t.Fatal(err)
	}
	got := l.lines(t)[0]
	if !bytes.Contains(got, []byte(`"omitted":"input with more than 4096 object keys`)) {
		t.Fatalf("stored: %.300s", got)
	}
	if _, err := Verify(l.opt.Path, l.pubs, 1); err != nil {
		t.Fatal(err)
	}
}
