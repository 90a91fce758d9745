package eval

import (
	"strconv"
	"strings"
	"time"

	"github.com/aporthq/aport/internal/passport"
)

// rateLimit is one counting limit: a limit name and its window.
type rateLimit struct {
	name   string
	window time.Duration
}

// genericRates are the counting limits every pack accepts.
var genericRates = []rateLimit{
	{"rate_per_minute", time.Minute},
	{"rate_per_hour", time.Hour},
	{"rate_per_day", 24 * time.Hour},
}

// packRates are the pack-specific counting limits.
var packRates = map[string][]rateLimit{
	"mcp.tool.execute": {{"max_calls_per_minute", time.Minute}},
	"messaging.send":   {{"msgs_per_min", time.Minute}, {"msgs_per_day", 24 * time.Hour}},
	"repo.merge":       {{"max_prs_per_day", 24 * time.Hour}},
}

// NeedsState reports whether deciding this call reads cross-call state. When
// it does not, the caller never opens the state store.
func NeedsState(p *passport.Passport, c *Call) bool {
	if c.Capability == "" || c.Internal || !p.Has(c.Capability) {
		return false
	}
	l := p.Limits(c.Capability)
	for _, r := range genericRates {
		if l.Has(r.name) {
			return true
		}
	}
	for _, r := range packRates[c.Capability] {
		if l.Has(r.name) {
			return true
		}
	}
	if c.Capability == "finance.payment.refund" {
		return true // daily caps and idempotency keys
	}
	return false
}

// StateKey names a counter of one passport and capability.
func StateKey(p *passport.Passport, capability, name string) string {
	return p.ID + "|" + capability + "|" + name
}

// ActionWindow is how long an action marker is kept: long enough to cover
// every event of one action (they arrive within the hook timeouts, seconds
// apart), short enough that the markers stay few.
const ActionWindow = 10 * time.Minute

// rateLimits checks every counting limit the passport sets for the call's
// capability and, when all pass, records the call.
//
// Limits count actions, not hook events. A host that fires two events for
// one action (Cursor: preToolUse and beforeShellExecution, beforeReadFile
// or beforeMCPExecution) gives both the same Call.ActionKey. The first
// allowed event of an action is counted and leaves a marker under the key
// (kept ActionWindow): how many events of which kind were counted and are
// still waiting for their twin. An event of another kind that finds the
// marker is the twin: it is not counted again, nor denied because its own
// first event filled the window, and it uses up the marker. An event of the
// same kind is another action (the same command run again in one
// generation): it is counted, and waits for its own twin. So each counted
// event excuses at most one event of another kind, and no action is counted
// less than once. A denied event records nothing, so its twin is decided
// afresh and denied the same way.
func rateLimits(k *check) {
	var set []rateLimit
	limits := map[string]int64{}
	for _, r := range append(append([]rateLimit(nil), genericRates...), packRates[k.c.Capability]...) {
		if max, ok := k.limits.Int(r.name); ok {
			set = append(set, r)
			limits[r.name] = max
		}
	}
	if len(set) == 0 {
		return
	}
	if k.env.State == nil {
		k.deny("oap.evaluator_error", "%s is set but no state store is available to count calls", k.limitRef(set[0].name))
		return
	}
	var markKey string
	waiting := 0 // events of this call's kind already counted and waiting for a twin
	if k.c.ActionKey != "" && k.c.Event != "" {
		markKey = StateKey(k.p, k.c.Capability, "action:"+k.c.ActionKey)
		prev, _ := k.env.State.Idempotency(markKey)
		if event, n, ok := parseMark(prev); ok && event != k.c.Event {
			k.ok("action", "the %s event of this action was already counted; the %s event is not counted again", event, k.c.Event)
			if n > 1 {
				k.d.Effects = append(k.d.Effects, Effect{Kind: "mark", Key: markKey, Window: ActionWindow, Hash: formatMark(event, n-1)})
			} else {
				k.d.Effects = append(k.d.Effects, Effect{Kind: "unmark", Key: markKey})
			}
			return
		} else if ok {
			waiting = n
		}
	}
	for _, r := range set {
		max := limits[r.name]
		key := StateKey(k.p, k.c.Capability, r.name)
		n := k.env.State.Count(key, r.window)
		if int64(n) >= max {
			k.deny("oap.rate_limit_exceeded", "%s allows %d %s calls per %s and %d were already allowed; wait and retry later", k.limitRef(r.name), max, k.c.Capability, windowName(r.window), n)
			return
		}
		k.ok(r.name, "%d of %d used in the last %s", n, max, windowName(r.window))
		k.d.Effects = append(k.d.Effects, Effect{Kind: "record", Key: key, Window: r.window})
	}
	if markKey != "" {
		k.d.Effects = append(k.d.Effects, Effect{Kind: "mark", Key: markKey, Window: ActionWindow, Hash: formatMark(k.c.Event, waiting+1)})
	}
}

// An action marker's value: "<n>:<event>", n >= 1 events of that kind
// counted and waiting for their twin.
func formatMark(event string, n int) string {
	return strconv.Itoa(n) + ":" + event
}

func parseMark(v string) (event string, n int, ok bool) {
	num, event, found := strings.Cut(v, ":")
	if !found || event == "" {
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 {
		return "", 0, false
	}
	return event, n, true
}

func windowName(d time.Duration) string {
	switch d {
	case time.Minute:
		return "minute"
	case time.Hour:
		return "hour"
	case 24 * time.Hour:
		return "day"
	}
	return d.String()
}
