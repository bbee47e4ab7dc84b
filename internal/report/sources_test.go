package report

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
)

var campaigns = map[int64]Campaign{
	1: {ID: 1, Name: "Spring search", Channel: "paid_search"},
	2: {ID: 2, Name: "Newsletter", Channel: "email"},
	3: {ID: 3, Name: "Fair", Channel: "event"},
	4: {ID: 4, Name: "Retargeting", Channel: "paid_social"},
}

// rowLine renders a row as "channel/campaign leads mqls sqls customers cost hours revenue".
func rowLine(channel string, c *Campaign, m Metrics) string {
	name := "-"
	if c != nil {
		name = c.Name
	}
	return fmt.Sprintf("%s/%s %d %d %d %s %d %s %d", channel, name, m.NewLeads, m.MQLs, m.SQLs,
		m.Customers.RatString(), m.Cost, m.Hours().RatString(), m.Revenue)
}

func lines(rep Report) string {
	var out []string
	for _, r := range rep.Rows {
		out = append(out, rowLine(r.Channel, r.Campaign, r.Metrics))
	}
	return strings.Join(out, "\n")
}

func TestParseGrouping(t *testing.T) {
	for in, want := range map[string]Grouping{"channel": ByChannel, "campaign": ByCampaign,
		"channel,campaign": ByChannelCampaign, "campaign, channel": ByChannelCampaign} {
		if g, err := ParseGrouping(in); err != nil || g != want {
			t.Errorf("ParseGrouping(%q) = %q, %v; want %q", in, g, err, want)
		}
	}
	for _, in := range []string{"", "Channel", "source", "channel,channel", "campaign;channel"} {
		if _, err := ParseGrouping(in); err == nil {
			t.Errorf("ParseGrouping(%q) accepted", in)
		}
	}
}

// The first-touch cohort and the costs, in the three groupings.
func TestBuildGroupings(t *testing.T) {
	data := Data{
		Campaigns: campaigns,
		Cohorts: []Cohort{
			{Source: Source{"paid_search", 1}, NewLeads: 4, MQLs: 3, SQLs: 2, Customers: 1, Revenue: 120000},
			{Source: Source{"paid_search", 0}, NewLeads: 2, MQLs: 1},
			{Source: Source{"", 0}, NewLeads: 3}, // no touch at all: direct
			{Source: Source{"email", 2}, NewLeads: 5, MQLs: 5, SQLs: 1, Customers: 1, Revenue: 5000},
			{Source: Source{"event", 1}, NewLeads: 1}, // a fair import linked to the search campaign: counts in paid_search
			{Source: Source{"direct", 0}, NewLeads: 1},
		},
		Costs: []Cost{{1, 50000, 1000}, {3, 20000, 0}, {4, 7500, 250}},
	}
	tests := []struct {
		grouping Grouping
		want     string
	}{
		{ByChannel, `direct/- 4 0 0 0 0 0 0
paid_search/- 7 4 2 1 50000 10 120000
paid_social/- 0 0 0 0 7500 5/2 0
email/- 5 5 1 1 0 0 5000
event/- 0 0 0 0 20000 0 0`},
		{ByCampaign, `direct/- 4 0 0 0 0 0 0
paid_search/Spring search 5 3 2 1 50000 10 120000
paid_search/- 2 1 0 0 0 0 0
paid_social/Retargeting 0 0 0 0 7500 5/2 0
email/Newsletter 5 5 1 1 0 0 5000
event/Fair 0 0 0 0 20000 0 0`},
		{ByChannelCampaign, `direct/- 4 0 0 0 0 0 0
paid_search/Spring search 5 3 2 1 50000 10 120000
paid_search/- 2 1 0 0 0 0 0
paid_social/Retargeting 0 0 0 0 7500 5/2 0
email/Newsletter 5 5 1 1 0 0 5000
event/Fair 0 0 0 0 20000 0 0`},
	}
	for _, tt := range tests {
		rep := Build(data, Options{Grouping: tt.grouping, Model: attribution.FirstTouch})
		if got := lines(rep); got != tt.want {
			t.Errorf("%s:\n%s\nwant\n%s", tt.grouping, got, tt.want)
		}
		if got, want := rowLine("total", nil, rep.Totals), "total/- 16 9 3 2 77500 25/2 125000"; got != want {
			t.Errorf("%s totals: %s, want %s", tt.grouping, got, want)
		}
		if rep.Totals.LoadedCost != nil {
			t.Errorf("%s: loaded cost without an hourly rate", tt.grouping)
		}
	}
	// Without any data there are no rows and the totals are all zero, their ratios null.
	empty := Build(Data{}, Options{Grouping: ByChannel, Model: attribution.Linear})
	if len(empty.Rows) != 0 || empty.Totals.ConversionRate() != nil || empty.Totals.ROI() != nil || empty.Totals.Customers.Sign() != 0 {
		t.Errorf("empty report: %+v", empty)
	}
}

