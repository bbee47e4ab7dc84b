package enrich

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestPublicAddr(t *testing.T) {
	for addr, public := range map[string]bool{
		"8.8.8.8": true, "81.2.69.10": true, "2a00:1450:4001:82b::200e": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "0.0.0.0": false, "100.64.0.1": false, "198.18.0.1": false,
		"255.255.255.255": false, "224.0.0.1": false, "::1": false, "fd00::1": false,
		"fe80::1": false, "::": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false,
		"64:ff9b::a00:1": false, "2002:7f00:1::": false,
	} {
		if got := PublicAddr(netip.MustParseAddr(addr)); got != public {
			t.Errorf("PublicAddr(%s) = %v, want %v", addr, got, public)
		}
	}
}

func TestCheckOutboundURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://data.example.com/{domain}":       true,
		"http://8.8.8.8/c":                        true,
		"http://127.0.0.1:9/c":                    false,
		"http://localhost/c":                      false,
		"http://api.localhost./c":                 false,
		"http://169.254.169.254/latest/meta-data": false,
		"http://[::1]:8080/c":                     false,
		"http://[fd12::1]/c":                      false,
	} {
		if err := CheckOutboundURL(raw, false); (err == nil) != ok {
			t.Errorf("CheckOutboundURL(%s) = %v", raw, err)
		}
		if err := CheckOutboundURL(raw, true); err != nil {
			t.Errorf("allowed private: CheckOutboundURL(%s) = %v", raw, err)
		}
	}
}

// The client refuses to connect to this machine unless private addresses are
// allowed; the refusal is checked on the address dialled, so a redirect to a
// private address is refused too.
func TestOutboundClientReachesOnlyPublicAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secret") }))
	defer srv.Close()
	if _, err := OutboundClient(time.Second, false).Get(srv.URL); !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("a call to %s: %v, want refused", srv.URL, err)
	}
	r, err := OutboundClient(time.Second, true).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 {
		t.Fatalf("allowed: %d", r.StatusCode)
	}
}
