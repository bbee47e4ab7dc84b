package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
	"github.com/lodestone-hq/lodestone/internal/web"
)

// apiEnv is a real server on a real database, with one API key per role.
type apiEnv struct {
	t     *testing.T
	s     *store.Store
	srv   *httptest.Server
	web   *web.Server
	keys  map[string]string
	token string // admin key
}

func newAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	s := storetest.Open(t)
	h := web.New(s, config.Config{Region: "DE", Addr: "127.0.0.1:0"}, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &apiEnv{t: t, s: s, srv: srv, web: h, keys: map[string]string{}}
	for _, role := range store.Roles {
		key, shown := auth.NewAPIKey()
		if _, err := s.CreateAPIKey(context.Background(), store.APIKey{Name: role, Role: role, Prefix: shown}, auth.HashToken(key), "test"); err != nil {
			t.Fatal(err)
		}
		e.keys[role] = key
	}
	e.token = e.keys[store.RoleAdmin]
	return e
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON (%v): %s", err, r.body)
	}
	return m
}

func (e *apiEnv) do(method, path, key, body string, hdr ...string) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

// TestAPIScenarios drives the API as an integrator would: each line a request, its
// expected status, and a piece of the body it must contain.
func TestAPIScenarios(t *testing.T) {
	e := newAPIEnv(t)
	admin := e.token
	steps := []struct {
		name, method, path, key, body string
		status                        int
		contains                      string
	}{
		{"health", "GET", "/healthz", "", "", 200, `"ok"`},
		{"ready", "GET", "/readyz", "", "", 200, `"ready"`},
		{"no key", "GET", "/api/v1/contacts", "", "", 401, `"unauthorized"`},
		{"bad key", "GET", "/api/v1/contacts", "lsk_nope", "", 401, `"unauthorized"`},
		{"malformed auth", "GET", "/api/v1/contacts", "", "", 401, ""},
		{"campaign", "POST", "/api/v1/campaigns", admin, `{"name":"Spring search","channel":"paid_search","utm_campaign":"spring26","starts_on":"2026-03-01","ends_on":"2026-05-31","budget":"5000"}`, 201, `"budget":"5000.00"`},
		{"campaign bad channel", "POST", "/api/v1/campaigns", admin, `{"name":"X","channel":"tv"}`, 400, `"field":"channel"`},
		{"campaign bad date", "POST", "/api/v1/campaigns", admin, `{"name":"X","channel":"email","starts_on":"01/03/2026"}`, 400, `"field":"starts_on"`},
		{"campaign unknown field", "POST", "/api/v1/campaigns", admin, `{"name":"X","channel":"email","budjet":"1"}`, 400, `"field":"budjet"`},
		{"campaign wrong type", "POST", "/api/v1/campaigns", admin, `{"name":5,"channel":"email"}`, 400, `"field":"name"`},
		{"campaign duplicate", "POST", "/api/v1/campaigns", admin, `{"name":"Spring search","channel":"email"}`, 409, `"field":"name"`},
		{"campaign as sales", "POST", "/api/v1/campaigns", e.keys["sales"], `{"name":"Y","channel":"email"}`, 403, `"forbidden"`},
		{"cost", "POST", "/api/v1/campaigns/1/costs", admin, `{"date":"2026-03-02","amount":"1250.50","hours":3.5}`, 201, `"amount":"1250.50"`},
		{"cost hours as string", "POST", "/api/v1/campaigns/1/costs", admin, `{"date":"2026-03-03","amount":"0.99","hours":"2.25"}`, 201, `"hours":"2.25"`},
		{"cost bad amount", "POST", "/api/v1/campaigns/1/costs", admin, `{"date":"2026-03-02","amount":"12,50"}`, 400, `"field":"amount"`},
		{"cost float amount", "POST", "/api/v1/campaigns/1/costs", admin, `{"date":"2026-03-02","amount":12.5}`, 400, `"field":"amount"`},
		{"cost bad hours", "POST", "/api/v1/campaigns/1/costs", admin, `{"date":"2026-03-02","amount":"1","hours":-2}`, 400, `"field":"hours"`},
		// The API took 999,999,999.99 hours, which the campaign page and cost CSVs refuse,
		// and an entry of "" hours and no amount: an entry of nothing.
		{"cost too many hours", "POST", "/api/v1/campaigns/1/costs", admin, `{"date":"2026-03-02","hours":1000000}`, 400, `"field":"hours"`},
		{"cost of nothing", "POST", "/api/v1/campaigns/1/costs", admin, `{"date":"2026-03-02","hours":""}`, 400, `"field":"amount"`},
		{"cost hours of a dot", "POST", "/api/v1/campaigns/1/costs", admin, `{"date":"2026-03-02","amount":"1","hours":"."}`, 400, `"field":"hours"`},
		{"cost unknown campaign", "POST", "/api/v1/campaigns/99/costs", admin, `{"date":"2026-03-02","amount":"1"}`, 404, `"not_found"`},
		{"campaign detail", "GET", "/api/v1/campaigns/1", admin, "", 200, `"cost":"1251.49"`},
		{"events", "POST", "/api/v1/events", admin, `{"events":[{"type":"page_view","visitor_id":"v-1","occurred_at":"2026-03-05T10:00:00Z","properties":{"page_url":"https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=spring26"}},
			{"type":"form_submit","email":"  Ada@Example.COM ","visitor_id":"v-1","occurred_at":"2026-03-05T10:04:00Z","properties":{"first_name":"Ada","company":"Example Ltd","page_url":"https://shop.example/contact"}}]}`, 202, `"created":true`},
		{"contact by email", "GET", "/api/v1/contacts?email=ADA@example.com", e.keys["read_only"], "", 200, `"campaign":{"id":1,"name":"Spring search"}`},
		{"contact detail", "GET", "/api/v1/contacts/1", admin, "", 200, `"channel":"paid_search"`},
		{"contact unknown", "GET", "/api/v1/contacts/999", admin, "", 404, `"not_found"`},
		{"contact bad id", "GET", "/api/v1/contacts/abc", admin, "", 404, `"not_found"`},
		{"contacts bad stage", "GET", "/api/v1/contacts?stage=hot", admin, "", 400, `"field":"stage"`},
		{"contacts bad email", "GET", "/api/v1/contacts?email=nope", admin, "", 400, `"field":"email"`},
		{"contacts bad limit", "GET", "/api/v1/contacts?limit=0", admin, "", 400, `"field":"limit"`},
		// A reversed range answered an empty list, as if no contact matched.
		{"contacts reversed created range", "GET", "/api/v1/contacts?created_from=2026-03-02&created_to=2026-03-01", admin, "", 400, `"field":"created_to"`},
		{"contacts one-day created range", "GET", "/api/v1/contacts?created_from=2026-03-01&created_to=2026-03-01", admin, "", 200, `"contacts":[]`},
		{"contacts bad cursor", "GET", "/api/v1/contacts?cursor=zzz", admin, "", 400, `"field":"cursor"`},
		// An attribute's value went to the database as it was: a 500 on PostgreSQL.
		{"contacts attribute value NUL", "GET", "/api/v1/contacts?attribute=city&value=a%00", admin, "", 400, `"field":"value"`},
		// A body of null decoded as an empty request: PUT /scoring/rules with null replaced
		// every rule with none.
		{"scoring rules null", "PUT", "/api/v1/scoring/rules", admin, `null`, 400, `"message":"the body must be a JSON object, not null"`},
		{"campaign null", "POST", "/api/v1/campaigns", admin, " \n null", 400, `not null`},
		// A NUL in a filter's value went to the database: a 500 on PostgreSQL, a count on SQLite.
		{"filter value NUL", "POST", "/api/v1/segments/count", admin, `{"filter":{"field":"country","op":"=","value":"a\u0000"}}`, 400, `"field":"filter.value"`},
		{"filter list value NUL", "POST", "/api/v1/segments/count", admin, `{"filter":{"field":"city","op":"in","value":["a","\u0000"]}}`, 400, `"field":"filter.value"`},
		{"filter custom value NUL", "POST", "/api/v1/segments/count", admin, `{"filter":{"field":"custom.x","op":"contains","value":"\u0000"}}`, 400, `"field":"filter.value"`},
		{"filter event property NUL", "POST", "/api/v1/segments/count", admin, `{"filter":{"event":"page_view","where":{"property":"page_url","op":"contains","value":"\u0000"},"op":">=","count":1}}`, 400, `"field":"filter.where"`},
		{"filter text value NUL", "POST", "/api/v1/segments/count", admin, `{"filter_text":"country = \"\u0000\""}`, 400, `"field":"filter_text"`},
		{"contacts attribute value not UTF-8", "GET", "/api/v1/contacts?attribute=custom.x&value=%ff%fe", admin, "", 400, `"field":"value"`},
		{"events bad email", "POST", "/api/v1/events", admin, `{"events":[{"type":"form_submit","email":"ok@example.com"},{"type":"form_submit","email":"not an email"}]}`, 400, `"field":"events[1].email"`},
		{"events bad time", "POST", "/api/v1/events", admin, `{"events":[{"type":"x","email":"ok@example.com","occurred_at":"yesterday"}]}`, 400, `"field":"events[0].occurred_at"`},
		{"events bad phone", "POST", "/api/v1/events", admin, `{"events":[{"type":"call","phone":"12"}]}`, 400, `"field":"events[0].phone"`},
		{"events no identity", "POST", "/api/v1/events", admin, `{"events":[{"type":"x"}]}`, 400, `"field":"events[0].email"`},
		{"events bad type", "POST", "/api/v1/events", admin, `{"events":[{"type":"Form Submit","email":"a@example.com"}]}`, 400, `"field":"events[0].type"`},
		{"events NUL", "POST", "/api/v1/events", admin, `{"events":[{"type":"x","email":"a@example.com","properties":{"note":"a\u0000b"}}]}`, 400, `"field":"events[0].properties.note"`},
		{"events empty", "POST", "/api/v1/events", admin, `{"events":[]}`, 400, `"field":"events"`},
		{"events not json", "POST", "/api/v1/events", admin, `{"events":[`, 400, `"invalid"`},
		{"events as read_only", "POST", "/api/v1/events", e.keys["read_only"], `{"events":[{"type":"x","email":"a@example.com"}]}`, 403, ""},
		{"events unknown contact", "POST", "/api/v1/events", admin, `{"events":[{"type":"x","contact_id":424242}]}`, 404, `"field":"contact_id"`},
		{"demo request", "POST", "/api/v1/events", e.keys["agent"], `{"events":[{"type":"demo_request","email":"ada@example.com"}]}`, 202, ``},
		{"is sql", "GET", "/api/v1/contacts/1", admin, "", 200, `"stage":"sql"`},
		{"stage", "POST", "/api/v1/contacts/1/stage", admin, `{"stage":"opportunity","reason":"budget confirmed"}`, 200, `"stage":"opportunity"`},
		{"stage no reason", "POST", "/api/v1/contacts/1/stage", admin, `{"stage":"lead"}`, 400, `"field":"reason"`},
		{"stage bad", "POST", "/api/v1/contacts/1/stage", admin, `{"stage":"hot","reason":"x"}`, 400, `"field":"stage"`},
		{"deal", "POST", "/api/v1/deals", admin, `{"contact_id":1,"amount":"12000.00","status":"won","closed_at":"2026-04-01T12:00:00Z"}`, 201, `"amount":"12000.00"`},
		{"deal bad amount", "POST", "/api/v1/deals", admin, `{"contact_id":1,"amount":"12.345","status":"won"}`, 400, `"field":"amount"`},
		{"deal bad status", "POST", "/api/v1/deals", admin, `{"contact_id":1,"amount":"1","status":"maybe"}`, 400, `"field":"status"`},
		{"deal bad closed_at", "POST", "/api/v1/deals", admin, `{"contact_id":1,"amount":"1","status":"won","closed_at":"2026-04-01"}`, 400, `"field":"closed_at"`},
		// Year 1 was taken as no time at all and replaced by now; year 9999 made the
		// contact a customer in the far future. Both are refused, as for events.
		{"deal closed in year 1", "POST", "/api/v1/deals", admin, `{"contact_id":1,"amount":"1","status":"won","closed_at":"0001-01-01T00:00:00Z"}`, 400, `"field":"closed_at"`},
		{"deal closed in year 9999", "POST", "/api/v1/deals", admin, `{"contact_id":1,"amount":"1","status":"lost","closed_at":"9999-12-31T23:59:59Z"}`, 400, `"field":"closed_at"`},
		{"deal unknown contact", "POST", "/api/v1/deals", admin, `{"contact_id":77,"amount":"1","status":"won"}`, 404, `"field":"contact_id"`},
		{"deal contact id not whole", "POST", "/api/v1/deals", admin, `{"contact_id":1.5,"amount":"1","status":"won"}`, 400, `"message":"must be a whole number within range, not number 1.5","field":"contact_id"`},
		{"deal contact id too large", "POST", "/api/v1/deals", admin, `{"contact_id":1e400,"amount":"1","status":"won"}`, 400, `"field":"contact_id"`},
		{"customer", "GET", "/api/v1/contacts/1", admin, "", 200, `"stage":"customer"`},
		{"note", "POST", "/api/v1/contacts/1/notes", e.keys["sales"], `{"body":"Called, wants a quote"}`, 201, `"type":"note"`},
		{"wrong content type", "POST", "/api/v1/contacts/1/notes", admin, ``, 400, ``},
		{"openapi", "GET", "/api/v1/openapi.json", "", "", 200, `"openapi":"3.1.0"`},
		{"metrics", "GET", "/metrics", "", "", 200, `lodestone_http_requests_total`},
	}
	for _, st := range steps {
		r := e.do(st.method, st.path, st.key, st.body)
		if r.status != st.status || !bytes.Contains(r.body, []byte(st.contains)) {
			t.Errorf("%s: %s %s = %d %s; want %d containing %s", st.name, st.method, st.path, r.status, r.body, st.status, st.contains)
		}
		if r.status >= 500 {
			t.Errorf("%s: a caller's request gave %d", st.name, r.status)
		}
	}
}

