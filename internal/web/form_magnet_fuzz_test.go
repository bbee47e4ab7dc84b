package web

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzMagnetToken feeds outside download tokens (the path of /f/{slug}/magnet/{token}
// and the thank-you page's ?download=) to the lead magnet's token check. It never
// panics, and a token it accepts was signed with the workspace's form secret for
// this form: the same token is refused by a workspace with another secret, for
// another form, and from 100 bytes on. A token the server mints is accepted for its
// form until it is 30 days old, and no more once any byte of it is changed.
func FuzzMagnetToken(f *testing.F) {
	srv, other := magnetServer("form secret"), magnetServer("another secret")
	r := httptest.NewRequest("GET", "/f/guide/magnet/x", nil)
	now := int64(1_800_000_000)
	minted := srv.magnetToken(r, "guide", time.Unix(now-3600, 0))
	for _, s := range []struct {
		slug, token string
		age         int64
	}{
		{"guide", minted, 3600},
		{"guide", srv.magnetToken(r, "other", time.Unix(now, 0)), 0},
		{"guide", other.magnetToken(r, "guide", time.Unix(now, 0)), 29 * 86400},
		{"guide", srv.magnetToken(r, "guide", time.Unix(now-31*86400, 0)), 31 * 86400},
		{"guide", "", 0},
		{"guide", ".", 60},
		{"guide", "..", 60},
		{"guide", strings.Repeat("a", 101), 60},
		{"guide", "zz." + srv.sign(r, "form-magnet:guide:zz"), -86400},
		{"guide", "-zzzzzzzzzzzzz." + srv.sign(r, "form-magnet:guide:-zzzzzzzzzzzzz"), 60},
		{"guide", strings.ToUpper(minted), 60},
		{"a:b", "c." + srv.sign(r, "form-magnet:a:b:c"), 60},
		{"gü\x00ide", "%2e%2e%2f." + "\xff", 60},
	} {
		f.Add(s.slug, s.token, now, s.age, uint16(len(s.token)/3), byte('0'))
	}
	f.Fuzz(func(t *testing.T, slug, token string, nowSec, age int64, at uint16, to byte) {
		const span = 10_000 * 365 * 24 * 3600 // ±10,000 years: no overflow of time.Time
		nowSec %= span
		age %= 3 * int64(magnetTokenTTL/time.Second)
		now := time.Unix(nowSec, 0)

		if srv.magnetTokenValid(r, slug, token, now) {
			i := strings.LastIndexByte(token, '.')
			if len(token) > 100 || i < 0 || token[i+1:] != srv.sign(r, "form-magnet:"+slug+":"+token[:i]) {
				t.Fatalf("token %q for %q accepted without the secret's signature", token, slug)
			}
			if other.magnetTokenValid(r, slug, token, now) {
				t.Fatalf("token %q accepted under another secret", token)
			}
			if srv.magnetTokenValid(r, slug+"-2", token, now) {
				t.Fatalf("token %q of form %q accepted for another form", token, slug)
			}
		}

		issued := srv.magnetToken(r, slug, now.Add(-time.Duration(age)*time.Second))
		if len(issued) > 100 {
			t.Fatalf("minted token %q is longer than the check takes", issued)
		}
		if d := time.Duration(age) * time.Second; srv.magnetTokenValid(r, slug, issued, now) != (d < magnetTokenTTL) {
			t.Fatalf("a token minted %v ago for %q: valid %v", d, slug, !(d < magnetTokenTTL))
		}
		b := []byte(issued)
		if i := int(at) % len(b); b[i] != to {
			b[i] = to
			if srv.magnetTokenValid(r, slug, string(b), now) {
				t.Fatalf("token %q, changed to %q, still accepted", issued, b)
			}
		}
	})
}

// magnetServer is a server that signs with the given form secret and needs nothing else.
func magnetServer(secret string) *Server {
	s := &Server{}
	key := []byte(secret)
	s.formKey.Store(&key)
	return s
}
