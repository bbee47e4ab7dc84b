package store_test

import (
	"context"
	"fmt"
	"math/big"
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

// reportLinesAt renders rows as "channel/campaign leads mqls sqls customers cost hours
// revenue", customers as a fraction, or as decimals when decimals > 0.
func reportLinesAt(rep report.Report, decimals int) string {
	line := func(name string, m report.Metrics) string {
		customers := m.Customers.RatString()
		if decimals > 0 {
			customers = m.Customers.FloatString(decimals)
		}
		return fmt.Sprintf("%s %d %d %d %s %d %s %d", name, m.NewLeads, m.MQLs, m.SQLs, customers, m.Cost, m.Hours().RatString(), m.Revenue)
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

// The report end to end on the store's data, by hand, under every model.
//
// Every model shares the same cohort: new leads direct 1 (Dan, no touch and no campaign),
// organic 1 (Cleo, no campaign), Spring search 2 (Ada by her anonymous visit, Eve), Newsletter 1
// (Gus), Fair 1 (Bob); mqls and sqls by the same first touch; Fay (created before the period)
// and Hal (after it) are in no row. Costs dated in the period only: Spring 500.00 and 10 h
// (999.00 on 02-28 and 777.00 on 04-01 fall outside), Fair 200.00 and 2.5 h, Newsletter 1.25 h
// and no money. What the models share are the four customers:
//
//	Ada   counted touches, earliest first: S = Spring 03-03 10:00 (first), N = Newsletter
//	      03-04 09:00 (lead-creating), O = organic 03-06 09:00, F = Fair 03-08 12:00
//	      (opportunity-creating: the last at or before she entered opportunity at 12:00),
//	      D = direct 03-09 09:00 (last); the Newsletter click on 03-20 comes after the win
//	      on 03-10 09:00 and gets nothing. One deal of 1000.01.
//	Cleo  one touch, organic, no campaign: all of every model, and her 50.00.
//	Eve   touches S = Spring 03-11 09:00 (first and lead-creating), R = referral 03-12
//	      09:00 (Eve2's, merged in; opportunity-creating and last); Eve2's deal of 300.00 won
//	      03-13 09:00.
//	Gus   one touch, Newsletter: all of every model; a customer by hand, no deal.
//
// Money: each part is rounded down to the cent and the cents left over go to the first
// touch (S), so the revenue always totals 1350.01 and the customers 4.
func TestSourcesReportBuilt(t *testing.T) {
	s := reportWorld(t)
	tests := []struct {
		model    attribution.Model
		grouping report.Grouping
		want     string
		// decimals > 0 prints customers as decimals: time_decay's shares of these journeys
		// are powers of 2^(1/168 h), irrational, so the store holds them on a 2^-62 grid.
		decimals int
	}{
		{model: attribution.FirstTouch, grouping: report.ByCampaign, want: `direct/- 1 0 0 0 0 0 0
organic_search/- 1 1 1 1 0 0 5000
paid_search/Spring search 2 2 2 2 50000 10 130001
email/Newsletter 1 1 1 1 0 5/4 0
event/Fair 1 1 0 0 20000 5/2 0
total 6 5 4 4 70000 55/4 135001`},
		// last_touch: Ada all to D (direct, 100001), Eve all to R (referral, 30000). Spring
		// and Fair keep their leads and costs but no customer; referral has a customer and
		// no lead.
		{model: attribution.LastTouch, grouping: report.ByChannelCampaign, want: `direct/- 1 0 0 1 0 0 100001
organic_search/- 1 1 1 1 0 0 5000
paid_search/Spring search 2 2 2 0 50000 10 0
email/Newsletter 1 1 1 1 0 5/4 0
referral/- 0 0 0 1 0 0 30000
event/Fair 1 1 0 0 20000 5/2 0
total 6 5 4 4 70000 55/4 135001`},
		// linear: Ada's 1000.01 in fifths (200.002 each: 200.00, the first fifth taking the
		// 0.01); Eve and Eve2's touches share the 300.00 in halves.
		// Spring 1/5 + 1/2 = 7/10 and 200.01 + 150.00; organic 1 + 1/5.
		{model: attribution.Linear, grouping: report.ByCampaign, want: `direct/- 1 0 0 1/5 0 0 20000
organic_search/- 1 1 1 6/5 0 0 25000
paid_search/Spring search 2 2 2 7/10 50000 10 35001
email/Newsletter 1 1 1 6/5 0 5/4 20000
referral/- 0 0 0 1/2 0 0 15000
event/Fair 1 1 0 1/5 20000 5/2 20000
total 6 5 4 4 70000 55/4 135001`},
		// u_shaped (40 % first, 40 % lead-creating, 20 % spread): Ada S 2/5, N 2/5, and O, F, D
		// 1/5 ÷ 3 = 1/15 each; money 100001 × 2/5 = 40000.4 → 400.00 for S and N, × 1/15 =
		// 6666.73 → 66.66 for each of O, F, D; 99998 handed out, 3 cents more to S: 400.03.
		// Eve: S holds first and lead-creating, 4/5; R gets the spread, 1/5: 240.00 and 60.00.
		// Spring 2/5 + 4/5 = 6/5, 400.03 + 240.00; organic 1 + 1/15; Newsletter 2/5 + 1 (Gus).
		{model: attribution.UShaped, grouping: report.ByCampaign, want: `direct/- 1 0 0 1/15 0 0 6666
organic_search/- 1 1 1 16/15 0 0 11666
paid_search/Spring search 2 2 2 6/5 50000 10 64003
email/Newsletter 1 1 1 7/5 0 5/4 40000
referral/- 0 0 0 1/5 0 0 6000
event/Fair 1 1 0 1/15 20000 5/2 6666
total 6 5 4 4 70000 55/4 135001`},
		// W-shaped: Ada 30 % to the Spring search visit, the Newsletter form and the Fair
		// meeting, 5 % to the two others; Eve's two touches hold all positions, 2 : 1.
		{model: attribution.WShaped, grouping: report.ByChannel, want: `direct/- 1 0 0 1/20 0 0 5000
organic_search/- 1 1 1 21/20 0 0 10000
paid_search/- 2 2 2 29/30 50000 10 50001
email/- 1 1 1 13/10 0 5/4 30000
referral/- 0 0 0 1/3 0 0 10000
event/- 1 1 0 3/10 20000 5/2 30000
total 6 5 4 4 70000 55/4 135001`},
		// full_path (22.5 % = 9/40 each to first, lead-creating, opportunity-creating and
		// last, 10 % spread): Ada S, N, F, D 9/40 each, O the spread 1/10; money 100001 ×
		// 9/40 = 22500.225 → 225.00 four times, O 10000.1 → 100.00; 1 cent more to S.
		// Eve: S holds first and lead-creating (18/40), R opportunity-creating and last
		// (18/40), no touch is left for the spread, so it goes 18 : 18: 1/2 each, 150.00.
		// Spring 9/40 + 1/2 = 29/40, 225.01 + 150.00; organic 1 + 1/10; Newsletter 9/40 + 1.
		{model: attribution.FullPath, grouping: report.ByCampaign, want: `direct/- 1 0 0 9/40 0 0 22500
organic_search/- 1 1 1 11/10 0 0 15000
paid_search/Spring search 2 2 2 29/40 50000 10 37501
email/Newsletter 1 1 1 49/40 0 5/4 22500
referral/- 0 0 0 1/2 0 0 15000
event/Fair 1 1 0 9/40 20000 5/2 22500
total 6 5 4 4 70000 55/4 135001`},
		// j_shaped (20 % first, 60 % last, 20 % spread): Ada S 1/5, D 3/5, N, O, F 1/15 each;
		// money S 20000.2 → 200.00, D 60000.6 → 600.00, 66.66 three times; 99998, so S 200.03.
		// Eve: S first 8/40, R last 24/40, nothing to spread over: 1/4 and 3/4, 75.00 and 225.00.
		// Spring 1/5 + 1/4 = 9/20, 200.03 + 75.00.
		{model: attribution.JShaped, grouping: report.ByCampaign, want: `direct/- 1 0 0 3/5 0 0 60000
organic_search/- 1 1 1 16/15 0 0 11666
paid_search/Spring search 2 2 2 9/20 50000 10 27503
email/Newsletter 1 1 1 16/15 0 5/4 6666
referral/- 0 0 0 3/4 0 0 22500
event/Fair 1 1 0 1/15 20000 5/2 6666
total 6 5 4 4 70000 55/4 135001`},
		// inverse_j (60 % first, 20 % last, 20 % spread): Ada S 3/5, D 1/5, N, O, F 1/15;
		// money S 600.00 + 3 cents = 600.03, D 200.00, 66.66 three times. Eve 3/4 and 1/4:
		// 225.00 and 75.00. Spring 3/5 + 3/4 = 27/20, 600.03 + 225.00.
		{model: attribution.InverseJ, grouping: report.ByCampaign, want: `direct/- 1 0 0 1/5 0 0 20000
organic_search/- 1 1 1 16/15 0 0 11666
paid_search/Spring search 2 2 2 27/20 50000 10 82503
email/Newsletter 1 1 1 16/15 0 5/4 6666
referral/- 0 0 0 1/4 0 0 7500
event/Fair 1 1 0 1/15 20000 5/2 6666
total 6 5 4 4 70000 55/4 135001`},
		// time_decay (weight 2^(-h/168) for a touch h hours before the win): Ada, won 03-10
		// 09:00: S 167 h, N 144 h, O 96 h, F 45 h, D 24 h; weights 0.502067, 0.552045,
		// 0.672950, 0.830552, 0.905724, sum 3.463338; shares 0.144966, 0.159397, 0.194307,
		// 0.239813, 0.261518. Money: 14496.77 → 14496, 15939.83 → 15939, 19430.87 → 19430,
		// 23981.50 → 23981, 26152.02 → 26152, sum 99998: S 14499.
		// Eve, won 03-13 09:00: S 48 h, R 24 h; weights 2^(-2/7) = 0.820335 and 2^(-1/7) =
		// 0.905724; shares 0.475265 and 0.524735; money 14257.95 → 14257 and 15742.05 →
		// 15742, sum 29999: S 14258.
		// Spring 0.144966 + 0.475265 = 0.620231, 144.99 + 142.58 = 287.57; organic
		// 1.194307, 50.00 + 194.30; Newsletter 1.159397.
		{model: attribution.TimeDecay, grouping: report.ByCampaign, decimals: 4, want: `direct/- 1 0 0 0.2615 0 0 26152
organic_search/- 1 1 1 1.1943 0 0 24430
paid_search/Spring search 2 2 2 0.6202 50000 10 28757
email/Newsletter 1 1 1 1.1594 0 5/4 15939
referral/- 0 0 0 0.5247 0 0 15742
event/Fair 1 1 0 0.2398 20000 5/2 23981
total 6 5 4 4.0000 70000 55/4 135001`},
	}
	for _, tt := range tests {
		d, err := s.SourcesReport(context.Background(), march[0], march[1], tt.model)
		if err != nil {
			t.Fatal(err)
		}
		rep := report.Build(*d, report.Options{Grouping: tt.grouping, Model: tt.model})
		if got := reportLinesAt(rep, tt.decimals); got != tt.want {
			t.Errorf("%s by %s:\n%s\nwant\n%s", tt.model, tt.grouping, got, tt.want)
		}
		// The facts the store keeps and the direct computation give the same report.
		direct, err := s.SourcesReportDirect(context.Background(), march[0], march[1], tt.model != attribution.FirstTouch)
		if err != nil {
			t.Fatal(err)
		}
		if got := reportLinesAt(report.Build(*direct, report.Options{Grouping: tt.grouping, Model: tt.model}), tt.decimals); got != tt.want {
			t.Errorf("%s by %s, computed directly:\n%s\nwant\n%s", tt.model, tt.grouping, got, tt.want)
		}
	}
}

// The ratios of SPEC section 8 on the store's data, by hand: a zero denominator is null.
func TestSourcesReportRatios(t *testing.T) {
	s := reportWorld(t)
	d, err := s.SourcesReport(context.Background(), march[0], march[1], attribution.LastTouch)
	if err != nil {
		t.Fatal(err)
	}
	rep := report.Build(*d, report.Options{Grouping: report.ByCampaign, Model: attribution.LastTouch})
	rat := func(r *big.Rat) string {
		if r == nil {
			return "null"
		}
		return r.RatString()
	}
	num := func(n *big.Int) string {
		if n == nil {
			return "null"
		}
		return n.String()
	}
	line := func(name string, m report.Metrics) string {
		return fmt.Sprintf("%s conv %s cpl %s cac %s roi %s hpl %s", name, rat(m.ConversionRate()), num(m.CostPerLead()), num(m.CAC()), rat(m.ROI()), rat(m.HoursPerLead()))
	}
	var got []string
	for _, r := range rep.Rows {
		name := r.Channel + "/-"
		if r.Campaign != nil {
			name = r.Channel + "/" + r.Campaign.Name
		}
		got = append(got, line(name, r.Metrics))
	}
	got = append(got, line("total", rep.Totals))
	// Under last_touch (see TestSourcesReportBuilt): no cost gives a null roi but a cac
	// and cpl of 0; Spring and Fair have costs and no customer: cac null, roi (0 − cost) /
	// cost = −1; referral has a customer and no lead: conversion, cpl and hours per lead
	// null. Totals: 4/6 = 2/3; 70000/6 = 11666.67 → 11667; 70000/4 = 17500; (135001 −
	// 70000)/70000 = 65001/70000; 13.75 h / 6 = 55/24.
	want := []string{
		"direct/- conv 1 cpl 0 cac 0 roi null hpl 0",
		"organic_search/- conv 1 cpl 0 cac 0 roi null hpl 0",
		"paid_search/Spring search conv 0 cpl 25000 cac null roi -1 hpl 5",
		"email/Newsletter conv 1 cpl 0 cac 0 roi null hpl 5/4",
		"referral/- conv null cpl null cac 0 roi null hpl null",
		"event/Fair conv 0 cpl 20000 cac null roi -1 hpl 5/2",
		"total conv 2/3 cpl 11667 cac 17500 roi 65001/70000 hpl 55/24",
	}
	if !slices.Equal(got, want) {
		t.Errorf("ratios:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
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
