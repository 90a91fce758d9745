// Package bench measures aport as the host runs it: a fresh process per tool
// call. BenchmarkProcess builds aport and the empty baseline hook, then runs
// them interleaved on the same payload so that machine noise hits both alike,
// and reports medians and their ratio. Run it with `make bench-process`.
package bench

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"syscall"
	"testing"
	"time"
)

func build(b *testing.B, dir, pkg, out string, tags ...string) string {
	b.Helper()
	bin := filepath.Join(dir, out)
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", bin}
	for _, t := range tags {
		args = append(args, "-tags", t)
	}
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build %s: %v\n%s", pkg, err, o)
	}
	return bin
}

type variant struct {
	name  string
	bin   string
	args  []string
	input []byte
	env   []string
	times []time.Duration
	want  int
	// faults are the child's minor page faults per run: in a fresh process
	// most of the start-up cost is the kernel mapping pages on first touch.
	faults []int64
}

func BenchmarkProcess(b *testing.B) {
	dir := b.TempDir()
	aport := build(b, dir, "github.com/aporthq/aport/cmd/aport", "aport")
	empty := build(b, dir, "github.com/aporthq/aport/bench/emptyhook", "emptyhook")
	// aport built to exit once its packages are initialised: the floor that
	// the Go runtime and aport's dependencies set before any aport code runs.
	floor := build(b, dir, "github.com/aporthq/aport/cmd/aport", "aport-floor", "aportfloor")
	payload, err := os.ReadFile("../examples/bash.json")
	if err != nil {
		b.Fatal(err)
	}
	passportFile := "../examples/passport.json"
	rated := filepath.Join(dir, "rated.json")
	pb, _ := os.ReadFile(passportFile)
	pb = bytes.Replace(pb, []byte(`"max_execution_time": 600`), []byte(`"max_execution_time": 600, "rate_per_minute": 100000000`), 1)
	if err := os.WriteFile(rated, pb, 0o600); err != nil {
		b.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	env := append(os.Environ(), "HOME="+home, "APORT_HOME="+filepath.Join(home, ".aport"))
	shm := "/dev/shm"
	if st, err := os.Stat(shm); err != nil || !st.IsDir() {
		shm = dir
	}
	shmDir, _ := os.MkdirTemp(shm, "aport-bench-")
	defer os.RemoveAll(shmDir)
	vs := []*variant{
		{name: "empty", bin: empty, input: payload},
		{name: "floor", bin: floor},
		{name: "startup", bin: aport, args: []string{"version"}},
		{name: "eval", bin: aport, args: []string{"eval", "--passport", passportFile, "--audit", filepath.Join(dir, "audit.jsonl")}, input: payload},
		{name: "eval-tmpfs", bin: aport, args: []string{"eval", "--passport", passportFile, "--audit", filepath.Join(shmDir, "audit.jsonl"), "--audit-key", filepath.Join(shmDir, "k")}, input: payload},
		{name: "eval-rate", bin: aport, args: []string{"eval", "--passport", rated, "--audit", filepath.Join(dir, "audit2.jsonl"), "--state", filepath.Join(dir, "state")}, input: payload},
	}
	run := func(v *variant) {
		cmd := exec.Command(v.bin, v.args...)
		cmd.Env = env
		cmd.Stdin = bytes.NewReader(v.input)
		var out bytes.Buffer
		cmd.Stdout = &out
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			b.Fatalf("%s: %v", v.name, err)
		}
		if code != v.want {
			b.Fatalf("%s exited %d: %s", v.name, code, out.String())
		}
		v.times = append(v.times, d)
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			v.faults = append(v.faults, ru.Minflt)
		}
	}
	for _, v := range vs { // warm the page cache and create keys
		run(v)
		v.times, v.faults = nil, nil
	}
	runtime.GC()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, v := range vs {
			run(v)
		}
	}
	b.StopTimer()
	base := median(vs[0].times)
	for _, v := range vs {
		m := median(v.times)
		b.ReportMetric(float64(m.Microseconds())/1000, v.name+"-ms")
		if len(v.faults) > 0 {
			b.ReportMetric(float64(medianInt(v.faults)), v.name+"-faults")
		}
		if v != vs[0] {
			b.ReportMetric(float64(m)/float64(base), v.name+"/empty")
		}
	}
}

func medianInt(xs []int64) int64 {
	s := append([]int64(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func median(ts []time.Duration) time.Duration {
	if len(ts) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ts...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
