package audit

import (
	"bufio"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeLog writes n chained events to the log quickly (no lock, no fsync).
// With sign false every line carries the same placeholder signature: the
// chain and the tail are real, which is all Append reads.
func writeLog(tb testing.TB, l *testLog, n int, sign bool) {
	tb.Helper()
	f, err := os.OpenFile(l.opt.Path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		os.MkdirAll(filepath.Dir(l.opt.Path), 0o700)
		if f, err = os.OpenFile(l.opt.Path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	w := bufio.NewWriterSize(f, 1<<20)
	priv := l.key.PrivateKey()
	fake := "ed25519:" + base64.StdEncoding.EncodeToString(make([]byte, 64))
	prev := Genesis
	var buf []byte
	for i := range n {
		e := sampleEvent(i)
		e.Seq, e.PrevHash, e.Kid = int64(i+1), prev, l.key.ID
		e.Hash, buf = e.computeHash(buf)
		if sign {
			e.Signature = "ed25519:" + base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(e.Hash)))
		} else {
			e.Signature = fake
		}
		buf = append(e.canonical(buf[:0], true), '\n')
		w.Write(buf)
		prev = e.Hash
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	// Flush the page cache now, so the first timed fsync does not pay for
	// writing the whole generated log.
	if err := f.Sync(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkAppend is one Append (lock, tail read, sign, write, fsync) with
// 10 and with 1,000,000 events already in the log: the cost must not grow
// with the log. The tail sub-benchmark times only the read of the previous
// event from the end of the file, free of fsync's disk noise.
func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{10, 1_000_000} {
		b.Run(fmt.Sprintf("log=%d", n), func(b *testing.B) {
			l := newTestLog(b)
			writeLog(b, l, n, false)
			st, err := os.Stat(l.opt.Path)
			if err != nil {
				b.Fatal(err)
			}
			l.opt.MaxSegmentBytes = 1 << 40 // no rotation during the benchmark
			b.Run("append", func(b *testing.B) {
				var ds []time.Duration
				for i := 0; b.Loop(); i++ {
					start := time.Now()
					if err := Append(l.opt, sampleEvent(i)); err != nil {
						b.Fatal(err)
					}
					ds = append(ds, time.Since(start))
				}
				slices.Sort(ds)
				b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(ds[len(ds)*99/100].Nanoseconds()), "p99-ns")
				b.ReportMetric(float64(st.Size())/(1<<20), "log-MiB")
			})
			b.Run("tail", func(b *testing.B) {
				f, err := os.Open(l.opt.Path)
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				fi, _ := f.Stat()
				for b.Loop() {
					t, err := readTail(f, fi.Size())
					if err != nil || t.last == nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// TestHelperColdAppend is run as a child by BenchmarkAppendColdProcess: it
// times one Append in a fresh process (key load, first signature, lock,
// tail, fsync) and prints the nanoseconds.
func TestHelperColdAppend(t *testing.T) {
	path := os.Getenv("AUDIT_COLD_LOG")
	if path == "" {
		t.Skip("helper for BenchmarkAppendColdProcess")
	}
	e := sampleEvent(1)
	start := time.Now()
	if err := Append(Options{Path: path, KeyPath: os.Getenv("AUDIT_COLD_KEY")}, e); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("cold-append-ns %d\n", time.Since(start).Nanoseconds())
}

// BenchmarkAppendColdProcess is what the hook pays for auditing: the first
// Append of a new process, measured inside the child.
func BenchmarkAppendColdProcess(b *testing.B) {
	l := newTestLog(b)
	writeLog(b, l, 1000, false)
	var got []float64
	for b.Loop() {
		c := exec.Command(os.Args[0], "-test.run=^TestHelperColdAppend$", "-test.count=1")
		c.Env = append(os.Environ(), "AUDIT_COLD_LOG="+l.opt.Path, "AUDIT_COLD_KEY="+l.opt.KeyPath)
		out, err := c.Output()
		if err != nil {
			b.Fatalf("%v: %s", err, out)
		}
		_, v, ok := strings.Cut(string(out), "cold-append-ns ")
		if !ok {
			b.Fatalf("no measurement in %q", out)
		}
		f, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
		got = append(got, f)
	}
	slices.Sort(got)
	b.ReportMetric(got[len(got)/2], "cold-append-p50-ns")
	b.ReportMetric(got[len(got)*99/100], "cold-append-p99-ns")
}

// BenchmarkVerify is the throughput of Verify over a log of real signed
// events, with one worker and with one per CPU.
func BenchmarkVerify(b *testing.B) {
	const n = 20_000
	l := newTestLog(b)
	writeLog(b, l, n, true)
	for _, workers := range []int{1, 0} {
		name := "workers=" + strconv.Itoa(workers)
		if workers == 0 {
			name = "workers=ncpu"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				sum, err := Verify(l.opt.Path, l.pubs, workers)
				if err != nil || sum.Events != n {
					b.Fatalf("%v %+v", err, sum)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkVerifyOne compares a batched signature check with
// crypto/ed25519.Verify, per signature.
func BenchmarkVerifyOne(b *testing.B) {
	l := newTestLog(b)
	priv := l.key.PrivateKey()
	const n = chunkLines
	msgs, sigs := make([][]byte, n), make([][]byte, n)
	for i := range n {
		msgs[i] = []byte(fmt.Sprintf("sha256:%064d", i))
		sigs[i] = ed25519.Sign(priv, msgs[i])
	}
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			if !batchVerify(l.key.Public, msgs, sigs) {
				b.Fatal("batch rejected valid signatures")
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/sig")
	})
	b.Run("crypto-ed25519", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			ed25519.Verify(l.key.Public, msgs[i%n], sigs[i%n])
		}
	})
}
