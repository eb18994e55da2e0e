package fetch

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// These tests only ask the guard for decisions; nothing is dialed.

func TestGuardRefusesNonGlobalAddressesAndAllowsPublicOnes(t *testing.T) {
	g := NewGuard(nil)
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"10.0.0.1", false},               // RFC 1918
		{"172.16.5.4", false},             // RFC 1918
		{"172.31.255.255", false},         // RFC 1918, top of the block
		{"192.168.1.1", false},            // RFC 1918
		{"169.254.169.254", false},        // link-local, cloud metadata
		{"100.64.0.1", false},             // CGNAT
		{"100.127.255.255", false},        // CGNAT, top of the block
		{"127.0.0.1", false},              // loopback
		{"127.255.255.254", false},        // loopback, not only .1
		{"0.0.0.0", false},                // unspecified
		{"224.0.0.1", false},              // multicast
		{"255.255.255.255", false},        // broadcast
		{"240.0.0.1", false},              // reserved
		{"192.0.2.10", false},             // documentation
		{"198.18.0.1", false},             // benchmarking
		{"::1", false},                    // loopback
		{"::", false},                     // unspecified
		{"fe80::1", false},                // link-local
		{"fe80::1%eth0", false},           // link-local with zone
		{"fc00::1", false},                // unique local
		{"fd00::2", false},                // unique local
		{"ff02::1", false},                // multicast
		{"::ffff:127.0.0.1", false},       // IPv4-mapped loopback
		{"::ffff:10.0.0.1", false},        // IPv4-mapped private
		{"::ffff:169.254.169.254", false}, // IPv4-mapped metadata
		{"64:ff9b::a00:1", false},         // NAT64 of 10.0.0.1
		{"2001:db8::1", false},            // documentation
		{"2001::1", false},                // Teredo
		{"2002:7f00:1::1", false},         // 6to4 of 127.0.0.1
		{"100::1", false},                 // discard-only
		{"8.8.8.8", true},
		{"1.1.1.1", true},
		{"172.32.0.1", true},       // just above 172.16.0.0/12
		{"100.128.0.1", true},      // just above CGNAT
		{"::ffff:8.8.8.8", true},   // IPv4-mapped public
		{"64:ff9b::808:808", true}, // NAT64 of 8.8.8.8
		{"2001:4860:4860::8888", true},
		{"2606:4700:4700::1111", true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			if got := g.Allowed(a); got != tt.allowed {
				t.Fatalf("Allowed(%s) = %v, want %v", tt.addr, got, tt.allowed)
			}
			err := g.Check(a)
			if tt.allowed {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want nil", tt.addr, err)
				}
				return
			}
			if !errors.Is(err, ErrAddressNotAllowed) {
				t.Fatalf("Check(%s) = %v, want ErrAddressNotAllowed", tt.addr, err)
			}
			if !strings.Contains(err.Error(), a.String()) {
				t.Fatalf("Check(%s) error %q does not name the address", tt.addr, err)
			}
		})
	}
}

func TestGuardAllowListOpensOnlyItsPrefixes(t *testing.T) {
	g := NewGuard([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.1.0.0/16")})
	tests := []struct {
		addr    string
		allowed bool
	}{
		{"127.0.0.1", true},
		{"127.0.0.2", true},
		{"::ffff:127.0.0.1", true}, // the mapped form of an allowed address
		{"10.1.2.3", true},
		{"10.2.0.1", false},
		{"::1", false}, // IPv6 loopback is not in 127.0.0.0/8
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"8.8.8.8", true},
	}
	for _, tt := range tests {
		if got := g.Allowed(netip.MustParseAddr(tt.addr)); got != tt.allowed {
			t.Errorf("Allowed(%s) = %v, want %v", tt.addr, got, tt.allowed)
		}
	}
}

func TestGuardControlChecksTheDialedAddress(t *testing.T) {
	g := NewGuard(nil)
	tests := []struct {
		network, address string
		allowed          bool
	}{
		{"tcp4", "10.0.0.1:80", false},
		{"tcp4", "127.0.0.1:443", false},
		{"tcp6", "[::1]:443", false},
		{"tcp6", "[fe80::1%eth0]:443", false},
		{"tcp4", "8.8.8.8:443", true},
		{"tcp6", "[2001:4860:4860::8888]:443", true},
		{"udp4", "8.8.8.8:53", false}, // only TCP
		{"tcp4", "not-an-address", false},
	}
	for _, tt := range tests {
		err := g.Control(tt.network, tt.address, nil)
		if tt.allowed && err != nil {
			t.Errorf("Control(%s, %s) = %v, want nil", tt.network, tt.address, err)
		}
		if !tt.allowed && !errors.Is(err, ErrAddressNotAllowed) {
			t.Errorf("Control(%s, %s) = %v, want ErrAddressNotAllowed", tt.network, tt.address, err)
		}
	}
}

func TestGuardCheckURLRefusesSchemesAndLiteralIPsButLeavesHostNamesToDialTime(t *testing.T) {
	g := NewGuard(nil)
	tests := []struct {
		url  string
		want error
	}{
		{"https://example.com/users/a", nil},
		{"http://example.com:8080/", nil},
		{"http://localhost/", nil}, // a name: judged on its resolved address when dialing
		{"http://127.0.0.1/", ErrAddressNotAllowed},
		{"http://10.0.0.1:8080/", ErrAddressNotAllowed},
		{"http://[::1]/", ErrAddressNotAllowed},
		{"http://[::ffff:127.0.0.1]/", ErrAddressNotAllowed},
		{"http://[fe80::1%25eth0]/", ErrAddressNotAllowed},
		{"https://8.8.8.8/", nil},
		{"file:///etc/passwd", ErrSchemeNotAllowed},
		{"ftp://example.com/", ErrSchemeNotAllowed},
		{"gopher://example.com/", ErrSchemeNotAllowed},
		{"http:///path", ErrInvalidURL},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatalf("parse %s: %v", tt.url, err)
		}
		err = g.CheckURL(u)
		if tt.want == nil && err != nil {
			t.Errorf("CheckURL(%s) = %v, want nil", tt.url, err)
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("CheckURL(%s) = %v, want %v", tt.url, err, tt.want)
		}
	}
}

func TestParseAllowListReadsPrefixesAndSingleAddresses(t *testing.T) {
	got, err := ParseAllowList("127.0.0.0/8, ::1  10.1.2.3,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.0/8", "::1/128", "10.1.2.3/32", "fd00::/8"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("entry %d = %s, want %s", i, got[i], want[i])
		}
	}
	if p, err := ParseAllowList(""); err != nil || len(p) != 0 {
		t.Errorf("empty list = %v, %v; want none", p, err)
	}
	if _, err := ParseAllowList("127.0.0.0/8,nonsense"); err == nil {
		t.Error("a bad entry was accepted")
	}
}
