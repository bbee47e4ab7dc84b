package store_test

import (
	"slices"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func TestSearchTerms(t *testing.T) {
	got := store.SearchTerms("Zoë O'Brien-Smith", "zoe.obrien@ACME-Widgets.co.uk", "4930 123")
	want := []string{"zoë", "o", "brien", "smith", "zoe", "obrien", "acme", "widgets", "co", "uk", "4930", "123"}
	if !slices.Equal(got, want) {
		t.Fatalf("terms = %q", got)
	}
}

// Both plans of a search, the index for rare words and the scan for common ones,
// find the same contacts.
func TestSearchPlansAgree(t *testing.T) {
	s := storetest.Open(t)
	mustIngest(t, s, searchPeople(0, 60)...)
	checkSearches(t, s, "captured")
	// Changing a name changes what finds the contact.
	id := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "p0@corp0.example", Fields: store.ContactFields{LastName: "Hopper"}})[0].ContactID
	p, _ := s.Contacts(ctx, store.ContactFilter{Query: "hopper"})
	if len(p.Contacts) != 1 || p.Contacts[0].ID != id {
		t.Fatalf("renamed contact not found: %d", len(p.Contacts))
	}
	if p, _ := s.Contacts(ctx, store.ContactFilter{Query: "lovelace"}); len(p.Contacts) != 2 {
		t.Fatalf("old name still finds the renamed contact: %d", len(p.Contacts))
	}
}
