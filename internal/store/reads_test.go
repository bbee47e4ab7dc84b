package store_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// A text search pages through the same contacts, newest first, whichever way it
// finds them: a rare word's contacts from the index, or a scan of the newest
// contacts (on PostgreSQL in windows of ids, from a few to all of them); and
// those are the contacts a plain filter in Go finds among all of them.
func TestSearchPagesMatchAFilterOfAll(t *testing.T) {
	s := storetest.Open(t)
	rng := rand.New(rand.NewPCG(7, 3))
	firsts := []string{"Ann", "Anna", "Ben", "Carla", "Dmitri"}
	lasts := []string{"Lovelace", "Hopper", "Lamarr", "Love"}
	companies := []string{"Acme", "Acme Widgets", "Globex", "Initech"}
	var caps []store.Capture
	for i := range 240 {
		c := store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%03d@corp%d.example", i, rng.IntN(7)), Touch: true,
			Fields: store.ContactFields{FirstName: firsts[rng.IntN(len(firsts))], LastName: lasts[rng.IntN(len(lasts))],
				CompanyName: companies[rng.IntN(len(companies))]}}
		if rng.IntN(3) == 0 {
			c.Type, c.Stage = "newsletter_signup", "mql"
		}
		caps = append(caps, c)
	}
	ids := []int64{}
	for _, c := range mustIngest(t, s, caps...) {
		ids = append(ids, c.ContactID)
	}
	// Merged contacts leave the list.
	for _, pair := range [][2]int{{3, 5}, {100, 7}, {200, 230}} {
		if _, err := s.MergeContacts(ctx, ids[pair[0]], ids[pair[1]], "user:1"); err != nil {
			t.Fatal(err)
		}
	}
	all := listAll(t, s, store.ContactFilter{Limit: 500})
	if len(all) != 237 {
		t.Fatalf("%d contacts listed, want 237", len(all))
	}
	matches := func(c *store.Contact, query, stage string) bool {
		if stage != "" && c.Stage != stage {
			return false
		}
		terms := store.SearchTerms(c.FirstName, c.LastName, c.Email, c.CompanyName)
		for _, w := range store.SearchTerms(query) {
			if !slices.ContainsFunc(terms, func(t string) bool { return strings.HasPrefix(t, w) }) {
				return false
			}
		}
		return true
	}
	queries := []string{"ann", "anna", "love", "lovelace ann", "acme", "acme widgets", "corp3", "p1", "p10", "p239", "hop glob", "zzz", "b"}
	for _, plan := range []struct{ rare, terms int }{{5000, 16}, {40, 16}, {0, 16}, {40, 1}, {0, 0}} {
		limit := plan.rare
		restore := store.SetRareLimit(limit)
		undoTerms := store.SetStreamTerms(plan.terms)
		// Windows of ids from a few to all contacts (PostgreSQL's scan).
		defer store.SetFirstWindow(1 + 100*limit)()
		for _, q := range queries {
			for _, stage := range []string{"", "lead", "mql"} {
				var want []int64
				for _, c := range all {
					if matches(c, q, stage) {
						want = append(want, c.ID)
					}
				}
				for _, size := range []int{1, 3, 50} {
					var got []int64
					for _, c := range listAll(t, s, store.ContactFilter{Query: q, Stage: stage, Limit: size}) {
						got = append(got, c.ID)
					}
					if !slices.Equal(got, want) {
						t.Errorf("rare limit %d, %d indexed words, %q stage %q, pages of %d: got %v, want %v", limit, plan.terms, q, stage, size, got, want)
					}
				}
			}
		}
		undoTerms()
		restore()
	}
}

