package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/jobs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

func adFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "capture", "testdata", "adleads", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// runJobs drains the queue as a node would, with retries backoff apart.
func (e *apiEnv) runJobs(backoff time.Duration) {
	f := &capture.AdLeadFetcher{Store: e.s, Region: "DE"}
	w := &jobs.Worker{Store: e.s, Handlers: f.Handlers(), Poll: 10 * time.Millisecond, Backoff: func(int) time.Duration { return backoff }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

func (e *apiEnv) waitJobs(kind string, state string, n int64) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		stats, err := e.s.JobStats(context.Background(), kind)
		if err == nil && stats[state] == n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("jobs of %s = %v, want %d %s", kind, stats, n, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// contactByEmail finds a contact through the API, as an integrator would.
func (e *apiEnv) contactByEmail(email string) map[string]any {
	e.t.Helper()
	page := e.do("GET", "/api/v1/contacts?email="+email, e.token, "").json(e.t)
	cs, _ := page["contacts"].([]any)
	if len(cs) != 1 {
		e.t.Fatalf("contacts with %s: %v", email, page)
	}
	id := int64(cs[0].(map[string]any)["id"].(float64))
	return e.do("GET", "/api/v1/contacts/"+strconv.FormatInt(id, 10), e.token, "").json(e.t)
}

func firstTouch(t *testing.T, c map[string]any) (channel, campaign string) {
	t.Helper()
	ft, _ := c["first_touch"].(map[string]any)
	if ft == nil {
		t.Fatalf("no first touch: %v", c)
	}
	camp, _ := ft["campaign"].(map[string]any)
	name, _ := camp["name"].(string)
	return ft["channel"].(string), name
}

func TestGoogleAdsWebhook(t *testing.T) {
	e := newAPIEnv(t)
	lead := adFixture(t, "google_lead.json")
	if r := e.do("POST", "/webhooks/google-ads", "", lead); r.status != 404 || !strings.Contains(string(r.body), "PUT /api/v1/integrations/google") {
		t.Fatalf("unconfigured: %d %s", r.status, r.body)
	}
	if r := e.do("PUT", "/api/v1/integrations/google", e.keys[store.RoleMarketer], `{"key":"x"}`); r.status != 403 {
		t.Fatalf("a marketer set the key: %d", r.status)
	}
	r := e.do("PUT", "/api/v1/integrations/google", e.token, `{"key":"lodestone-fixture-key"}`)
	if r.status != 200 || strings.Contains(string(r.body), "lodestone-fixture-key") || !strings.Contains(string(r.body), `"key":{"set":true}`) ||
		!strings.Contains(string(r.body), `/webhooks/google-ads"`) {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	bad := []struct {
		name, body string
		status     int
	}{
		{"wrong key", strings.Replace(lead, "lodestone-fixture-key", "guess", 1), 403},
		{"malformed", `{"lead_id":`, 400},
		{"no lead id", `{"google_key":"lodestone-fixture-key"}`, 400},
		{"no contact", adFixture(t, "google_lead_no_contact.json"), 400},
		{"too large", `{"lead_id":"x","pad":"` + strings.Repeat("a", 1<<20) + `"}`, 413},
	}
	for _, b := range bad {
		if r := e.do("POST", "/webhooks/google-ads", "", b.body); r.status != b.status {
			t.Errorf("%s: %d %s, want %d", b.name, r.status, r.body, b.status)
		}
	}
	for i, dup := range []string{`"duplicate"`, `"duplicate":true`} {
		r := e.do("POST", "/webhooks/google-ads", "", lead)
		if r.status != 200 || (i == 0) == strings.Contains(string(r.body), dup) {
			t.Fatalf("delivery %d: %d %s", i, r.status, r.body)
		}
	}
	c := e.contactByEmail("grace.hopper@navy-example.com")
	if ch, camp := firstTouch(t, c); ch != "paid_search" || camp != "Google Ads 21000000123" {
		t.Fatalf("first touch = %s, %s", ch, camp)
	}
	if tl, _ := c["timeline"].([]any); len(tl) != 1 || !strings.Contains(string(e.do("GET", "/api/v1/contacts/"+strconv.FormatInt(int64(c["id"].(float64)), 10), e.token, "").body), `"gclid":"EAIaIQobChMI-fixture-gclid"`) {
		t.Fatalf("timeline = %v", c["timeline"])
	}
	camps := string(e.do("GET", "/api/v1/campaigns", e.token, "").body)
	if !strings.Contains(camps, `"utm_campaign":"gads-21000000123"`) {
		t.Fatalf("campaigns = %s", camps)
	}
}

func TestFacebookLeadAds(t *testing.T) {
	e := newAPIEnv(t)
	var calls, flaky atomic.Int32
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		q := r.URL.Query()
		m := hmac.New(sha256.New, []byte("app-secret"))
		m.Write([]byte("page-token"))
		if q.Get("access_token") != "page-token" || q.Get("appsecret_proof") != hex.EncodeToString(m.Sum(nil)) || !strings.Contains(q.Get("fields"), "field_data") {
			http.Error(w, `{"error":{"message":"Invalid OAuth access token.","code":190}}`, 400)
			return
		}
		switch r.URL.Path {
		case "/v24.0/955000000000031":
			w.Write([]byte(adFixture(t, "facebook_lead.json")))
		case "/v24.0/955000000000032":
			if flaky.Add(1) == 1 {
				http.Error(w, `{"error":{"message":"Service temporarily unavailable"}}`, 503)
				return
			}
			w.Write([]byte(adFixture(t, "facebook_lead_phone_only.json")))
		default:
			http.Error(w, `{"error":{"message":"Unsupported get request."}}`, 404)
		}
	}))
	defer graph.Close()

	if r := e.do("GET", "/webhooks/facebook?hub.mode=subscribe&hub.verify_token=v&hub.challenge=1", "", ""); r.status != 404 {
		t.Fatalf("unconfigured verify: %d", r.status)
	}
	if r := e.do("PUT", "/api/v1/integrations/facebook", e.token, `{"verify_token":"verify-me","app_secret":"app-secret","graph_base":"`+graph.URL+`"}`); r.status != 200 ||
		!strings.Contains(string(r.body), `"missing":["access_token"]`) || strings.Contains(string(r.body), "verify-me") {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	r := e.do("GET", "/webhooks/facebook?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", "", "")
	if r.status != 200 || string(r.body) != "1158201444" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("verify: %d %q %s", r.status, r.body, r.header.Get("Content-Type"))
	}
	for _, q := range []string{"hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", "hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1"} {
		if r := e.do("GET", "/webhooks/facebook?"+q, "", ""); r.status != 403 {
			t.Errorf("%s: %d", q, r.status)
		}
	}

	body := adFixture(t, "facebook_webhook.json")
	for _, sig := range []string{"", "sha256=00", "sha256=" + sign("other", body), sign("app-secret", body)} {
		if r := e.do("POST", "/webhooks/facebook", "", body, "X-Hub-Signature-256", sig); r.status != 403 {
			t.Errorf("signature %q: %d", sig, r.status)
		}
	}
	if r := e.do("POST", "/webhooks/facebook", "", "{oops", "X-Hub-Signature-256", "sha256="+sign("app-secret", "{oops")); r.status != 400 {
		t.Fatalf("malformed: %d", r.status)
	}
	for i, want := range []string{`"queued":2`, `"queued":0`} {
		r := e.do("POST", "/webhooks/facebook", "", body, "X-Hub-Signature-256", "sha256="+sign("app-secret", body))
		if r.status != 200 || !strings.Contains(string(r.body), want) {
			t.Fatalf("delivery %d: %d %s", i, r.status, r.body)
		}
	}

	// Without the access token the jobs fail, a few times at most in 100 ms, and the
	// Graph API never sees them.
	e.runJobs(20 * time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	if calls.Load() != 0 {
		t.Fatalf("the Graph API was called without a token")
	}
	if r := e.do("PUT", "/api/v1/integrations/facebook", e.token, `{"access_token":"page-token"}`); r.status != 200 || !strings.Contains(string(r.body), `"ready":true`) {
		t.Fatalf("put token: %d %s", r.status, r.body)
	}
	e.waitJobs(capture.JobFacebookLead, store.JobDone, 2)
	c := e.contactByEmail("katherine.johnson@example-orbit.com")
	if ch, camp := firstTouch(t, c); ch != "paid_social" || camp != "Facebook Ads 238000000000099" {
		t.Fatalf("first touch = %s, %s", ch, camp)
	}
	page := e.do("GET", "/api/v1/contacts?q=Vaughan", e.token, "")
	if !strings.Contains(string(page.body), `"phone":"+49301234567"`) {
		t.Fatalf("the phone-only lead: %s", page.body)
	}
	if flaky.Load() != 2 {
		t.Fatalf("the lead behind a 503 was fetched %d times, want 2", flaky.Load())
	}
	view := string(e.do("GET", "/api/v1/integrations/facebook", e.token, "").body)
	if !strings.Contains(view, `"done":2`) || strings.Contains(view, "page-token") || strings.Contains(view, "app-secret") {
		t.Fatalf("integration = %s", view)
	}
}

// A lead whose fetch keeps failing dies visibly, its error free of the token, and
// runs again when an admin retries it.
func TestDeadAdLeadJobIsVisibleAndRetried(t *testing.T) {
	e := newAPIEnv(t)
	var healthy atomic.Bool
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			http.Error(w, `{"error":{"message":"An unexpected error has occurred."}}`, 500)
			return
		}
		w.Write([]byte(adFixture(t, "facebook_lead.json")))
	}))
	defer graph.Close()
	e.do("PUT", "/api/v1/integrations/facebook", e.token, `{"verify_token":"v","app_secret":"s","access_token":"tok-SECRET","graph_base":"`+graph.URL+`"}`)
	body := `{"object":"page","entry":[{"id":"1","time":1,"changes":[{"field":"leadgen","value":{"leadgen_id":"955000000000031","page_id":"1"}}]}]}`
	if r := e.do("POST", "/webhooks/facebook", "", body, "X-Hub-Signature-256", "sha256="+sign("s", body)); r.status != 200 {
		t.Fatalf("webhook: %d %s", r.status, r.body)
	}
	e.runJobs(time.Millisecond)
	e.waitJobs(capture.JobFacebookLead, store.JobDead, 1)
	view := string(e.do("GET", "/api/v1/integrations/facebook", e.token, "").body)
	if !strings.Contains(view, `"dead_jobs":[{`) || !strings.Contains(view, "Graph API answered 500") || strings.Contains(view, "tok-SECRET") {
		t.Fatalf("integration = %s", view)
	}
	healthy.Store(true)
	if r := e.do("POST", "/api/v1/integrations/facebook/retry", e.token, ""); r.status != 200 || !strings.Contains(string(r.body), `"retried":1`) {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
	e.waitJobs(capture.JobFacebookLead, store.JobDone, 1)
	e.contactByEmail("katherine.johnson@example-orbit.com")
}

