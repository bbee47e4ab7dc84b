package store_test

import (
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func TestDashboardQueries(t *testing.T) {
	s := storetest.Open(t)
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	april := march.AddDate(0, 1, 0)
	r := mustIngest(t, s,
		store.Capture{Type: "form_submit", Email: "a@example.com", OccurredAt: march.Add(-time.Hour), Touch: true}, // February
		store.Capture{Type: "form_submit", Email: "b@example.com", OccurredAt: march, Touch: true},                 // March, first instant
		store.Capture{Type: "demo_request", Email: "c@example.com", OccurredAt: march.Add(48 * time.Hour), Touch: true, Stage: lifecycle.SQL},
		store.Capture{Type: "form_submit", Email: "d@example.com", OccurredAt: april, Touch: true},                     // April, excluded
		store.Capture{Type: "form_submit", Email: "e@example.com", OccurredAt: march.Add(72 * time.Hour), Touch: true}, // merged below
	)
	if _, err := s.MergeContacts(ctx, r[1].ContactID, r[4].ContactID, "test"); err != nil {
		t.Fatal(err)
	}

	n, err := s.CountContactsCreated(ctx, march, april)
	if err != nil || n != 2 {
		t.Fatalf("created in March = %d, %v; want 2 (the merged contact does not count)", n, err)
	}
	if n, err := s.CountContactsCreated(ctx, march.AddDate(0, -1, 0), march); err != nil || n != 1 {
		t.Fatalf("created in February = %d, %v; want 1", n, err)
	}

	counts, err := s.StageCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[lifecycle.Lead] != 3 || counts[lifecycle.SQL] != 1 || len(counts) != 2 {
		t.Fatalf("stage counts = %v, want 3 leads and 1 sql", counts)
	}

	for i, name := range []string{"Spring fair", "Search ads", "Newsletter"} {
		s.Now = func() time.Time { return march.Add(time.Duration(i) * time.Hour) }
		if _, err := s.CreateCampaign(ctx, store.Campaign{Name: name, Channel: "event"}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.RecentCampaigns(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "Newsletter" || list[1].Name != "Search ads" {
		t.Fatalf("recent campaigns = %+v", list)
	}
}
