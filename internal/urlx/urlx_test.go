package urlx

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		host string // "" when Parse must fail
		ip   bool
		port string
		ui   bool
		kind Kind // when failing
	}{
		// names
		{in: "https://docs.python.org/3/", host: "docs.python.org"},
		{in: "HTTPS://Docs.Python.Org./x", host: "docs.python.org"},
		{in: "http://docs.python.org:8080/", host: "docs.python.org", port: "8080"},
		{in: "  https://docs.python.org/ \n", host: "docs.python.org"},
		{in: "https://docs.python.org.evil.com/", host: "docs.python.org.evil.com"},
		{in: "https://evil.com#docs.python.org", host: "evil.com"},
		{in: "https://evil.com?@docs.python.org/", host: "evil.com"},
		{in: "https://evil.com/@docs.python.org/", host: "evil.com"},
		{in: "https://docs.python.org@evil.com/", host: "evil.com", ui: true},
		{in: "https://a@docs.python.org@evil.com/", host: "evil.com", ui: true},
		{in: "https://user:pass@evil.com:443/", host: "evil.com", port: "443", ui: true},
		{in: "https://evil.com;@docs.python.org/", host: "docs.python.org", ui: true},
		{in: "http://bücher.de/", host: "xn--bcher-kva.de"},
		{in: "http://BÜCHER.de/", host: "xn--bcher-kva.de"},
		{in: "http://b%C3%BCcher.de/", host: "xn--bcher-kva.de"},
		{in: "http://xn--bcher-kva.de/", host: "xn--bcher-kva.de"},
		{in: "http://docs。python。org/", host: "docs.python.org"},
		{in: "http://exa\u00admple.com/", host: "example.com"},
		{in: "http://a_b.example.com/", host: "a_b.example.com"},
		{in: "http://r3---sn-x.googlevideo.com/", host: "r3---sn-x.googlevideo.com"},
		{in: "http://127.0.0.1.nip.io/", host: "127.0.0.1.nip.io"},

		// IPv4 in every spelling
		{in: "http://127.0.0.1/", host: "127.0.0.1", ip: true},
		{in: "http://2130706433/", host: "127.0.0.1", ip: true},
		{in: "http://0x7f000001/", host: "127.0.0.1", ip: true},
		{in: "http://0x7f.1/", host: "127.0.0.1", ip: true},
		{in: "http://0X7F.0.0.1/", host: "127.0.0.1", ip: true},
		{in: "http://0177.0.0.1/", host: "127.0.0.1", ip: true},
		{in: "http://017700000001/", host: "127.0.0.1", ip: true},
		{in: "http://127.1/", host: "127.0.0.1", ip: true},
		{in: "http://127.0.1/", host: "127.0.0.1", ip: true},
		{in: "http://0x7f.0.0x0.01/", host: "127.0.0.1", ip: true},
		{in: "http://127.0.0.1./", host: "127.0.0.1", ip: true},
		{in: "http://0/", host: "0.0.0.0", ip: true},
		{in: "http://0x/", host: "0.0.0.0", ip: true},
		{in: "http://0xa9fea9fe/", host: "169.254.169.254", ip: true},
		{in: "http://169.254.43518/", host: "169.254.169.254", ip: true},
		{in: "http://１２７．０．０．１/", host: "127.0.0.1", ip: true},
		{in: "http://4294967295/", host: "255.255.255.255", ip: true},
		{in: "http://8.8.8.8:53/", host: "8.8.8.8", ip: true, port: "53"},

		// IPv6
		{in: "http://[::1]/", host: "::1", ip: true},
		{in: "http://[::1]:8080/", host: "::1", ip: true, port: "8080"},
		{in: "http://[::]/", host: "::", ip: true},
		{in: "http://[::ffff:127.0.0.1]/", host: "127.0.0.1", ip: true},
		{in: "http://[::ffff:7f00:1]/", host: "127.0.0.1", ip: true},
		{in: "http://[::ffff:169.254.169.254]/", host: "169.254.169.254", ip: true},
		{in: "http://[0:0:0:0:0:FFFF:A9FE:A9FE]/", host: "169.254.169.254", ip: true},
		{in: "http://[::127.0.0.1]/", host: "::7f00:1", ip: true},
		{in: "http://[fe80::1%25eth0]/", host: "fe80::1", ip: true},
		{in: "http://[FD00:EC2::254]/", host: "fd00:ec2::254", ip: true},

		// refused
		{in: "file:///etc/passwd", kind: KindScheme},
		{in: "ftp://ftp.example.com/x", kind: KindScheme},
		{in: "javascript:alert(1)", kind: KindScheme},
		{in: "gopher://127.0.0.1:6379/_x", kind: KindScheme},
		{in: "docs.python.org/3/", kind: KindScheme},
		{in: "//docs.python.org/3/", kind: KindScheme},
		{in: "", kind: KindScheme},
		{in: "http:evil.com", kind: KindHost},
		{in: "http:/evil.com", kind: KindHost},
		{in: "http:///evil.com", kind: KindHost},
		{in: `http:\\evil.com`, kind: KindHost},
		{in: `http://evil.com\@docs.python.org/`, kind: KindHost},
		{in: `http://docs.python.org\.evil.com/`, kind: KindHost},
		{in: "http://", kind: KindHost},
		{in: "http://?x", kind: KindHost},
		{in: "http://user@/", kind: KindHost},
		{in: "http://:80/", kind: KindHost},
		{in: "http://ev\til.com/", kind: KindSyntax},
		{in: "http://evil.com\n.docs.python.org/", kind: KindSyntax},
		{in: "http://%65vil.com/", kind: KindSyntax},
		{in: "http://ex ample.com/", kind: KindSyntax},
		{in: "http://[::1/", kind: KindSyntax},
		{in: "http://[1.2.3.4]/", kind: KindSyntax},
		{in: "http://[evil.com]/", kind: KindSyntax},
		{in: "http://::1/", kind: KindSyntax},
		{in: "http://x.com:99999/", kind: KindHost},
		{in: "http://1.2.3.4.5/", kind: KindHost},
		{in: "http://0x1g/", kind: KindHost},
		{in: "http://08.0.0.1/", kind: KindHost},
		{in: "http://256.0.0.1/", kind: KindHost},
		{in: "http://1.2.3.256/", kind: KindHost},
		{in: "http://4294967296/", kind: KindHost},
		{in: "http://99999999999999999999999/", kind: KindHost},
		{in: "http://1.2.3.4x/", kind: KindHost},
		{in: "http://example.123/", kind: KindHost},
		{in: "http://1..2/", kind: KindHost},
		{in: "http://xn--zz.com/", kind: KindHost},
		{in: "http://xn--example-.com/", kind: KindHost},
		{in: "http://\u200b.com/", kind: KindHost},
		{in: "http://.example.com/", kind: KindHost},
		{in: "http://example.com../", kind: KindHost},
		{in: "http://a%25b.com/", kind: KindHost},
		{in: "http://a!b.com/", kind: KindHost},
		{in: "http://\xff0/", kind: KindHost},
		{in: "http://" + strings.Repeat("a", 64) + ".com/", kind: KindHost},
		{in: "http://" + strings.Repeat("a.", 127) + "com/", kind: KindHost},
	}
	for _, tc := range cases {
		u, err := Parse(tc.in)
		if tc.host == "" {
			var e *Error
			if err == nil {
				t.Errorf("Parse(%q) = %+v, want an error", tc.in, u)
			} else if !errors.As(err, &e) || e.Kind != tc.kind || e.Msg == "" {
				t.Errorf("Parse(%q) error %#v, want kind %d", tc.in, err, tc.kind)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if u.Host != tc.host || u.IP.IsValid() != tc.ip || u.Port != tc.port || u.Userinfo != tc.ui {
			t.Errorf("Parse(%q) = host %q ip %v port %q userinfo %v, want %q %v %q %v", tc.in, u.Host, u.IP, u.Port, u.Userinfo, tc.host, tc.ip, tc.port, tc.ui)
		}
		if tc.ip && u.IP.String() != u.Host {
			t.Errorf("Parse(%q): IP %v, host %q", tc.in, u.IP, u.Host)
		}
	}
}

func TestParseSchemes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"file:///etc/passwd": "file", "FTP://x/": "ftp", "x.com/a": "", "localhost:8080/x": "localhost", "data:text/html,hi": "data"} {
		_, err := Parse(in)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindScheme || e.Scheme != want {
			t.Errorf("Parse(%q) = %#v, want scheme error %q", in, err, want)
		}
	}
	for _, in := range []string{"http://x.com/", "HTTP://x.com/", "https://x.com/", "HtTpS://x.com/"} {
		if u, err := Parse(in); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			t.Errorf("Parse(%q) = %+v, %v", in, u, err)
		}
	}
}

