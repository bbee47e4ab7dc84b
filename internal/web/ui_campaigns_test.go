package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

func TestCampaignScreens(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("mia@example.com", store.RoleMarketer)
	e.user("rob@example.com", store.RoleReadOnly)
	mia := e.login("mia@example.com")
	ctx := context.Background()

	// Creating: errors stay next to their field, nothing is stored.
	form := url.Values{"name": {"Spring fair"}, "channel": {"event"}, "starts_on": {"2026-03-10"}, "ends_on": {"2026-03-01"}, "budget": {"1000"}}
	wantStatus(t, e.do("POST", "/campaigns", form, mia), http.StatusUnprocessableEntity, "is before starts_on", `value="Spring fair"`)
	form.Set("ends_on", "2026-03-12")
	form.Set("landing_url", "https://example.com/fair")
	w := e.do("POST", "/campaigns", form, mia)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/campaigns/") {
		t.Fatalf("create: %d %v %s", w.Code, w.Header(), w.Body)
	}
	page := w.Header().Get("Location")
	c, err := e.store.CampaignByName(ctx, "Spring fair")
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do("POST", "/campaigns", form, mia), http.StatusUnprocessableEntity, "exists already")

	// Costs: typed as people type them; a bad amount names the field.
	wantStatus(t, e.do("POST", page+"/costs", url.Values{"date": {"2026-03-10"}, "amount": {"-5"}}, mia), http.StatusUnprocessableEntity, "is negative")
	w = e.do("POST", page+"/costs", url.Values{"date": {"2026-03-10"}, "amount": {"1.250,50"}, "hours": {"3,5"}, "note": {"Stand"}}, mia)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("add cost: %d %s", w.Code, w.Body)
	}
	costs, _ := e.store.Costs(ctx, c.ID)
	if len(costs) != 1 || costs[0].Amount != 125050 || costs[0].HoursHundredths != 350 {
		t.Fatalf("costs %+v", costs)
	}
	// Two leads from the campaign, one from elsewhere.
	for _, email := range []string{"a@x.example", "b@x.example"} {
		if _, err := e.store.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: email, Touch: true, Channel: "event", CampaignID: c.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	e.contact("c@x.example", "C")

	// The page: numbers (2 leads, 1,250.50 spent, 625.25 a lead), link, QR code, the cost entry.
	wantStatus(t, e.do("GET", page, nil, mia), http.StatusOK, "1,250.50", "625.25", `href="/contacts?campaign=`, "/c/", "qr.svg", "Stand", "125.1 %")
	wantStatus(t, e.do("GET", "/campaigns", nil, mia), http.StatusOK, "Spring fair", "1,000.00", "1,250.50", "3.5", `">2</a>`)

	// Editing, with a conflict shown in the form.
	if _, err := e.store.CreateCampaign(ctx, store.Campaign{Name: "Other", Channel: "email", UTMCampaign: "taken"}, "test"); err != nil {
		t.Fatal(err)
	}
	edit := url.Values{"name": {"Spring fair 2026"}, "channel": {"event"}, "utm_campaign": {"taken"}, "budget": {"2000"}}
	wantStatus(t, e.do("POST", page, edit, mia), http.StatusUnprocessableEntity, "another campaign uses")
	edit.Set("utm_campaign", "fair-2026")
	if w := e.do("POST", page, edit, mia); w.Code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", w.Code, w.Body)
	}
	got, _ := e.store.Campaign(ctx, c.ID)
	if got.Name != "Spring fair 2026" || got.UTMCampaign != "fair-2026" || *got.Budget != 200000 || got.ShortCode != c.ShortCode {
		t.Fatalf("edited %+v", got)
	}

	// A read-only user sees but cannot change.
	rob := e.login("rob@example.com")
	w = e.do("GET", page, nil, rob)
	wantStatus(t, w, http.StatusOK)
	if strings.Contains(w.Body.String(), "Add cost") {
		t.Fatal("read-only user sees the cost form")
	}
	wantStatus(t, e.do("POST", page+"/costs/"+itoa(costs[0].ID)+"/delete", url.Values{}, rob), http.StatusForbidden)

	// Deleting is audited with the entry's figures.
	if w := e.do("POST", page+"/costs/"+itoa(costs[0].ID)+"/delete", url.Values{}, mia); w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", w.Code, w.Body)
	}
	if costs, _ := e.store.Costs(ctx, c.ID); len(costs) != 0 {
		t.Fatalf("costs after delete: %+v", costs)
	}
	log, _ := e.store.Audit(ctx, 10)
	found := false
	for _, a := range log {
		found = found || a.Action == "cost.delete" && fmt.Sprint(a.Details["amount_minor"]) == "125050"
	}
	if !found {
		t.Fatalf("no audit entry for the deletion: %+v", log)
	}
	wantStatus(t, e.do("POST", page+"/costs/"+itoa(costs[0].ID)+"/delete", url.Values{}, mia), http.StatusNotFound)

	// The upload: a bad file lists its rows and imports nothing; a dry run imports nothing; then it imports.
	upload := func(csv string, dry bool) *httptest.ResponseRecorder {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		f, _ := mw.CreateFormFile("file", "spend.csv")
		f.Write([]byte(csv))
		if dry {
			mw.WriteField("dry_run", "1")
		}
		mw.Close()
		r := httptest.NewRequest("POST", "/campaigns/import", &b)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		r.AddCookie(mia)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, r)
		return rec
	}
	wantStatus(t, upload("Day;Campaign;Cost\n2026-03-02;fair-2026;10,00\n2026-03-03;Nope;5\n", false), http.StatusUnprocessableEntity,
		"Line 3 (campaign)", "Nope", "nothing was imported")
	wantStatus(t, upload("Day;Campaign;Cost\n2026-03-02;fair-2026;10,00\n", true), http.StatusOK, "would be imported")
	if costs, _ := e.store.Costs(ctx, c.ID); len(costs) != 0 {
		t.Fatalf("a dry run or a bad file imported: %+v", costs)
	}
	// Euros in a dollar workspace are refused on their line and column, never added to dollars.
	wantStatus(t, upload("Day;Campaign;Cost\n2026-03-02;fair-2026;10,00\n2026-03-03;Other;\"1.234,56 €\"\n", false), http.StatusUnprocessableEntity,
		"Line 3 (amount)", "USD", "nothing was imported")
	wantStatus(t, upload("Day;Campaign;Cost\n2026-03-02;fair-2026;10,00\n2026-03-03;Other;\"1.234,56 USD\"\n", false), http.StatusOK, "2 cost entries imported")
}
