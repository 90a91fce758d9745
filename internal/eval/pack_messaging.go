package eval

import (
	"path"
	"strings"
)

// messaging.message.send.v1: who a message may go to.
//
// A message names its destination in channel_id, recipient or recipients (a
// list); at least one must be present, and every destination named must match
// an allowed_recipients glob (path.Match syntax, case-insensitive). The
// counting limits msgs_per_min and msgs_per_day are in rate.go.
func init() { checkers["messaging.message.send.v1"] = checkMessaging }

func checkMessaging(k *check) {
	f := k.c.Ctx.Fields
	var dests []string
	for _, name := range []string{"channel_id", "recipient"} {
		v, present := f[name]
		if !present || v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			k.deny("oap.invalid_context", "%s must be a non-empty string, found %s", name, describe(v))
			return
		}
		dests = append(dests, s)
	}
	if v, present := f["recipients"]; present && v != nil {
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			k.deny("oap.invalid_context", "recipients must be a non-empty list of strings, found %s", describe(v))
			return
		}
		for _, e := range list {
			s, ok := e.(string)
			if !ok || strings.TrimSpace(s) == "" {
				k.deny("oap.invalid_context", "every entry of recipients must be a non-empty string, found %s", describe(e))
				return
			}
			dests = append(dests, s)
		}
	}
	if len(dests) == 0 {
		k.deny("oap.invalid_context", "the message names no destination: send channel_id, recipient or recipients so %s can be checked", k.limitRef("allowed_recipients"))
		return
	}
	if m, ok := f["message"].(string); ok {
		k.ok("message", "%d bytes", len(m))
	}
	allowed, ok := k.limits.Strings("allowed_recipients")
	if !ok {
		k.ok("allowed_recipients", "not set: any recipient")
		return
	}
	for _, d := range dests {
		hit := globFold(allowed, d)
		if hit == "" {
			k.deny("oap.tool_not_allowed", "messages to %q are not allowed by %s; allowed recipients: %s", d, k.limitRef("allowed_recipients"), listOrNone(allowed))
			continue
		}
		k.ok("allowed_recipients", "%q allowed by %q", d, hit)
	}
}

// globFold returns the first pattern that matches s (path.Match syntax,
// case-insensitive; "*" matches anything), or "". A malformed pattern matches
// nothing.
func globFold(patterns []string, s string) string {
	ls := strings.ToLower(s)
	for _, p := range patterns {
		if p == "*" {
			return p
		}
		if m, err := path.Match(strings.ToLower(p), ls); err == nil && m {
			return p
		}
	}
	return ""
}
