package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"

// eventually polls a condition of the background tracking writer, bounded in time.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestTrackingJourney(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	js := e.do("GET", "/t.js", "", "")
	if js.status != 200 || !strings.Contains(string(js.body), "globalPrivacyControl") || !strings.Contains(string(js.body), "var REQUIRE_CONSENT = false;") {
		t.Fatalf("snippet: %d %.200s", js.status, js.body)
	}
	hit := func(body string, hdr ...string) resp {
		return e.do("POST", "/collect", "", body, append([]string{"Content-Type", "text/plain", "User-Agent", browserUA}, hdr...)...)
	}
	// Anonymous visits: one from a LinkedIn ad, one later from Google search.
	if r := hit(`{"type":"page_view","visitor_id":"vis-1","page_url":"https://shop.example/?utm_source=linkedin&utm_medium=cpc","referrer":"https://www.linkedin.com/","title":"Shop"}`); r.status != 204 {
		t.Fatalf("page view: %d %s", r.status, r.body)
	}
	hit(`{"type":"page_view","visitor_id":"vis-1","page_url":"https://shop.example/pricing","referrer":"https://shop.example/"}`)
	// Left out: Global Privacy Control, bots, and malformed hits.
	hit(`{"type":"page_view","visitor_id":"vis-gpc","page_url":"https://shop.example/"}`, "Sec-GPC", "1")
	e.do("POST", "/collect", "", `{"type":"page_view","visitor_id":"vis-bot","page_url":"https://shop.example/"}`, "User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1)")
	for _, bad := range []string{`{"type":"page_view","visitor_id":"a b"}`, `{"type":"click","visitor_id":"v"}`, `{"type":"identify","visitor_id":"v","email":"nope"}`, `not json`} {
		if r := hit(bad); r.status != 400 {
			t.Errorf("%s: %d", bad, r.status)
		}
	}
	// The visitor signs up somewhere on the site: identify joins the history.
	if r := hit(`{"type":"identify","visitor_id":"vis-1","email":"Visitor@Shop.example","traits":{"first_name":"Vi"}}`); r.status != 204 {
		t.Fatalf("identify: %d %s", r.status, r.body)
	}
	var c *store.Contact
	eventually(t, "the identified contact", func() bool {
		p, _ := e.s.Contacts(ctx, store.ContactFilter{Email: "visitor@shop.example"})
		if len(p.Contacts) == 1 {
			c = p.Contacts[0]
		}
		return c != nil
	})
	if c.FirstTouch == nil || c.FirstTouch.Channel != "paid_social" || c.FirstName != "Vi" {
		t.Fatalf("contact = %+v, first touch %+v", c, c.FirstTouch)
	}
	tl, _ := e.s.Timeline(ctx, c.ID, store.TimelineOptions{})
	views := 0
	for _, ev := range tl {
		if ev.Type == "page_view" {
			views++
		}
	}
	if views != 2 {
		t.Fatalf("%d page views joined, want 2", views)
	}
	// Later views of an identified visitor land on the contact directly.
	hit(`{"type":"page_view","visitor_id":"vis-1","page_url":"https://shop.example/demo"}`)
	eventually(t, "the third page view", func() bool {
		tl, _ := e.s.Timeline(ctx, c.ID, store.TimelineOptions{})
		n := 0
		for _, ev := range tl {
			if ev.Type == "page_view" {
				n++
			}
		}
		return n == 3
	})
	if n, _ := e.s.CountContacts(ctx); n != 1 {
		t.Fatalf("%d contacts; GPC or bot hits made contacts?", n)
	}
}

func TestTrackingWaitsForConsent(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	if err := e.s.SetSetting(ctx, "tracking_consent", "required", "test"); err != nil {
		t.Fatal(err)
	}
	if js := e.do("GET", "/t.js", "", ""); !strings.Contains(string(js.body), "var REQUIRE_CONSENT = true;") {
		t.Fatal("snippet does not wait for consent")
	}
	hit := func(body string) {
		e.do("POST", "/collect", "", body, "Content-Type", "text/plain", "User-Agent", browserUA)
	}
	hit(`{"type":"page_view","visitor_id":"no-consent","page_url":"https://shop.example/"}`)
	hit(`{"type":"page_view","visitor_id":"with-consent","page_url":"https://shop.example/","consent":true}`)
	hit(`{"type":"identify","visitor_id":"with-consent","email":"ok@shop.example"}`)
	hit(`{"type":"identify","visitor_id":"no-consent","email":"no@shop.example"}`)
	eventually(t, "both contacts", func() bool { n, _ := e.s.CountContacts(ctx); return n == 2 })
	for email, want := range map[string]int{"ok@shop.example": 1, "no@shop.example": 0} {
		p, _ := e.s.Contacts(ctx, store.ContactFilter{Email: email})
		tl, _ := e.s.Timeline(ctx, p.Contacts[0].ID, store.TimelineOptions{})
		views := 0
		for _, ev := range tl {
			if ev.Type == "page_view" {
				views++
			}
		}
		if views != want {
			t.Errorf("%s has %d page views, want %d", email, views, want)
		}
	}
}

// TestCollectAnswer holds what a page view's answer carries now that POST /collect
// skips the mux and the cross-origin check: a cross-site beacon is taken, the answer
// has its CORS and security headers, the metrics count it under its route, and other
// methods on the path still get the mux's answer.
func TestCollectAnswer(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/collect", "", `{"type":"page_view","visitor_id":"vis-h","page_url":"https://shop.example/"}`,
		"Content-Type", "text/plain;charset=UTF-8", "User-Agent", browserUA, "Origin", "https://shop.example", "Sec-Fetch-Site", "cross-site")
	if r.status != 204 {
		t.Fatalf("cross-site page view: %d %s", r.status, r.body)
	}
	for k, want := range map[string]string{"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY"} {
		if got := r.header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy: %q", csp)
	}
	if r := e.do("POST", "/collect", "", `not json`, "User-Agent", browserUA); r.status != 400 || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("malformed hit: %d %v", r.status, r.header)
	}
	// A body past 16 KiB is refused, whether its length is given or it comes chunked.
	big := `{"type":"page_view","visitor_id":"vis-big","title":"` + strings.Repeat("x", 17<<10) + `"}`
	if r := e.do("POST", "/collect", "", big, "User-Agent", browserUA); r.status != 413 {
		t.Errorf("a hit of 17 KiB: %d %s", r.status, r.body)
	}
	for body, want := range map[string]int{big: 413, `{"type":"page_view","visitor_id":"vis-chunked","page_url":"https://shop.example/"}`: 204} {
		req, _ := http.NewRequest("POST", e.srv.URL+"/collect", io.MultiReader(strings.NewReader(body)))
		req.Header.Set("User-Agent", browserUA)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("a chunked hit of %d bytes: %d, want %d", len(body), res.StatusCode, want)
		}
	}
	if r := e.do("GET", "/collect", "", ""); r.status != 405 {
		t.Errorf("GET /collect: %d", r.status)
	}
	m := e.do("GET", "/metrics", "", "")
	for _, line := range []string{`lodestone_http_requests_total{route="POST /collect",status="204"} 2`, `lodestone_http_requests_total{route="POST /collect",status="400"} 1`,
		`lodestone_http_request_duration_seconds_count{route="POST /collect"} 5`} {
		if !strings.Contains(string(m.body), line) {
			t.Errorf("metrics lack %s", line)
		}
	}
}
