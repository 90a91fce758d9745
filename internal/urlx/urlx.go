// Package urlx works out which host a URL handed to a fetch tool would really
// contact, so that domain and network rules can be checked against that host
// and not against how the URL happens to be spelled.
//
// Parse accepts absolute http and https URLs only. It reads the URL the way a
// browser or an HTTP client does (the host after the last '@', before any
// '?' or '#'), lower-cases the host, removes one trailing dot, converts an
// internationalised name to punycode (golang.org/x/net/idna, UTS #46 lookup
// mapping), and recognises IP literals in every spelling inet_aton and the
// WHATWG URL parser accept: 2130706433, 0x7f.1, 0177.0.0.1, 127.1,
// [::ffff:127.0.0.1]. Anything it cannot read unambiguously is an error, so a
// caller that denies on error fails closed.
//
// Pattern is a domain-list entry (exact host or *.example.com) normalised the
// same way; URL.Private names the loopback, private, link-local, CGNAT,
// metadata and other special-purpose addresses and names a host is in.
//
// It is not a URL canonicaliser for fetching (the path, query and fragment
// are left alone) and it does no DNS lookups: a public-looking name that
// resolves to a private address is not detected here. Restrict names with an
// allow-list for that. It builds nothing at package init.
package urlx

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Kind classifies a Parse error.
type Kind int

const (
	// KindScheme: the URL has no scheme or one other than http and https.
	KindScheme Kind = iota + 1
	// KindSyntax: the URL cannot be parsed.
	KindSyntax
	// KindHost: the host is missing, ambiguous, or not a valid host name or
	// IP address (including an IDN that fails conversion and a numeric host
	// that is not a valid IPv4 address).
	KindHost
)

// Error is why a URL cannot be used.
type Error struct {
	Kind   Kind
	Scheme string // KindScheme: the scheme found, lower-cased; "" when none
	Msg    string // what is wrong, without the URL itself
}

func (e *Error) Error() string { return e.Msg }