func TestUserinfoNeverKept(t *testing.T) {
	t.Parallel()
	u, err := Parse("https://ghp_secret:pw@github.com/")
	if err != nil || !u.Userinfo {
		t.Fatal(u, err)
	}
	if strings.Contains(u.Host+u.Written+u.Port, "secret") {
		t.Fatalf("userinfo kept: %+v", u)
	}
	_, err = Parse("https://ghp_secret@exa mple.com/")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("error %v", err)
	}
}

func TestParseIPv4(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"0": "0.0.0.0", "1": "0.0.0.1", "2130706433": "127.0.0.1", "0x7F000001": "127.0.0.1",
		"0177.1": "127.0.0.1", "127.1": "127.0.0.1", "10.1.1": "10.1.0.1", "1.2.3.4": "1.2.3.4",
		"0x.0x.0x.0x": "0.0.0.0", "00.00.00.00": "0.0.0.0", "255.255.255.255": "255.255.255.255",
		"255.255.65535": "255.255.255.255", "255.16777215": "255.255.255.255", "1.2.3.4.": "1.2.3.4",
	}
	for in, want := range good {
		a, ok := ParseIPv4(in)
		if !ok || a.String() != want {
			t.Errorf("ParseIPv4(%q) = %v %v, want %s", in, a, ok, want)
		}
	}
	for _, in := range []string{"", ".", "1.2.3.4.5", "1..2", ".1.2", "256.1", "1.256.1.1", "1.2.65536", "1.16777216", "4294967296",
		"08", "09.1", "0x1g", "1a", "-1", "+1", "1.2.3.4..", "0xx1", "1 .2"} {
		if a, ok := ParseIPv4(in); ok {
			t.Errorf("ParseIPv4(%q) = %v, want failure", in, a)
		}
	}
}

