package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	if os.Getenv("APORT_E2E_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	testscript.Main(m, map[string]func(){
		"aport": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)) },
	})
}

// TestScript runs the end-to-end CLI tests in testdata/script: each file
// drives the real binary with host payloads and checks stdout, stderr and
// the exact exit code.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			home := filepath.Join(e.WorkDir, "home")
			e.Setenv("HOME", home)
			e.Setenv("APORT_HOME", filepath.Join(home, ".aport"))
			e.Setenv("NO_COLOR", "1")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
			"expand":   cmdExpand,
			"sleep":    cmdSleep,
		},
	})
}

// cmdExpand writes a copy of a file with $VAR and ${VAR} replaced from the
// script's environment, for payloads that name $WORK paths:
//
//	expand payload.json.in payload.json
func cmdExpand(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: expand IN OUT")
	}
	b := ts.ReadFile(args[0])
	out := os.Expand(b, ts.Getenv)
	if err := os.WriteFile(ts.MkAbs(args[1]), []byte(out), 0o644); err != nil {
		ts.Fatalf("%v", err)
	}
}

// cmdSleep waits for a duration, for windows and TTLs that must pass:
//
//	sleep 1100ms
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		ts.Fatalf("sleep: %v", err)
	}
	time.Sleep(d)
}

// cmdExitcode runs a command and checks its exact exit code:
//
//	exitcode 2 aport eval --passport p.json
//
// stdout and stderr are kept for the following stdout/stderr assertions.
func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want := args[0]
	err := ts.Exec(args[1], args[2:]...)
	got := "0"
	if err != nil {
		got = exitCodeOf(err)
	}
	if got != want {
		ts.Fatalf("%s exited %s, want %s", args[1], got, want)
	}
}
