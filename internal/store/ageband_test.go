package store_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func ageBandOf(t *testing.T, s *store.Store, id int64) string {
	t.Helper()
	c, err := s.Contact(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.AgeBand
}

// TestAgeBandStored: every way a capture reaches the contacts table (one by one, an
// import's set-based insert, group commit) stores the age band; a later capture
// without one leaves it, one with another band replaces it; a merge gives the
// winner the loser's band when it has none.
func TestAgeBandStored(t *testing.T) {
	s := storetest.Open(t)
	capture := func(email, band string) store.Capture {
		return store.Capture{Type: "form_submit", Email: email, Fields: store.ContactFields{FirstName: "A", AgeBand: band}}
	}
	one, err := s.Ingest(ctx, []store.Capture{capture("one@example.com", "25-34")})
	if err != nil {
		t.Fatal(err)
	}
	id := one[0].ContactID
	if got := ageBandOf(t, s, id); got != "25-34" {
		t.Fatalf("new contact: age band %q, want 25-34", got)
	}
	if _, err := s.Ingest(ctx, []store.Capture{capture("one@example.com", "")}); err != nil {
		t.Fatal(err)
	}
	if got := ageBandOf(t, s, id); got != "25-34" {
		t.Fatalf("a capture without a band changed it to %q", got)
	}
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "one@example.com", Fields: store.ContactFields{AgeBand: "35-44"}}}); err != nil {
		t.Fatal(err)
	}
	if got := ageBandOf(t, s, id); got != "35-44" {
		t.Fatalf("a capture with only a new band left %q, want 35-44", got)
	}

	var caps []store.Capture
	for i, band := range []string{"18-24", "", "65+", "under 18"} {
		c := capture(fmt.Sprintf("imp%d@example.com", i), band)
		c.Type, c.Touch, c.Channel = "import", true, "event"
		caps = append(caps, c)
	}
	imported, err := s.IngestImport(ctx, caps)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range caps {
		if got := ageBandOf(t, s, imported[i].ContactID); got != c.Fields.AgeBand {
			t.Errorf("imported %s: age band %q, want %q", c.Email, got, c.Fields.AgeBand)
		}
	}
	grouped, err := s.IngestGrouped(ctx, []store.Capture{capture("g1@example.com", "45-54"), capture("imp1@example.com", "55-64")})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"45-54", "55-64"} {
		if got := ageBandOf(t, s, grouped[i].ContactID); got != want {
			t.Errorf("group commit %d: age band %q, want %q", i, got, want)
		}
	}

	loser, err := s.Ingest(ctx, []store.Capture{capture("loser@example.com", "55-64")})
	if err != nil {
		t.Fatal(err)
	}
	winner, err := s.Ingest(ctx, []store.Capture{capture("winner@example.com", "")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.MergeContacts(ctx, winner[0].ContactID, loser[0].ContactID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if got := ageBandOf(t, s, winner[0].ContactID); got != "55-64" {
		t.Fatalf("merge: winner's age band %q, want the loser's 55-64", got)
	}
	if err := s.UndoMerge(ctx, m.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if got := ageBandOf(t, s, winner[0].ContactID); got != "" {
		t.Fatalf("undone merge: winner's age band %q, want none again", got)
	}
}

// TestAgeBandFilter: the age band conditions choose the same contacts in SQL as in
// memory, and the ones meant.
func TestAgeBandFilter(t *testing.T) {
	s := storetest.Open(t)
	bands := []string{"25-34", "", "18-24", "65+", "25-34", "under 18", ""}
	var caps []store.Capture
	for i, b := range bands {
		caps = append(caps, store.Capture{Type: "form_submit", Email: fmt.Sprintf("f%d@example.com", i), Fields: store.ContactFields{AgeBand: b}})
	}
	res, err := s.Ingest(ctx, caps)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.ContactID
	}
	all, err := s.FilterRecords(ctx, ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string][]int{
		`age_band = "25-34"`:                            {0, 4},
		`age_band != "25-34"`:                           {1, 2, 3, 5, 6},
		`age_band in ("18-24", "65+")`:                  {2, 3},
		`age_band in ("under 18")`:                      {5},
		`age_band is set`:                               {0, 2, 3, 4, 5},
		`age_band is empty`:                             {1, 6},
		`not age_band in ("25-34") and age_band is set`: {2, 3, 5},
	} {
		e, err := filter.ParseText(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		f := filter.Filter{Expr: e}
		wantIDs := []int64{}
		for _, k := range want {
			wantIDs = append(wantIDs, ids[k])
		}
		got, err := s.MatchingIDs(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		if !reflect.DeepEqual(got, wantIDs) {
			t.Errorf("%s on %s: %v, want %v", text, s.Engine(), got, wantIDs)
		}
		if mem := memoryMatches(f, all); !reflect.DeepEqual(mem, wantIDs) {
			t.Errorf("%s in memory: %v, want %v", text, mem, wantIDs)
		}
	}
	if _, err := filter.ParseText(`age_band = "25 to 34"`); err == nil {
		t.Error(`age_band = "25 to 34" was taken; a filter names a band as spelled`)
	}
}
