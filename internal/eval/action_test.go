package eval

import (
	"strings"
	"testing"
)

// commit applies an allowed decision's effects to the fake store, as
// `aport eval` does in the store's transaction (a denial commits nothing).
func (f *fakeState) commit(t *testing.T, d *Decision) {
	t.Helper()
	if !d.Allow {
		return
	}
	if f.counts == nil {
		f.counts = map[string]int{}
	}
	if f.idem == nil {
		f.idem = map[string]string{}
	}
	for _, e := range d.Effects {
		switch e.Kind {
		case "record":
			f.counts[e.Key]++
		case "mark":
			if e.Window != ActionWindow || e.Hash == "" {
				t.Fatalf("marker effect %+v", e)
			}
			f.idem[e.Key] = e.Hash
		case "unmark":
			delete(f.idem, e.Key)
		default:
			t.Fatalf("unexpected effect %+v", e)
		}
	}
}

const shellPassport = `{"id":"a","capabilities":["system.command.execute"],"limits":{"system.command.execute":{"allowed_commands":["ls"],"rate_per_minute":2}}}`

// cursorShell is one Cursor event of a shell action; key "" is an event
// without an action key.
func cursorShell(event, key string) *Call {
	return &Call{Host: "cursor", Event: event, Tool: "Shell", Capability: "system.command.execute", Cwd: "/home/dev/demo", Workspace: "/home/dev/demo",
		ActionKey: key, Ctx: Context{Command: "ls", HasCommand: true}}
}

const (
	pre     = "preToolUse"
	shellEv = "beforeShellExecution"
)

// step sends one event and checks the answer.
type step struct {
	event, key string
	allow      bool
}

func runSteps(t *testing.T, p string, st *fakeState, mk func(event, key string) *Call, steps []step) {
	t.Helper()
	pp := mustPassport(t, p)
	for i, s := range steps {
		env := testEnv()
		env.State = st
		d := Evaluate(pp, mk(s.event, s.key), env)
		if d.Allow != s.allow {
			t.Fatalf("step %d (%s %s): allow=%v, want %v: %s", i+1, s.event, s.key, d.Allow, s.allow, codes(d))
		}
		if !d.Allow && codes(d) != "oap.rate_limit_exceeded" {
			t.Fatalf("step %d: denied with %s", i+1, codes(d))
		}
		if !d.Allow && len(d.Effects) != 0 {
			t.Fatalf("step %d: a denial carries effects %+v", i+1, d.Effects)
		}
		st.commit(t, d)
	}
}

func TestActionCountedOnce(t *testing.T) {
	const count = "a|system.command.execute|rate_per_minute"
	cases := []struct {
		name   string
		steps  []step
		counts int // events counted at the end
		marks  int // markers left
	}{
		{"two actions, two events each; the third is denied", []step{
			{pre, "A", true}, {shellEv, "A", true},
			{pre, "B", true}, {shellEv, "B", true}, // B's twin is not denied although B filled the window
			{pre, "C", false}, {shellEv, "C", false}, // the twin of a denied event is decided afresh
		}, 2, 0},
		{"the specific event first", []step{
			{shellEv, "A", true}, {pre, "A", true},
			{shellEv, "B", true}, {pre, "B", true},
			{shellEv, "C", false}, {pre, "C", false},
		}, 2, 0},
		{"without action keys every event counts", []step{
			{pre, "", true}, {shellEv, "", true}, {pre, "", false}, {shellEv, "", false},
		}, 2, 0},
		// The same command twice in one generation: the same key, but an
		// event of the same kind is another action.
		{"a repeated action is counted again", []step{
			{pre, "A", true}, {shellEv, "A", true},
			{pre, "A", true}, {shellEv, "A", true},
			{pre, "A", false}, {shellEv, "A", false},
		}, 2, 0},
		{"one event kind only: every event counts", []step{
			{pre, "A", true}, {pre, "A", true}, {pre, "A", false},
		}, 2, 1},
		{"two actions interleaved", []step{
			{pre, "A", true}, {pre, "A", true}, {shellEv, "A", true}, {shellEv, "A", true},
			{shellEv, "A", false},
		}, 2, 0},
		{"twins excused at most once each", []step{
			{pre, "A", true}, {shellEv, "A", true}, {shellEv, "A", true}, {shellEv, "A", false},
		}, 2, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := &fakeState{}
			runSteps(t, shellPassport, st, cursorShell, tc.steps)
			if st.counts[count] != tc.counts {
				t.Errorf("counted %d events, want %d", st.counts[count], tc.counts)
			}
			if len(st.idem) != tc.marks {
				t.Errorf("markers left %v, want %d", st.idem, tc.marks)
			}
		})
	}
}

