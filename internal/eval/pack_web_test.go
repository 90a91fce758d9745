package eval

import (
	"strings"
	"testing"
)

func fetch(url string) Call {
	return Call{Tool: "WebFetch", Ctx: Context{URL: url, HasURL: true, Method: "GET"}}
}

func fetchMethod(url, method string) Call {
	return Call{Tool: "web.fetch", Ctx: Context{URL: url, HasURL: true, Method: method}}
}

func TestWebFetchPack(t *testing.T) {
	const docs = `{"allowed_domains":["docs.python.org","*.python.org","pkg.go.dev"]}`
	const wild = `{"allowed_domains":["*.python.org"]}`
	cases := []packCase{
		// allowed
		{name: "no limits", call: fetch("https://example.com/"), want: "oap.allowed", allow: true, trace: "not a reserved or local name"},
		{name: "exact host", limit: docs, call: fetch("https://docs.python.org/3/"), want: "oap.allowed", allow: true, trace: `allowed by "docs.python.org"`},
		{name: "case and trailing dot", limit: wild, call: fetch("HTTPS://Docs.Python.Org./x"), want: "oap.allowed", allow: true, trace: `docs.python.org allowed by "*.python.org"`},
		{name: "deep subdomain", limit: wild, call: fetch("https://a.b.python.org/"), want: "oap.allowed", allow: true},
		{name: "explicit port", limit: docs, call: fetch("https://pkg.go.dev:443/net/url"), want: "oap.allowed", allow: true, trace: "port 443"},
		{name: "query and fragment do not matter", limit: docs, call: fetch("https://docs.python.org/3/?q=evil.com#evil.com"), want: "oap.allowed", allow: true},
		{name: "IDN entry", limit: `{"allowed_domains":["bücher.de"]}`, call: fetch("https://BÜCHER.de/"), want: "oap.allowed", allow: true, trace: "xn--bcher-kva.de"},
		{name: "punycode URL, unicode entry", limit: `{"allowed_domains":["*.bücher.de"]}`, call: fetch("https://www.xn--bcher-kva.de/"), want: "oap.allowed", allow: true},
		{name: "public IP literal", call: fetch("http://8.8.8.8/"), want: "oap.allowed", allow: true, trace: "8.8.8.8 is a public address"},
		{name: "public IP allowed by entry", limit: `{"allowed_domains":["1.1.1.1"]}`, call: fetch("https://16843009/"), want: "oap.allowed", allow: true, trace: "written 16843009"},

		// oap.scheme_not_allowed
		{name: "file", call: fetch("file:///etc/passwd"), want: "oap.scheme_not_allowed", trace: "file tools"},
		{name: "ftp", call: fetch("ftp://ftp.example.com/pub/x"), want: "oap.scheme_not_allowed", trace: "ftp: URLs are denied"},
		{name: "gopher", call: fetch("gopher://127.0.0.1:6379/_FLUSHALL"), want: "oap.scheme_not_allowed"},
		{name: "javascript", call: fetch("javascript:alert(1)"), want: "oap.scheme_not_allowed"},
		{name: "no scheme", call: fetch("docs.python.org/3/"), want: "oap.scheme_not_allowed", trace: "no scheme"},
		{name: "scheme-relative", call: fetch("//docs.python.org/3/"), want: "oap.scheme_not_allowed"},
		{name: "scheme checked before private network", limit: `{"allow_private_network":true}`, call: fetch("file://localhost/etc/passwd"), want: "oap.scheme_not_allowed"},

		// oap.invalid_context: no URL, or no host that can be determined
		{name: "no url", call: Call{Tool: "WebFetch", Ctx: Context{Method: "GET"}}, want: "oap.invalid_context"},
		{name: "empty host", call: fetch("http:///etc/passwd"), want: "oap.invalid_context", trace: "cannot be determined"},
		{name: "opaque", call: fetch("http:evil.com"), want: "oap.invalid_context"},
		{name: "backslash", limit: docs, call: fetch(`https://evil.com\@docs.python.org/`), want: "oap.invalid_context", trace: "backslash"},
		{name: "unparseable", call: fetch("http://[::1/"), want: "oap.invalid_context"},
		{name: "bad IDN", call: fetch("http://xn--zz.com/"), want: "oap.invalid_context", trace: "internationalised"},
		{name: "numeric but not an address", call: fetch("http://1.2.3.4.5/"), want: "oap.invalid_context", trace: "looks like an IPv4 address"},
		{name: "bad hex", call: fetch("http://0x1g/"), want: "oap.invalid_context"},
		{name: "bad octal", call: fetch("http://08.0.0.1/"), want: "oap.invalid_context"},
		{name: "percent-encoded ASCII host", call: fetch("http://%6c%6fcalhost/"), want: "oap.invalid_context"},
		{name: "control character", call: fetch("http://docs.python.org\t.evil.com/"), want: "oap.invalid_context"},
		{name: "bad port", call: fetch("http://example.com:70000/"), want: "oap.invalid_context"},
		{name: "invalid even with private network allowed", limit: `{"allow_private_network":true}`, call: fetch("http://0x1g/"), want: "oap.invalid_context"},

		// oap.private_ip_blocked, with or without allowed_domains
		{name: "decimal loopback", call: fetch("http://2130706433/"), want: "oap.private_ip_blocked", trace: "127.0.0.1 (written 2130706433)"},
		{name: "hex short loopback", call: fetch("http://0x7f.1/"), want: "oap.private_ip_blocked", trace: "loopback"},
		{name: "octal loopback", call: fetch("http://0177.0.0.1/"), want: "oap.private_ip_blocked"},
		{name: "short loopback", call: fetch("http://127.1/"), want: "oap.private_ip_blocked"},
		{name: "zero", call: fetch("http://0/"), want: "oap.private_ip_blocked", trace: "0.0.0.0"},
		{name: "v6 loopback", call: fetch("http://[::1]/"), want: "oap.private_ip_blocked"},
		{name: "v6 unspecified", call: fetch("http://[::]:8080/"), want: "oap.private_ip_blocked"},
		{name: "metadata", call: fetch("http://169.254.169.254/latest/meta-data"), want: "oap.private_ip_blocked", trace: "cloud metadata"},
		{name: "mapped metadata", call: fetch("http://[::ffff:169.254.169.254]/"), want: "oap.private_ip_blocked", trace: "metadata"},
		{name: "mapped hex loopback", call: fetch("http://[::ffff:7f00:1]/"), want: "oap.private_ip_blocked"},
		{name: "v6 metadata", call: fetch("http://[fd00:ec2::254]/latest/meta-data"), want: "oap.private_ip_blocked", trace: "metadata"},
		{name: "metadata name", call: fetch("http://metadata.google.internal/computeMetadata/v1/"), want: "oap.private_ip_blocked", trace: "metadata"},
		{name: "single label", call: fetch("http://metadata/"), want: "oap.private_ip_blocked"},
		{name: "localhost", call: fetch("http://localhost:8080/"), want: "oap.private_ip_blocked", trace: "this machine"},
		{name: "sub.localhost", call: fetch("http://app.localhost/"), want: "oap.private_ip_blocked"},
		{name: "private 10", call: fetch("http://10.0.0.5/"), want: "oap.private_ip_blocked"},
		{name: "private 172", call: fetch("http://172.20.1.1/"), want: "oap.private_ip_blocked"},
		{name: "private 192.168", call: fetch("http://192.168.1.1/admin"), want: "oap.private_ip_blocked"},
		{name: "cgnat", call: fetch("http://100.64.1.1/"), want: "oap.private_ip_blocked", trace: "carrier-grade"},
		{name: "link-local v6 with zone", call: fetch("http://[fe80::1%25eth0]/"), want: "oap.private_ip_blocked"},
		{name: "ula", call: fetch("http://[fd12::1]/"), want: "oap.private_ip_blocked"},
		{name: "private beats allowed list", limit: `{"allowed_domains":["localhost","127.0.0.1"]}`, call: fetch("http://127.1/"), want: "oap.private_ip_blocked", trace: "allow_private_network"},
		{name: "private checked before domains", limit: docs, call: fetch("http://0x7f.1/"), want: "oap.private_ip_blocked"},
		{name: "explicit false", limit: `{"allow_private_network":false}`, call: fetch("http://localhost/"), want: "oap.private_ip_blocked"},
		{name: "private network allowed", limit: `{"allow_private_network":true}`, call: fetch("http://localhost:8080/"), want: "oap.allowed", allow: true, trace: "allowed by passport limits.web.fetch.allow_private_network"},
		{name: "private network allowed, still listed", limit: `{"allow_private_network":true,"allowed_domains":["localhost"]}`, call: fetch("http://10.0.0.1/"), want: "oap.domain_not_allowed"},
		{name: "private network allowed and listed", limit: `{"allow_private_network":true,"allowed_domains":["10.0.0.1"]}`, call: fetch("http://012.0.0.1/"), want: "oap.allowed", allow: true},

		// oap.domain_not_allowed
		{name: "not listed", limit: docs, call: fetch("https://evil.com/"), want: "oap.domain_not_allowed", trace: "passport limits.web.fetch.allowed_domains"},
		{name: "suffix trick", limit: docs, call: fetch("https://docs.python.org.evil.com/"), want: "oap.domain_not_allowed", trace: "docs.python.org.evil.com"},
		{name: "fragment trick", limit: docs, call: fetch("https://evil.com#docs.python.org"), want: "oap.domain_not_allowed", trace: "fetching evil.com is denied"},
		{name: "userinfo trick", limit: docs, call: fetch("https://docs.python.org@evil.com/"), want: "oap.domain_not_allowed", trace: "fetching evil.com is denied"},
		{name: "query trick", limit: docs, call: fetch("https://evil.com?@docs.python.org/"), want: "oap.domain_not_allowed"},
		{name: "label boundary", limit: wild, call: fetch("https://evilpython.org/"), want: "oap.domain_not_allowed"},
		{name: "wildcard is not the apex", limit: wild, call: fetch("https://python.org/"), want: "oap.domain_not_allowed", trace: "add python.org itself"},
		{name: "exact is not a subdomain", limit: `{"allowed_domains":["python.org"]}`, call: fetch("https://docs.python.org/"), want: "oap.domain_not_allowed"},
		{name: "empty list allows none", limit: `{"allowed_domains":[]}`, call: fetch("https://docs.python.org/"), want: "oap.domain_not_allowed", trace: "allowed hosts: none"},
		{name: "homograph", limit: docs, call: fetch("https://docs.pythοn.org/"), want: "oap.domain_not_allowed", trace: "xn--"},

		// oap.domain_denied: deny overrides allow
		{name: "denied exact", limit: `{"denied_domains":["evil.com"]}`, call: fetch("https://EVIL.com./x"), want: "oap.domain_denied", trace: `"evil.com" in passport limits.web.fetch.denied_domains`},
		{name: "denied wildcard", limit: `{"denied_domains":["*.evil.com"]}`, call: fetch("https://a.evil.com/"), want: "oap.domain_denied"},
		{name: "denied wildcard not apex", limit: `{"denied_domains":["*.evil.com"]}`, call: fetch("https://evil.com/"), want: "oap.allowed", allow: true, trace: "matches no entry"},
		{name: "denied overrides allowed", limit: `{"allowed_domains":["*.python.org"],"denied_domains":["bugs.python.org"]}`, call: fetch("https://bugs.python.org/"), want: "oap.domain_denied"},
		{name: "denied IP in another spelling", limit: `{"denied_domains":["8.8.8.8"]}`, call: fetch("http://0x08080808/"), want: "oap.domain_denied"},
		{name: "denied via userinfo trick", limit: `{"denied_domains":["evil.com"]}`, call: fetch("https://docs.python.org@evil.com/"), want: "oap.domain_denied"},

		// userinfo is not the host: the host after '@' decides
		{name: "userinfo to allowed host", limit: docs, call: fetch("https://user:secret@docs.python.org/3/"), want: "oap.allowed", allow: true},
		{name: "userinfo without lists", call: fetch("https://token@example.com/"), want: "oap.allowed", allow: true},

		// oap.method_not_allowed
		{name: "method allowed", limit: `{"allowed_methods":["GET","HEAD"]}`, call: fetchMethod("https://example.com/", "HEAD"), want: "oap.allowed", allow: true, trace: `HEAD allowed by "HEAD"`},
		{name: "method case-insensitive", limit: `{"allowed_methods":["get"]}`, call: fetchMethod("https://example.com/", "GET"), want: "oap.allowed", allow: true},
		{name: "method default GET", limit: `{"allowed_methods":["GET"]}`, call: fetchMethod("https://example.com/", ""), want: "oap.allowed", allow: true},
		{name: "method denied", limit: `{"allowed_methods":["GET","HEAD"]}`, call: fetchMethod("https://example.com/", "POST"), want: "oap.method_not_allowed", trace: "allowed methods: GET, HEAD"},
		{name: "methods empty", limit: `{"allowed_methods":[]}`, call: fetchMethod("https://example.com/", "GET"), want: "oap.method_not_allowed"},
		{name: "no method limit", call: fetchMethod("https://example.com/", "DELETE"), want: "oap.allowed", allow: true},

		// oap.rate_limit_exceeded, counted by rate.go
		{name: "rate under", limit: `{"rate_per_minute":2}`, call: fetch("https://example.com/"), state: &fakeState{counts: map[string]int{"a|web.fetch|rate_per_minute": 1}}, want: "oap.allowed", allow: true},
		{name: "rate reached", limit: `{"rate_per_minute":2}`, call: fetch("https://example.com/"), state: &fakeState{counts: map[string]int{"a|web.fetch|rate_per_minute": 2}}, want: "oap.rate_limit_exceeded"},
	}
	runPackCases(t, "web.fetch", "", cases)
}

