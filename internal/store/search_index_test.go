package store_test

import (
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// searchPeople are sixty people, every twentieth a Lovelace, the rest Smiths, at
// four companies, each with a phone.
func searchPeople(from, to int) []store.Capture {
	var caps []store.Capture
	for i := from; i < to; i++ {
		last := "Smith"
		if i%20 == 0 {
			last = "Lovelace"
		}
		caps = append(caps, store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@corp%d.example", i, i%4), Touch: true,
			Phone: fmt.Sprintf("+4930123%04d", i), Fields: store.ContactFields{FirstName: fmt.Sprintf("Ann%d", i), LastName: last, CompanyName: "Widget Works"}})
	}
	return caps
}

// checkSearches runs searches whose answers are known, with each plan: every word
// rare (the index and the tail), every word common (the scan), and a limit between.
// Each search is also paged through seven at a time.
func checkSearches(t *testing.T, s *store.Store, when string) {
	t.Helper()
	queries := map[string]int{"lov": 3, "LOVELACE ann": 3, "smith": 57, "corp1": 15, "widget works": 60, "ace": 0, "4930123001": 10, "ann4": 11, "zzz": 0, "p1@": 11, "": 60}
	for _, limit := range []int{5000, 20, 0} {
		restore := store.SetRareLimit(limit)
		for q, want := range queries {
			p, err := s.Contacts(ctx, store.ContactFilter{Query: q, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Contacts) != want {
				t.Errorf("%s, rare limit %d: %q found %d, want %d", when, limit, q, len(p.Contacts), want)
				continue
			}
			var all, paged []int64
			for _, c := range p.Contacts {
				all = append(all, c.ID)
			}
			for cursor := ""; ; {
				pg, err := s.Contacts(ctx, store.ContactFilter{Query: q, Limit: 7, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range pg.Contacts {
					paged = append(paged, c.ID)
				}
				if cursor = pg.NextCursor; cursor == "" {
					break
				}
			}
			if !slices.Equal(paged, all) || !slices.IsSortedFunc(all, func(a, b int64) int { return int(b - a) }) {
				t.Errorf("%s, rare limit %d: %q paged %v, at once %v", when, limit, q, paged, all)
			}
		}
		restore()
	}
}

// TestSearchFindsContactsBeforeTheirWordsAreIndexed: on SQLite a new contact's
// words reach the index after its capture commits (search_index.go); searches find
// it at once all the same, through every plan and every capture path, with some
// contacts indexed and some not, and after the indexer has run. On PostgreSQL the
// words are written with the contact, and the same searches hold.
func TestSearchFindsContactsBeforeTheirWordsAreIndexed(t *testing.T) {
	s := storetest.Open(t)
	defer store.HoldSearchIndexer(s)()

	// The first twenty are indexed; the next forty, captured one by one through the
	// group commit and through IngestEach, are not.
	first := mustIngest(t, s, searchPeople(0, 20)...)
	if err := s.IndexSearchWords(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, c := range searchPeople(20, 40) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.IngestGrouped(ctx, []store.Capture{c}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i, err := range s.IngestEach(ctx, searchPeople(40, 60)) {
		if err != nil {
			t.Fatalf("capture %d: %v", i, err)
		}
	}

	got, want, err := s.SearchIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Engine() == store.SQLite {
		mark, err := s.SearchWatermark(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if mark != first[19].ContactID || len(got) >= len(want) {
			t.Fatalf("the captures wrote their words themselves: watermark %d (want %d), %d of %d words indexed", mark, first[19].ContactID, len(got), len(want))
		}
	}
	checkSearches(t, s, "before indexing")

	if err := s.IndexSearchWords(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want, err = s.SearchIndex(ctx); err != nil || !slices.Equal(got, want) {
		t.Fatalf("index after indexing: %v\n got %v\nwant %v", err, got, want)
	}
	checkSearches(t, s, "after indexing")
}

// TestIndexedSearchWordsEqualWritingThemWithTheContact: once the indexer has run,
// contact_terms holds exactly each contact's words, as writing them with the
// contact left it, also for contacts changed before their words were indexed: a
// renamed contact, a phone-only contact later given a name, a merged one.
func TestIndexedSearchWordsEqualWritingThemWithTheContact(t *testing.T) {
	s := storetest.Open(t)
	defer store.HoldSearchIndexer(s)()
	mustIngest(t, s, searchPeople(0, 10)...)
	if err := s.IndexSearchWords(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IngestGrouped(ctx, searchPeople(10, 30)); err != nil {
		t.Fatal(err)
	}
	// Renamed while its words wait: the old name finds it no more.
	mustIngest(t, s, store.Capture{Type: "form_submit", Email: "p20@corp0.example", Fields: store.ContactFields{LastName: "Hopper", CompanyName: "Navy"}})
	// A contact known by its phone, then named.
	pia := mustIngest(t, s, store.Capture{Type: "form_submit", Phone: "+4930999999"})[0].ContactID
	mustIngest(t, s, store.Capture{Type: "form_submit", Phone: "+4930999999", Fields: store.ContactFields{FirstName: "Pia", LastName: "Phoneonly"}})
	// Merged while its words wait.
	if _, err := s.MergeContacts(ctx, contactID(t, s, "p21@corp1.example"), contactID(t, s, "p22@corp2.example"), "test"); err != nil {
		t.Fatal(err)
	}
	for q, n := range map[string]int{"hopper": 1, "navy": 1, "lovelace": 1, "phoneonly": 1, "pia": 1, "4930999999": 1} {
		if p, err := s.Contacts(ctx, store.ContactFilter{Query: q}); err != nil || len(p.Contacts) != n {
			t.Errorf("before indexing: %q found %d, want %d (%v)", q, len(p.Contacts), n, err)
		}
	}
	got, want, err := s.SearchIndex(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.Engine() == store.SQLite && len(got) >= len(want) {
		t.Fatalf("the captures wrote their words themselves: %d of %d", len(got), len(want))
	}

	if err := s.IndexSearchWords(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want, err = s.SearchIndex(ctx); err != nil || !slices.Equal(got, want) {
		t.Fatalf("index after indexing: %v\n got %v\nwant %v", err, got, want)
	}
	if p, _ := s.Contacts(ctx, store.ContactFilter{Query: "pia phoneonly"}); len(p.Contacts) != 1 || p.Contacts[0].ID != pia {
		t.Errorf("the phone-only contact, named: %+v", p.Contacts)
	}
	if s.Engine() == store.SQLite {
		mark, err := s.SearchWatermark(ctx)
		if err != nil || mark != pia {
			t.Errorf("watermark %d, want the newest contact %d (%v)", mark, pia, err)
		}
	}
}

// TestSearchWordsIndexedAfterACrash: contacts whose words a stopped process did
// not index (a crash, or an import killed) are found by search at once when the
// store opens again, and indexed in the background without being asked.
func TestSearchWordsIndexedAfterACrash(t *testing.T) {
	opt := storetest.Options(t)
	if opt.DatabaseURL != "" {
		t.Skip("PostgreSQL writes a contact's words with it: there is nothing left to index")
	}
	s, err := store.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	store.HoldSearchIndexer(s)
	store.LeaveSearchTail(s)
	if _, err := s.IngestGrouped(ctx, searchPeople(0, 60)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// The file as the crash left it: no words, the watermark where it started.
	raw, err := sql.Open(store.SQLiteDriver, store.SQLiteDSN(opt.Path))
	if err != nil {
		t.Fatal(err)
	}
	var words, mark int64
	if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM contact_terms), (SELECT contact_id FROM search_watermark)`).Scan(&words, &mark); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if words != 0 || mark != 0 {
		t.Fatalf("after the crash: %d words indexed, watermark %d; want none", words, mark)
	}

	s, err = store.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p, err := s.Contacts(ctx, store.ContactFilter{Query: "lovelace"}); err != nil || len(p.Contacts) != 3 {
		t.Fatalf("after the restart lovelace found %d, want 3 (%v)", len(p.Contacts), err)
	}
	// Sooner than the indexer's poll for tails it was not told about: the start
	// itself looks.
	deadline := time.Now().Add(3 * time.Second)
	for {
		got, want, err := s.SearchIndex(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Equal(got, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the words left by the crash were not indexed after the restart: %d of %d", len(got), len(want))
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkSearches(t, s, "after the catch-up")
}

// TestSearchFindsEachCaptureOnceAcknowledged: with the indexer running all the
// while (it gathers for a millisecond, so it runs between most captures), every
// contact is found by its own rare word as soon as its capture returns.
func TestSearchFindsEachCaptureOnceAcknowledged(t *testing.T) {
	defer store.SetWordGather(time.Millisecond)()
	s := storetest.Open(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				name := fmt.Sprintf("Q%dx%03dz", g, i)
				out, err := s.IngestGrouped(ctx, []store.Capture{{Type: "form_submit", Email: fmt.Sprintf("%s@acked.example", name),
					Fields: store.ContactFields{FirstName: "Ann", LastName: name}}})
				if err != nil {
					t.Error(err)
					return
				}
				p, err := s.Contacts(ctx, store.ContactFilter{Query: name})
				if err != nil || len(p.Contacts) != 1 || p.Contacts[0].ID != out[0].ContactID {
					t.Errorf("%s, just captured: found %d (%v)", name, len(p.Contacts), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