func TestLinkedInLeadGenForms(t *testing.T) {
	e := newAPIEnv(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer li-token" || r.Header.Get("Linkedin-Version") != "202601" || r.Header.Get("X-Restli-Protocol-Version") != "2.0.0" {
			http.Error(w, `{"message":"Invalid access token","status":401}`, 401)
			return
		}
		switch r.URL.Path {
		case "/rest/leadFormResponses/5c1e0a2b-8d4f-4c7e-9b1a-2f3e4d5c6b7a-3":
			w.Write([]byte(adFixture(t, "linkedin_response.json")))
		case "/rest/leadForms/8800001":
			w.Write([]byte(adFixture(t, "linkedin_form.json")))
		default:
			http.Error(w, `{"message":"Not found","status":404}`, 404)
		}
	}))
	defer api.Close()
	if r := e.do("GET", "/webhooks/linkedin?challengeCode=abc", "", ""); r.status != 404 {
		t.Fatalf("unconfigured challenge: %d", r.status)
	}
	if r := e.do("PUT", "/api/v1/integrations/linkedin", e.token, `{"client_secret":"li-secret","access_token":"li-token","api_base":"`+api.URL+`"}`); r.status != 200 {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	code := "890e4665-4dfe-4ab1-b689-ed553bceeed7"
	r := e.do("GET", "/webhooks/linkedin?challengeCode="+code, "", "").json(t)
	if r["challengeCode"] != code || r["challengeResponse"] != sign("li-secret", code) {
		t.Fatalf("challenge = %v", r)
	}
	body := adFixture(t, "linkedin_notification.json")
	for _, sig := range []string{"", "hmacsha256=" + sign("nope", body)} {
		if r := e.do("POST", "/webhooks/linkedin", "", body, "X-LI-Signature", sig); r.status != 403 {
			t.Errorf("signature %q: %d", sig, r.status)
		}
	}
	for i, sig := range []string{"hmacsha256=" + sign("li-secret", body), sign("li-secret", body)} {
		want := []string{`"queued":1`, `"queued":0`}[i]
		if r := e.do("POST", "/webhooks/linkedin", "", body, "X-LI-Signature", sig); r.status != 200 || !strings.Contains(string(r.body), want) {
			t.Fatalf("delivery %d: %d %s", i, r.status, r.body)
		}
	}
	e.runJobs(time.Millisecond)
	e.waitJobs(capture.JobLinkedInLead, store.JobDone, 1)
	c := e.contactByEmail("margaret.hamilton@apollo-example.com")
	if ch, camp := firstTouch(t, c); ch != "paid_social" || camp != "LinkedIn Ads 310000042" || c["job_title"] != "Director of Software Engineering" {
		t.Fatalf("contact = %v", c)
	}
}

