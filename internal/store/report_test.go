package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// march is the period of the report tests: [2026-03-01, 2026-04-01).
var march = [2]time.Time{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}

func mar(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, time.UTC) }

// reportWorld builds, through the store's public API, a month of leads whose report is
// worked out by hand in the tests below:
//
//	Ada   created 03-04 by a Newsletter form, after an anonymous Spring search visit on 03-03;
//	      organic visit 03-06, Fair touch and opportunity 03-08, direct visit 03-09, won
//	      1000.01 on 03-10, Newsletter click 03-20 (after the win)
//	Bob   created 03-05 by a Fair import; made an MQL
//	Cleo  created 03-07 by an organic demo request (no campaign): SQL; won 50.00 on 03-12
//	Dan   created 03-10 by an event that is no touch: direct
//	Eve   created 03-11 by a Spring search touch; Eve2 created 03-12 by a referral, won
//	      300.00 on 03-13, then merged into Eve
//	Gus   created 03-14 by a Newsletter touch; made a customer by hand on 03-16, no deal
//	Fay   created 02-20 (before the period), won 03-15; Hal created 04-01 00:00 (after it)
//
// Costs: Spring search 500.00 and 10 h on 03-02 (999.00 on 02-28 and 777.00 on 04-01 are
// outside), Fair 200.00 and 2.5 h on 03-31, Newsletter 1.25 h and no money on 03-15.
func reportWorld(t *testing.T) *store.Store {
	t.Helper()
	s := storetest.Open(t)
	ctx := context.Background()
	campaign := func(name, channel string) int64 {
		c, err := s.CreateCampaign(ctx, store.Campaign{Name: name, Channel: channel}, "test")
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	spring, news, fair := campaign("Spring search", "paid_search"), campaign("Newsletter", "email"), campaign("Fair", "event")
	for _, c := range []store.CostEntry{{CampaignID: spring, Date: "2026-03-02", Amount: 50000, HoursHundredths: 1000},
		{CampaignID: spring, Date: "2026-02-28", Amount: 99900}, {CampaignID: spring, Date: "2026-04-01", Amount: 77700},
		{CampaignID: fair, Date: "2026-03-31", Amount: 20000, HoursHundredths: 250}, {CampaignID: news, Date: "2026-03-15", HoursHundredths: 125}} {
		if _, err := s.AddCost(ctx, c, "test"); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]int64{}
	touch := func(who string, at time.Time, channel string, campaignID int64, c store.Capture) {
		t.Helper()
		c.Type, c.OccurredAt, c.Channel, c.CampaignID, c.Touch = cmpOr(c.Type, "form_submit"), at, channel, campaignID, channel != ""
		if c.VisitorID == "" {
			c.Email = who + "@example.com"
		}
		out, err := s.Ingest(ctx, []store.Capture{c})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].ContactID != 0 {
			ids[who] = out[0].ContactID
		}
	}
	at := func(tm time.Time) { s.Now = func() time.Time { return tm } }
	stage := func(who, st string) {
		t.Helper()
		if _, err := s.SetStage(ctx, ids[who], st, "test", "test"); err != nil {
			t.Fatal(err)
		}
	}
	won := func(who string, amount int64, closed time.Time) {
		t.Helper()
		if _, err := s.CreateDeal(ctx, store.Deal{ContactID: ids[who], Amount: amount, Status: store.DealWon, ClosedAt: closed}, "test"); err != nil {
			t.Fatal(err)
		}
	}

	touch("", mar(3, 10), "paid_search", spring, store.Capture{Type: "ad_click", VisitorID: "v-ada"})
	touch("ada", mar(4, 9), "email", news, store.Capture{VisitorID: "v-ada", Email: "ada@example.com"})
	touch("ada", mar(6, 9), "organic_search", 0, store.Capture{Type: "visit"})
	touch("ada", mar(8, 12), "event", fair, store.Capture{Type: "meeting"})
	at(mar(8, 12))
	stage("ada", "opportunity")
	touch("ada", mar(9, 9), "direct", 0, store.Capture{Type: "visit"})
	won("ada", 100001, mar(10, 9))
	touch("ada", mar(20, 9), "email", news, store.Capture{Type: "email_click"})

	touch("bob", mar(5, 9), "event", fair, store.Capture{Type: "import"})
	stage("bob", "mql")
	touch("cleo", mar(7, 9), "organic_search", 0, store.Capture{Type: "demo_request", Stage: "sql"})
	won("cleo", 5000, mar(12, 9))
	touch("dan", mar(10, 9), "", 0, store.Capture{Type: "custom_signup"})
	touch("eve", mar(11, 9), "paid_search", spring, store.Capture{})
	touch("eve2", mar(12, 9), "referral", 0, store.Capture{})
	won("eve2", 30000, mar(13, 9))
	if _, err := s.MergeContacts(ctx, ids["eve"], ids["eve2"], "test"); err != nil {
		t.Fatal(err)
	}
	touch("gus", mar(14, 9), "email", news, store.Capture{})
	at(mar(16, 9))
	stage("gus", "customer")
	touch("fay", time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC), "paid_search", spring, store.Capture{})
	won("fay", 50000, mar(15, 9))
	touch("hal", march[1], "paid_search", spring, store.Capture{})
	return s
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// reportLines renders rows as "channel/campaign leads mqls sqls customers cost hours revenue".
func reportLines(rep report.Report) string {
	line := func(name string, m report.Metrics) string {
		return fmt.Sprintf("%s %d %d %d %s %d %s %d", name, m.NewLeads, m.MQLs, m.SQLs, m.Customers.RatString(), m.Cost, m.Hours().RatString(), m.Revenue)
	}
	var out []string
	for _, r := range rep.Rows {
		name := r.Channel + "/-"
		if r.Campaign != nil {
			name = r.Channel + "/" + r.Campaign.Name
		}
		out = append(out, line(name, r.Metrics))
	}
	return strings.Join(append(out, line("total", rep.Totals)), "\n")
}

