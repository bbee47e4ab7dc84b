package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/web"
)

// TestFormRateLimitPerForm proves the per-form half of "rate limits per IP and per
// form (429 with Retry-After)" (docs/reliability.md, Abuse): with the per-IP limit
// far away, a flood of posts to one form from one address is let through up to the
// form's burst (50 posts; then one a minute), then answered 429 with a Retry-After
// in whole seconds, and none of the refused posts is stored; another form takes
// posts from the same address at once, so the limit was the form's and not the
// address's. The browser is shown a page that says how long to wait, in the form's
// look; a program posting JSON gets the API's error.
func TestFormRateLimitPerForm(t *testing.T) {
	e := newAPIEnv(t)
	h := web.New(e.s, config.Config{Region: "DE", FormRateIP: 100000, FormRateForm: 1}, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, slug := range []string{"flooded", "quiet"} {
		if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"`+slug+`","name":"`+slug+`","fields":["email"],"page":{"accent_color":"#0a7d5a"}}`); r.status != 201 {
			t.Fatalf("create form %s: %d %s", slug, r.status, r.body)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var body string
	post := func(slug, email string) *http.Response {
		t.Helper()
		res, err := client.PostForm(srv.URL+"/f/"+slug, url.Values{"email": {email}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body = string(b)
		return res
	}
	stored := func(email string) bool {
		t.Helper()
		p, err := e.s.Contacts(context.Background(), store.ContactFilter{Email: email})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Contacts) > 0
	}
	accepted, refused := 0, 0
	for i := range 60 {
		email := fmt.Sprintf("flood%d@example.com", i)
		res := post("flooded", email)
		switch res.StatusCode {
		case http.StatusSeeOther:
			if refused > 0 {
				t.Fatalf("post %d accepted after a refusal, within a second", i)
			}
			accepted++
		case http.StatusTooManyRequests:
			refused++
			secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 61 {
				t.Fatalf("post %d: 429 with Retry-After %q", i, res.Header.Get("Retry-After"))
			}
			if stored(email) {
				t.Errorf("refused post %d (%s) was stored", i, email)
			}
			want := fmt.Sprintf("This form received too many sign-ups in the last minute. Please wait %d second", secs)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, want) || !strings.Contains(body, "#0a7d5a") {
				t.Fatalf("post %d: 429 %s, want the form's page saying %q: %.400s", i, res.Header.Get("Content-Type"), want, body)
			}
		default:
			t.Fatalf("post %d: %d", i, res.StatusCode)
		}
	}
	if accepted != 50 || refused != 10 {
		t.Fatalf("%d accepted and %d refused of 60 posts; the form's burst is 50", accepted, refused)
	}
	for i := range accepted {
		if email := fmt.Sprintf("flood%d@example.com", i); !stored(email) {
			t.Errorf("accepted post %s is not stored", email)
		}
	}
	// The same address posts to another form at once.
	for i := range 5 {
		email := fmt.Sprintf("quiet%d@example.com", i)
		if res := post("quiet", email); res.StatusCode != http.StatusSeeOther || !stored(email) {
			t.Fatalf("post %d to another form: %d, stored %v", i, res.StatusCode, stored(email))
		}
	}
	// And the flooded form still refuses: a page for the browser, the API's error for
	// a program's JSON post.
	if res := post("flooded", "late@example.com"); res.StatusCode != http.StatusTooManyRequests || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("the flooded form after the other one: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, err := client.Post(srv.URL+"/f/flooded", "application/json", strings.NewReader(`{"email":"late@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Header.Get("Content-Type"), "json") ||
		!strings.Contains(string(b), `{"error":{"code":"rate_limited","message":"too many submissions; try again in `) {
		t.Fatalf("a JSON post to the flooded form: %d %q %s %s", res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"), b)
	}
}
