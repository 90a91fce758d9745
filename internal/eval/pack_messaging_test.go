package eval

import "testing"

func msgCall(t *testing.T, in string) Call {
	return Call{Host: "generic", Tool: "messaging.message.send", Ctx: Context{Fields: fields(t, in)}}
}

func TestMessagingPack(t *testing.T) {
	const allowed = `{"allowed_recipients":["#eng-*","C0123","*@example.com"]}`
	cases := []packCase{
		{name: "no limits", call: msgCall(t, `{"channel_id":"C9","message":"hi"}`), want: "oap.allowed", allow: true},
		{name: "channel glob", limit: allowed, call: msgCall(t, `{"channel_id":"#eng-alerts","message":"hi"}`), want: "oap.allowed", allow: true, trace: `"#eng-*"`},
		{name: "channel exact", limit: allowed, call: msgCall(t, `{"channel_id":"C0123","message":"hi"}`), want: "oap.allowed", allow: true},
		{name: "channel case-insensitive", limit: allowed, call: msgCall(t, `{"channel_id":"c0123"}`), want: "oap.allowed", allow: true},
		{name: "recipient glob", limit: allowed, call: msgCall(t, `{"recipient":"Ana@Example.com","message":"hi"}`), want: "oap.allowed", allow: true},
		{name: "recipient not allowed", limit: allowed, call: msgCall(t, `{"recipient":"ceo@other.com","message":"hi"}`), want: "oap.tool_not_allowed", trace: "#eng-*, C0123"},
		{name: "lookalike domain", limit: allowed, call: msgCall(t, `{"recipient":"x@example.com.evil.io"}`), want: "oap.tool_not_allowed"},
		{name: "channel not allowed", limit: allowed, call: msgCall(t, `{"channel_id":"#general"}`), want: "oap.tool_not_allowed"},
		{name: "both named, one not allowed", limit: allowed, call: msgCall(t, `{"channel_id":"C0123","recipient":"ceo@other.com"}`), want: "oap.tool_not_allowed"},
		{name: "recipients list allowed", limit: allowed, call: msgCall(t, `{"recipients":["a@example.com","b@example.com"]}`), want: "oap.allowed", allow: true},
		{name: "recipients list one not allowed", limit: allowed, call: msgCall(t, `{"recipients":["a@example.com","b@evil.io"]}`), want: "oap.tool_not_allowed"},
		{name: "empty allow list allows none", limit: `{"allowed_recipients":[]}`, call: msgCall(t, `{"channel_id":"C0123"}`), want: "oap.tool_not_allowed"},
		{name: "star allows any", limit: `{"allowed_recipients":["*"]}`, call: msgCall(t, `{"channel_id":"any/thing"}`), want: "oap.allowed", allow: true},
		{name: "no destination", limit: allowed, call: msgCall(t, `{"message":"hi"}`), want: "oap.invalid_context"},
		{name: "no destination without limits", call: msgCall(t, `{"message":"hi"}`), want: "oap.invalid_context"},
		{name: "channel not a string", limit: allowed, call: msgCall(t, `{"channel_id":123}`), want: "oap.invalid_context"},
		{name: "recipient empty", limit: allowed, call: msgCall(t, `{"recipient":"  "}`), want: "oap.invalid_context"},
		{name: "recipients not a list", limit: allowed, call: msgCall(t, `{"recipients":"a@example.com"}`), want: "oap.invalid_context"},
		{name: "recipients empty list", limit: allowed, call: msgCall(t, `{"recipients":[]}`), want: "oap.invalid_context"},
		{name: "recipients entry not a string", limit: allowed, call: msgCall(t, `{"recipients":["a@example.com",7]}`), want: "oap.invalid_context"},
		{name: "msgs per min under", limit: `{"msgs_per_min":2}`, call: msgCall(t, `{"channel_id":"C1"}`), state: &fakeState{counts: map[string]int{"a|messaging.send|msgs_per_min": 1}}, want: "oap.allowed", allow: true},
		{name: "msgs per min reached", limit: `{"msgs_per_min":2}`, call: msgCall(t, `{"channel_id":"C1"}`), state: &fakeState{counts: map[string]int{"a|messaging.send|msgs_per_min": 2}}, want: "oap.rate_limit_exceeded", trace: "msgs_per_min"},
		{name: "msgs per day reached", limit: `{"msgs_per_min":100,"msgs_per_day":5}`, call: msgCall(t, `{"channel_id":"C1"}`), state: &fakeState{counts: map[string]int{"a|messaging.send|msgs_per_day": 5}}, want: "oap.rate_limit_exceeded", trace: "msgs_per_day"},
	}
	runPackCases(t, "messaging.send", "", cases)
}

func TestMessagingRecordsBothWindows(t *testing.T) {
	p := mustPassport(t, `{"id":"a","capabilities":["messaging.send"],"limits":{"messaging.send":{"msgs_per_min":2,"msgs_per_day":10}}}`)
	env := testEnv()
	env.State = &fakeState{}
	c := msgCall(t, `{"channel_id":"C1"}`)
	c.Capability = "messaging.send"
	d := Evaluate(p, &c, env)
	if !d.Allow || len(d.Effects) != 2 || d.Effects[0].Key != "a|messaging.send|msgs_per_min" || d.Effects[1].Key != "a|messaging.send|msgs_per_day" {
		t.Fatalf("allow=%v effects=%+v", d.Allow, d.Effects)
	}
}