// On PostgreSQL a common word that stands for few indexed words is read from the
// index, newest first, so its page costs what the page costs; a word that starts
// many indexed words, and every common word on SQLite, is a scan of the newest
// contacts (SQLite's walks the stage index).
func TestCommonWordReadFromIndex(t *testing.T) {
	s := storetest.Open(t)
	var caps []store.Capture
	for i := range 120 {
		caps = append(caps, store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@corp.example", i), Touch: true,
			Fields: store.ContactFields{FirstName: []string{"Oskar", "Oskara", "Olga"}[i%3], LastName: fmt.Sprintf("Name%d", i)}})
	}
	mustIngest(t, s, caps...)
	defer store.SetRareLimit(10)()
	want := map[string]string{"oskar": "terms", "oskara": "terms", "name": "scan", "name2": "terms", "name119": "terms", "zzz": "rare",
		"oskar name2": "terms", "oskar name119": "rare", "oskar name": "terms", "name n": "scan"}
	if s.Engine() == store.SQLite {
		for q, plan := range map[string]string{"oskar": "scan", "oskara": "scan", "name2": "scan", "name119": "rare", "oskar name2": "scan", "oskar name": "scan"} {
			want[q] = plan
		}
	}
	defer store.SetStreamTerms(16)()
	for q, plan := range want {
		got, err := s.SearchPlan(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got != plan {
			t.Errorf("%q: %s, want %s", q, got, plan)
		}
	}
}

// listAll follows a list's cursors to its end.
func listAll(t *testing.T, s *store.Store, f store.ContactFilter) []*store.Contact {
	t.Helper()
	var out []*store.Contact
	for range 1000 {
		p, err := s.Contacts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Contacts...)
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
	t.Fatal("the list does not end")
	return nil
}

// A contact's timeline merges the histories of the contacts merged into it, newest
// first, the later-written event first at equal times, a page at a time.
func TestTimelineMergesHistoriesInOrder(t *testing.T) {
	s := storetest.Open(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	var caps []store.Capture
	emails := []string{"win@a.example", "lose1@b.example", "lose2@c.example"}
	for i := range 90 {
		// Every third event shares its time with the one before it.
		at := t0.Add(time.Duration(i-i%3/2) * time.Minute)
		caps = append(caps, store.Capture{Type: "page_view", Email: emails[i%3], OccurredAt: at,
			Properties: map[string]any{"n": i}})
	}
	res := mustIngest(t, s, caps...)
	winner, lose1, lose2 := res[0].ContactID, res[1].ContactID, res[2].ContactID
	for _, l := range []int64{lose1, lose2} {
		if _, err := s.MergeContacts(ctx, winner, l, "user:1"); err != nil {
			t.Fatal(err)
		}
	}
	full, err := s.Timeline(ctx, winner, store.TimelineOptions{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[json.Number]bool{}
	for i, e := range full {
		if n, ok := e.Properties["n"].(json.Number); ok {
			seen[n] = true
		}
		if i > 0 {
			p := full[i-1]
			if p.OccurredAt.Before(e.OccurredAt) || p.OccurredAt.Equal(e.OccurredAt) && p.ID < e.ID {
				t.Fatalf("events %d and %d out of order: %v #%d before %v #%d", i-1, i, p.OccurredAt, p.ID, e.OccurredAt, e.ID)
			}
		}
	}
	if len(seen) != 90 {
		t.Fatalf("the timeline holds %d of the 90 page views", len(seen))
	}
	for _, limit := range []int{1, 7, 40} {
		got, err := s.Timeline(ctx, winner, store.TimelineOptions{Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, full[:limit], func(a, b *store.Event) bool { return a.ID == b.ID }) {
			t.Errorf("first %d events differ from the full timeline's", limit)
		}
	}
	before := full[30].OccurredAt
	got, err := s.Timeline(ctx, winner, store.TimelineOptions{Before: before, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var want []*store.Event
	for _, e := range full {
		if e.OccurredAt.Before(before) && len(want) < 10 {
			want = append(want, e)
		}
	}
	if !slices.EqualFunc(got, want, func(a, b *store.Event) bool { return a.ID == b.ID }) {
		t.Errorf("the page before %v differs from the full timeline's", before)
	}
	// A merged contact's own timeline is its own history.
	own, err := s.Timeline(ctx, lose1, store.TimelineOptions{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range own {
		if e.ContactID != lose1 {
			t.Fatalf("contact %d's timeline shows an event of contact %d", lose1, e.ContactID)
		}
	}
}
