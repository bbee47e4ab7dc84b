package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/web"
)

// TestRateLimitBehindProxy: behind a trusted reverse proxy every visitor has their
// own per-IP limit and their own address on the consent record; without one, a
// forged X-Forwarded-For neither spreads a burst over many limits nor lands on
// the consent record.
func TestRateLimitBehindProxy(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"px","name":"px","fields":["email"],"consents":[{"purpose":"marketing_email","label":"News","version":"v1"}]}`); r.status != 201 {
		t.Fatal(r.status, string(r.body))
	}
	post := func(srv string, i int, client string) *http.Response {
		t.Helper()
		res, _ := postForm(t, srv, "px", url.Values{"email": {fmt.Sprintf("p%d@example.com", i)}, "consent_marketing_email": {"yes"}}, "X-Forwarded-For", client)
		return res
	}
	consentIP := func(email string) string {
		t.Helper()
		ctx := context.Background()
		list, err := e.s.Contacts(ctx, store.ContactFilter{Email: email})
		if err != nil || len(list.Contacts) != 1 {
			t.Fatalf("contact %s: %v", email, err)
		}
		cs, err := e.s.Consents(ctx, list.Contacts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return cs[store.PurposeMarketingEmail].IP
	}

	proxies, _ := config.ParseProxies("127.0.0.1, ::1")
	behind := httptest.NewServer(web.New(e.s, config.Config{FormRateIP: 6, FormRateForm: 1000, TrustedProxies: proxies}, slog.New(slog.DiscardHandler)))
	defer behind.Close()
	for i := range 12 {
		if res := post(behind.URL, i, fmt.Sprintf("198.51.100.%d", i+1)); res.StatusCode == 429 {
			t.Fatalf("visitor %d behind the proxy was limited by the others' posts", i)
		}
	}
	if got := consentIP("p3@example.com"); got != "198.51.100.4" {
		t.Fatalf("consent IP behind the proxy = %q, want the visitor's", got)
	}
	var last *http.Response
	for i := 100; i < 108; i++ {
		last = post(behind.URL, i, "198.51.100.200")
	}
	if last.StatusCode != 429 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("one visitor's burst behind the proxy: %d", last.StatusCode)
	}

	direct := httptest.NewServer(web.New(e.s, config.Config{FormRateIP: 6, FormRateForm: 1000}, slog.New(slog.DiscardHandler)))
	defer direct.Close()
	for i := 200; i < 208; i++ {
		last = post(direct.URL, i, fmt.Sprintf("203.0.113.%d", i-199))
	}
	if last.StatusCode != 429 {
		t.Fatalf("a burst with forged X-Forwarded-For, no trusted proxy: %d, want 429", last.StatusCode)
	}
	if got := consentIP("p200@example.com"); got != "127.0.0.1" {
		t.Fatalf("consent IP with a forged header = %q, want the connection's", got)
	}
}
