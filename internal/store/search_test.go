package store_test

import (
	"fmt"
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
	var caps []store.Capture
	for i := range 60 {
		last := "Smith"
		if i%20 == 0 {
			last = "Lovelace"
		}
		caps = append(caps, store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@corp%d.example", i, i%4), Touch: true,
			Phone: fmt.Sprintf("+4930123%04d", i), Fields: store.ContactFields{FirstName: fmt.Sprintf("Ann%d", i), LastName: last, CompanyName: "Widget Works"}})
	}
	mustIngest(t, s, caps...)
	queries := map[string]int{"lov": 3, "LOVELACE ann": 3, "smith": 57, "corp1": 15, "widget works": 60, "ace": 0, "4930123001": 10, "ann4": 11, "zzz": 0, "p1@": 11, "": 60}
	for _, limit := range []int{5000, 0} {
		restore := store.SetRareLimit(limit)
		for q, want := range queries {
			p, err := s.Contacts(ctx, store.ContactFilter{Query: q, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Contacts) != want {
				t.Errorf("rare limit %d: %q found %d, want %d", limit, q, len(p.Contacts), want)
			}
		}
		restore()
	}
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
