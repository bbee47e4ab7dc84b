package enrich

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestHTTPProvider(t *testing.T) {
	var calls atomic.Int32
	var failing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer k1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if failing.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		switch r.URL.Path {
		case "/companies/acme.com":
			w.Write([]byte(`{"name":"Acme","industry":"Software","employees":"120","country":"de"}`))
		case "/companies/slow.com":
			time.Sleep(300 * time.Millisecond)
			w.Write([]byte(`{"name":"Slow"}`))
		case "/companies/bad.com":
			w.Write([]byte(`{"name":"Bad","employees":-4}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := &HTTPProvider{URL: srv.URL + "/companies/{domain}", Key: "k1", Client: &http.Client{Timeout: 100 * time.Millisecond},
		Now: func() time.Time { return now }}
	ctx := context.Background()

	c, err := p.Company(ctx, "acme.com")
	want := Company{Domain: "acme.com", Name: "Acme", Industry: "Software", Employees: 120, Country: "DE"}
	if err != nil || c != want {
		t.Fatalf("Company = %+v, %v; want %+v", c, err, want)
	}
	// The cache answers the second time, unknown domains too.
	if _, err := p.Company(ctx, "acme.com"); err != nil || calls.Load() != 1 {
		t.Fatalf("second lookup: %v, %d calls", err, calls.Load())
	}
	if _, err := p.Company(ctx, "nobody.com"); !errors.Is(err, ErrUnknownCompany) {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := p.Company(ctx, "nobody.com"); !errors.Is(err, ErrUnknownCompany) || calls.Load() != 2 {
		t.Fatalf("unknown again: %v after %d calls", err, calls.Load())
	}
	// A bad answer is an error, not a company with a negative head count.
	if _, err := p.Company(ctx, "bad.com"); err == nil || errors.Is(err, ErrUnknownCompany) {
		t.Fatalf("bad answer: %v", err)
	}
	// After a failure the provider rests: no call for a minute, then it is asked again.
	now = now.Add(2 * time.Minute)
	start := time.Now()
	if _, err := p.Company(ctx, "slow.com"); err == nil {
		t.Fatal("a slow provider did not time out")
	}
	if time.Since(start) > 250*time.Millisecond {
		t.Fatalf("the timeout took %v", time.Since(start))
	}
	n := calls.Load()
	if _, err := p.Company(ctx, "other.com"); !errors.Is(err, ErrProviderResting) || calls.Load() != n {
		t.Fatalf("resting provider: %v, calls %d → %d", err, n, calls.Load())
	}
	now = now.Add(61 * time.Second)
	failing.Store(true)
	if _, err := p.Company(ctx, "other.com"); err == nil || errors.Is(err, ErrProviderResting) || calls.Load() != n+1 {
		t.Fatalf("after the rest: %v, %d calls", err, calls.Load())
	}
	// Answers expire from the cache.
	failing.Store(false)
	now = now.Add(25 * time.Hour)
	if _, err := p.Company(ctx, "acme.com"); err != nil || calls.Load() != n+2 {
		t.Fatalf("expired cache: %v, %d calls", err, calls.Load())
	}
}

func TestHTTPProviderQueryURL(t *testing.T) {
	p := &HTTPProvider{URL: "http://127.0.0.1:9/v1/lookup?format=json"}
	got, err := p.requestURL("acme.com")
	if err != nil || got != "http://127.0.0.1:9/v1/lookup?domain=acme.com&format=json" {
		t.Fatalf("requestURL = %q, %v", got, err)
	}
}
