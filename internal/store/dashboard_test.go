package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/demo"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// countContacts counts a filter's contacts by paging the list, the slow and obvious way.
func countContacts(t *testing.T, s *store.Store, f store.ContactFilter) int64 {
	t.Helper()
	f.Limit = 500
	var n int64
	for {
		page, err := s.Contacts(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		n += int64(len(page.Contacts))
		if page.NextCursor == "" {
			return n
		}
		f.Cursor = page.NextCursor
	}
}

// The dashboard's roll-ups agree with the contacts list they link to, per channel and
// per stage reached, after ingest, stage changes and deals, a merge and its undoing.
func TestDashboardRollupsStayExact(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 6, 15, 16, 30, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if _, err := demo.Load(ctx, s, demo.Options{Contacts: 150, Now: now, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 16, 0, 0, 0, 0, time.UTC)
	check := func(when string) {
		t.Helper()
		current, err := s.CurrentStages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		direct, err := s.StageCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range lifecycle.Stages {
			if current[st] != direct[st] {
				t.Errorf("%s: %d contacts at %s, counted directly %d", when, current[st], st, direct[st])
			}
		}
		total, stages, err := s.FunnelCounts(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if want := countContacts(t, s, store.ContactFilter{CreatedFrom: from, CreatedTo: to}); total != want {
			t.Errorf("%s: %d new leads, the list has %d", when, total, want)
		}
		for _, st := range lifecycle.Stages {
			if want := countContacts(t, s, store.ContactFilter{CreatedFrom: from, CreatedTo: to, Reached: st}); stages[st] != want {
				t.Errorf("%s: %d reached %s, the list has %d", when, stages[st], st, want)
			}
		}
		weeks, err := s.LeadsByWeek(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		byChannel := map[string]int64{}
		for _, w := range weeks {
			byChannel[w.Channel] += w.Leads
		}
		// The month figures agree with the sources report's totals, month by month.
		for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
			f, err := s.DashboardFigures(ctx, m, m.AddDate(0, 1, 0))
			if err != nil {
				t.Fatal(err)
			}
			data, err := s.SourcesReport(ctx, m, m.AddDate(0, 1, 0), attribution.FirstTouch)
			if err != nil {
				t.Fatal(err)
			}
			tot := report.Build(*data, report.Options{}).Totals
			if f.NewLeads != tot.NewLeads || !tot.Customers.IsInt() || f.Customers != tot.Customers.Num().Int64() || f.Revenue != tot.Revenue || f.Cost != tot.Cost {
				t.Errorf("%s, %s: dashboard %+v, sources report %d leads, %v customers, revenue %d, cost %d",
					when, m.Format("Jan"), f, tot.NewLeads, tot.Customers, tot.Revenue, tot.Cost)
			}
		}
		for ch, n := range byChannel {
			if want := countContacts(t, s, store.ContactFilter{CreatedFrom: from, CreatedTo: to, Channel: ch}); n != want {
				t.Errorf("%s: %d leads from %s, the list has %d", when, n, ch, want)
			}
		}
	}
	check("after the demo")

	page, err := s.Contacts(ctx, store.ContactFilter{Reached: lifecycle.Customer, Limit: 2})
	if err != nil || len(page.Contacts) < 2 {
		t.Fatalf("two customers: %v %v", page, err)
	}
	m, err := s.MergeContacts(ctx, page.Contacts[1].ID, page.Contacts[0].ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	check("after a merge")
	if err := s.UndoMerge(ctx, m.ID, "test"); err != nil {
		t.Fatal(err)
	}
	check("after undoing it")
}
