package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// The dashboard on 2026-03-18 compares March 1–18 with February 1–18, not with the whole of
// February. February 1–18 had 3 new leads and 400.00 of cost (CPL 133.33), one customer who
// won 1000.00 (conversion 33.3 %, ROI 150 %); the lead of February 27 is left out. March so
// far: 2 leads, 300.00 (CPL 150.00), no customer (0 %, ROI −100 %). Changes: leads −33 %,
// CPL +13 % (bad), conversion −33.3 pts, ROI −250 pts (whole points from 100 on).
func TestDashboardComparesMonths(t *testing.T) {
	e, cookie, ids := dashboardOn18March(t, []store.CostEntry{{Date: "2026-02-10", Amount: 40000}, {Date: "2026-03-02", Amount: 30000}},
		time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC), time.Date(2026, 2, 9, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 16, 9, 0, 0, 0, time.UTC), time.Date(2026, 2, 27, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	if _, err := e.store.CreateDeal(ctx, store.Deal{ContactID: ids[0], Amount: 100000, Status: store.DealWon, ClosedAt: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)}, "test"); err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", "/", nil, cookie)
	body := w.Body.String()
	wantStatus(t, w, http.StatusOK, "March so far against the same days of last month (Feb 1–18)")
	for _, want := range []string{
		`<span class="stat-value">2</span>`, `<span class="kpi-change kpi-bad">-33 %</span>`, `Feb 1–18: 3`,
		`<span class="stat-value">$150.00</span>`, `<span class="kpi-change kpi-bad">&#43;13 %</span>`, `Feb 1–18: $133.33`,
		`<span class="stat-value">0 %</span>`, `<span class="kpi-change kpi-bad">-33.3 pts</span>`, `Feb 1–18: 33.3 %`,
		`<span class="stat-value">-100 %</span>`, `<span class="kpi-change kpi-bad">-250 pts</span>`, `Feb 1–18: 150 %`,
		`href="/contacts?created_from=2026-03-01&amp;created_to=2026-03-31"`,
		`href="/contacts?created_from=2026-03-01&amp;created_to=2026-03-31&amp;reached=customer"`,
		// The weekly chart links each bar to its contacts; the cost per lead of the window is
		// 700.00 / 6 = 116.67; in the funnel, 1 of the 6 new leads went on to MQL (the customer).
		`class="chart-bar ch-paid_search"`, `href="/contacts?channel=paid_search&amp;created_from=2026-03-09&amp;created_to=2026-03-15"`,
		`>$116.67</text>`, `6 leads, $700.00 spent`, `reached=customer`, `16.7 % of the step before`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	// Every headline figure opens the contacts behind it, this month's and last month's;
	// cost per lead, its leads; conversion, the customers; ROI, the customers with revenue.
	if n := strings.Count(body, `<a class="kpi-now" href="/contacts?created_from=2026-03-01&amp;created_to=2026-03-31`); n != 4 {
		t.Errorf("%d of the 4 headline figures link to this month's contacts", n)
	}
	if n := strings.Count(body, `<a class="kpi-before" href="/contacts?created_from=2026-02-01&amp;created_to=2026-02-18`); n != 4 {
		t.Errorf("%d of the 4 figures of Feb 1–18 link to their contacts", n)
	}
	for _, c := range []struct {
		href string
		want int
	}{
		{"/contacts?created_from=2026-02-01&created_to=2026-02-18", 3},
		{"/contacts?created_from=2026-02-01&created_to=2026-02-18&reached=customer", 1},
		{"/contacts?created_from=2026-02-01&created_to=2026-02-18&quality=revenue", 1},
		{"/contacts?created_from=2026-03-01&created_to=2026-03-31", 2},
		{"/contacts?created_from=2026-03-01&created_to=2026-03-31&reached=customer", 0},
		{"/contacts?created_from=2026-03-01&created_to=2026-03-31&quality=revenue", 0},
	} {
		if !strings.Contains(body, `href="`+strings.ReplaceAll(c.href, "&", "&amp;")+`"`) {
			t.Errorf("no link to %s", c.href)
		}
		if got := len(e.listed(t, c.href, cookie)); got != c.want {
			t.Errorf("%s lists %d contacts, want %d", c.href, got, c.want)
		}
	}
	if testing.Verbose() {
		t.Log(body)
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<script>") {
		t.Error("the dashboard has an inline style or script")
	}
}

// dashboardOn18March is a workspace on 2026-03-18 with a read-only owner logged in, a
// paid-search campaign with the costs given, and a lead of that campaign on each day
// given, whose ids it returns in that order.
func dashboardOn18March(t *testing.T, costs []store.CostEntry, leads ...time.Time) (*uiEnv, *http.Cookie, []int64) {
	t.Helper()
	e := newUIEnv(t)
	e.user("owner@example.com", store.RoleReadOnly)
	cookie := e.login("owner@example.com")
	ctx := context.Background()
	e.store.Now = func() time.Time { return time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC) }
	camp, err := e.store.CreateCampaign(ctx, store.Campaign{Name: "Search", Channel: "paid_search"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range costs {
		c.CampaignID = camp.ID
		if _, err := e.store.AddCost(ctx, c, "test"); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	for i, day := range leads {
		out, err := e.store.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "lead" + itoa(int64(i)) + "@example.com", OccurredAt: day,
			Touch: true, Channel: "paid_search", CampaignID: camp.ID}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out[0].ContactID)
	}
	return e, cookie, ids
}
