package enrich

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Calls Lodestone makes to an address an admin typed (the company data provider)
// reach only the public internet unless the server is started with
// --allow-private-outbound: a URL pointing at this machine, the office network or a
// cloud's metadata service (169.254.169.254) would let whoever sets it read what
// only the server can reach.

// ErrPrivateAddress is the refusal of a call to an address that is not public.
var ErrPrivateAddress = errors.New("the address is not on the public internet (loopback, private, link-local or reserved); start Lodestone with --allow-private-outbound to allow it")

// notPublic are the reserved ranges netip's own tests do not name.
var notPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, shared address space
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: may lead to any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4: may embed any IPv4 address
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2001::/32"),      // Teredo: may embed any IPv4 address
}

// PublicAddr reports whether ip is an address on the public internet.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range notPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckOutboundURL refuses, when private addresses are not allowed, a URL whose host
// is an address that is not public or a name of this machine. A name that resolves
// to such an address is refused when the call is made (OutboundClient).
func CheckOutboundURL(raw string, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ErrPrivateAddress
	}
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil && !PublicAddr(ip) {
		return ErrPrivateAddress
	}
	return nil
}

// OutboundClient is an HTTP client for calls to addresses an admin configured: with
// allowPrivate false it connects only to public addresses, checked on the address
// actually dialled (after DNS, so a name that resolves to a private address, or
// changes to one, is refused too), and it follows no environment proxy that would
// dial for it.
func OutboundClient(timeout time.Duration, allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout}
	if !allowPrivate {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !PublicAddr(ap.Addr()) {
				return fmt.Errorf("%s: %w", address, ErrPrivateAddress)
			}
			return nil
		}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}
	if allowPrivate {
		t.Proxy = http.ProxyFromEnvironment
	}
	return &http.Client{Timeout: timeout, Transport: t}
}