func TestWebFetchAssurance(t *testing.T) {
	// web.fetch.v1 needs L0, which every passport has; the capability must
	// still be granted.
	p := mustPassport(t, `{"id":"a","capabilities":["web.search"]}`)
	c := fetch("https://example.com/")
	c.Capability = "web.fetch"
	if d := Evaluate(p, &c, testEnv()); d.Allow || d.Reasons[0].Code != "oap.unknown_capability" {
		t.Fatalf("%+v", d.Reasons)
	}
}

// TestWebFetchReasonsKeepSecrets: a reason never repeats the userinfo of the URL.
func TestWebFetchReasonsKeepSecrets(t *testing.T) {
	for _, u := range []string{"https://user:s3cr3t@docs.python.org/", "https://s3cr3t@evil.com/", "https://s3cr3t@0x7f.1/", "https://s3cr3t@exa mple.com/", "ftp://s3cr3t@x/"} {
		p := mustPassport(t, `{"id":"a","capabilities":["web.fetch"],"limits":{"web.fetch":{"allowed_domains":["docs.python.org"]}}}`)
		c := fetch(u)
		c.Capability = "web.fetch"
		d := Evaluate(p, &c, testEnv())
		if d.Allow != strings.Contains(u, "docs.python.org") {
			t.Fatalf("%s: allow=%v", u, d.Allow)
		}
		if txt := traceText(d); strings.Contains(txt, "s3cr3t") {
			t.Errorf("%s: the reason repeats the userinfo:\n%s", u, txt)
		}
	}
}

func TestWebFetchRecordsCall(t *testing.T) {
	p := mustPassport(t, `{"id":"a","capabilities":["web.fetch"],"limits":{"web.fetch":{"rate_per_hour":3}}}`)
	env := testEnv()
	env.State = &fakeState{}
	c := fetch("https://example.com/")
	c.Capability = "web.fetch"
	d := Evaluate(p, &c, env)
	if !d.Allow || len(d.Effects) != 1 || d.Effects[0].Key != "a|web.fetch|rate_per_hour" {
		t.Fatalf("allow=%v effects=%+v", d.Allow, d.Effects)
	}
	c = fetch("http://127.1/")
	c.Capability = "web.fetch"
	if d := Evaluate(p, &c, env); d.Allow || len(d.Effects) != 0 {
		t.Fatalf("a denied fetch is counted: allow=%v effects=%+v", d.Allow, d.Effects)
	}
}
