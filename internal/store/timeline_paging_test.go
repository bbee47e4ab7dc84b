package store_test

import (
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// Paging a timeline from the last event of each page (its time and id) returns every
// event once, newest first, although many share one moment and a page ends among
// them, and although some came with a merged contact.
func TestTimelinePagesKeepEventsOfOneMoment(t *testing.T) {
	s := storetest.Open(t)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	var caps []store.Capture
	for i := range 9 {
		email := "ada@acme.example"
		if i%3 == 0 {
			email = "ada@gmail.example" // merged into ada@acme below
		}
		when := at
		if i >= 7 {
			when = at.Add(time.Duration(i-9) * time.Hour) // two earlier events
		}
		caps = append(caps, store.Capture{Type: "email_open", Email: email, OccurredAt: when})
	}
	out := mustIngest(t, s, caps...)
	winner, loser := out[1].ContactID, out[0].ContactID
	if _, err := s.MergeContacts(ctx, winner, loser, "user:1"); err != nil {
		t.Fatal(err)
	}
	all, err := s.Timeline(ctx, winner, store.TimelineOptions{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var paged []*store.Event
	opt := store.TimelineOptions{Limit: 3}
	for range 20 {
		page, err := s.Timeline(ctx, winner, opt)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if len(page) < opt.Limit {
			break
		}
		opt.Before, opt.BeforeID = page[len(page)-1].OccurredAt, page[len(page)-1].ID
	}
	if len(all) < 10 || len(paged) != len(all) {
		t.Fatalf("paged %d events, the whole timeline has %d", len(paged), len(all))
	}
	for i := range all {
		if paged[i].ID != all[i].ID {
			t.Fatalf("event %d: paged %d, whole %d", i, paged[i].ID, all[i].ID)
		}
		if i > 0 && (all[i].OccurredAt.After(all[i-1].OccurredAt) || all[i].OccurredAt.Equal(all[i-1].OccurredAt) && all[i].ID > all[i-1].ID) {
			t.Fatalf("event %d is out of order", i)
		}
	}
}
