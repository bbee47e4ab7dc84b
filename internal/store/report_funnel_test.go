package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// The funnel of reportWorld's March cohort, by hand from the stage entries:
//
//	ada  lead 03-04 09:00, mql sql opportunity 03-08 12:00, customer 03-10 09:00
//	bob  lead 03-05 09:00, mql 03-08 12:00
//	cleo lead mql sql 03-07 09:00, opportunity customer 03-12 09:00
//	dan  lead 03-10 09:00
//	eve  lead 03-11 09:00; mql sql opportunity customer 03-13 09:00 (Eve2's, merged in)
//	gus  lead 03-14 09:00; mql sql opportunity customer 03-16 09:00
//
// Time in lead: ada 99 h, bob 75 h, eve 48 h, gus 48 h (cleo passed through, dan is
// still there): median (48 + 75) / 2 = 61.5 h. In MQL everyone who moved on did so at
// once. In SQL only cleo stayed, 120 h; in opportunity only ada, 45 h.
func TestFunnelOfCohort(t *testing.T) {
	s := reportWorld(t)
	n, entries, err := s.FunnelEntries(context.Background(), march[0], march[1])
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("cohort %d, want 6", n)
	}
	var got []string
	for _, st := range report.Funnel(entries) {
		line := fmt.Sprintf("%s %d", st.Stage, st.Reached)
		if st.ToNext != nil {
			line += " " + st.ToNext.RatString()
		}
		if st.MedianTime != nil {
			line += fmt.Sprintf(" %s of %d", *st.MedianTime, st.Timed)
		}
		got = append(got, line)
	}
	want := "subscriber 0\nlead 6 5/6 61h30m0s of 4\nmql 5 4/5\nsql 4 1 120h0m0s of 1\nopportunity 4 1 45h0m0s of 1\ncustomer 4"
	if g := strings.Join(got, "\n"); g != want {
		t.Errorf("funnel:\n%s\nwant\n%s", g, want)
	}

	// A period without new leads has an empty funnel, not an error.
	empty := storetest.Open(t)
	n, entries, err = empty.FunnelEntries(context.Background(), march[0], march[1])
	if err != nil || n != 0 || len(entries) != 0 {
		t.Fatalf("empty: %d %v %v", n, entries, err)
	}
	for _, st := range report.Funnel(nil) {
		if st.Reached != 0 || st.ToNext != nil || st.MedianTime != nil {
			t.Errorf("empty funnel stage %+v", st)
		}
	}
}

// Each month of the trend is the sources report of that month: February has Fay and
// 999.00 of Spring search, March the six leads and 700.00, April 1 Hal and 777.00.
func TestTrendMonths(t *testing.T) {
	s := reportWorld(t)
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)
	months := report.MonthsOf(from, to)
	var reps []report.Report
	for _, m := range months {
		d, err := s.SourcesReport(context.Background(), m[0], m[1], false)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, report.Build(*d, report.Options{}))
	}
	tr := report.BuildTrend(months, reps)
	var got []string
	for i, m := range tr.Months {
		tot := tr.Totals[i]
		cpl, conv := "null", "null"
		if c := tot.CostPerLead(); c != nil {
			cpl = c.String()
		}
		if c := tot.ConversionRate(); c != nil {
			conv = c.RatString()
		}
		got = append(got, fmt.Sprintf("%s leads %d cost %d cpl %s conversion %s", m.Format("2006-01-02"), tot.NewLeads, tot.Cost, cpl, conv))
	}
	want := "2026-02-01 leads 1 cost 99900 cpl 99900 conversion 1\n" +
		"2026-03-01 leads 6 cost 70000 cpl 11667 conversion 2/3\n" +
		"2026-04-01 leads 1 cost 77700 cpl 77700 conversion 0"
	if g := strings.Join(got, "\n"); g != want {
		t.Errorf("trend:\n%s\nwant\n%s", g, want)
	}
	// paid_search has a point in every month; email only in March.
	for _, sr := range tr.Series {
		if len(sr.Points) != 3 {
			t.Fatalf("series %s has %d points", sr.Channel, len(sr.Points))
		}
		if sr.Channel == "email" && (sr.Points[0].NewLeads != 0 || sr.Points[1].NewLeads != 1 || sr.Points[2].Customers.Sign() != 0) {
			t.Errorf("email series %+v", sr.Points)
		}
	}
}
