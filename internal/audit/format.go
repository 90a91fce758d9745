package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/aporthq/aport/internal/termx"
)

// Human is one event as a line for a terminal: time, decision (or event
// kind), tool, reason. With colour, the decision is green, red or yellow.
func Human(r Record, color bool) string {
	e := r.Event
	if e == nil {
		where := "a line"
		if r.Line > 0 {
			where = fmt.Sprintf("line %d", r.Line)
		}
		return fmt.Sprintf("%-19s  %-7s  %s is not an event (`aport audit verify` says why)", "?", "?", where)
	}
	ts := e.TS
	if t, err := time.Parse(time.RFC3339, e.TS); err == nil {
		ts = t.UTC().Format("2006-01-02 15:04:05")
	}
	word, what := e.Decision, e.Tool
	if e.Kind() != KindDecision {
		word, what = e.Kind(), e.PassportID
	}
	if what == "" {
		what = "-"
	}
	reason := e.Reason
	if e.Breakglass {
		reason += " (break-glass)"
	}
	if e.Recovered != nil {
		reason += fmt.Sprintf(" (after recovering %d bytes of a partial write)", e.Recovered.Bytes)
	}
	w := fmt.Sprintf("%-7s", termx.Safe(word, 32))
	if color {
		code := "36" // cyan: not a decision
		switch e.Decision {
		case "allow":
			code = "32"
		case "deny":
			code = "31"
		case "ask":
			code = "33"
		}
		if e.Kind() != KindDecision {
			code = "36"
		}
		w = "\x1b[" + code + "m" + w + "\x1b[0m"
	}
	// the tool name and reason come from the payload (an MCP server names
	// its tools): no control character reaches the terminal
	return strings.TrimRight(fmt.Sprintf("%s  %s  %-24s  %s", termx.Safe(ts, 64), w, termx.Safe(what, 256), termx.Safe(reason, 1024)), " ")
}