func TestPrivate(t *testing.T) {
	t.Parallel()
	blocked := []string{
		"http://127.0.0.1/", "http://127.255.255.254/", "http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://0/",
		"http://0.0.0.0/", "http://0.1.2.3/", "http://10.0.0.1/", "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/",
		"http://169.254.169.254/latest/meta-data", "http://169.254.0.1/", "http://100.64.0.1/", "http://100.127.255.255/",
		"http://100.100.100.200/", "http://192.0.0.192/", "http://198.18.0.1/", "http://224.0.0.1/", "http://255.255.255.255/", "http://240.0.0.1/",
		"http://[::1]/", "http://[::]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/", "http://[::ffff:7f00:1]/",
		"http://[::ffff:0:7f00:1]/", "http://[::ffff:0:a9fe:a9fe]/",
		"http://[::ffff:10.0.0.1]/", "http://[::127.0.0.1]/", "http://[::8.8.8.8]/", "http://[fc00::1]/", "http://[fd12:3456::1]/",
		"http://[fd00:ec2::254]/", "http://[fe80::1%25eth0]/", "http://[febf::1]/", "http://[fec0::1]/", "http://[ff02::1]/",
		"http://[64:ff9b::7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[64:ff9b:1::1]/", "http://[2002:7f00:1::]/",
		"http://[2002:a9fe:a9fe::1]/", "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "http://[100::1]/",
		"http://localhost/", "http://LOCALHOST./", "http://api.localhost/", "http://metadata/", "http://metadata.google.internal/",
		"http://metadata.google.internal./computeMetadata/v1/", "http://instance-data/", "http://intranet/", "http://db.internal/",
		"http://printer.local/", "http://nas.home.arpa/", "http://localhost.localdomain/",
	}
	for _, in := range blocked {
		u, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if u.Private() == "" {
			t.Errorf("%s (host %s) is not private", in, u.Host)
		}
	}
	public := []string{
		"https://docs.python.org/", "http://8.8.8.8/", "http://1.1.1.1/", "http://172.15.255.255/", "http://172.32.0.1/",
		"http://100.63.255.255/", "http://100.128.0.1/", "http://169.253.0.1/", "http://192.169.0.1/", "http://11.0.0.1/",
		"http://223.255.255.255/", "http://[2606:4700:4700::1111]/", "http://[64:ff9b::808:808]/", "http://[2002:808:808::]/",
		"http://[::ffff:8.8.8.8]/", "http://localhost.example.com/", "http://internal.example.com/", "http://local.example/",
		"http://127.0.0.1.nip.io/", "http://xn--bcher-kva.de/",
	}
	for _, in := range public {
		u, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if why := u.Private(); why != "" {
			t.Errorf("%s is %s", in, why)
		}
	}
	if got := PrivateIP(netip.MustParseAddr("169.254.169.254")); !strings.Contains(got, "metadata") {
		t.Errorf("169.254.169.254: %q", got)
	}
	if got := PrivateIP(netip.Addr{}); got == "" {
		t.Error("the zero Addr is public")
	}
}

