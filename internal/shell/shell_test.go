package shell

import (
	"strings"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"
)

func TestCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		want []Command
	}{
		{"list and pipeline", "git status -s && go test ./... 2>&1 | tail -20", []Command{
			{Argv: []string{"git", "status", "-s"}, Name: "git", Cwd: "/home/dev/demo"},
			{Argv: []string{"go", "test", "./..."}, Name: "go", Cwd: "/home/dev/demo"},
			{Argv: []string{"tail", "-20"}, Name: "tail", Cwd: "/home/dev/demo"},
		}},
		{"quotes removed, path kept", `/usr/bin/r''m "-f" \x`, []Command{
			{Argv: []string{"/usr/bin/rm", "-f", "x"}, Name: "rm", Cwd: "/home/dev/demo"},
		}},
		{"cd followed", "cd sub && make", []Command{
			{Argv: []string{"cd", "sub"}, Name: "cd", Cwd: "/home/dev/demo"},
			{Argv: []string{"make"}, Name: "make", Cwd: "/home/dev/demo/sub"},
		}},
		{"wrappers unwrapped", "sudo -u root timeout 5 ls", []Command{
			{Argv: []string{"sudo", "-u", "root", "timeout", "5", "ls"}, Name: "sudo", Cwd: "/home/dev/demo"},
			{Argv: []string{"timeout", "5", "ls"}, Name: "timeout", Wrapper: "sudo", Cwd: "/home/dev/demo"},
			{Argv: []string{"ls"}, Name: "ls", Wrapper: "timeout", Cwd: "/home/dev/demo"},
		}},
		{"bash -c", "bash -c 'cat x'", []Command{
			{Argv: []string{"bash", "-c", "cat x"}, Name: "bash", Cwd: "/home/dev/demo"},
			{Argv: []string{"cat", "x"}, Name: "cat", Wrapper: "bash -c", Cwd: "/home/dev/demo"},
		}},
		{"substitution first", "echo $(date)", []Command{
			{Argv: []string{"date"}, Name: "date", Cwd: "/home/dev/demo"},
			{Argv: []string{"echo", "$(date)"}, Name: "echo", Cwd: "/home/dev/demo"},
		}},
		{"find -exec", `find . -exec grep -l x {} \;`, []Command{
			{Argv: []string{"find", ".", "-exec", "grep", "-l", "x", "{}", ";"}, Name: "find", Cwd: "/home/dev/demo"},
			// {} is each path found: the root itself, the paths of aport's
			// concern below it, and one ordinary file
			{Argv: []string{"grep", "-l", "x", "."}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
			{Argv: []string{"grep", "-l", "x", "/home/dev/demo/.claude/settings.json"}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
			{Argv: []string{"grep", "-l", "x", "/home/dev/demo/.claude/settings.local.json"}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
			{Argv: []string{"grep", "-l", "x", "/home/dev/demo/.cursor/hooks.json"}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
			{Argv: []string{"grep", "-l", "x", "/home/dev/demo/.cursor/mcp.json"}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
			{Argv: []string{"grep", "-l", "x", "/home/dev/demo/.mcp.json"}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
			{Argv: []string{"grep", "-l", "x", "/home/dev/demo/.git/config"}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
			{Argv: []string{"grep", "-l", "x", "/home/dev/demo/.git/hooks/pre-commit"}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
			{Argv: []string{"grep", "-l", "x", "/home/dev/demo/found"}, Name: "grep", Wrapper: "find -exec", Cwd: "/home/dev/demo"},
		}},
		{"function body", "f() { ls; }; f", []Command{
			{Argv: []string{"f"}, Name: "f", Cwd: "/home/dev/demo"},
			{Argv: []string{"ls"}, Name: "ls", Wrapper: "function f", Cwd: "/home/dev/demo"},
		}},
		{"loop variable", `for d in a b; do (cd "$d" && make); done`, []Command{
			{Argv: []string{"cd", "a"}, Name: "cd", Cwd: "/home/dev/demo"},
			{Argv: []string{"make"}, Name: "make", Cwd: "/home/dev/demo/a"},
			{Argv: []string{"cd", "b"}, Name: "cd", Cwd: "/home/dev/demo"},
			{Argv: []string{"make"}, Name: "make", Cwd: "/home/dev/demo/b"},
		}},
		{"brace expansion", "cat f{1,2}.txt", []Command{
			{Argv: []string{"cat", "f1.txt", "f2.txt"}, Name: "cat", Cwd: "/home/dev/demo"},
		}},
		{"dynamic cd", "cd $D; ls", []Command{
			{Argv: []string{"cd", "$D"}, Name: "cd", Cwd: "/home/dev/demo"},
			{Argv: []string{"ls"}, Name: "ls"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := Check(tc.src, starPolicy, testEnv())
			if len(res.Commands) != len(tc.want) {
				t.Fatalf("got %d commands %+v, want %+v", len(res.Commands), res.Commands, tc.want)
			}
			for i, got := range res.Commands {
				w := tc.want[i]
				if strings.Join(got.Argv, "\x00") != strings.Join(w.Argv, "\x00") || got.Name != w.Name || got.Wrapper != w.Wrapper || got.Cwd != w.Cwd {
					t.Errorf("command %d = %+v, want %+v", i, got, w)
				}
			}
		})
	}
}

func TestTrace(t *testing.T) {
	t.Parallel()
	res := Check("git status -s && whoami", devPolicy, testEnv())
	if len(res.Trace) != 2 {
		t.Fatalf("trace = %+v, want 2 lines", res.Trace)
	}
	if tr := res.Trace[0]; !tr.OK || tr.Command != "git status -s" || tr.Rule != `allowed by "git status"` {
		t.Errorf("trace[0] = %+v", tr)
	}
	if tr := res.Trace[1]; tr.OK || tr.Command != "whoami" || !strings.Contains(tr.Rule, "not in allowed_commands") {
		t.Errorf("trace[1] = %+v", tr)
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src, pol string
		want     []string
	}{
		{"rm x", "ls cat", []string{"rm is not in allowed_commands (passport limits.system.command.execute); allowed: ls, cat"}},
		{"git push", "git status,git diff", []string{"git push is not in allowed_commands", "allowed: git status, git diff"}},
		{"x", "", []string{"allowed_commands is empty"}},
		{"x", "a b c d e f g h i j k l m n", []string{"allowed: a, b, c, d, e, f, g, h, i, j, k, l, ... (2 more)"}},
	}
	for _, tc := range tests {
		var allowed []string
		if strings.Contains(tc.pol, ",") {
			allowed = strings.Split(tc.pol, ",")
		} else {
			allowed = strings.Fields(tc.pol)
		}
		res := Check(tc.src, &Policy{Allowed: allowed}, testEnv())
		if len(res.Findings) != 1 {
			t.Fatalf("%q: findings = %+v", tc.src, res.Findings)
		}
		for _, w := range tc.want {
			if !strings.Contains(res.Findings[0].Message, w) {
				t.Errorf("%q: message %q lacks %q", tc.src, res.Findings[0].Message, w)
			}
		}
	}
	res := Check("rm -fr x", &Policy{Allowed: []string{"*"}, Denied: []string{"rm -r -f"}}, testEnv())
	if len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Message, `denied_commands entry "rm -r -f"`) || res.Findings[0].Command != "rm -fr x" {
		t.Errorf("deny message: %+v", res.Findings)
	}
}

func TestPolicyEdges(t *testing.T) {
	t.Parallel()
	env := testEnv()
	tests := []struct {
		name string
		src  string
		pol  *Policy
		env  *Env
		code string // "" = allowed, "ask" = ask only
	}{
		{"nil policy allows nothing", "ls", nil, nil, CodeNotAllowed},
		{"nil policy still allows builtins", "cd /tmp && true", nil, nil, ""},
		{"deny wins over ask", "git push -f", &Policy{Allowed: []string{"*"}, Denied: []string{"git push -f"}, Ask: []string{"git push"}}, nil, CodeDenied},
		{"ask", "git push", &Policy{Allowed: []string{"*"}, Ask: []string{"git push"}}, nil, "ask"},
		{"ask needs allow", "git push", &Policy{Allowed: []string{"ls"}, Ask: []string{"git push"}}, nil, CodeNotAllowed},
		{"deny denies builtins", "cd /tmp", &Policy{Allowed: []string{"*"}, Denied: []string{"cd"}}, nil, CodeDenied},
		{"empty allowed dirs", "ls", &Policy{Allowed: []string{"*"}, HasAllowedDirs: true}, nil, CodeDirectory},
		{"absent allowed dirs", "cd /etc && ls", &Policy{Allowed: []string{"*"}}, nil, ""},
		{"relative cwd with allowed dirs", "ls", &Policy{Allowed: []string{"*"}, AllowedDirs: []string{"/**"}, HasAllowedDirs: true}, &Env{Cwd: "demo"}, CodeDirectory},
		{"allowed dir glob", "cd /srv/app/x && ls", &Policy{Allowed: []string{"*"}, AllowedDirs: []string{"/home/dev/**", "/srv/*/x"}, HasAllowedDirs: true}, nil, ""},
		{"allowed_env pattern", "DYLD_X=1 ls", &Policy{Allowed: []string{"*"}, AllowedEnv: []string{"DYLD_*"}}, nil, ""},
		{"no protect funcs", "rm ~/.aport/passport.json", starPolicy, &Env{Cwd: "/", Home: "/home/dev"}, ""},
		{"unknown home is dynamic", "rm -rf ~", starPolicy, &Env{Cwd: "/tmp"}, CodeDynamic},
		{"empty entry matches nothing", "ls", &Policy{Allowed: []string{"", "  "}}, nil, CodeNotAllowed},
		{"entry with path", "./x.sh", &Policy{Allowed: []string{"./x.sh"}}, nil, ""},
		{"entry with path is exact", "/tmp/x.sh", &Policy{Allowed: []string{"./x.sh"}}, nil, CodeNotAllowed},
		{"CDPATH set: cd to a bare name is unknown", "cd .aport && rm passport.json", starPolicy, &Env{Cwd: "/home/dev", Home: "/home/dev", CDPath: true, Protected: testProtected}, CodeDynamic},
		{"CDPATH set: cd ./name is known", "cd ./src && rm x.go", starPolicy, &Env{Cwd: "/home/dev/demo", Home: "/home/dev", CDPath: true, Protected: testProtected}, ""},
		{"CDPATH unset: cd to a bare name is known", "cd src && rm x.go", starPolicy, &Env{Cwd: "/home/dev/demo", Home: "/home/dev", Protected: testProtected}, ""},
		{"CDPATH allowed and assigned", "CDPATH=/home/dev; cd .aport && rm passport.json", &Policy{Allowed: []string{"*"}, AllowedEnv: []string{"CDPATH"}}, &Env{Cwd: "/home/dev/demo", Home: "/home/dev", Protected: testProtected}, CodeDynamic},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := env
			if tc.env != nil {
				e = *tc.env
			}
			res := Check(tc.src, tc.pol, e)
			switch tc.code {
			case "":
				if len(res.Findings)+len(res.Ask) != 0 {
					t.Errorf("want allowed, got %s %s", fmtFindings(res.Findings), fmtFindings(res.Ask))
				}
			case "ask":
				if len(res.Findings) != 0 || len(res.Ask) != 1 {
					t.Errorf("want ask, got %s %s", fmtFindings(res.Findings), fmtFindings(res.Ask))
				}
			default:
				if !hasCode(res.Findings, tc.code) {
					t.Errorf("want %s, got %s", tc.code, fmtFindings(res.Findings))
				}
			}
		})
	}
}

func TestBudgets(t *testing.T) {
	t.Parallel()
	nest := "ls"
	for i := 0; i < 20; i++ {
		q, _ := syntax.Quote(nest, syntax.LangBash)
		nest = "bash -c " + q
	}
	manyFuncs := "f0() { ls; }\n"
	for i := 1; i < 40; i++ {
		manyFuncs += strings.Replace("fN() { fM; fM; fM; }\n", "N", itoa(i), 1)
		manyFuncs = strings.ReplaceAll(manyFuncs, "fM", "f"+itoa(i-1))
	}
	manyFuncs += "f39"
	tests := []struct {
		name string
		src  string
	}{
		{"too long", strings.Repeat("ls; ", MaxTextBytes/4+1)},
		{"too deep", nest},
		{"deep subshells", strings.Repeat("(", 300) + "ls" + strings.Repeat(")", 300)},
		{"deep substitutions", strings.Repeat("$(", 30) + "ls" + strings.Repeat(")", 30)},
		{"too many commands", strings.Repeat("ls;", MaxCommands+1)},
		{"exponential functions", manyFuncs},
		{"brace bomb", "ls " + strings.Repeat("{a,b}", 40)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			res := Check(tc.src, starPolicy, testEnv())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if tc.name == "brace bomb" {
				return // one dynamic argument: allowed under "*", but bounded
			}
			if !hasCode(res.Findings, CodeUnparseable) {
				t.Errorf("want %s, got %s", CodeUnparseable, fmtFindings(res.Findings))
			}
		})
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestNoPanicOnOddInput(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"", " ", "\x00", "\n\n", "#", ";", "$'\\x'", "${", "`", "$((", "<<", "{ }", "() {}", "f() { :; }", "a=(", "[[", "case", "\\", "'\\''", "ls\\\n-la", "coproc x { ls; }", "let", "declare", "time", "!", "&", "|"} {
		res := Check(src, devPolicy, Env{})
		for _, f := range res.Findings {
			if strings.Contains(f.Message, "internal error") {
				t.Errorf("%q: %s", src, f.Message)
			}
		}
	}
}

func TestWords(t *testing.T) {
	cases := []struct {
		src  string
		want []string
		ok   bool
	}{
		{`/usr/local/bin/aport eval --host claude-code --passport '/home/a b/p.json'`, []string{"/usr/local/bin/aport", "eval", "--host", "claude-code", "--passport", "/home/a b/p.json"}, true},
		{`"$HOME/bin/aport" eval`, []string{"/home/dev/bin/aport", "eval"}, true},
		{`~/bin/aport eval`, []string{"/home/dev/bin/aport", "eval"}, true},
		{`$APORT eval`, []string{"$APORT", "eval"}, true},
		{`a\ b c`, []string{"a b", "c"}, true},
		// an argument that looks like an assignment: ~ after = and after a colon (bash 5.2)
		{`dd of=~/x of=~ p=~/a:~/b:x~`, []string{"dd", "of=/home/dev/x", "of=/home/dev", "p=/home/dev/a:/home/dev/b:x~"}, true},
		{`echo --o=~/x 1a=~/x of=~"/x" of=\~/x of=a\:~/x`, []string{"echo", "--o=~/x", "1a=~/x", "of=~/x", "of=~/x", "of=a:~/x"}, true},
		{`aport eval; rm -rf /`, nil, false},
		{`aport eval > /tmp/x`, nil, false},
		{`X=1 aport eval`, nil, false},
		{`aport eval &`, nil, false},
		{`if true; then aport eval; fi`, nil, false},
		{`aport 'eval`, nil, false},
		{``, nil, false},
	}
	for _, tc := range cases {
		got, ok := Words(tc.src, "/home/dev")
		if ok != tc.ok || strings.Join(got, "\x00") != strings.Join(tc.want, "\x00") {
			t.Errorf("Words(%q) = %q, %v; want %q, %v", tc.src, got, ok, tc.want, tc.ok)
		}
	}
}

func TestBashGlob(t *testing.T) {
	for in, want := range map[string]string{
		"*.go":            "*.go",
		".@(aport)":       ".*",
		"!(x|y).txt":      "*.txt",
		"+(a(b)c)d":       "*d",
		"apor[[:alpha:]]": "apor?",
		"x[!y]z":          "x[^y]z",
		"x[^y]z":          "x[^y]z",
		"x[]]z":           "x[]]z",
		`a\*b`:            `a\*b`,
		"a[b":             "a[b",
		"s[[=s=]]":        "s?",
	} {
		if got := bashGlob(in); got != want {
			t.Errorf("bashGlob(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestXargsItems: the arguments GNU xargs 4.9 passed for each input (checked
// with printf '[%s]' as the command).
func TestXargsItems(t *testing.T) {
	for _, tc := range []struct {
		in   string
		m    xargsMode
		want []string
	}{
		{"a 'b c' \"d e\" f\\ g h\\'i\n", xargsMode{}, []string{"a", "b c", "d e", "f g", "h'i"}},
		{" \"x y\" z\n  w v\n", xargsMode{replace: "{}"}, []string{"x y z", "w v"}},
		{"a b,c d,", xargsMode{delim: litField(","), hasDelim: true}, []string{"a b", "c d"}},
		{"a\\nb", xargsMode{delim: litField(`\n`), hasDelim: true}, []string{`a\nb`}},
		{"a,b", xargsMode{delim: litField(`\x2c`), hasDelim: true}, []string{"a", "b"}},
		{"a 'b\n", xargsMode{}, []string{"a"}},
		{"a\\\nb c", xargsMode{}, []string{"a\nb", "c"}},
		{"x\n\n y \n", xargsMode{}, []string{"x", "y"}},
		{"a\x00b c\x00", xargsMode{null: true}, []string{"a", "b c"}},
		{"'' x", xargsMode{}, []string{"", "x"}},
	} {
		got, ok := xargsItems(tc.in, tc.m)
		if !ok || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("xargsItems(%q, %+v) = %q, %v; want %q", tc.in, tc.m, got, ok, tc.want)
		}
	}
	if _, ok := xargsItems("a", xargsMode{delim: litField(`\q`), hasDelim: true}); ok {
		t.Error("xargsItems with delimiter \\q: read, want not")
	}
}