func errorf(kind Kind, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

// URL is what a fetch of an http(s) URL would contact.
type URL struct {
	Scheme string // "http" or "https"
	// Host is the normalised host: lower-case ASCII (punycode for IDNs)
	// without a trailing dot, or, for an IP literal in any spelling, the
	// address in canonical form (IPv6 without brackets or zone, an
	// IPv4-mapped IPv6 address as IPv4).
	Host string
	// IP is the address when the host is an IP literal; the zero Addr for a
	// name.
	IP netip.Addr
	// Port is the explicit port, "" when the scheme's default is used.
	Port string
	// Userinfo reports a user name or password before '@'. Its text is not
	// kept, so that it cannot leak into messages or logs.
	Userinfo bool
	// Written is the host as it appears in the URL (after percent-decoding),
	// for messages; it may differ from Host.
	Written string
}

// Parse reads an absolute http or https URL. The error is an *Error.
func Parse(raw string) (*URL, error) {
	// Browsers strip leading and trailing C0 controls and spaces.
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	scheme, rest, ok := splitScheme(s)
	if !ok {
		return nil, &Error{Kind: KindScheme, Msg: "the URL has no scheme"}
	}
	if scheme != "http" && scheme != "https" {
		return nil, &Error{Kind: KindScheme, Scheme: scheme, Msg: "the scheme " + scheme + ": is not http or https"}
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		return nil, errorf(KindSyntax, "the URL contains a control character (tab, newline or similar)")
	}
	// The authority must follow "//" directly. Browsers also accept
	// "http:host", "http:/host", "http:///host" and backslashes for slashes;
	// other clients read those differently, so they are refused.
	if !strings.HasPrefix(rest, "//") {
		return nil, errorf(KindHost, "the URL has no host: "+scheme+": must be followed by //host")
	}
	auth := rest[2:]
	if i := strings.IndexAny(auth, "/?#"); i >= 0 {
		auth = auth[:i]
	}
	if strings.Contains(auth, `\`) {
		return nil, errorf(KindHost, `the host part contains a backslash, which browsers read as '/' and other clients do not, so the host is ambiguous`)
	}
	if auth == "" {
		return nil, errorf(KindHost, "the URL has an empty host")
	}
	u, err := url.Parse(s)
	if err != nil {
		msg := err.Error()
		if ue, ok := err.(*url.Error); ok {
			msg = ue.Err.Error()
		}
		return nil, errorf(KindSyntax, "the URL cannot be parsed: "+msg)
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, errorf(KindHost, "the URL has no host")
	}
	out := &URL{Scheme: scheme, Userinfo: u.User != nil}
	hostport := u.Host
	var h string
	if strings.HasPrefix(hostport, "[") {
		end := strings.LastIndexByte(hostport, ']')
		if end < 0 {
			return nil, errorf(KindHost, "the URL has an unterminated [ in its host")
		}
		h = hostport[:end+1]
	} else {
		h = hostport
		if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
			h = hostport[:i]
		}
	}
	out.Port = u.Port()
	if out.Port != "" {
		if n, err := strconv.Atoi(out.Port); err != nil || n > 65535 || len(out.Port) > 5 {
			return nil, errorf(KindHost, "the port "+out.Port+" is not a port number (0-65535)")
		}
	}
	out.Written = h
	out.Host, out.IP, err = normaliseHost(h)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// splitScheme splits "scheme:rest" (RFC 3986: a letter, then letters, digits,
// '+', '-', '.'), lower-casing the scheme.
func splitScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return "", "", false
			}
		case c == ':':
			if i == 0 {
				return "", "", false
			}
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// lookupProfile is UTS #46 lookup processing as browsers configure it:
// non-transitional, Bidi and joiner rules on, hyphen placement not checked
// (labels like r3---sn-x exist), and STD3 off so that '_' passes IDNA; the
// ASCII result is then checked by validName.
func lookupProfile() *idna.Profile {
	return idna.New(idna.MapForLookup(), idna.BidiRule(), idna.Transitional(false),
		idna.CheckHyphens(false), idna.StrictDomainName(false))
}

// normaliseHost normalises a host as written in a URL or a domain entry:
// "[v6]", or a name or IPv4 literal (percent-decoding already done).
func normaliseHost(h string) (string, netip.Addr, error) {
	if h == "" {
		return "", netip.Addr{}, errorf(KindHost, "the host is empty")
	}
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") {
			return "", netip.Addr{}, errorf(KindHost, "the host "+quote(h)+" has a [ without its ]")
		}
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() {
			return "", netip.Addr{}, errorf(KindHost, "the host "+quote(h)+" is not a valid IPv6 address")
		}
		a = a.WithZone("").Unmap()
		return a.String(), a, nil
	}
	if strings.ContainsAny(h, ":[]") {
		return "", netip.Addr{}, errorf(KindHost, "the host "+quote(h)+" is not a host name (an IPv6 address must be in brackets)")
	}
	if !utf8.ValidString(h) {
		return "", netip.Addr{}, errorf(KindHost, "the host "+quote(h)+" is not valid UTF-8")
	}
	a, err := lookupProfile().ToASCII(h)
	if err != nil {
		return "", netip.Addr{}, errorf(KindHost, "the host "+quote(h)+" is not a valid internationalised domain name ("+strings.TrimPrefix(err.Error(), "idna: ")+")")
	}
	a = strings.ToLower(a) // ToASCII maps case; this is belt and braces
	a = strings.TrimSuffix(a, ".")
	if a == "" {
		return "", netip.Addr{}, errorf(KindHost, "the host "+quote(h)+" is empty")
	}
	if why := validName(a); why != "" {
		return "", netip.Addr{}, errorf(KindHost, "the host "+quote(h)+" is not a valid host name: "+why)
	}
	last := a[strings.LastIndexByte(a, '.')+1:]
	if last[0] >= '0' && last[0] <= '9' {
		// No top-level domain starts with a digit: this is an IPv4
		// literal, and it must parse as one.
		ip, ok := ParseIPv4(a)
		if !ok {
			return "", netip.Addr{}, errorf(KindHost, "the host "+quote(h)+" looks like an IPv4 address but is not a valid one")
		}
		return ip.String(), ip, nil
	}
	return a, netip.Addr{}, nil
}

// validName checks an ASCII host name after IDNA processing: labels of 1-63
// characters from a-z, 0-9, '-' and '_', at most 253 characters in all.
// It returns what is wrong, or "".
func validName(a string) string {
	if len(a) > 253 {
		return "longer than 253 characters"
	}
	n := 0
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c == '.':
			if n == 0 {
				return "an empty label"
			}
			n = 0
			continue
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return "the character " + strconv.QuoteRune(rune(c)) + " is not allowed in a host name"
		}
		n++
		if n > 63 {
			return "a label longer than 63 characters"
		}
	}
	if n == 0 {
		return "an empty label"
	}
	return ""
}

// ParseIPv4 parses an IPv4 address in any form inet_aton(3) and the WHATWG
// URL parser accept: one to four parts separated by dots, each decimal, octal
// (leading 0) or hexadecimal (0x, where "0x" alone is 0); the last part
// fills the remaining bytes (127.1, 2130706433, 0x7f.0.1). A single trailing
// dot is allowed.
func ParseIPv4(s string) (netip.Addr, bool) {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return netip.Addr{}, false
	}
	var parts [4]uint64
	n := 0
	for {
		part, rest, more := strings.Cut(s, ".")
		if n == 4 {
			return netip.Addr{}, false
		}
		v, ok := parseIPv4Part(part)
		if !ok {
			return netip.Addr{}, false
		}
		parts[n] = v
		n++
		if !more {
			break
		}
		s = rest
	}
	var ip uint64
	for i := 0; i < n-1; i++ {
		if parts[i] > 255 {
			return netip.Addr{}, false
		}
		ip |= parts[i] << (8 * (3 - i))
	}
	if parts[n-1] >= 1<<(8*(5-n)) {
		return netip.Addr{}, false
	}
	ip |= parts[n-1]
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

// parseIPv4Part reads one part; values above 2^32 fail.
func parseIPv4Part(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := uint64(10)
	switch {
	case len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
		base, p = 16, p[2:]
	case len(p) >= 2 && p[0] == '0':
		base, p = 8, p[1:]
	}
	var v uint64
	for i := 0; i < len(p); i++ {
		c := p[i]
		var d uint64
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		v = v*base + d
		if v > 1<<32 {
			return 0, false
		}
	}
	return v, true
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strconv.Quote(s)
}