func TestPatterns(t *testing.T) {
	t.Parallel()
	cases := []struct {
		entry string
		match []string
		miss  []string
	}{
		{"docs.python.org", []string{"https://docs.python.org/3/", "HTTPS://Docs.Python.Org./x", "http://docs.python.org:8080/"},
			[]string{"https://python.org/", "https://docs.python.org.evil.com/", "https://evil.com#docs.python.org", "https://xdocs.python.org/", "https://a.docs.python.org/"}},
		{"*.python.org", []string{"https://docs.python.org/3/", "HTTPS://Docs.Python.Org./x", "https://a.b.python.org/"},
			[]string{"https://python.org/", "https://evilpython.org/", "https://docs.python.org.evil.com/", "https://python.org.evil.com/"}},
		{"Docs.Python.Org.", []string{"https://docs.python.org/"}, []string{"https://python.org/"}},
		{"*.PYTHON.org.", []string{"https://docs.python.org/"}, []string{"https://python.org/"}},
		{"bücher.de", []string{"http://xn--bcher-kva.de/", "http://BÜCHER.de/"}, []string{"http://bucher.de/"}},
		{"*.bücher.de", []string{"http://www.xn--bcher-kva.de/"}, []string{"http://xn--bcher-kva.de/"}},
		{"127.0.0.1", []string{"http://127.1/", "http://2130706433/", "http://[::ffff:127.0.0.1]/"}, []string{"http://127.0.0.2/"}},
		{"0x7f.1", []string{"http://127.0.0.1/"}, nil},
		{"[::1]", []string{"http://[::1]/", "http://[0:0::1]:8080/"}, []string{"http://127.0.0.1/"}},
		{"fd00:ec2::254", []string{"http://[fd00:ec2::254]/"}, nil},
		{"*.com", []string{"http://example.com/"}, []string{"http://example.org/"}},
	}
	for _, tc := range cases {
		p, err := ParsePattern(tc.entry)
		if err != nil {
			t.Errorf("ParsePattern(%q): %v", tc.entry, err)
			continue
		}
		for _, in := range tc.match {
			if u, err := Parse(in); err != nil || !p.Match(u) {
				t.Errorf("%q does not match %s (%v)", tc.entry, in, err)
			}
		}
		for _, in := range tc.miss {
			if u, err := Parse(in); err != nil || p.Match(u) {
				t.Errorf("%q matches %s (%v)", tc.entry, in, err)
			}
		}
	}
	for _, bad := range []string{"", " ", "*", "**.example.com", "*example.com", "foo.*.com", "example.*", "https://docs.python.org", "docs.python.org/3",
		"example.com:443", "user@example.com", ".example.com", "example..com", "*.127.0.0.1", "*.[::1]", "1.2.3.4.5", "0x1g", "xn--zz.com", "a b.com", "[::1"} {
		if p, err := ParsePattern(bad); err == nil {
			t.Errorf("ParsePattern(%q) = %+v, want an error", bad, p)
		}
	}
	if p, _ := ParsePattern("*.Python.org."); p.String() != "*.python.org" {
		t.Errorf("String() = %q", p.String())
	}
}

