package report

import (
	"math/big"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/attribution"
)

// journeyA: five touches before the win, one after it. The contact was created at its
// second touch and entered opportunity at its fourth, so the positions are first = a1,
// lead-creating = a2, opportunity-creating = a4, last = a5, and a3 holds none.
func journeyA() Customer {
	return Customer{
		FirstTouch:    Source{"paid_search", 1},
		CreatedAt:     at(1),
		OpportunityAt: at(5),
		ConvertedAt:   at(10),
		Touches: []Touch{
			{at(20), Source{"email", 2}}, // after the win: no credit; given out of order on purpose
			{at(0), Source{"paid_search", 1}},
			{at(1), Source{"email", 2}},
			{at(3), Source{"organic_search", 0}},
			{at(5), Source{"event", 3}},
			{at(8), Source{"direct", 0}},
		},
		Deals: []Deal{{100001, at(10)}}, // 1000.01: shares leave remainders for the first touch
	}
}

// journeyC: two touches, each holding two positions: c1 is first and lead-creating, c2
// opportunity-creating and last.
func journeyC() Customer {
	return Customer{
		FirstTouch:    Source{"referral", 0},
		CreatedAt:     at(0),
		OpportunityAt: at(3),
		ConvertedAt:   at(4),
		Touches:       []Touch{{at(0), Source{"referral", 0}}, {at(2), Source{"paid_search", 1}}},
		Deals:         []Deal{{999, at(4)}},
	}
}

// journeyB: touches 14, 7 and 0 days before the win, so time_decay weighs them 1 : 2 : 4.
func journeyB() Customer {
	return Customer{
		FirstTouch:  Source{"social", 0},
		CreatedAt:   at(0),
		ConvertedAt: at(14),
		Touches:     []Touch{{at(0), Source{"social", 0}}, {at(7), Source{"paid_social", 0}}, {at(14), Source{"email", 0}}},
		Deals:       []Deal{{10000, at(14)}},
	}
}

// creditLines renders rows as "channel/campaign new_leads customers revenue".
func creditLines(rep Report) string {
	var out []string
	for _, r := range rep.Rows {
		name := "-"
		if r.Campaign != nil {
			name = r.Campaign.Name
		}
		out = append(out, r.Channel+"/"+name+" "+itoa(r.NewLeads)+" "+r.Customers.RatString()+" "+itoa(r.Revenue))
	}
	return strings.Join(out, "\n")
}

func itoa(n int64) string { return big.NewInt(n).String() }

