package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

func TestCompanyImportAPI(t *testing.T) {
	e := newAPIEnv(t)
	csv := "domain,name,industry,employees,country\nacme.com,Acme,Software,120,DE\ngmail.com,Gmail,Mail,1,US\nglobex.com,Globex,,many,\n"
	r := e.do("POST", "/api/v1/companies/import", e.keys[store.RoleMarketer], csv, "Content-Type", "text/csv")
	if r.status != http.StatusOK {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	m := r.json(t)
	rej := m["rejected"].([]any)
	if m["created"] != 1.0 || m["updated"] != 0.0 || len(rej) != 2 || rej[0].(map[string]any)["line"] != 3.0 || rej[1].(map[string]any)["field"] != "employees" {
		t.Fatalf("import result %s", r.body)
	}
	// Again: the known domain is updated.
	if m := e.do("POST", "/api/v1/companies/import", e.token, "domain,employees\nacme.com,300\n", "Content-Type", "text/csv").json(t); m["updated"] != 1.0 {
		t.Fatalf("second import %v", m)
	}
	for _, tc := range []struct {
		key, body, ct string
		status        int
		want          string
	}{
		{e.keys[store.RoleReadOnly], "domain\nacme.com\n", "text/csv", 403, "forbidden"},
		{e.token, "name\nAcme\n", "text/csv", 400, `"field":"file"`},
		{e.token, "", "text/csv", 400, "empty"},
		{e.token, `{"domain":"acme.com"}`, "application/json", 415, "text/csv"},
	} {
		r := e.do("POST", "/api/v1/companies/import", tc.key, tc.body, "Content-Type", tc.ct)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%q: %d %s, want %d with %q", tc.body, r.status, r.body, tc.status, tc.want)
		}
	}
	st := e.do("GET", "/api/v1/enrichment", e.keys[store.RoleReadOnly], "").json(t)
	status := st["status"].(map[string]any)
	if status["companies"] != 1.0 || status["companies_from_list"] != 1.0 {
		t.Fatalf("status %v", status)
	}
	if rules := st["title_rules"].(map[string]any); len(rules["seniority"].([]any)) < 50 {
		t.Fatalf("title rules %v", rules)
	}
}

func TestEnrichmentSettingsAPI(t *testing.T) {
	e := newAPIEnv(t)
	for _, tc := range []struct {
		key, body string
		status    int
		want      string
	}{
		{e.keys[store.RoleMarketer], `{"provider_url":"https://x.example/{domain}"}`, 403, "forbidden"},
		{e.token, `{"geoip_path":"/nonexistent/city.mmdb"}`, 400, `"field":"geoip_path"`},
		{e.token, `{"geoip_path":"/etc/hostname"}`, 400, `"field":"geoip_path"`},
		{e.token, `{"provider_url":"ftp://x.example/"}`, 400, `"field":"provider_url"`},
		{e.token, `{"provider_url":"not a url"}`, 400, `"field":"provider_url"`},
		{e.token, `{"provider_key":5}`, 400, `"field":"provider_key"`},
		// This machine and a cloud's metadata service are not public: refused unless the
		// server allows private addresses.
		{e.token, `{"provider_url":"http://127.0.0.1:9/companies/{domain}"}`, 400, `"field":"provider_url"`},
		{e.token, `{"provider_url":"http://169.254.169.254/{domain}"}`, 400, `--allow-private-outbound`},
		{e.token, `{"provider_url":"https://data.example.com:8443/companies/{domain}","provider_key":"s3cret"}`, 200, `"provider_key_set":true`},
	} {
		r := e.do("PUT", "/api/v1/enrichment/settings", tc.key, tc.body)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.body, r.status, r.body, tc.status, tc.want)
		}
	}
	r := e.do("GET", "/api/v1/enrichment", e.token, "")
	if strings.Contains(string(r.body), "s3cret") || !strings.Contains(string(r.body), "data.example.com:8443") {
		t.Fatalf("settings shown: %s", r.body)
	}
	// Null leaves the key; an empty string clears it.
	if m := e.do("PUT", "/api/v1/enrichment/settings", e.token, `{"provider_url":null,"provider_key":""}`).json(t); m["provider_key_set"] != false || m["provider_url"] == "" {
		t.Fatalf("after clearing the key: %v", m)
	}
}