func TestAPIBodyLimits(t *testing.T) {
	e := newAPIEnv(t)
	big := `{"events":[{"type":"x","email":"a@example.com","properties":{"p":"` + strings.Repeat("a", 2<<20) + `"}}]}`
	if r := e.do("POST", "/api/v1/events", e.token, big); r.status != 413 {
		t.Fatalf("2 MiB body: %d %s", r.status, r.body)
	}
	// A chunked body without a length is cut at the limit too.
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/events", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+e.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("chunked 2 MiB body: %d", res.StatusCode)
	}
	if r := e.do("POST", "/api/v1/events", e.token, `{"events":[]}`, "Content-Type", "text/plain"); r.status != 415 {
		t.Fatalf("text/plain: %d %s", r.status, r.body)
	}
	deep := strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000)
	if r := e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"x","email":"a@example.com","properties":`+deep+`}]}`); r.status != 400 {
		t.Fatalf("deep nesting: %d %s", r.status, r.body)
	}
}

// A batch is accepted whole or refused whole: after a refusal nothing is stored.
func TestAPIBatchAtomic(t *testing.T) {
	e := newAPIEnv(t)
	var events []string
	for i := range 99 {
		events = append(events, fmt.Sprintf(`{"type":"form_submit","email":"p%d@example.com"}`, i))
	}
	events = append(events, `{"type":"form_submit","email":"bad@"}`)
	r := e.do("POST", "/api/v1/events", e.token, `{"events":[`+strings.Join(events, ",")+`]}`)
	if r.status != 400 || !strings.Contains(string(r.body), `"index":99`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if n, _ := e.s.CountContacts(context.Background()); n != 0 {
		t.Fatalf("%d contacts stored from a refused batch", n)
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newAPIEnv(t)
	body := `{"name":"Fair","channel":"event"}`
	var wg sync.WaitGroup
	results := make([]resp, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.do("POST", "/api/v1/campaigns", e.token, body, "Idempotency-Key", "abc-1")
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.status != 201 || !bytes.Equal(r.body, results[0].body) {
			t.Fatalf("request %d: %d %s, first was %d %s", i, r.status, r.body, results[0].status, results[0].body)
		}
	}
	list, _ := e.s.Campaigns(context.Background())
	if len(list) != 1 {
		t.Fatalf("%d campaigns made by 100 retries, want 1", len(list))
	}
	if r := e.do("POST", "/api/v1/campaigns", e.token, `{"name":"Other","channel":"event"}`, "Idempotency-Key", "abc-1"); r.status != 422 {
		t.Fatalf("same key, other body: %d %s", r.status, r.body)
	}
	// Keys are per principal: another key may use the same string.
	if r := e.do("POST", "/api/v1/campaigns", e.keys["marketer"], `{"name":"Other","channel":"event"}`, "Idempotency-Key", "abc-1"); r.status != 201 {
		t.Fatalf("other principal: %d %s", r.status, r.body)
	}
}

// The OpenAPI document lists every API route of the routing table.
func TestOpenAPICoversRoutes(t *testing.T) {
	e := newAPIEnv(t)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(e.do("GET", "/api/v1/openapi.json", "", "").body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, pattern := range e.web.APIPatterns() {
		method, path, _ := strings.Cut(pattern, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("route %s is missing from openapi.json", pattern)
		}
	}
	if len(e.web.APIPatterns()) < 12 {
		t.Fatalf("only %d API routes found", len(e.web.APIPatterns()))
	}
}

func TestMergeOverAPI(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"form_submit","email":"a@acme.com","phone":"+49 30 1234567"},{"type":"call","phone":"030 1234567","properties":{"transfer":"live"}},{"type":"import","email":"b@acme.com","phone":"+49301234567","properties":{"channel":"event"}}]}`)
	if r.status != 202 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	detail := e.do("GET", "/api/v1/contacts/2", e.token, "").json(t)
	if d, _ := detail["possible_duplicates"].([]any); len(d) != 1 {
		t.Fatalf("duplicates = %v", detail["possible_duplicates"])
	}
	if r := e.do("POST", "/api/v1/contacts/1/merge", e.keys["agent"], `{"loser_id":2}`); r.status != 403 {
		t.Fatalf("agent merge: %d", r.status)
	}
	if r := e.do("POST", "/api/v1/contacts/1/merge", e.token, `{"loser_id":1}`); r.status != 400 {
		t.Fatalf("self merge: %d %s", r.status, r.body)
	}
	m := e.do("POST", "/api/v1/contacts/1/merge", e.token, `{"loser_id":2}`)
	if m.status != 201 {
		t.Fatalf("merge: %d %s", m.status, m.body)
	}
	if r := e.do("POST", "/api/v1/contacts/1/merge", e.token, `{"loser_id":2}`); r.status != 409 {
		t.Fatalf("merge again: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/merges/1/undo", e.token, ""); r.status != 200 {
		t.Fatalf("undo: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/merges/1/undo", e.token, ""); r.status != 409 {
		t.Fatalf("undo twice: %d %s", r.status, r.body)
	}
}

// Fifty concurrent submissions of one address in different letter cases, half through
// the events API and half through a hosted form, make exactly one contact.
func TestConcurrentCaseVariantsMakeOneContact(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"race","name":"race","fields":["email"]}`); r.status != 201 {
		t.Fatal(r.status)
	}
	variants := []string{"race@example.com", "RACE@example.com", "Race@Example.COM", " race@EXAMPLE.com", "rAcE@eXaMpLe.CoM"}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := variants[i%len(variants)]
			var r resp
			if i%2 == 0 {
				r = e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"form_submit","email":"`+email+`"}]}`)
			} else {
				r = e.do("POST", "/f/race", "", `{"email":"`+email+`"}`)
			}
			if r.status >= 300 {
				t.Errorf("submission %d: %d %s", i, r.status, r.body)
			}
		}()
	}
	wg.Wait()
	if n, _ := e.s.CountContacts(context.Background()); n != 1 {
		t.Fatalf("%d contacts, want 1", n)
	}
}