// FuzzURL: Parse never panics; a URL it accepts has an http(s) scheme and a
// non-empty, normalised host that parses back to itself; a URL whose host Go's
// own parser cannot find is refused.
func FuzzURL(f *testing.F) {
	for _, s := range []string{
		"https://docs.python.org/3/", "http://2130706433/", "http://0x7f.1/", "http://[::ffff:169.254.169.254]/",
		"https://docs.python.org.evil.com/", "https://evil.com#docs.python.org", "https://docs.python.org@evil.com/",
		"http://169.254.169.254/latest/meta-data", "file:///etc/passwd", "ftp://x/", "http://127.1/", "http://0/", "http://[::1]/",
		"HTTPS://Docs.Python.Org./x", "http://bücher.de/", "http://[fe80::1%25eth0]:80/", `http://a\@b/`, "http:evil.com",
		"http://1.2.3.4.5/", "http://0x1g/", "http://u:p@[::1]:1/", "http://xn--bcher-kva.de./", "http://%C3%BC.de/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind < KindScheme || e.Kind > KindHost || e.Msg == "" {
				t.Fatalf("Parse(%q): error %#v", s, err)
			}
			return
		}
		if u.Host == "" {
			t.Fatalf("Parse(%q): no error and no host", s)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("Parse(%q): scheme %q", s, u.Scheme)
		}
		if g, gerr := url.Parse(strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })); gerr != nil || g.Hostname() == "" {
			t.Fatalf("Parse(%q) = %q, but net/url finds no host (%v)", s, u.Host, gerr)
		}
		if u.IP.IsValid() {
			if u.IP.String() != u.Host || u.IP.Is4In6() || u.IP.Zone() != "" {
				t.Fatalf("Parse(%q): IP %v host %q", s, u.IP, u.Host)
			}
		} else {
			if validName(u.Host) != "" || strings.HasSuffix(u.Host, ".") || u.Host != strings.ToLower(u.Host) {
				t.Fatalf("Parse(%q): host %q is not normalised", s, u.Host)
			}
			last := u.Host[strings.LastIndexByte(u.Host, '.')+1:]
			if last[0] >= '0' && last[0] <= '9' {
				t.Fatalf("Parse(%q): numeric-looking host %q accepted as a name", s, u.Host)
			}
		}
		// The normalised host reads back as itself.
		h := u.Host
		if u.IP.Is6() {
			h = "[" + h + "]"
		}
		v, err := Parse(u.Scheme + "://" + h + "/")
		if err != nil || v.Host != u.Host || v.IP != u.IP {
			t.Fatalf("Parse(%q) = %q, which reads back as %+v, %v", s, u.Host, v, err)
		}
		// An entry naming the host matches it.
		if p, err := ParsePattern(h); err != nil || !p.Match(u) {
			t.Fatalf("Parse(%q) = %q: the entry %q does not match it (%v)", s, u.Host, h, err)
		}
		_ = u.Private()
	})
}

func BenchmarkParse(b *testing.B) {
	for _, in := range []string{"https://docs.python.org/3/library/json.html", "http://bücher.de/", "http://0x7f.1/"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
