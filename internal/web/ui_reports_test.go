package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

func TestReportsScreen(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("ola@example.com", store.RoleReadOnly)
	ola := e.login("ola@example.com")
	ctx := context.Background()
	fair, err := e.store.CreateCampaign(ctx, store.Campaign{Name: "Fair <b>", Channel: "event"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AddCost(ctx, store.CostEntry{CampaignID: fair.ID, Date: "2026-03-02", Amount: 30000, HoursHundredths: 400}, "test"); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"a@x.example", "b@x.example", "c@x.example"} {
		if _, err := e.store.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: email, Touch: true, Channel: "event", CampaignID: fair.ID,
			OccurredAt: time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)}}); err != nil {
			t.Fatal(err)
		}
	}

	// March by campaign: 3 leads, 300.00, 100.00 a lead, ratios without customers as "—".
	w := e.do("GET", "/reports?period=custom&from=2026-03-01&to=2026-03-31&group_by=campaign&model=linear", nil, ola)
	wantStatus(t, w, http.StatusOK, "Fair &lt;b&gt;", "300.00", "100.00",
		`href="/contacts?campaign=`+itoa(fair.ID)+`&amp;created_from=2026-03-01&amp;created_to=2026-03-31"`,
		`reached=mql`, "sources.csv?from=2026-03-01&amp;group_by=campaign&amp;model=linear&amp;to=2026-04-01",
		`<option value="linear" selected>`, "1.33", // hours per lead: 4 h / 3
		"<svg class=\"chart\"", "polyline", "Funnel", `reached=lead`)
	body, _, _ := strings.Cut(w.Body.String(), `id="trend"`)
	// Under a multi-touch model a row's customers link to those it is credited with;
	// the total's (and its conversion's), to every customer of the period.
	if !strings.Contains(body, `href="/contacts?credited=linear&amp;credited_by=campaign&amp;credited_campaign=`+itoa(fair.ID)) ||
		strings.Count(body, "reached=customer") != 2 {
		t.Error("customers not linked to their credited contacts under a multi-touch model")
	}
	if strings.Count(body, "<td class=\"num\">—</td>") != 4 { // cost per customer and speed to lead, of the row and the totals
		t.Errorf("null ratios not shown as —:\n%s", body)
	}
	// With first_touch, customers link to their contacts too.
	w = e.do("GET", "/reports?period=custom&from=2026-03-01&to=2026-03-31&group_by=channel", nil, ola)
	wantStatus(t, w, http.StatusOK, "reached=customer", `channel=event`)
	// A bad choice is named and the page still shows this month.
	wantStatus(t, e.do("GET", "/reports?period=custom&from=2026-03-31&to=2026-03-01", nil, ola), http.StatusUnprocessableEntity, "is before from")
	wantStatus(t, e.do("GET", "/reports?model=best", nil, ola), http.StatusUnprocessableEntity, "model")
	for _, p := range []string{"this_month", "last_month", "last_90_days", "this_year"} {
		wantStatus(t, e.do("GET", "/reports?period="+p, nil, ola), http.StatusOK, "Sources report")
	}
}

// TestReportsTrendMarksTheMonthUnderWay: on March 10 the trend's last month has had ten
// days, and says so in its axis and its table, so its short lines read as a month not
// yet over rather than a collapse; a stage's median time says whose time it is.
func TestReportsTrendMarksTheMonthUnderWay(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("ola@example.com", store.RoleReadOnly)
	ola := e.login("ola@example.com")
	ctx := context.Background()
	e.store.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
	for i, day := range []time.Time{time.Date(2026, 2, 5, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)} {
		out, err := e.store.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "lead" + itoa(int64(i)) + "@example.com", Touch: true,
			Channel: "event", OccurredAt: day}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.SetStage(ctx, out[0].ContactID, "mql", "", "test"); err != nil {
			t.Fatal(err)
		}
	}
	w := e.do("GET", "/reports?period=custom&from=2026-02-01&to=2026-03-31", nil, ola)
	wantStatus(t, w, http.StatusOK, ">Mar so far</text>", `<td title="March 2026 so far">Mar so far</td>`, `<td title="February 2026">Feb 2026</td>`,
		"Oct 1, 2025 – today, by first touch", "who moved on")
	if strings.Contains(w.Body.String(), ">Mar 2026</text>") {
		t.Error("the month under way is labelled as a whole month")
	}
}
