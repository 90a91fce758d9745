package eval

import (
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

// rateLimits checks every counting limit the passport sets for the call's
// capability and, when all pass, records the call.
func rateLimits(k *check) {
	all := append(append([]rateLimit(nil), genericRates...), packRates[k.c.Capability]...)
	for _, r := range all {
		max, ok := k.limits.Int(r.name)
		if !ok {
			continue
		}
		key := StateKey(k.p, k.c.Capability, r.name)
		if k.env.State == nil {
			k.deny("oap.evaluator_error", "%s is set but no state store is available to count calls", k.limitRef(r.name))
			return
		}
		n := k.env.State.Count(key, r.window)
		if int64(n) >= max {
			k.deny("oap.rate_limit_exceeded", "%s allows %d %s calls per %s and %d were already allowed; wait and retry later", k.limitRef(r.name), max, k.c.Capability, windowName(r.window), n)
			return
		}
		k.ok(r.name, "%d of %d used in the last %s", n, max, windowName(r.window))
		k.d.Effects = append(k.d.Effects, Effect{Kind: "record", Key: key, Window: r.window})
	}
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
