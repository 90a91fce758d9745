package eval

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/aporthq/aport/internal/passport"
)

const refundLimits = `{"currency_limits":{"USD":{"max_per_tx":5000,"daily_cap":20000},"eur":{"max_per_tx":6000}},"reason_codes":["customer_request","duplicate"],"idempotency_required":true}`

func refundCall(t *testing.T, in string) Call {
	return Call{Host: "generic", Tool: "finance.payment.refund", Ctx: Context{Fields: fields(t, in)}}
}

const refundOK = `{"order_id":"ord_123","customer_id":"cus_9","amount":4500,"currency":"USD","region":"US","reason_code":"customer_request","idempotency_key":"idem-000123"}`

// withField returns refundOK with one field replaced (or removed, for "").
func withField(name, value string) string {
	m := map[string]string{}
	order := []string{"order_id", "customer_id", "amount", "currency", "region", "reason_code", "idempotency_key"}
	vals := []string{`"ord_123"`, `"cus_9"`, `4500`, `"USD"`, `"US"`, `"customer_request"`, `"idem-000123"`}
	for i, k := range order {
		m[k] = vals[i]
	}
	m[name] = value
	var parts []string
	for _, k := range order {
		if m[k] != "" {
			parts = append(parts, `"`+k+`":`+m[k])
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestRefundPack(t *testing.T) {
	const capKey = "a|finance.payment.refund|daily_cap:USD"
	const idemKey = "a|finance.payment.refund|idempotency:idem-000123"
	okHash, err := refundHash(4500, "USD", map[string]string{"order_id": "ord_123", "customer_id": "cus_9", "region": "US", "reason_code": "customer_request"})
	if err != nil {
		t.Fatal(err)
	}
	regions := `,"regions":["US","CA"]`
	cases := []packCase{
		{name: "allowed", limit: refundLimits, call: refundCall(t, refundOK), want: "oap.allowed", allow: true},
		{name: "lower-case currency", limit: refundLimits, call: refundCall(t, withField("currency", `"usd"`)), want: "oap.allowed", allow: true},
		{name: "currency key lower-case in passport", limit: refundLimits, call: refundCall(t, withField("currency", `"EUR"`)), want: "oap.allowed", allow: true},
		{name: "numeric order id", limit: refundLimits, call: refundCall(t, withField("order_id", `123`)), want: "oap.allowed", allow: true},

		{name: "amount float", limit: refundLimits, call: refundCall(t, withField("amount", `45.5`)), want: "oap.invalid_context"},
		{name: "amount float integral", limit: refundLimits, call: refundCall(t, withField("amount", `4500.0`)), want: "oap.invalid_context"},
		{name: "amount exponent", limit: refundLimits, call: refundCall(t, withField("amount", `4.5e3`)), want: "oap.invalid_context"},
		{name: "amount string", limit: refundLimits, call: refundCall(t, withField("amount", `"4500"`)), want: "oap.invalid_context"},
		{name: "amount zero", limit: refundLimits, call: refundCall(t, withField("amount", `0`)), want: "oap.invalid_context"},
		{name: "amount negative", limit: refundLimits, call: refundCall(t, withField("amount", `-100`)), want: "oap.invalid_context"},
		{name: "amount overflow", limit: refundLimits, call: refundCall(t, withField("amount", `99999999999999999999`)), want: "oap.invalid_context"},
		{name: "amount absent", limit: refundLimits, call: refundCall(t, withField("amount", "")), want: "oap.invalid_context"},
		{name: "currency absent", limit: refundLimits, call: refundCall(t, withField("currency", "")), want: "oap.invalid_context"},
		{name: "currency not a code", limit: refundLimits, call: refundCall(t, withField("currency", `"DOLLARS"`)), want: "oap.invalid_context"},
		{name: "currency a number", limit: refundLimits, call: refundCall(t, withField("currency", `840`)), want: "oap.invalid_context"},
		{name: "order id an object", limit: refundLimits, call: refundCall(t, withField("order_id", `{"x":1}`)), want: "oap.invalid_context"},

		{name: "currency unsupported", limit: refundLimits, call: refundCall(t, withField("currency", `"GBP"`)), want: "oap.currency_unsupported", trace: "EUR, USD"},
		{name: "max_per_tx at limit", limit: refundLimits, call: refundCall(t, withField("amount", `5000`)), want: "oap.allowed", allow: true},
		{name: "max_per_tx over", limit: refundLimits, call: refundCall(t, withField("amount", `5001`)), want: "oap.limit_exceeded", trace: "max_per_tx of 5000"},
		{name: "no max_per_tx for currency", limit: `{"currency_limits":{"USD":{"daily_cap":100000}}}`, call: refundCall(t, withField("amount", `90000`)), want: "oap.allowed", allow: true},

		{name: "daily cap reached exactly", limit: refundLimits, call: refundCall(t, refundOK), state: &fakeState{sums: map[string]int64{capKey: 15500}}, want: "oap.allowed", allow: true},
		{name: "daily cap exceeded", limit: refundLimits, call: refundCall(t, refundOK), state: &fakeState{sums: map[string]int64{capKey: 15501}}, want: "oap.limit_exceeded", trace: "4499 remain"},
		{name: "daily cap other currency separate", limit: `{"currency_limits":{"USD":{"daily_cap":5000},"EUR":{"daily_cap":5000}}}`, call: refundCall(t, withField("currency", `"EUR"`)), state: &fakeState{sums: map[string]int64{capKey: 5000}}, want: "oap.allowed", allow: true},

		{name: "reason code absent", limit: refundLimits, call: refundCall(t, withField("reason_code", "")), want: "oap.invalid_reason_code"},
		{name: "reason code not listed", limit: refundLimits, call: refundCall(t, withField("reason_code", `"fraud"`)), want: "oap.invalid_reason_code", trace: "customer_request, duplicate"},
		{name: "reason code case matters", limit: refundLimits, call: refundCall(t, withField("reason_code", `"Duplicate"`)), want: "oap.invalid_reason_code"},
		{name: "reason codes unset", limit: `{"currency_limits":{"USD":{}}}`, call: refundCall(t, withField("reason_code", `"anything"`)), want: "oap.allowed", allow: true},

		{name: "idempotency key absent", limit: refundLimits, call: refundCall(t, withField("idempotency_key", "")), want: "oap.invalid_context"},
		{name: "idempotency key short", limit: refundLimits, call: refundCall(t, withField("idempotency_key", `"1234567"`)), want: "oap.invalid_context"},
		{name: "idempotency key 8 chars", limit: refundLimits, call: refundCall(t, withField("idempotency_key", `"12345678"`)), want: "oap.allowed", allow: true},
		{name: "idempotency not required, absent", limit: `{"currency_limits":{"USD":{}}}`, call: refundCall(t, withField("idempotency_key", "")), want: "oap.allowed", allow: true},
		{name: "idempotency key empty", limit: `{"currency_limits":{"USD":{}}}`, call: refundCall(t, withField("idempotency_key", `""`)), want: "oap.invalid_context"},
		{name: "replay same parameters", limit: refundLimits, call: refundCall(t, refundOK), state: &fakeState{idem: map[string]string{idemKey: okHash}, sums: map[string]int64{capKey: 20000}}, want: "oap.allowed", allow: true, trace: "idempotent replay"},
		{name: "replay other amount", limit: refundLimits, call: refundCall(t, withField("amount", `100`)), state: &fakeState{idem: map[string]string{idemKey: okHash}}, want: "oap.idempotency_conflict"},
		{name: "replay other order", limit: refundLimits, call: refundCall(t, withField("order_id", `"ord_999"`)), state: &fakeState{idem: map[string]string{idemKey: okHash}}, want: "oap.idempotency_conflict"},
		{name: "corrupt stored hash conflicts", limit: refundLimits, call: refundCall(t, refundOK), state: &fakeState{idem: map[string]string{idemKey: "corrupt"}}, want: "oap.idempotency_conflict"},

		{name: "region allowed", limit: refundLimits, call: refundCall(t, refundOK), want: "oap.allowed", allow: true},
		{name: "rate per day reached", limit: `{"currency_limits":{"USD":{}},"rate_per_day":2}`, call: refundCall(t, refundOK), state: &fakeState{counts: map[string]int{"a|finance.payment.refund|rate_per_day": 2}}, want: "oap.rate_limit_exceeded"},
	}
	runPackCases(t, "finance.payment.refund", "", cases)

	regionCases := []packCase{
		{name: "region listed", limit: refundLimits, call: refundCall(t, refundOK), want: "oap.allowed", allow: true},
		{name: "region case-insensitive", limit: refundLimits, call: refundCall(t, withField("region", `"ca"`)), want: "oap.allowed", allow: true},
		{name: "region blocked", limit: refundLimits, call: refundCall(t, withField("region", `"DE"`)), want: "oap.region_blocked", trace: "US, CA"},
		{name: "region absent", limit: refundLimits, call: refundCall(t, withField("region", "")), want: "oap.region_blocked"},
	}
	runPackCases(t, "finance.payment.refund", regions, regionCases)
	runPackCases(t, "finance.payment.refund", `,"regions":[]`, []packCase{
		{name: "empty regions allow none", limit: refundLimits, call: refundCall(t, refundOK), want: "oap.region_blocked"},
	})
}

func TestRefundEffects(t *testing.T) {
	p := mustPassport(t, `{"id":"a","assurance_level":"L2","capabilities":["finance.payment.refund"],"limits":{"finance.payment.refund":`+refundLimits+`}}`)
	env := testEnv()
	st := &fakeState{idem: map[string]string{}}
	env.State = st
	c := refundCall(t, refundOK)
	c.Capability = "finance.payment.refund"
	d := Evaluate(p, &c, env)
	if !d.Allow || len(d.Effects) != 2 {
		t.Fatalf("allow=%v effects=%+v", d.Allow, d.Effects)
	}
	add, idem := d.Effects[0], d.Effects[1]
	if add.Kind != "add" || add.Key != "a|finance.payment.refund|daily_cap:USD" || add.Amount != 4500 || add.Window != refundCapWindow {
		t.Errorf("add effect %+v", add)
	}
	if idem.Kind != "idempotency" || idem.Key != "a|finance.payment.refund|idempotency:idem-000123" || !strings.HasPrefix(idem.Hash, "sha256:") {
		t.Errorf("idempotency effect %+v", idem)
	}

	// The same refund again is a replay: allowed, nothing added.
	st.idem[idem.Key] = idem.Hash
	d = Evaluate(p, &c, env)
	if !d.Allow || len(d.Effects) != 0 {
		t.Fatalf("replay: allow=%v effects=%+v", d.Allow, d.Effects)
	}
	// The key's order of fields in the payload does not change the hash.
	c2 := refundCall(t, `{"idempotency_key":"idem-000123","reason_code":"customer_request","region":"US","currency":"usd","amount":4500,"customer_id":"cus_9","order_id":"ord_123"}`)
	c2.Capability = "finance.payment.refund"
	if d = Evaluate(p, &c2, env); !d.Allow {
		t.Fatalf("reordered replay: %+v", d.Reasons)
	}

	// A denied refund has no effects.
	c3 := refundCall(t, withField("amount", `9000`))
	c3.Capability = "finance.payment.refund"
	if d = Evaluate(p, &c3, testEnv()); d.Allow || len(d.Effects) != 0 {
		t.Fatalf("denied: allow=%v effects=%+v", d.Allow, d.Effects)
	}
}

func TestRefundAssurance(t *testing.T) {
	for _, tc := range []struct {
		level string
		allow bool
	}{{"L0", false}, {"L1", false}, {"L2", true}, {"L3", true}} {
		p := mustPassport(t, `{"id":"a","assurance_level":"`+tc.level+`","capabilities":["finance.payment.refund"],"limits":{"finance.payment.refund":`+refundLimits+`}}`)
		env := testEnv()
		env.State = &fakeState{}
		c := refundCall(t, refundOK)
		c.Capability = "finance.payment.refund"
		d := Evaluate(p, &c, env)
		if d.Allow != tc.allow || (!tc.allow && d.Reasons[0].Code != "oap.assurance_insufficient") {
			t.Errorf("%s: allow=%v %+v", tc.level, d.Allow, d.Reasons)
		}
	}
}

func TestRefundWithoutState(t *testing.T) {
	p := mustPassport(t, `{"id":"a","assurance_level":"L2","capabilities":["finance.payment.refund"],"limits":{"finance.payment.refund":`+refundLimits+`}}`)
	c := refundCall(t, refundOK)
	c.Capability = "finance.payment.refund"
	if d := Evaluate(p, &c, testEnv()); d.Allow || d.Reasons[0].Code != "oap.evaluator_error" {
		t.Fatalf("%+v", d.Reasons)
	}
}

// FuzzGenericPacks feeds arbitrary input objects to the refund, messaging and
// repository checks: they must never panic, and an allowed refund must carry
// a positive whole amount within the passport's per-transaction limit.
func FuzzGenericPacks(f *testing.F) {
	for _, s := range []string{
		refundOK,
		withField("amount", `45.5`),
		`{"amount":1,"currency":"eur","idempotency_key":"12345678","reason_code":"duplicate"}`,
		`{"channel_id":"#eng-x","recipients":["a@example.com",1]}`,
		`{"repository":"git@github.com:acme/api.git","base":"main","action":"merge"}`,
		`{"amount":{"x":[1,2]},"currency":null}`,
	} {
		f.Add(s)
	}
	p := mustPassportF(f, `{"id":"a","assurance_level":"L2","capabilities":["finance.payment.refund","messaging.send","repo.merge"],"regions":["US"],"limits":{"finance.payment.refund":`+refundLimits+`,"messaging.send":{"allowed_recipients":["#eng-*"]},"repo.merge":{"allowed_repos":["acme/*"],"allowed_base_branches":["main"]}}}`)
	f.Fuzz(func(t *testing.T, in string) {
		var m map[string]any
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		if dec.Decode(&m) != nil || m == nil {
			return
		}
		for _, capability := range []string{"finance.payment.refund", "messaging.send", "repo.merge"} {
			env := testEnv()
			env.State = &fakeState{}
			c := Call{Host: "generic", Tool: capability, Capability: capability, Ctx: Context{Fields: m}}
			d := Evaluate(p, &c, env)
			if len(d.Reasons) == 0 {
				t.Fatalf("%s: no reasons", capability)
			}
			if d.Allow && capability == "finance.payment.refund" {
				n, ok := m["amount"].(json.Number)
				v, err := strconv.ParseInt(string(n), 10, 64)
				if !ok || err != nil || v <= 0 || v > 6000 {
					t.Fatalf("allowed refund with amount %v", m["amount"])
				}
			}
		}
	})
}

func mustPassportF(f *testing.F, doc string) *passport.Passport {
	p, err := passport.Parse([]byte(doc), "fuzz.json")
	if err != nil {
		f.Fatal(err)
	}
	return p
}
