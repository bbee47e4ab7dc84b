package store_test

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// reportText prints every figure of a report, the exact customers and the sorted
// speed samples included, so two reports print alike only if they are equal.
func reportText(rep report.Report) string {
	var b strings.Builder
	line := func(name string, m report.Metrics) {
		speed := slices.Clone(m.SpeedSamples)
		slices.Sort(speed)
		fmt.Fprintf(&b, "%s: leads %d mqls %d sqls %d customers %s cost %d hours %d revenue %d speed %v\n",
			name, m.NewLeads, m.MQLs, m.SQLs, m.Customers.RatString(), m.Cost, m.HoursHundredths, m.Revenue, speed)
	}
	for _, r := range rep.Rows {
		name := r.Channel
		if r.Campaign != nil {
			name += fmt.Sprintf("/%d %s", r.Campaign.ID, r.Campaign.Name)
		}
		line(name, r.Metrics)
	}
	line("totals", rep.Totals)
	return b.String()
}

// TestSourcesReportFactsMatchDirect holds the sources report read from the facts of
// migration 0015 to the one computed from contacts, events and deals, under every model
// and grouping and over several periods, on random journeys built through the store's
// API and then changed by more touches, stage moves, deals, merges and an undone merge.
func TestSourcesReportFactsMatchDirect(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 15))
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	channels := []string{"paid_search", "organic_search", "social", "email", "referral", "event"}
	var campaigns []int64
	for i, ch := range []string{"paid_search", "email", "event", "paid_search"} {
		c, err := s.CreateCampaign(ctx, store.Campaign{Name: fmt.Sprintf("C%d", i), Channel: ch}, "test")
		if err != nil {
			t.Fatal(err)
		}
		campaigns = append(campaigns, c.ID)
		if _, err := s.AddCost(ctx, store.CostEntry{CampaignID: c.ID, Date: "2026-03-0" + fmt.Sprint(i+1), Amount: int64(1000 * (i + 1)), HoursHundredths: 50}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	ingest := func(c store.Capture) int64 {
		t.Helper()
		out, err := s.Ingest(ctx, []store.Capture{c})
		if err != nil {
			t.Fatal(err)
		}
		return out[0].ContactID
	}
	// touch adds a random event to the contact: a touch, a page view or a sales call.
	touch := func(id int64) {
		at := now.Add(time.Duration(rng.IntN(40*24)) * time.Hour)
		switch rng.IntN(4) {
		case 0, 1:
			var camp int64
			if rng.IntN(2) == 0 {
				camp = campaigns[rng.IntN(len(campaigns))]
			}
			ingest(store.Capture{Type: "form_submit", ContactID: id, OccurredAt: at, Channel: channels[rng.IntN(len(channels))], CampaignID: camp, Touch: true})
		case 2:
			ingest(store.Capture{Type: "page_view", ContactID: id, OccurredAt: at})
		default:
			ingest(store.Capture{Type: "call", ContactID: id, OccurredAt: at, Actor: "user:1"})
		}
	}
	advance := func(id int64) {
		t.Helper()
		now = now.Add(time.Duration(rng.IntN(72)) * time.Hour)
		stage := []string{"mql", "sql", "opportunity", "customer"}[rng.IntN(4)]
		if _, err := s.SetStage(ctx, id, stage, "test", "test"); err != nil {
			t.Fatal(err)
		}
		if stage == "customer" || rng.IntN(5) == 0 {
			status := store.DealWon
			if rng.IntN(4) == 0 {
				status = store.DealLost
			}
			closed := now.Add(time.Duration(rng.IntN(20*24)-5*24) * time.Hour)
			if _, err := s.CreateDeal(ctx, store.Deal{ContactID: id, Amount: int64(1 + rng.IntN(100000)), Status: status, ClosedAt: closed}, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	compare := func(when string) {
		t.Helper()
		for _, p := range [][2]time.Time{
			{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)},
			{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)},
			{time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)},
			// Bounds inside a day: whole days from the roll-up, the ends from the contacts.
			{time.Date(2026, 3, 5, 13, 0, 0, 0, time.UTC), time.Date(2026, 3, 20, 7, 30, 0, 0, time.UTC)},
			{time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 23, 0, 0, 1000, time.UTC)},
			{time.Date(2026, 2, 28, 18, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)},
			{time.Date(2026, 2, 27, 18, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		} {
			whole := p[0].Equal(p[0].Truncate(24*time.Hour)) && p[1].Equal(p[1].Truncate(24*time.Hour))
			if whole { // the dashboard's periods are whole days
				fig, err := s.DashboardFigures(ctx, p[0], p[1])
				if err != nil {
					t.Fatal(err)
				}
				if want, err := s.DashboardFiguresDirect(ctx, p[0], p[1]); err != nil || fig != want {
					t.Fatalf("%s: dashboard figures %+v, direct %+v (%v)", when, fig, want, err)
				}
			}
			for _, m := range attribution.Models {
				fast, err := s.SourcesReport(ctx, p[0], p[1], m)
				if err != nil {
					t.Fatal(err)
				}
				direct, err := s.SourcesReportDirect(ctx, p[0], p[1], m != attribution.FirstTouch)
				if err != nil {
					t.Fatal(err)
				}
				if m != attribution.FirstTouch && !fast.Credited {
					t.Fatalf("%s, %s to %s, %s: the report did not read the facts", when, p[0], p[1], m)
				}
				for _, g := range []report.Grouping{report.ByChannel, report.ByCampaign, report.ByChannelCampaign} {
					opt := report.Options{Grouping: g, Model: m}
					fastRep, directRep := report.Build(*fast, opt), report.Build(*direct, opt)
					for _, rep := range []report.Report{fastRep, directRep} {
						var rows []*big.Rat
						for _, r := range rep.Rows {
							rows = append(rows, r.Customers)
						}
						if sum := report.SumRats(rows); sum.Cmp(rep.Totals.Customers) != 0 {
							t.Fatalf("%s, %s by %s: rows add up to %s customers, totals say %s", when, m, g, sum.RatString(), rep.Totals.Customers.RatString())
						}
					}
					got, want := reportText(fastRep), reportText(directRep)
					if got != want {
						t.Fatalf("%s, %s to %s, %s by %s:\nfacts:\n%s\ndirect:\n%s", when, p[0].Format(time.DateOnly), p[1].Format(time.DateOnly), m, g, got, want)
					}
				}
			}
		}
	}

	for i := range 60 {
		now = time.Date(2026, 2, 25, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(40*24)) * time.Hour)
		var camp int64
		if rng.IntN(2) == 0 {
			camp = campaigns[rng.IntN(len(campaigns))]
		}
		c := store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@example.com", i), OccurredAt: now, Touch: rng.IntN(6) > 0,
			Channel: channels[rng.IntN(len(channels))], CampaignID: camp}
		if !c.Touch {
			c.Channel, c.CampaignID = "", 0
		}
		id := ingest(c)
		ids = append(ids, id)
		for range rng.IntN(6) {
			touch(id)
		}
		for range rng.IntN(4) {
			advance(id)
		}
	}
	compare("after creation")
	// Touches hours apart are seldom whole half-lives apart: time_decay's shares are then
	// on its grid, added up as integers; none is held as a long fraction in text.
	forms, err := s.ReportCreditForms(ctx, string(attribution.TimeDecay))
	if err != nil {
		t.Fatal(err)
	}
	if forms["grid"] == 0 || forms["text"] != 0 {
		t.Fatalf("time_decay facts held as %v, want some on the grid and none as text", forms)
	}

	for range 40 {
		id := ids[rng.IntN(len(ids))]
		if rng.IntN(2) == 0 {
			touch(id)
		} else {
			advance(id)
		}
	}
	compare("after more touches, stages and deals")

	var merges []int64
	for range 8 {
		a, b := ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]
		if a == b {
			continue
		}
		m, err := s.MergeContacts(ctx, a, b, "test")
		if err != nil {
			continue // one of them is merged already
		}
		merges = append(merges, m.ID)
	}
	compare("after merges")
	for _, id := range ids {
		if rng.IntN(4) == 0 {
			touch(id) // some land on merged contacts, and count for the one they are merged into
		}
	}
	compare("after touches on merged contacts")
	if len(merges) > 0 {
		if err := s.UndoMerge(ctx, merges[len(merges)-1], "test"); err != nil {
			t.Fatal(err)
		}
	}
	compare("after an undone merge")
}

