package urlx

import (
	"net/netip"
	"strings"
)

// Pattern is one entry of a domain list: an exact host ("docs.python.org",
// an IP address in any spelling, "[::1]"), or "*.example.com" for the
// subdomains of example.com at a label boundary (never example.com itself,
// never evilexample.com). Entries are normalised like URL hosts: case,
// trailing dot, punycode, IP spelling.
type Pattern struct {
	Host     string // normalised like URL.Host
	Wildcard bool   // *.Host: proper subdomains only
}

// ParsePattern reads a domain-list entry. The error is an *Error saying what
// is wrong with the entry.
func ParsePattern(s string) (Pattern, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Pattern{}, errorf(KindHost, "an empty entry")
	case s == "*":
		return Pattern{}, errorf(KindHost, `"*" is not an entry; leave the list out to allow every host`)
	case strings.Contains(s, "/") || strings.Contains(s, "@"):
		return Pattern{}, errorf(KindHost, "an entry is a host name like docs.python.org or *.python.org, not a URL")
	}
	p := Pattern{}
	if strings.HasPrefix(s, "*.") {
		p.Wildcard, s = true, s[2:]
	}
	if strings.Contains(s, "*") {
		return Pattern{}, errorf(KindHost, "* is allowed only as a leading *. (*.example.com)")
	}
	if !strings.HasPrefix(s, "[") && strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is6() {
			return Pattern{}, errorf(KindHost, "an entry names a host without a port or scheme (ports are not matched)")
		}
		s = "[" + s + "]"
	}
	host, ip, err := normaliseHost(s)
	if err != nil {
		return Pattern{}, err
	}
	if p.Wildcard && ip.IsValid() {
		return Pattern{}, errorf(KindHost, "*. takes a domain name, not an IP address")
	}
	p.Host = host
	return p, nil
}

// Match reports whether the entry covers the URL's host.
func (p Pattern) Match(u *URL) bool {
	if p.Wildcard {
		return !u.IP.IsValid() && len(u.Host) > len(p.Host)+1 &&
			strings.HasSuffix(u.Host, p.Host) && u.Host[len(u.Host)-len(p.Host)-1] == '.'
	}
	return u.Host == p.Host
}

// String is the normalised entry.
func (p Pattern) String() string {
	if p.Wildcard {
		return "*." + p.Host
	}
	return p.Host
}
