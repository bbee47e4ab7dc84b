package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// The ingest lock makes the writers of one workspace take turns, and only them: a
// workspace in another schema of the same PostgreSQL database goes on while it is held.
func TestIngestLockIsPerSchema(t *testing.T) {
	a := storetest.Open(t)
	if a.Engine() != store.Postgres {
		t.Skip("advisory locks are PostgreSQL's; SQLite has one writer")
	}
	b := storetest.Open(t)
	err := store.LockIngestingFor(ctx, a, func() error {
		// Another schema takes the same lock at once.
		other, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := store.LockIngestingFor(other, b, func() error { return nil }); err != nil {
			t.Errorf("another schema waited for the lock: %v", err)
		}
		// The same schema waits until the holder commits.
		same, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel2()
		err := store.LockIngestingFor(same, a, func() error { return nil })
		if err == nil {
			t.Error("a second transaction of the same schema took the lock while it was held")
		} else if !errors.Is(same.Err(), context.DeadlineExceeded) {
			t.Errorf("the same schema failed otherwise than by waiting: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Form posts that take the contacts table from nothing to thousands of rows keep
// PostgreSQL's planner informed: it must not go on believing the table empty, or the
// duplicate check of every group reads all live contacts.
func TestGroupCommitKeepsPlannerInformed(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.Postgres {
		t.Skip("SQLite's statistics are kept by Optimize")
	}
	for i := range 1200 {
		c := store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@shop.example", i), Touch: true,
			Fields: store.ContactFields{FirstName: "Sam", LastName: fmt.Sprint("Ng", i), CompanyName: "Shop"}, CompanyDomain: "shop.example"}
		if _, err := s.IngestGrouped(ctx, []store.Capture{c}); err != nil {
			t.Fatal(err)
		}
	}
	store.WaitForBackgroundForTest(s)
	rows, err := store.RowsForTest(ctx, s, `SELECT reltuples::bigint FROM pg_class WHERE oid = 'contacts'::regclass`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(rows[0]); n < 1000 {
		t.Fatalf("the planner counts %s contacts after 1,200 form posts", rows[0])
	}
}

// Events about known people (API batches through group commit, tracking hits
// through the tracking writer) that take the events table from nothing to
// thousands of rows keep PostgreSQL's planner informed of it too, though no contact
// is created: believing the table small, it found each page view's previous view by
// reading every page view of every contact.
func TestEventsKeepPlannerInformed(t *testing.T) {
	counted := func(s *store.Store) int {
		t.Helper()
		store.WaitForBackgroundForTest(s)
		rows, err := store.RowsForTest(ctx, s, `SELECT reltuples::bigint FROM pg_class WHERE oid = 'events'::regclass`)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(rows[0])
		return n
	}
	view := func(i int) store.Capture {
		return store.Capture{Type: "page_view", Email: fmt.Sprintf("k%d@shop.example", i%20), OccurredAt: time.Unix(1700000000+int64(i), 0),
			Properties: map[string]any{"page_url": fmt.Sprintf("https://shop.example/p/%d", i)}}
	}
	// knownPeople is a PostgreSQL store with the twenty people the views are about.
	knownPeople := func(t *testing.T) *store.Store {
		s := storetest.Open(t)
		if s.Engine() != store.Postgres {
			t.Skip("SQLite's statistics are kept by Optimize")
		}
		for i := range 20 {
			if _, err := s.IngestGrouped(ctx, []store.Capture{{Type: "form_submit", Email: fmt.Sprintf("k%d@shop.example", i)}}); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	t.Run("group commit", func(t *testing.T) {
		s := knownPeople(t)
		// Eight callers at once, and an ANALYZE that takes a while: group commits
		// land while it runs beside the committer, and must not start one each.
		store.SlowAnalyseForTest(s, 300*time.Millisecond)
		var wg sync.WaitGroup
		errc := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := w; b < 60; b += 8 {
					caps := make([]store.Capture, 100)
					for i := range caps {
						caps[i] = view(b*100 + i)
					}
					if _, err := s.IngestGrouped(ctx, caps); err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		// The promise: a look whenever the events pass twice what the planner
		// counts, plus 1,000. Where the last look fell depends on how the callers
		// interleaved (one at 2,520 events waits for 6,040), so the bound is the
		// rule itself, checked against the newest event id the rule reads.
		rows, err := store.RowsForTest(ctx, s, `SELECT max(id) FROM events`)
		if err != nil {
			t.Fatal(err)
		}
		newest, _ := strconv.Atoi(rows[0])
		if n := counted(s); newest > 2*n+1000 {
			t.Fatalf("the planner counts %d events with the newest at id %d: a look was due", n, newest)
		}
		// Events doubled about three times (1,000 → 6,000), so about three looks.
		if n := store.AnalysesForTest(s); n > 4 {
			t.Fatalf("%d ANALYZE statements for 6,020 events: looks overlapped", n)
		}
	})
	t.Run("tracking writer", func(t *testing.T) {
		s := knownPeople(t)
		for b := range 12 {
			caps := make([]store.Capture, 1000)
			for i := range caps {
				caps[i] = view(b*1000 + i)
			}
			for _, err := range s.IngestViews(ctx, caps) {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		if n := counted(s); n < 10000 {
			t.Fatalf("the planner counts %d events after 12,020", n)
		}
	})
}