// Every model of SPEC section 8 on hand-computed journeys, grouped by campaign. The
// cohort holds the one customer in its first-touch group, as the store counts it.
func TestModels(t *testing.T) {
	tests := []struct {
		model    attribution.Model
		customer Customer
		want     string
	}{
		{attribution.FirstTouch, journeyA(), `paid_search/Spring search 1 1 100001`},
		{attribution.LastTouch, journeyA(), `direct/- 0 1 100001
paid_search/Spring search 1 0 0`},
		// 1/5 of 1000.01 is 200.002: 200.00 each and the 0.01 left to the first touch.
		{attribution.Linear, journeyA(), `direct/- 0 1/5 20000
organic_search/- 0 1/5 20000
paid_search/Spring search 1 1/5 20001
email/Newsletter 0 1/5 20000
event/Fair 0 1/5 20000`},
		// 40 % first, 40 % lead-creating, 20 % over the three others (66.67 rounded down each).
		{attribution.UShaped, journeyA(), `direct/- 0 1/15 6666
organic_search/- 0 1/15 6666
paid_search/Spring search 1 2/5 40003
email/Newsletter 0 2/5 40000
event/Fair 0 1/15 6666`},
		{attribution.WShaped, journeyA(), `direct/- 0 1/20 5000
organic_search/- 0 1/20 5000
paid_search/Spring search 1 3/10 30001
email/Newsletter 0 3/10 30000
event/Fair 0 3/10 30000`},
		{attribution.FullPath, journeyA(), `direct/- 0 9/40 22500
organic_search/- 0 1/10 10000
paid_search/Spring search 1 9/40 22501
email/Newsletter 0 9/40 22500
event/Fair 0 9/40 22500`},
		{attribution.JShaped, journeyA(), `direct/- 0 3/5 60000
organic_search/- 0 1/15 6666
paid_search/Spring search 1 1/5 20003
email/Newsletter 0 1/15 6666
event/Fair 0 1/15 6666`},
		{attribution.InverseJ, journeyA(), `direct/- 0 1/5 20000
organic_search/- 0 1/15 6666
paid_search/Spring search 1 3/5 60003
email/Newsletter 0 1/15 6666
event/Fair 0 1/15 6666`},

		{attribution.FirstTouch, journeyC(), `referral/- 1 1 999`},
		{attribution.LastTouch, journeyC(), `paid_search/Spring search 0 1 999
referral/- 1 0 0`},
		{attribution.Linear, journeyC(), `paid_search/Spring search 0 1/2 499
referral/- 1 1/2 500`},
		// c1 holds 80 %; c2 holds no position, so the 20 % spread is all its own.
		{attribution.UShaped, journeyC(), `paid_search/Spring search 0 1/5 199
referral/- 1 4/5 800`},
		// 60 % and 30 %; no touch left for the 10 % spread, so it goes 2 : 1.
		{attribution.WShaped, journeyC(), `paid_search/Spring search 0 1/3 333
referral/- 1 2/3 666`},
		{attribution.FullPath, journeyC(), `paid_search/Spring search 0 1/2 499
referral/- 1 1/2 500`},
		{attribution.JShaped, journeyC(), `paid_search/Spring search 0 3/4 749
referral/- 1 1/4 250`},
		{attribution.InverseJ, journeyC(), `paid_search/Spring search 0 1/4 249
referral/- 1 3/4 750`},

		// Weights 1 : 2 : 4 are exactly 1/7, 2/7, 4/7; 100.00 splits as 14.28, 28.57,
		// 57.14 rounded down, the 0.01 left over going to the first touch.
		{attribution.TimeDecay, journeyB(), `social/- 1 1/7 1429
paid_social/- 0 2/7 2857
email/- 0 4/7 5714`},
		{attribution.Linear, journeyB(), `social/- 1 1/3 3334
paid_social/- 0 1/3 3333
email/- 0 1/3 3333`},
	}
	for _, tt := range tests {
		c := tt.customer
		var revenue int64
		for _, d := range c.Deals {
			revenue += d.Amount
		}
		data := Data{
			Campaigns: campaigns,
			Cohorts:   []Cohort{{Source: c.FirstTouch, NewLeads: 1, MQLs: 1, SQLs: 1, Customers: 1, Revenue: revenue}},
			Customers: []Customer{c},
		}
		rep := Build(data, Options{Grouping: ByCampaign, Model: tt.model})
		if got := creditLines(rep); got != tt.want {
			t.Errorf("%s, %s:\n%s\nwant\n%s", tt.model, c.FirstTouch.Channel, got, tt.want)
		}
		// One conversion is one customer, and the deal is shared to the minor unit.
		if rep.Totals.Customers.Cmp(big.NewRat(1, 1)) != 0 || rep.Totals.Revenue != revenue || rep.Totals.NewLeads != 1 {
			t.Errorf("%s totals: %s customers, %d revenue", tt.model, rep.Totals.Customers.RatString(), rep.Totals.Revenue)
		}
	}
}