// outcomes records n customers and n lost deals.
func outcomes(t *testing.T, s *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for i := range 2 * n {
		out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: fmt.Sprintf("p%d@acme%d.com", i, i%3), OccurredAt: at, Touch: true, Stage: "lead"}})
		if err != nil {
			t.Fatal(err)
		}
		status := "won"
		if i%2 == 1 {
			status = "lost"
		}
		if _, err := s.CreateDeal(ctx, store.Deal{ContactID: out[0].ContactID, Amount: 100, Status: status, ClosedAt: at.Add(time.Duration(i) * time.Hour)}, "test"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPredictiveAPI(t *testing.T) {
	e := newAPIEnv(t)
	outcomes(t, e.s, 5)
	m := e.do("GET", "/api/v1/scoring/predictive", e.keys[store.RoleReadOnly], "").json(t)
	if m["ready"] != false || m["model"] != nil || !strings.Contains(m["message"].(string), "there are 5 customers and 5 disqualified or lost") {
		t.Fatalf("before enough outcomes: %v", m)
	}
	r := e.do("POST", "/api/v1/scoring/predictive/train", e.token, "")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "needs at least 40") {
		t.Fatalf("train refused: %d %s", r.status, r.body)
	}
	outcomes(t, e.s, 20)
	r = e.do("POST", "/api/v1/scoring/predictive/train", e.keys[store.RoleMarketer], "")
	if r.status != http.StatusAccepted {
		t.Fatalf("train: %d %s", r.status, r.body)
	}
	id := r.json(t)["job_id"]
	if again := e.do("POST", "/api/v1/scoring/predictive/train", e.token, "").json(t)["job_id"]; again != id {
		t.Fatalf("a second job %v beside %v", again, id)
	}
	m = e.do("GET", "/api/v1/scoring/predictive", e.token, "").json(t)
	if m["ready"] != true || m["training"].(map[string]any)["queued"] != 1.0 {
		t.Fatalf("after queueing: %v", m)
	}
	if r := e.do("POST", "/api/v1/scoring/predictive/train", e.keys[store.RoleSales], ""); r.status != http.StatusForbidden {
		t.Fatalf("sales may train: %d", r.status)
	}
}

func TestEnrichmentPages(t *testing.T) {
	e := newUIEnv(t)
	e.user("ro@example.com", store.RoleReadOnly)
	e.user("mk@example.com", store.RoleMarketer)
	ro, mk := e.login("ro@example.com"), e.login("mk@example.com")
	w := e.do("GET", "/enrichment", nil, ro)
	wantStatus(t, w, 200, "Job title rules", "vertrieb*", "An admin sets these.")
	if strings.Contains(w.Body.String(), `action="/enrichment/companies"`) {
		t.Fatal("a read-only user sees the upload form")
	}
	// Upload a list as the marketer, through the page's multipart form.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "companies.csv")
	fw.Write([]byte("domain,name,employees\nacme.com,Acme,40\nbad,Bad,1\n"))
	mw.Close()
	req := httptest.NewRequest("POST", "/enrichment/companies", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(mk)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	wantStatus(t, rec, 200, "Company list imported: 1 new company, 0 updated, 1 row skipped", "Line 3, domain")
	if w := e.do("POST", "/enrichment/settings", map[string][]string{"geoip_path": {"/x.mmdb"}}, mk); w.Code != http.StatusForbidden {
		t.Fatalf("a marketer changed settings: %d", w.Code)
	}

	w = e.do("GET", "/scoring/predictive", nil, ro)
	wantStatus(t, w, 200, "needs at least 40 contacts", "no model yet")
	w = e.do("POST", "/scoring/predictive/train", map[string][]string{}, mk)
	wantStatus(t, w, http.StatusUnprocessableEntity, "needs at least 40 contacts")
}
