package eval

import (
	"strconv"
	"strings"

	"github.com/aporthq/aport/internal/urlx"
)

// web.fetch.v1: fetching http and https URLs.
//
// The URL is read by internal/urlx the way an HTTP client would read it, and
// every rule is checked against the host it would contact: lower-cased,
// punycode, without a trailing dot, an IP literal in any spelling as its
// address. A URL whose host cannot be determined is oap.invalid_context.
//
// Order: scheme and host, private network (applies with or without a domain
// list), denied_domains, allowed_domains, allowed_methods. Userinfo is not
// the host: https://docs.python.org@evil.com/ is a request to evil.com, and
// the reason says so.
// aport resolves no names: a public name that resolves to a private address
// is not caught here; allowed_domains is the control for that.
func init() { checkers["web.fetch.v1"] = checkWeb }

func checkWeb(k *check) {
	x := &k.c.Ctx
	u, err := urlx.Parse(x.URL)
	if err != nil {
		webParseDeny(k, err)
		return
	}
	port := "default port"
	if u.Port != "" {
		port = "port " + u.Port
	}
	if u.Written != u.Host {
		k.ok("url", "%s://%s (%s), written %s", u.Scheme, u.Host, port, webPrintable(u.Written))
	} else {
		k.ok("url", "%s://%s (%s)", u.Scheme, u.Host, port)
	}

	host := webHostName(u)
	if why := u.Private(); why != "" {
		if !k.limits.Bool("allow_private_network") {
			k.deny("oap.private_ip_blocked", "fetching %s is denied: it is %s, and loopback, private, link-local and cloud metadata hosts are blocked unless %s is true; fetch a public URL instead", host, why, k.limitRef("allow_private_network"))
			return
		}
		k.ok("allow_private_network", "%s is %s, allowed by %s", host, why, k.limitRef("allow_private_network"))
	} else if u.IP.IsValid() {
		k.ok("private_network", "%s is a public address", host)
	} else {
		k.ok("private_network", "%s is not a reserved or local name (aport resolves no names)", u.Host)
	}

	if denied, ok := k.limits.Strings("denied_domains"); ok {
		for _, e := range denied {
			// entries are validated when the passport loads; one that does
			// not parse here still fails closed: it denies
			p, err := urlx.ParsePattern(e)
			if err != nil || p.Match(u) {
				k.deny("oap.domain_denied", "fetching %s is denied by %q in %s%s; fetch a different host", host, e, k.limitRef("denied_domains"), webUserinfoNote(u))
				return
			}
		}
		k.ok("denied_domains", "%s matches no entry", u.Host)
	}

	if allowed, ok := k.limits.Strings("allowed_domains"); ok {
		hit := ""
		for _, e := range allowed {
			if p, err := urlx.ParsePattern(e); err == nil && p.Match(u) {
				hit = e
				break
			}
		}
		if hit == "" {
			msg := "fetching " + host + " is denied: the host is not in " + k.limitRef("allowed_domains") + webUserinfoNote(u) + "; allowed hosts: " + listOrNone(allowed)
			if apex := webApexHint(u, allowed); apex != "" {
				msg += "; " + apex
			}
			k.deny("oap.domain_not_allowed", "%s", msg)
			return
		}
		k.ok("allowed_domains", "%s allowed by %q", u.Host, hit)
	}

	method := x.Method
	if method == "" {
		method = "GET"
	}
	if allowed, ok := k.limits.Strings("allowed_methods"); ok {
		hit := ""
		for _, m := range allowed {
			if strings.EqualFold(strings.TrimSpace(m), method) {
				hit = m
				break
			}
		}
		if hit == "" {
			k.deny("oap.method_not_allowed", "%s requests are not in %s; allowed methods: %s", method, k.limitRef("allowed_methods"), listOrNone(allowed))
			return
		}
		k.ok("allowed_methods", "%s allowed by %q", method, hit)
	}
}

// webParseDeny turns a urlx.Parse error into a reason.
func webParseDeny(k *check, err error) {
	e, ok := err.(*urlx.Error)
	if !ok {
		k.deny("oap.invalid_context", "the URL cannot be checked (%v), so it is denied; give an absolute https:// URL", err)
		return
	}
	switch {
	case e.Kind == urlx.KindScheme && e.Scheme == "":
		k.deny("oap.scheme_not_allowed", "the URL has no scheme, so it is denied; %s fetches only absolute http:// and https:// URLs: write it like https://example.com/page", k.pack.ID)
	case e.Kind == urlx.KindScheme:
		hint := ""
		if e.Scheme == "file" {
			hint = "; read local files with the file tools instead"
		}
		k.deny("oap.scheme_not_allowed", "%s: URLs are denied; %s fetches only http:// and https:// URLs%s", e.Scheme, k.pack.ID, hint)
	default:
		k.deny("oap.invalid_context", "the host this URL would contact cannot be determined, so it is denied: %s; give an absolute https:// URL with a plain host name", e.Msg)
	}
}

// webHostName names the host for messages, with the spelling it was written
// in when that differs by more than case and a trailing dot (0x7f.1 is
// 127.0.0.1, bücher.de is xn--bcher-kva.de).
func webHostName(u *urlx.URL) string {
	w := strings.TrimSuffix(u.Written, ".")
	if w != "" && !strings.EqualFold(w, u.Host) && w != "["+u.Host+"]" {
		return u.Host + " (written " + webPrintable(u.Written) + ")"
	}
	return u.Host
}

// webPrintable returns s as is when it is plain ASCII, else quoted with escapes,
// so that invisible or right-to-left characters cannot disguise a host.
func webPrintable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return strconv.QuoteToASCII(s)
		}
	}
	return s
}

// webUserinfoNote explains user@host URLs in domain denials.
func webUserinfoNote(u *urlx.URL) string {
	if u.Userinfo {
		return " (the URL's text before '@' is a user name, not the host)"
	}
	return ""
}

// webApexHint explains that *.example.com does not cover example.com.
func webApexHint(u *urlx.URL, allowed []string) string {
	for _, e := range allowed {
		if p, err := urlx.ParsePattern(e); err == nil && p.Wildcard && p.Host == u.Host {
			return "*." + p.Host + " covers the subdomains of " + p.Host + " only; add " + p.Host + " itself to allow it"
		}
	}
	return ""
}