// Each won deal is shared over the touches up to its own closing time; the customer is
// converted once, at its first won deal.
func TestModelsSeveralDeals(t *testing.T) {
	c := journeyA()
	c.Deals = append(c.Deals, Deal{5000, at(25)}) // after a6, so a6 shares in this one
	data := Data{Campaigns: campaigns, Customers: []Customer{c}}
	rep := Build(data, Options{Grouping: ByChannel, Model: attribution.Linear})
	// First deal: 200.00 each of five, 0.01 to a1. Second: 50.00 / 6 = 8.33 each, 0.02 to a1.
	// email holds a2 and a6: 1/5 of the customer, 200.00 + 8.33 + 8.33.
	want := `direct/- 0 1/5 20833
organic_search/- 0 1/5 20833
paid_search/- 0 1/5 20836
email/- 0 1/5 21666
event/- 0 1/5 20833`
	if got := creditLines(rep); got != want {
		t.Errorf("linear:\n%s\nwant\n%s", got, want)
	}
	rep = Build(data, Options{Grouping: ByChannel, Model: attribution.LastTouch})
	want = `direct/- 0 1 100001
email/- 0 0 5000`
	if got := creditLines(rep); got != want {
		t.Errorf("last touch:\n%s\nwant\n%s", got, want)
	}
}

// A customer without any touch is a direct customer under every model; the first-touch
// and multi-touch paths agree on it.
func TestModelsNoTouch(t *testing.T) {
	c := Customer{CreatedAt: at(0), ConvertedAt: at(2), Deals: []Deal{{700, at(2)}, {300, at(9)}}}
	for _, m := range attribution.Models {
		data := Data{Cohorts: []Cohort{{NewLeads: 1, Customers: 1, Revenue: 1000}}, Customers: []Customer{c}}
		rep := Build(data, Options{Grouping: ByCampaign, Model: m})
		if got := creditLines(rep); got != "direct/- 1 1 1000" {
			t.Errorf("%s: %s", m, got)
		}
	}
}

// Only touches up to the conversion count; touches all after it count rather than losing it.
func TestModelsTouchesAfterWin(t *testing.T) {
	c := Customer{CreatedAt: at(0), ConvertedAt: at(1), Deals: []Deal{{1000, at(1)}},
		Touches: []Touch{{at(3), Source{"email", 2}}, {at(4), Source{"social", 0}}}}
	rep := Build(Data{Campaigns: campaigns, Customers: []Customer{c}}, Options{Grouping: ByCampaign, Model: attribution.LastTouch})
	if got := creditLines(rep); got != "social/- 0 1 1000" {
		t.Errorf("last touch: %s", got)
	}
}

// The median of speed samples: the middle one, the mean of the middle two, none.
func TestSpeedToLeadMedian(t *testing.T) {
	hour := int64(3600 * 1_000_000)
	d := Data{Speed: []SpeedSample{{Source{"email", 0}, 3 * hour}, {Source{"email", 0}, 1 * hour}, {Source{"event", 0}, hour / 2},
		{Source{"event", 0}, 2 * hour}, {Source{"event", 0}, 10 * hour}}}
	d.Cohorts = []Cohort{{Source: Source{"direct", 0}, NewLeads: 1}}
	rep := Build(d, Options{})
	want := map[string]string{"direct": "null", "email": "7200", "event": "7200"} // (1 h + 3 h) / 2; 0.5, 2, 10 h
	for _, r := range rep.Rows {
		got := "null"
		if s := r.SpeedToLead(); s != nil {
			got = s.RatString()
		}
		if got != want[r.Channel] {
			t.Errorf("%s: %s, want %s", r.Channel, got, want[r.Channel])
		}
	}
	// Totals: 0.5, 1, 2, 3, 10 h: 2 h.
	if got := rep.Totals.SpeedToLead().RatString(); got != "7200" {
		t.Errorf("totals: %s", got)
	}
	// Odd microseconds halve exactly.
	m := Metrics{SpeedSamples: []int64{1, 2}}
	if got := m.SpeedToLead().RatString(); got != "3/2000000" {
		t.Errorf("mean of 1 and 2 µs: %s", got)
	}
}
