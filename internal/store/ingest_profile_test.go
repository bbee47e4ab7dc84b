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
