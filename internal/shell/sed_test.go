package shell

import (
	"reflect"
	"strings"
	"testing"
)

func TestScanSed(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   sedScan
	}{
		{`s/foo/bar/g`, sedScan{}},
		{`s#/usr/#/opt/#g`, sedScan{}},
		{`s/\(a\)\/b/\1/2g`, sedScan{}},
		{`/^$/d`, sedScan{}},
		{`1,10p;$=`, sedScan{}},
		{`/start/,/end/{/x/d;s/a/b/}`, sedScan{}},
		{":a\n$!N\ns/\\n//\nta", sedScan{}},
		{`1i\#!/bin/bash`, sedScan{}},
		{"$a text with e and w in it", sedScan{}},
		{`y/abc/xyz/`, sedScan{}},
		{`\,x,d`, sedScan{}},
		{`0~3d`, sedScan{}},
		{`/x/I,+2 !d`, sedScan{}},
		{`# a comment with e w r`, sedScan{}},
		{`s/x/whoami/e`, sedScan{exec: []string{""}}},
		{`s/x/y/ge`, sedScan{exec: []string{""}}},
		{`1e whoami`, sedScan{exec: []string{"whoami"}}},
		{`e`, sedScan{exec: []string{""}}},
		{"/x/w out.txt\np", sedScan{writes: []string{"out.txt"}}},
		{`s/a/b/w /home/dev/.claude/settings.json`, sedScan{writes: []string{"/home/dev/.claude/settings.json"}}},
		{`1r /home/dev/.ssh/id_rsa`, sedScan{reads: []string{"/home/dev/.ssh/id_rsa"}}},
		{`$W log.txt`, sedScan{writes: []string{"log.txt"}}},
		// GNU sed reads a bracket expression whole: the delimiter inside it does not end the regex
		{`s/[/]/ t/e`, sedScan{exec: []string{""}}},
		{`s/[/]/ t/w /home/dev/.aport/passport.json`, sedScan{writes: []string{"/home/dev/.aport/passport.json"}}},
		{`/[/]/e whoami`, sedScan{exec: []string{"whoami"}}},
		{`s/[]/]/x/;s/[^]/]/x/;s/[[:alpha:]/]/x/;s/[[.-.]/]/x/;s/[[/]/x/;s/[\/]/x/g`, sedScan{}},
		{`s|[|]|x|`, sedScan{}},
		{`\,[,],d`, sedScan{}},
		{`y/[/]/`, sedScan{}},
	} {
		got, ok := scanSed(tc.script)
		if !ok {
			t.Errorf("scanSed(%q): not understood", tc.script)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("scanSed(%q) = %+v, want %+v", tc.script, got, tc.want)
		}
	}
	for _, bad := range []string{`s/a/b`, `k`, `s`, `/unterminated`, `s/[a/b/x/`, `s/[[:alpha/]/x/`} {
		if _, ok := scanSed(bad); ok {
			t.Errorf("scanSed(%q) understood, want not", bad)
		}
	}
}

func TestAwkEffects(t *testing.T) {
	for prog, want := range map[string]string{
		`{print $1}`:                                 "",
		`$3 > 100 {print $1, $3}`:                    "",
		`/foo|bar/ {n++} END {print n}`:              "",
		`{ if (a || b) print "x|y" }`:                "",
		`{print ($1 > $2)}`:                          "",
		`BEGIN{FS=":"} {s += $2 / 2} END{print s}`:   "",
		`{ gsub(/a\/b|c/, "d"); print }`:             "",
		`# print > "x"` + "\n{print}":                "",
		`BEGIN{system("id")}`:                        "runs a command (system())",
		`{print | "sh"}`:                             "runs a command (a pipe)",
		`BEGIN{"date" | getline d}`:                  "runs a command (a pipe)",
		`{print > "/tmp/out"}`:                       "writes a file (print >)",
		`{printf "%s\n", $0 >> f}`:                   "writes a file (print >)",
		`BEGIN{while ((getline l < f) > 0) print l}`: "reads a file (getline <)",
		`@load "filefuncs"`:                          "loads code (@load, @include)",
		// a continued line is not the end of a statement, and / after print starts a regex
		"BEGIN { x = 1 \\\n/ 1; system(\"id\"); y = 2 / 1 }": "runs a command (system())",
		"BEGIN { print \"x\" \\\n> \"/tmp/out\" }":           "writes a file (print >)",
		`BEGIN { print /"/ ; system("id") ; print "" }`:      "runs a command (system())",
		`{ print $1 / 2 / 1; system("id") }`:                 "runs a command (system())",
		`{ getline a[1] < "/etc/shadow" }`:                   "reads a file (getline <)",
		`{ print $1/$2, $3/$4 }`:                             "",
		`{ n = a/b; print "a|b" }`:                           "",
		`{ x = (a) / 2; s = "1|2" }`:                         "",
		`{ print $1/2 " | " $3/4 }`:                          "",
		"{ s = \"a\\\nb|c\" }":                               "",
		// a ] first in a bracket is literal; a newline after , && || continues a print
		`/[]/"]/ { system("id") } #"`:                           "runs a command (system())",
		"BEGIN { print \"x\",\n\"y\" > \"/tmp/out\" }":          "writes a file (print >)",
		"BEGIN { printf \"%s\", a &&\n b > \"/tmp/out\" }":      "writes a file (print >)",
		"BEGIN { getline x \\\n< \"/etc/shadow\" }":             "reads a file (getline <)",
		`BEGIN { ARGV[1] = "/etc/shadow"; ARGC = 2 } { print }`: "chooses the files it reads (ARGV, ARGC)",
		"{ print $1,\n$2 }\n{ if (a > b) n++ }":                 "",
	} {
		if got := awkEffects(prog); got != want {
			t.Errorf("awkEffects(%q) = %q, want %q", prog, got, want)
		}
	}
}

// TestAwkScanLinear: both readings of an ambiguous / meet again after it, so
// the scan stays linear in the program's length however many there are.
func TestAwkScanLinear(t *testing.T) {
	prog := strings.Repeat("a/b", 40000)
	if what, steps := awkScan(prog); what != "" || steps > 4*len(prog) {
		t.Errorf("awkScan of %d bytes of a/b: %q after %d steps, want none within %d", len(prog), what, steps, 4*len(prog))
	}
}
