package urlx

import (
	"net/netip"
	"strings"
)

// Private names the private or special-purpose network the URL's host is in:
// loopback, unspecified, private, link-local, CGNAT, cloud metadata and the
// other ranges below, and the names that can only mean a local machine or
// network (localhost, single-label names, .internal, ...). It returns "" for
// a public address or an ordinary DNS name. No name is resolved.
func (u *URL) Private() string {
	if u.IP.IsValid() {
		return PrivateIP(u.IP)
	}
	return privateName(u.Host)
}

// PrivateIP names the private or special-purpose range an address is in, or
// returns "" for a public address. IPv4-mapped, IPv4-compatible, NAT64, 6to4
// and Teredo IPv6 addresses are judged by the IPv4 address they carry.
func PrivateIP(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	if a.Is4() {
		return privateV4(a.As4())
	}
	if !a.Is6() {
		return "not an IP address"
	}
	b := a.As16()
	var v4 [4]byte
	copy(v4[:], b[12:])
	switch {
	case a == netip.IPv6Unspecified():
		return "the unspecified address (::)"
	case a == netip.IPv6Loopback():
		return "the loopback address (::1)"
	case isZero(b[:12]):
		// ::a.b.c.d, deprecated; some stacks send it to a.b.c.d.
		if why := privateV4(v4); why != "" {
			return "an IPv4-compatible address of " + why
		}
		return "an IPv4-compatible address (::/96, deprecated)"
	case isZero(b[:8]) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0:
		// ::ffff:0:a.b.c.d, IPv4-translated (SIIT, RFC 2765): the IPv4
		// address decides, and anything else of the range is not public
		if why := privateV4(v4); why != "" {
			return "an IPv4-translated address of " + why
		}
		return "an IPv4-translated address (::ffff:0:0/96)"
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 0 && isZero(b[6:12]):
		// 64:ff9b::/96, the well-known NAT64 prefix: the IPv4 address decides.
		if why := privateV4(v4); why != "" {
			return "a NAT64 address of " + why
		}
		return ""
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1:
		return "a local-use NAT64 address (64:ff9b:1::/48)"
	case b[0] == 0x20 && b[1] == 0x02:
		// 2002::/16, 6to4: the IPv4 address is in bytes 2-5.
		if why := privateV4([4]byte{b[2], b[3], b[4], b[5]}); why != "" {
			return "a 6to4 address of " + why
		}
		return ""
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0:
		// 2001::/32, Teredo: the client's IPv4 address is the last 32 bits inverted.
		if why := privateV4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}); why != "" {
			return "a Teredo address of " + why
		}
		return ""
	case a == netip.AddrFrom16([16]byte{0xfd, 0x00, 0x0e, 0xc2, 14: 0x02, 15: 0x54}):
		return "the cloud metadata service address fd00:ec2::254 (AWS EC2)"
	case b[0]&0xfe == 0xfc:
		return "a unique local (private) address (fc00::/7)"
	case b[0] == 0xfe && b[1]&0xc0 == 0x80:
		return "a link-local address (fe80::/10)"
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return "a site-local address (fec0::/10, deprecated)"
	case b[0] == 0xff:
		return "a multicast address (ff00::/8)"
	case b[0] == 0x01 && b[1] == 0x00 && isZero(b[2:8]):
		return "a discard-only address (100::/64)"
	}
	return ""
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// privateV4 names the private or special-purpose IPv4 range of an address.
func privateV4(b [4]byte) string {
	switch {
	case b == [4]byte{169, 254, 169, 254}:
		return "the cloud metadata service address 169.254.169.254"
	case b == [4]byte{100, 100, 100, 200}:
		return "the cloud metadata service address 100.100.100.200 (Alibaba Cloud)"
	case b == [4]byte{0, 0, 0, 0}:
		return "the unspecified address 0.0.0.0, which reaches this machine"
	case b[0] == 0:
		return "a \"this network\" address (0.0.0.0/8)"
	case b[0] == 127:
		return "a loopback address (127.0.0.0/8)"
	case b[0] == 10:
		return "a private address (10.0.0.0/8)"
	case b[0] == 172 && b[1]&0xf0 == 16:
		return "a private address (172.16.0.0/12)"
	case b[0] == 192 && b[1] == 168:
		return "a private address (192.168.0.0/16)"
	case b[0] == 169 && b[1] == 254:
		return "a link-local address (169.254.0.0/16)"
	case b[0] == 100 && b[1]&0xc0 == 64:
		return "a carrier-grade NAT address (100.64.0.0/10)"
	case b[0] == 192 && b[1] == 0 && b[2] == 0:
		return "an IETF protocol assignment address (192.0.0.0/24)"
	case b[0] == 198 && b[1]&0xfe == 18:
		return "a benchmarking address (198.18.0.0/15)"
	case b[0] >= 224 && b[0] < 240:
		return "a multicast address (224.0.0.0/4)"
	case b[0] >= 240:
		return "a reserved or broadcast address (240.0.0.0/4)"
	}
	return ""
}

// privateName names the local machine or network a host name can only mean.
func privateName(h string) string {
	switch {
	case h == "localhost" || strings.HasSuffix(h, ".localhost"):
		return "a name for this machine (localhost, *.localhost)"
	case h == "metadata" || h == "metadata.google.internal" || h == "metadata.goog":
		return "the cloud metadata service name " + h
	case !strings.Contains(h, "."):
		return "a single-label name, which only local search domains or /etc/hosts can resolve"
	case strings.HasSuffix(h, ".internal"):
		return "a name under .internal, which is reserved for private networks"
	case strings.HasSuffix(h, ".local"):
		return "a multicast DNS name (.local) on the local network"
	case strings.HasSuffix(h, ".home.arpa"):
		return "a home network name (.home.arpa)"
	case strings.HasSuffix(h, ".localdomain"):
		return "a name under .localdomain, which means this machine or network"
	}
	return ""
}