func TestActionMarker(t *testing.T) {
	p := mustPassport(t, shellPassport)
	env := testEnv()
	st := &fakeState{}
	env.State = st
	d := Evaluate(p, cursorShell(pre, "k1"), env)
	if !d.Allow || len(d.Effects) != 2 || d.Effects[0].Kind != "record" {
		t.Fatalf("allow=%v effects=%+v", d.Allow, d.Effects)
	}
	m := d.Effects[1]
	if m.Kind != "mark" || m.Key != "a|system.command.execute|action:k1" || m.Hash != "1:preToolUse" || m.Window != ActionWindow {
		t.Fatalf("marker %+v", m)
	}
	st.commit(t, d)

	// the twin is allowed with the marker used up and nothing counted
	d = Evaluate(p, cursorShell(shellEv, "k1"), env)
	if !d.Allow || len(d.Effects) != 1 || d.Effects[0].Kind != "unmark" || d.Effects[0].Key != m.Key {
		t.Fatalf("twin: allow=%v effects=%+v", d.Allow, d.Effects)
	}
	traced := false
	for _, s := range d.Trace {
		if s.Check == "action" && s.OK && strings.Contains(s.Detail, "already counted") {
			traced = true
		}
	}
	if !traced {
		t.Errorf("the trace does not say why the twin was not counted: %+v", d.Trace)
	}

	// markers that are not ours, or corrupt, do not excuse anything
	for _, v := range []string{"corrupt", "", "0:preToolUse", "-1:preToolUse", "x:preToolUse", "1:", "preToolUse"} {
		st := &fakeState{counts: map[string]int{"a|system.command.execute|rate_per_minute": 2}, idem: map[string]string{m.Key: v}}
		env.State = st
		if d := Evaluate(p, cursorShell(shellEv, "k1"), env); d.Allow || codes(d) != "oap.rate_limit_exceeded" {
			t.Errorf("marker %q: allow=%v %s", v, d.Allow, codes(d))
		}
	}

	// two counted events waiting: the twin leaves one
	env.State = &fakeState{idem: map[string]string{m.Key: "2:preToolUse"}}
	if d := Evaluate(p, cursorShell(shellEv, "k1"), env); !d.Allow || len(d.Effects) != 1 || d.Effects[0].Kind != "mark" || d.Effects[0].Hash != "1:preToolUse" {
		t.Fatalf("allow=%v effects=%+v", d.Allow, d.Effects)
	}
}

// A passport without counting limits never reads the store: no marker.
func TestActionKeyWithoutLimits(t *testing.T) {
	p := mustPassport(t, `{"id":"a","capabilities":["system.command.execute"],"limits":{"system.command.execute":{"allowed_commands":["ls"]}}}`)
	c := cursorShell(pre, "k1")
	if NeedsState(p, c) {
		t.Fatal("an action key alone needs the store")
	}
	d := Evaluate(p, c, testEnv()) // no store
	if !d.Allow || len(d.Effects) != 0 {
		t.Fatalf("allow=%v effects=%+v %s", d.Allow, d.Effects, codes(d))
	}
}

func TestActionMCPCallsPerMinute(t *testing.T) {
	const doc = `{"id":"a","capabilities":["mcp.tool.execute"],"limits":{"mcp.tool.execute":{"max_calls_per_minute":1}}}`
	mk := func(event, key string) *Call {
		c := &Call{Host: "cursor", Event: event, Capability: "mcp.tool.execute", ActionKey: key, Ctx: Context{MCPTool: "get_issue", ParamBytes: 2}}
		if event == pre {
			c.Tool, c.Ctx.ServerUnknown = "MCP:get_issue", true
		} else {
			c.Tool, c.Ctx.Server = "MCP:get_issue", "github"
		}
		return c
	}
	st := &fakeState{}
	runSteps(t, doc, st, mk, []step{
		{pre, "A", true}, {"beforeMCPExecution", "A", true},
		{pre, "B", false}, {"beforeMCPExecution", "B", false},
	})
	if n := st.counts["a|mcp.tool.execute|max_calls_per_minute"]; n != 1 {
		t.Fatalf("counted %d", n)
	}
}
