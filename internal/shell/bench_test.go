package shell

import "testing"

func BenchmarkCheckTypical(b *testing.B) {
	env := testEnv()
	b.ReportAllocs()
	for b.Loop() {
		res := Check("git status && go test ./... 2>&1 | tail -20", devPolicy, env)
		if len(res.Findings) != 0 {
			b.Fatal(res.Findings)
		}
	}
}

func BenchmarkCheckOneCommand(b *testing.B) {
	env := testEnv()
	b.ReportAllocs()
	for b.Loop() {
		Check("ls -la", devPolicy, env)
	}
}
