package store_test

import (
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// An event that brings nothing new about a person leaves the contact row as it was
// (updated_at included), while one with a new field updates it.
func TestEventWithoutNewFieldsLeavesContactUntouched(t *testing.T) {
	s := storetest.Open(t)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	id := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ana@firm.example", Touch: true,
		Fields: store.ContactFields{FirstName: "Ana", CompanyName: "Firm"}, CompanyDomain: "firm.example"})[0].ContactID
	created := mustContact(t, s, id).UpdatedAt

	now = now.Add(time.Hour)
	mustIngest(t, s, store.Capture{Type: "page_view", Email: "ana@firm.example", Properties: map[string]any{"page_url": "https://firm.example/pricing"}},
		store.Capture{Type: "email_open", Email: "ana@firm.example", Fields: store.ContactFields{FirstName: "Ana"}, CompanyDomain: "firm.example"})
	if got := mustContact(t, s, id).UpdatedAt; !got.Equal(created) {
		t.Fatalf("updated_at moved to %v on events without new fields; want %v", got, created)
	}

	now = now.Add(time.Hour)
	mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ana@firm.example", Fields: store.ContactFields{LastName: "Lima"}})
	c := mustContact(t, s, id)
	if !c.UpdatedAt.Equal(now) || c.FirstName != "Ana" || c.LastName != "Lima" {
		t.Fatalf("after a new last name: %q %q updated %v; want Ana Lima updated %v", c.FirstName, c.LastName, c.UpdatedAt, now)
	}
	page, err := s.Contacts(ctx, store.ContactFilter{Query: "lima"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Contacts) != 1 || page.Contacts[0].ID != id {
		t.Fatalf("search for the new last name found %d contacts", len(page.Contacts))
	}
}

// A group with a bad capture in it first fails as a whole, then runs again with a
// savepoint per capture: the good ones are stored once, the bad one alone refused.
func TestGroupWithABadCaptureStoresTheOthersOnce(t *testing.T) {
	s := storetest.Open(t)
	caps := []store.Capture{
		{Type: "form_submit", Email: "one@firm.example", Touch: true},
		{Type: "note", ContactID: 999999},
		{Type: "form_submit", Email: "two@firm.example", Touch: true},
	}
	errs := s.IngestEach(ctx, caps)
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("errors %v; want only the second to fail", errs)
	}
	for _, email := range []string{"one@firm.example", "two@firm.example"} {
		page, err := s.Contacts(ctx, store.ContactFilter{Email: email})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Contacts) != 1 {
			t.Fatalf("%s: %d contacts", email, len(page.Contacts))
		}
		tl, err := s.Timeline(ctx, page.Contacts[0].ID, store.TimelineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range tl {
			if e.Type == "form_submit" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%s: %d form_submit events, want 1", email, n)
		}
	}
}
