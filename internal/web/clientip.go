package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address a request came from, for rate limits and consent
// records. Without trusted proxies (--trusted-proxies) it is the connection's
// address, whatever the headers say: anyone can write X-Forwarded-For. A request
// from a trusted proxy is from the address X-Forwarded-For names last that is not
// itself a trusted proxy, read from the right, the end each proxy appends to; a
// proxy that sent no readable header leaves its own address.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.cfg.TrustedProxies) == 0 {
		return host
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(addr) {
		return host
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			hop, err := parseHop(strings.TrimSpace(parts[j]))
			if err != nil {
				// A hop that is not an address: nothing left of it can be trusted.
				return addr.String()
			}
			if addr = hop.Unmap(); !s.trusted(addr) {
				return addr.String()
			}
		}
	}
	return addr.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, or an address and port as
// some load balancers write it (203.0.113.5:41234, [2001:db8::1]:443).
func parseHop(h string) (netip.Addr, error) {
	a, err := netip.ParseAddr(h)
	if err == nil {
		return a, nil
	}
	ap, perr := netip.ParseAddrPort(h)
	if perr != nil {
		return netip.Addr{}, err
	}
	return ap.Addr(), nil
}