// TestReportFactsUnderConcurrentWrites writes touches, sales calls and deals from
// several goroutines while others read the report, so facts are worked out while
// contacts change (on PostgreSQL, side by side); afterwards the facts must still match
// the direct computation, and no writer may have failed (a deadlock would fail it).
func TestReportFactsUnderConcurrentWrites(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	var ids []int64
	for i := range 30 {
		out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: fmt.Sprintf("c%d@example.com", i),
			OccurredAt: now.Add(time.Duration(i) * time.Hour), Channel: "email", Touch: true}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out[0].ContactID)
		if _, err := s.SetStage(ctx, out[0].ContactID, []string{"sql", "customer"}[i%2], "test", "test"); err != nil {
			t.Fatal(err)
		}
	}
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	errc := make(chan error, 8)
	for w := range 6 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for i := range 25 {
				var err error
				switch w {
				case 0, 1: // readers, who work the facts out
					_, err = s.SourcesReport(ctx, from, to, attribution.Linear)
				default:
					// Each capture set touches two contacts in a random order.
					a, b := ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]
					at := now.Add(time.Duration(rng.IntN(20*24)) * time.Hour)
					_, err = s.Ingest(ctx, []store.Capture{
						{Type: "form_submit", ContactID: a, OccurredAt: at, Channel: "social", Touch: true},
						{Type: "call", ContactID: b, OccurredAt: at, Actor: "user:1"},
					})
					if err == nil && i%5 == 0 {
						_, err = s.CreateDeal(ctx, store.Deal{ContactID: a, Amount: int64(100 + i), Status: store.DealWon, ClosedAt: at}, "test")
					}
				}
				if err != nil {
					errc <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
			}
			errc <- nil
		}()
	}
	for range 6 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range attribution.Models {
		sameAsDirect(t, s, "after the workers", from, to, m, report.ByCampaign)
	}
}

// sameAsDirect holds the sources report, read from its facts, to the one computed
// straight from contacts and events.
func sameAsDirect(t *testing.T, s *store.Store, when string, from, to time.Time, m attribution.Model, g report.Grouping) {
	t.Helper()
	fast, err := s.SourcesReport(ctx, from, to, m)
	if err != nil {
		t.Fatal(err)
	}
	direct, err := s.SourcesReportDirect(ctx, from, to, m != attribution.FirstTouch)
	if err != nil {
		t.Fatal(err)
	}
	opt := report.Options{Grouping: g, Model: m}
	if got, want := reportText(report.Build(*fast, opt)), reportText(report.Build(*direct, opt)); got != want {
		t.Fatalf("%s, %s: from the facts\n%s\ndirect\n%s", when, m, got, want)
	}
}
