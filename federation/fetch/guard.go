package fetch

import (
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// Guard decides which remote addresses outgoing fetches may connect to.
//
// Only globally routable unicast addresses are allowed, unless a prefix of
// the operator's allow-list (VILLAGE_ALLOW_PRIVATE) contains the address.
// The decision is made twice: on a literal IP in a URL before anything is
// sent, and on every address a host name resolved to, at dial time, through
// Control. The second check is the one that matters: a host name may resolve
// to anything, and may resolve differently on every lookup (DNS rebinding),
// so only the address actually being connected to can be trusted.
//
// A Guard is immutable and safe for concurrent use.
type Guard struct {
	allow  []netip.Prefix
	deny4  []netip.Prefix
	global []netip.Prefix // IPv6 space that may be global unicast
	deny6  []netip.Prefix // special-purpose blocks inside it
	nat64  netip.Prefix
}

// NewGuard returns a Guard that also allows every address inside one of the
// allow prefixes. A nil or empty allow-list allows public addresses only.
func NewGuard(allow []netip.Prefix) *Guard {
	g := &Guard{
		deny4:  mustPrefixes(deniedIPv4()),
		global: mustPrefixes([]string{"2000::/3"}),
		deny6:  mustPrefixes(deniedIPv6()),
		nat64:  netip.MustParsePrefix("64:ff9b::/96"),
	}
	for _, p := range allow {
		if p.IsValid() {
			g.allow = append(g.allow, p.Masked())
		}
	}
	return g
}

// deniedIPv4 lists the IPv4 special-purpose blocks (IANA registry, RFC 6890
// and successors) that are not globally reachable unicast.
func deniedIPv4() []string {
	return []string{
		"0.0.0.0/8",       // "this network", includes the unspecified 0.0.0.0
		"10.0.0.0/8",      // RFC 1918 private
		"100.64.0.0/10",   // carrier-grade NAT shared space
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local, includes cloud metadata 169.254.169.254
		"172.16.0.0/12",   // RFC 1918 private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // deprecated 6to4 relay anycast
		"192.168.0.0/16",  // RFC 1918 private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, includes broadcast 255.255.255.255
	}
}

// deniedIPv6 lists special-purpose blocks inside 2000::/3. Everything outside
// 2000::/3 (::, ::1, fc00::/7, fe80::/10, ff00::/8, 100::/64, ...) is refused
// without a list, because only 2000::/3 is allocated as global unicast.
func deniedIPv6() []string {
	return []string{
		"2001::/23",     // IETF protocol assignments (Teredo, ORCHID, benchmarking)
		"2001:db8::/32", // documentation
		"2002::/16",     // 6to4: would tunnel to an embedded, unchecked IPv4 address
		"3fff::/20",     // documentation (RFC 9637)
	}
}

func mustPrefixes(ss []string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// ParseAllowList parses an operator allow-list such as the value of
// VILLAGE_ALLOW_PRIVATE: CIDR prefixes or single addresses separated by
// commas or spaces, e.g. "127.0.0.0/8, ::1, 10.1.2.0/24".
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("fetch: allow-list entry %q: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("fetch: allow-list entry %q: %w", f, err)
		}
		a = a.WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Allowed reports whether a connection to addr is permitted.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as the IPv4 address
// they carry, and a zone (fe80::1%eth0) is ignored.
func (g *Guard) Allowed(addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.WithZone("")
	plain := addr.Unmap()
	for _, p := range g.allow {
		if p.Contains(addr) || p.Contains(plain) {
			return true
		}
	}
	return g.public(plain)
}

// public reports whether a (unmapped, zoneless) address is global unicast.
func (g *Guard) public(a netip.Addr) bool {
	if a.Is4() {
		for _, p := range g.deny4 {
			if p.Contains(a) {
				return false
			}
		}
		return true
	}
	// The well-known NAT64 prefix reaches the IPv4 address in its low 32
	// bits, so that address decides.
	if g.nat64.Contains(a) {
		b := a.As16()
		return g.public(netip.AddrFrom4([4]byte(b[12:])))
	}
	inGlobal := false
	for _, p := range g.global {
		if p.Contains(a) {
			inGlobal = true
			break
		}
	}
	if !inGlobal {
		return false
	}
	for _, p := range g.deny6 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// Check returns nil if addr is allowed, or an error wrapping
// ErrAddressNotAllowed that names the address.
func (g *Guard) Check(addr netip.Addr) error {
	if g.Allowed(addr) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrAddressNotAllowed, addr)
}

// Control has the signature of net.Dialer.Control. It runs after the host
// name is resolved and before the socket connects, once for every address
// tried, and refuses any address the Guard does not allow. Only TCP is
// permitted.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("%w: network %s to %s", ErrAddressNotAllowed, network, address)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable dial address %q", ErrAddressNotAllowed, address)
	}
	return g.Check(ap.Addr())
}

// CheckURL refuses, before any connection, a URL that is not absolute http or
// https with a host, or whose host is a literal IP address that is not
// allowed. A host name passes here; its addresses are checked by Control.
func (g *Guard) CheckURL(u *url.URL) error {
	if u == nil {
		return fmt.Errorf("%w: nil URL", ErrInvalidURL)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	default:
		return fmt.Errorf("%w: %q in %s", ErrSchemeNotAllowed, u.Scheme, u.Redacted())
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%w: no host in %s", ErrInvalidURL, u.Redacted())
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return g.Check(a)
	}
	return nil
}