func TestSourcesReportData(t *testing.T) {
	s := reportWorld(t)
	d, err := s.SourcesReport(context.Background(), march[0], march[1], attribution.FirstTouch)
	if err != nil {
		t.Fatal(err)
	}
	var cohorts []string
	for _, c := range d.Cohorts {
		cohorts = append(cohorts, fmt.Sprintf("%s/%s %d %d %d %d %d", c.Channel, d.Campaigns[c.CampaignID].Name, c.NewLeads, c.MQLs, c.SQLs, c.Customers, c.Revenue))
	}
	slices.Sort(cohorts)
	want := []string{"/ 1 0 0 0 0", "email/Newsletter 1 1 1 1 0", "event/Fair 1 1 0 0 0",
		"organic_search/ 1 1 1 1 5000", "paid_search/Spring search 2 2 2 2 130001"}
	if !slices.Equal(cohorts, want) {
		t.Errorf("cohorts:\n%s\nwant\n%s", strings.Join(cohorts, "\n"), strings.Join(want, "\n"))
	}
	var costs []string
	for _, c := range d.Costs {
		costs = append(costs, fmt.Sprintf("%s %d %d", d.Campaigns[c.CampaignID].Name, c.Amount, c.HoursHundredths))
	}
	slices.Sort(costs)
	if want := []string{"Fair 20000 250", "Newsletter 0 125", "Spring search 50000 1000"}; !slices.Equal(costs, want) {
		t.Errorf("costs = %q, want %q", costs, want)
	}
	if d.Customers != nil {
		t.Errorf("customers read for first_touch: %+v", d.Customers)
	}

	d, err = s.SourcesReportDirect(context.Background(), march[0], march[1], true)
	if err != nil {
		t.Fatal(err)
	}
	var journeys []string
	for _, c := range d.Customers {
		j := fmt.Sprintf("created %s opp %s converted %s:", c.CreatedAt.Format("02T15"), c.OpportunityAt.Format("02T15"), c.ConvertedAt.Format("02T15"))
		for _, tc := range c.Touches {
			j += fmt.Sprintf(" %s %s/%d", tc.At.Format("02T15"), tc.Channel, tc.CampaignID)
		}
		for _, dl := range c.Deals {
			j += fmt.Sprintf(" won %d %s", dl.Amount, dl.ClosedAt.Format("02T15"))
		}
		journeys = append(journeys, j)
	}
	slices.Sort(journeys)
	want = []string{
		"created 04T09 opp 08T12 converted 10T09: 03T10 paid_search/1 04T09 email/2 06T09 organic_search/0 08T12 event/3 09T09 direct/0 20T09 email/2 won 100001 10T09",
		"created 07T09 opp 12T09 converted 12T09: 07T09 organic_search/0 won 5000 12T09",
		"created 11T09 opp 13T09 converted 13T09: 11T09 paid_search/1 12T09 referral/0 won 30000 13T09",
		"created 14T09 opp 16T09 converted 16T09: 14T09 email/2",
	}
	if !slices.Equal(journeys, want) {
		t.Errorf("journeys:\n%s\nwant\n%s", strings.Join(journeys, "\n"), strings.Join(want, "\n"))
	}
}

