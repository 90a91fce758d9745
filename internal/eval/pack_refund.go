package eval

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gowebpki/jcs"
)

// finance.payment.refund.v1: refunds in minor units, per-currency limits, a
// daily cap and idempotency keys that span calls.
//
// The daily cap is a sliding 24-hour window per passport and currency: the
// refunds allowed in the 24 hours before the call plus this one may not pass
// daily_cap. (A sliding window never lets twice the cap through around
// midnight, as a calendar day would.) An idempotency key is remembered per
// passport with a hash of the refund's parameters: the same key with the same
// parameters is a replay (allowed, and not counted against the cap again),
// with other parameters a conflict.
func init() { checkers["finance.payment.refund.v1"] = checkRefund }

const (
	refundCapWindow    = 24 * time.Hour
	minIdempotencyKey  = 8
	maxIdempotencyKey  = 256
	maxRefundFieldSize = 256
)

func checkRefund(k *check) {
	f := k.c.Ctx.Fields

	amount, ok := refundAmount(f["amount"])
	if !ok {
		k.deny("oap.invalid_context", "amount must be a whole number of minor units greater than 0 (4500 for 45.00), found %s", describe(f["amount"]))
		return
	}
	cur, ok := f["currency"].(string)
	cur = strings.ToUpper(strings.TrimSpace(cur))
	if !ok || len(cur) != 3 {
		k.deny("oap.invalid_context", "currency must be a three-letter ISO 4217 code such as USD, found %s", describe(f["currency"]))
		return
	}
	fields := map[string]string{}
	for _, name := range []string{"order_id", "customer_id", "region", "reason_code", "idempotency_key"} {
		s, present, good := refundString(f[name])
		if !good {
			k.deny("oap.invalid_context", "%s must be a string of at most %d characters, found %s", name, maxRefundFieldSize, describe(f[name]))
			return
		}
		if present {
			fields[name] = s
		}
	}

	limits := k.limits.Currencies()
	cl, ok := limits[cur]
	if !ok {
		k.deny("oap.currency_unsupported", "refunds in %s are not allowed: %s has no entry for it; supported currencies: %s", cur, k.limitRef("currency_limits"), listOrNone(sortedKeys(limits)))
		return
	}
	if cl.HasMax && amount > cl.MaxPerTx {
		k.deny("oap.limit_exceeded", "a refund of %d %s minor units is over %s.%s.max_per_tx of %d; refund at most %d in one call", amount, cur, k.limitRef("currency_limits"), cur, cl.MaxPerTx, cl.MaxPerTx)
	} else {
		k.ok("max_per_tx", "%d %s within the per-transaction limit", amount, cur)
	}

	if codes, ok := k.limits.Strings("reason_codes"); ok {
		rc, has := fields["reason_code"]
		switch {
		case !has:
			k.deny("oap.invalid_reason_code", "the refund carries no reason_code and %s requires one of: %s", k.limitRef("reason_codes"), listOrNone(codes))
		case !containsExact(codes, rc):
			k.deny("oap.invalid_reason_code", "reason_code %q is not in %s; use one of: %s", rc, k.limitRef("reason_codes"), listOrNone(codes))
		default:
			k.ok("reason_codes", "reason_code %q allowed", rc)
		}
	}

	if k.p.HasRegions {
		region, has := fields["region"]
		switch {
		case !has:
			k.deny("oap.region_blocked", "the refund names no region and the passport's regions restrict refunds to: %s; add the customer's region", listOrNone(k.p.Regions))
		case !containsFold(k.p.Regions, region):
			k.deny("oap.region_blocked", "region %q is not in the passport's regions; allowed regions: %s", region, listOrNone(k.p.Regions))
		default:
			k.ok("regions", "region %q allowed", region)
		}
	}

	idem, hasIdem := fields["idempotency_key"]
	if k.limits.Bool("idempotency_required") {
		if !hasIdem || len(idem) < minIdempotencyKey {
			k.deny("oap.invalid_context", "%s is true: the refund needs an idempotency_key of at least %d characters, found %s", k.limitRef("idempotency_required"), minIdempotencyKey, describe(f["idempotency_key"]))
			return
		}
	}
	if hasIdem && idem == "" {
		k.deny("oap.invalid_context", "idempotency_key is empty; send a unique key per refund or leave the field out")
		return
	}
	if k.denied() {
		return
	}
	if k.env.State == nil {
		k.deny("oap.evaluator_error", "refunds need the state store for daily caps and idempotency keys, and none is available")
		return
	}

	replay := false
	var idemKey, hash string
	if hasIdem {
		idemKey = StateKey(k.p, k.c.Capability, "idempotency:"+idem)
		h, err := refundHash(amount, cur, fields)
		if err != nil {
			k.deny("oap.evaluator_error", "the refund's parameters cannot be hashed: %v", err)
			return
		}
		hash = h
		if prev, seen := k.env.State.Idempotency(idemKey); seen {
			if prev != hash {
				k.deny("oap.idempotency_conflict", "idempotency_key %q was already used for a refund with other parameters; reuse a key only to retry the identical refund, or use a new key", idem)
				return
			}
			replay = true
			k.ok("idempotency", "key %q replays an allowed refund with the same parameters", idem)
			k.d.Notes = append(k.d.Notes, "idempotent replay of "+idem+": not counted against the daily cap again")
		}
	}

	if !replay {
		if cl.HasCap {
			key := StateKey(k.p, k.c.Capability, "daily_cap:"+cur)
			used := k.env.State.Sum(key, refundCapWindow)
			if used > cl.DailyCap-amount { // used+amount > cap without overflow
				left := cl.DailyCap - used
				if left < 0 {
					left = 0
				}
				k.deny("oap.limit_exceeded", "a refund of %d %s would pass %s.%s.daily_cap of %d: %d were refunded in the last 24 hours, %d remain", amount, cur, k.limitRef("currency_limits"), cur, cl.DailyCap, used, left)
				return
			}
			k.ok("daily_cap", "%d + %d of %d %s in the last 24 hours", used, amount, cl.DailyCap, cur)
			k.d.Effects = append(k.d.Effects, Effect{Kind: "add", Key: key, Window: refundCapWindow, Amount: amount})
		}
		if hasIdem {
			k.d.Effects = append(k.d.Effects, Effect{Kind: "idempotency", Key: idemKey, Hash: hash})
		}
	}
}

