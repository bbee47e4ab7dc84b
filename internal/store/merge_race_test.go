package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestConcurrentMergesTakeTurns sends conflicting merges and undos of the same
// contacts at once, as two people clicking in two browsers (or two API clients) do:
// A into B beside B into A, the same merge twice, the same undo twice. Exactly one
// of each pair goes through and the other is a conflict, never both (which on
// PostgreSQL left two contacts merged into each other, so that neither was listed)
// and never an internal error such as a deadlock.
func TestConcurrentMergesTakeTurns(t *testing.T) {
	s := storetest.Open(t)
	contact := func(name string) int64 {
		return mustIngest(t, s, store.Capture{Type: "form_submit", Email: name + "@example.com", Touch: true,
			Fields: store.ContactFields{FirstName: name}})[0].ContactID
	}
	both := func(f, g func() error) [2]error {
		var out [2]error
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, h := range []func() error{f, g} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				out[i] = h()
			}()
		}
		close(start)
		wg.Wait()
		return out
	}
	oneWins := func(what string, res [2]error) {
		t.Helper()
		ok := 0
		for _, err := range res {
			switch {
			case err == nil:
				ok++
			case errs.Code(err) != errs.Conflict:
				t.Errorf("%s: %v, want a conflict", what, err)
			}
		}
		if ok != 1 {
			t.Errorf("%s: %d of 2 went through (%v), want exactly 1", what, ok, res)
		}
	}
	live := func(ids ...int64) int {
		n := 0
		for _, id := range ids {
			if c, err := s.Contact(ctx, id); err == nil && c.MergedIntoID == 0 {
				n++
			}
		}
		return n
	}
	for round := range 8 {
		a, b := contact(fmt.Sprintf("cross-a%d", round)), contact(fmt.Sprintf("cross-b%d", round))
		oneWins("A into B beside B into A", both(
			func() error { _, err := s.MergeContacts(ctx, a, b, "user:1"); return err },
			func() error { _, err := s.MergeContacts(ctx, b, a, "user:2"); return err }))
		if n := live(a, b); n != 1 {
			t.Fatalf("round %d: %d of the two contacts left standing after crossed merges, want 1", round, n)
		}

		c, d := contact(fmt.Sprintf("same-c%d", round)), contact(fmt.Sprintf("same-d%d", round))
		merge := func() error { _, err := s.MergeContacts(ctx, c, d, "user:1"); return err }
		oneWins("the same merge twice", both(merge, merge))

		e, f := contact(fmt.Sprintf("undo-e%d", round)), contact(fmt.Sprintf("undo-f%d", round))
		m, err := s.MergeContacts(ctx, e, f, "user:1")
		if err != nil {
			t.Fatal(err)
		}
		undo := func() error { return s.UndoMerge(ctx, m.ID, "user:1") }
		oneWins("the same undo twice", both(undo, undo))
		if n := live(e, f); n != 2 {
			t.Fatalf("round %d: %d of the two contacts standing after an undo, want 2", round, n)
		}
	}
}
