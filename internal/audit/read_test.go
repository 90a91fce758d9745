package audit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHuman(t *testing.T) {
	e := sampleEvent(0)
	e.Reason = "oap.command_not_allowed"
	cases := []struct {
		name  string
		r     Record
		color bool
		want  string
	}{
		{"deny", Record{Event: e}, false, "2026-11-22 10:00:00  deny     Bash                      oap.command_not_allowed"},
		{"deny in colour", Record{Event: e}, true, "2026-11-22 10:00:00  \x1b[31mdeny   \x1b[0m  Bash                      oap.command_not_allowed"},
		{"passport event", Record{Event: &Event{TS: "2026-11-22T10:00:00.5Z", Event: KindPassportSuspend, PassportID: "p-1", Decision: "suspended", Reason: "incident"}}, true,
			"2026-11-22 10:00:00  \x1b[36mpassport.suspend\x1b[0m  p-1                       incident"},
		{"break-glass", Record{Event: &Event{TS: "x", Decision: "allow", Tool: "Bash", Reason: "oap.allowed", Breakglass: true}}, false, "x  allow    Bash                      oap.allowed (break-glass)"},
		{"not an event", Record{Line: 7}, false, "?                    ?        line 7 is not an event (`aport audit verify` says why)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Human(tc.r, tc.color); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestFollow(t *testing.T) {
	l := newTestLog(t)
	l.opt.MaxSegmentBytes = 2000 // rotate while following
	l.appendN(t, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var seqs []int64
	done := make(chan error, 1)
	go func() {
		done <- Follow(ctx, l.opt.Path, 5*time.Millisecond, func(r Record) bool {
			mu.Lock()
			defer mu.Unlock()
			if r.Event != nil {
				seqs = append(seqs, r.Event.Seq)
			}
			return true
		})
	}()
	time.Sleep(30 * time.Millisecond)
	for i := range 3 {
		if err := Append(l.opt, sampleEvent(i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(seqs)
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := fmt.Sprint(seqs); got != "[3 4 5]" {
		t.Fatalf("followed seqs %s, want [3 4 5] (the events appended after it started, across a rotation)", got)
	}
	if segs, _ := Segments(l.opt.Path); len(segs) == 0 {
		t.Fatal("the log did not rotate while followed")
	}
}

// TestHumanIsSafeForTerminals: audit tail and show print the tool and reason
// of events; escape sequences in them are shown, not obeyed.
func TestHumanIsSafeForTerminals(t *testing.T) {
	e := &Event{TS: "2026-12-08T01:00:00Z", Decision: "deny", Tool: "x\x1b]52;c;ZWNobw==\a\x1b[2J\x1b[32mFAKE allow", Reason: "oap.tool_not_allowed\x9b"}
	s := Human(Record{Event: e}, false)
	if strings.ContainsAny(s, "\x1b\a") || strings.Contains(s, "\x9b") || !strings.Contains(s, `\x1b[2J`) {
		t.Fatalf("Human = %q", s)
	}
}

// TestTailSkipsOverlongLines: a line longer than any event (a hostile or
// damaged log) is noted as not an event and not held; the lines around it
// still come back, in order, and a huge line costs time linear in its size.
func TestTailSkipsOverlongLines(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 2)
	f, err := os.OpenFile(l.opt.Path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(strings.Repeat("x", 3*MaxLineBytes) + "\n"))
	f.Close()
	l.appendN(t, 0)
	good := l.lines(t)[:2]
	f, _ = os.OpenFile(l.opt.Path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(append(bytes.TrimSuffix(append([]byte(nil), good[1]...), []byte("\n")), '\n')) // a copy of an event after it
	f.Close()
	start := time.Now()
	recs, err := Tail(l.opt.Path, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Tail took %s", d)
	}
	if len(recs) != 4 || recs[0].Event == nil || recs[0].Event.Seq != 1 || recs[1].Event == nil ||
		recs[2].Event != nil || recs[2].Raw != nil || recs[3].Event == nil {
		for _, r := range recs {
			t.Logf("event %v raw %d bytes", r.Event != nil, len(r.Raw))
		}
		t.Fatalf("Tail returned %d records", len(recs))
	}
	recs, _ = Tail(l.opt.Path, 1)
	if len(recs) != 1 || recs[0].Event == nil {
		t.Fatalf("Tail -n 1: %d records", len(recs))
	}
}

// TestFollowSkipsOverlongLines: a line growing past MaxLineBytes is reported
// once as not an event and not held; following goes on after its newline.
func TestFollowSkipsOverlongLines(t *testing.T) {
	l := newTestLog(t)
	l.appendN(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var got []string
	done := make(chan error, 1)
	go func() {
		done <- Follow(ctx, l.opt.Path, 5*time.Millisecond, func(r Record) bool {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case r.Event != nil:
				got = append(got, fmt.Sprint(r.Event.Seq))
			default:
				got = append(got, fmt.Sprintf("?%d", len(r.Raw)))
			}
			return true
		})
	}()
	time.Sleep(30 * time.Millisecond)
	f, err := os.OpenFile(l.opt.Path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // grows over several polls
		f.Write([]byte(strings.Repeat("x", MaxLineBytes)))
		time.Sleep(20 * time.Millisecond)
	}
	ev := l.lines(t)[0]
	f.Write([]byte("\n"))
	f.Write(bytes.TrimSuffix(ev, []byte("\n")))
	f.Write([]byte("\n"))
	f.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if s := fmt.Sprint(got); s != "[?0 1]" {
		t.Fatalf("followed %s, want [?0 1]", s)
	}
}