func TestIntegrationSettingsRefuseBadInput(t *testing.T) {
	e := newAPIEnv(t)
	for _, tc := range []struct {
		path, body string
		status     int
		field      string
	}{
		{"/api/v1/integrations/myspace", `{"key":"x"}`, 404, ""},
		{"/api/v1/integrations/google", `{"app_secret":"x"}`, 400, "app_secret"},
		{"/api/v1/integrations/google", `{"key":5}`, 400, "key"},
		{"/api/v1/integrations/google", `{}`, 400, ""},
		{"/api/v1/integrations/google", `{"key":"has space"}`, 400, "key"},
		{"/api/v1/integrations/facebook", `{"graph_base":"ftp://x"}`, 400, "graph_base"},
		{"/api/v1/integrations/facebook", `{"graph_version":"24"}`, 400, "graph_version"},
		{"/api/v1/integrations/linkedin", `{"api_version":"June"}`, 400, "api_version"},
	} {
		r := e.do("PUT", tc.path, e.token, tc.body)
		if r.status != tc.status || (tc.field != "" && !strings.Contains(string(r.body), `"field":"`+tc.field+`"`)) {
			t.Errorf("%s %s: %d %s", tc.path, tc.body, r.status, r.body)
		}
	}
	// Clearing a secret with null takes the webhook offline again.
	e.do("PUT", "/api/v1/integrations/google", e.token, `{"key":"k"}`)
	if r := e.do("PUT", "/api/v1/integrations/google", e.token, `{"key":null}`); !strings.Contains(string(r.body), `"key":{"set":false}`) {
		t.Fatalf("clear: %s", r.body)
	}
	if r := e.do("POST", "/webhooks/google-ads", "", adFixture(t, "google_lead.json")); r.status != 404 {
		t.Fatalf("after clearing: %d", r.status)
	}
}
