package web

import (
	"net/http"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/config"
)

// TestClientIP: X-Forwarded-For counts only from a trusted proxy, and then only as
// far as the first hop that is not itself a trusted proxy, read from the right.
func TestClientIP(t *testing.T) {
	proxies, err := config.ParseProxies("10.0.0.0/8, 192.0.2.7, ::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, remote string
		xff          []string
		trusted      bool
		want         string
	}{
		{"no proxies configured: the header is anyone's", "203.0.113.9:5000", []string{"198.51.100.1"}, false, "203.0.113.9"},
		{"no proxies configured, from a proxy's address", "10.1.2.3:5000", []string{"198.51.100.1"}, false, "10.1.2.3"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5000", []string{"198.51.100.1"}, true, "203.0.113.9"},
		{"a trusted proxy names the client", "10.1.2.3:5000", []string{"198.51.100.1"}, true, "198.51.100.1"},
		{"a spoofed left part is not believed", "10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.1"}, true, "198.51.100.1"},
		{"two trusted proxies in a row", "10.1.2.3:5000", []string{"198.51.100.1, 192.0.2.7"}, true, "198.51.100.1"},
		{"the header repeated: its lines in order", "10.1.2.3:5000", []string{"6.6.6.6", "198.51.100.1, 10.9.9.9"}, true, "198.51.100.1"},
		{"only proxies: the leftmost", "10.1.2.3:5000", []string{"10.0.0.5"}, true, "10.0.0.5"},
		{"no header from a trusted proxy", "10.1.2.3:5000", nil, true, "10.1.2.3"},
		{"garbage stops the walk at the last trusted hop", "10.1.2.3:5000", []string{"198.51.100.1, not-an-ip"}, true, "10.1.2.3"},
		{"IPv6 loopback proxy, IPv6 client", "[::1]:5000", []string{"2001:db8::1"}, true, "2001:db8::1"},
		{"an IPv4 client written as IPv4-in-IPv6", "10.1.2.3:5000", []string{"::ffff:198.51.100.1"}, true, "198.51.100.1"},
		{"a hop with its port", "10.1.2.3:5000", []string{"198.51.100.1:41234"}, true, "198.51.100.1"},
		{"an IPv6 hop with its port", "10.1.2.3:5000", []string{"[2001:db8::1]:443"}, true, "2001:db8::1"},
		{"a trusted hop with its port", "10.1.2.3:5000", []string{"198.51.100.1, 10.0.0.9:80"}, true, "198.51.100.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{}
			if tt.trusted {
				s.cfg.TrustedProxies = proxies
			}
			r, _ := http.NewRequest("POST", "/f/x", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.clientIP(r); got != tt.want {
				t.Fatalf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}