func TestBuildLoadedCost(t *testing.T) {
	rate := int64(4000) // 40.00 an hour
	rep := Build(Data{Campaigns: campaigns, Costs: []Cost{{1, 10000, 150}, {2, 0, 1}}},
		Options{Grouping: ByCampaign, Model: attribution.FirstTouch, HourlyRate: &rate})
	got := map[string]string{}
	for _, r := range rep.Rows {
		got[r.Campaign.Name] = r.LoadedCost.String()
	}
	// 100.00 + 1.5 h × 40.00 = 160.00; 0.00 + 0.01 h × 40.00 = 0.40; the totals are 160.40.
	if got["Spring search"] != "16000" || got["Newsletter"] != "40" || rep.Totals.LoadedCost.String() != "16040" {
		t.Errorf("loaded cost = %v, totals %v", got, rep.Totals.LoadedCost)
	}
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

func TestMetrics(t *testing.T) {
	str := func(v fmt.Stringer) string {
		switch x := v.(type) {
		case *big.Rat:
			if x == nil {
				return "null"
			}
			return x.RatString()
		case *big.Int:
			if x == nil {
				return "null"
			}
			return x.String()
		}
		return "?"
	}
	tests := []struct {
		name string
		m    Metrics
		// conversion_rate, cpl, cac, roi, hours_per_lead
		want string
	}{
		{"all zero", Metrics{Customers: rat("0")}, "null null null null null"},
		{"no leads", Metrics{Customers: rat("1/2"), Cost: 1000, Revenue: 500}, "null null 2000 -1/2 null"},
		{"no customers", Metrics{NewLeads: 3, Customers: rat("0"), Cost: 1000, HoursHundredths: 100}, "0 333 null -1 1/3"},
		{"no cost", Metrics{NewLeads: 4, Customers: rat("1"), Revenue: 9999}, "1/4 0 0 null 0"},
		{"half rounds away from zero", Metrics{NewLeads: 2, Customers: rat("2/3"), Cost: 1001, Revenue: 3003}, "1/3 501 1502 2 0"},
		{"fraction of a customer", Metrics{NewLeads: 10, Customers: rat("9/40"), Cost: 9000, Revenue: 4500}, "9/400 900 40000 -1/2 0"},
	}
	for _, tt := range tests {
		m := tt.m
		got := strings.Join([]string{str(m.ConversionRate()), str(m.CostPerLead()), str(m.CAC()), str(m.ROI()), str(m.HoursPerLead())}, " ")
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
		if m.SpeedToLead() != nil {
			t.Errorf("%s: speed to lead without sales touches", tt.name)
		}
	}
}

func TestRoundMinor(t *testing.T) {
	for in, want := range map[string]string{"0": "0", "5/2": "3", "-5/2": "-3", "7/3": "2", "-7/3": "-2", "8/3": "3",
		"-8/3": "-3", "1/3": "0", "-1/3": "0", "1/2": "1", "-1/2": "-1", "123456789012345678901/2": "61728394506172839451"} {
		if got := RoundMinor(rat(in)).String(); got != want {
			t.Errorf("RoundMinor(%s) = %s, want %s", in, got, want)
		}
	}
}

// A customer credited by a tiny time-decay share can cost more per customer than int64 holds.
func TestCACBeyondInt64(t *testing.T) {
	m := Metrics{Customers: big.NewRat(1, 1_000_000_000_000), Cost: 100_000_000_00}
	if got := m.CAC().String(); got != "10000000000000000000000" {
		t.Fatalf("CAC = %s", got)
	}
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(days float64) time.Time { return t0.Add(time.Duration(days * float64(24*time.Hour))) }