// refundAmount accepts only a positive integer json.Number (or an integral
// int64 given directly by a test or another adapter).
func refundAmount(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		return i, err == nil && i > 0
	case int64:
		return n, n > 0
	case int:
		return int64(n), n > 0
	}
	return 0, false
}

// refundString reads an optional identifier: a string, or a whole number
// (order ids are sometimes numeric). good is false for any other type.
func refundString(v any) (s string, present, good bool) {
	switch t := v.(type) {
	case nil:
		return "", false, true
	case string:
		return t, true, len(t) <= maxRefundFieldSize
	case json.Number:
		if _, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return string(t), true, true
		}
	}
	return "", false, false
}

// refundHash is "sha256:" over the RFC 8785 canonical JSON of the parameters
// that make a refund the same refund.
func refundHash(amount int64, cur string, fields map[string]string) (string, error) {
	m := map[string]any{"amount": amount, "currency": cur}
	for _, name := range []string{"order_id", "customer_id", "region", "reason_code"} {
		if s, ok := fields[name]; ok {
			m[name] = s
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	c, err := jcs.Transform(b)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(c)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// describe renders a field's value for a message.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "nothing"
	case string:
		if len(t) > 40 {
			t = t[:40] + "..."
		}
		return strconv.Quote(t) + " (a string)"
	case json.Number:
		return string(t)
	case bool:
		return strconv.FormatBool(t)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value of another type"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func containsExact(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