// The report end to end on the store's data, by hand.
func TestSourcesReportBuilt(t *testing.T) {
	s := reportWorld(t)
	tests := []struct {
		model    attribution.Model
		grouping report.Grouping
		want     string
	}{
		{attribution.FirstTouch, report.ByCampaign, `direct/- 1 0 0 0 0 0 0
organic_search/- 1 1 1 1 0 0 5000
paid_search/Spring search 2 2 2 2 50000 10 130001
email/Newsletter 1 1 1 1 0 5/4 0
event/Fair 1 1 0 0 20000 5/2 0
total 6 5 4 4 70000 55/4 135001`},
		// Ada's 1000.01 in fifths, the first fifth taking the 0.01; Eve and Eve2's touches
		// share the 300.00 that Eve2 won before the merge.
		{attribution.Linear, report.ByCampaign, `direct/- 1 0 0 1/5 0 0 20000
organic_search/- 1 1 1 6/5 0 0 25000
paid_search/Spring search 2 2 2 7/10 50000 10 35001
email/Newsletter 1 1 1 6/5 0 5/4 20000
referral/- 0 0 0 1/2 0 0 15000
event/Fair 1 1 0 1/5 20000 5/2 20000
total 6 5 4 4 70000 55/4 135001`},
		// W-shaped: Ada 30 % to the Spring search visit, the Newsletter form and the Fair
		// meeting, 5 % to the two others; Eve's two touches hold all positions, 2 : 1.
		{attribution.WShaped, report.ByChannel, `direct/- 1 0 0 1/20 0 0 5000
organic_search/- 1 1 1 21/20 0 0 10000
paid_search/- 2 2 2 29/30 50000 10 50001
email/- 1 1 1 13/10 0 5/4 30000
referral/- 0 0 0 1/3 0 0 10000
event/- 1 1 0 3/10 20000 5/2 30000
total 6 5 4 4 70000 55/4 135001`},
	}
	for _, tt := range tests {
		d, err := s.SourcesReport(context.Background(), march[0], march[1], tt.model)
		if err != nil {
			t.Fatal(err)
		}
		rep := report.Build(*d, report.Options{Grouping: tt.grouping, Model: tt.model})
		if got := reportLines(rep); got != tt.want {
			t.Errorf("%s by %s:\n%s\nwant\n%s", tt.model, tt.grouping, got, tt.want)
		}
	}
}

func TestSourcesReportEmpty(t *testing.T) {
	s := storetest.Open(t)
	d, err := s.SourcesReport(context.Background(), march[0], march[1], attribution.Linear)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Cohorts) != 0 || len(d.Costs) != 0 || len(d.Customers) != 0 || len(d.Campaigns) != 0 {
		t.Fatalf("empty database: %+v", d)
	}
}