// /metrics is not for the public: without a token only direct requests from this
// machine get it; with a token, only a scrape that sends it.
func TestMetricsAreNotPublic(t *testing.T) {
	s := storetest.Open(t)
	for _, tc := range []struct {
		name, token, remote, auth, forwarded string
		status                               int
	}{
		{"this machine", "", "127.0.0.1:5000", "", "", 200},
		{"this machine over IPv6", "", "[::1]:5000", "", "", 200},
		{"through a reverse proxy", "", "127.0.0.1:5000", "", "203.0.113.9", 403},
		{"another machine", "", "203.0.113.9:5000", "", "", 403},
		{"another machine with a token to send nothing to", "", "203.0.113.9:5000", "Bearer guess", "", 403},
		{"token, none sent", "s3cret-metrics", "203.0.113.9:5000", "", "", 401},
		{"token, wrong one", "s3cret-metrics", "127.0.0.1:5000", "Bearer s3cret-metricz", "", 401},
		{"token, right one", "s3cret-metrics", "203.0.113.9:5000", "Bearer s3cret-metrics", "", 200},
	} {
		h := web.New(s, config.Config{Region: "DE", Addr: "127.0.0.1:0", MetricsToken: tc.token}, slog.New(slog.DiscardHandler))
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = tc.remote
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		if tc.forwarded != "" {
			r.Header.Set("X-Forwarded-For", tc.forwarded)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.status)
		}
		if got := strings.Contains(w.Body.String(), "lodestone_contacts"); got != (tc.status == 200) {
			t.Errorf("%s: metrics shown %v with status %d", tc.name, got, w.Code)
		}
	}
}
