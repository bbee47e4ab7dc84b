package store_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestConcurrentStageChangesKeepOneHistory moves a sales-qualified lead in several
// ways at once, as a rep and a marketer in two browsers do: to customer, rejected by
// sales, disqualified, to opportunity. Each change read the stage before its write
// without a lock, so on PostgreSQL all of them went through: sales "rejected" a
// contact already a customer and moved it back to lead, and the history said
// sql → customer beside sql → lead. Now they take turns: every stage_changed event
// starts where the one before it ended, the contact is where the last one ended, and a
// rejection is refused once the contact is no longer an SQL.
func TestConcurrentStageChangesKeepOneHistory(t *testing.T) {
	s := storetest.Open(t)
	for round := range 10 {
		id := mustIngest(t, s, store.Capture{Type: "demo_request", Email: fmt.Sprintf("race%d@example.com", round), Touch: true,
			Stage: lifecycle.SQL})[0].ContactID
		if c := mustContact(t, s, id); c.Stage != lifecycle.SQL {
			t.Fatalf("a demo request made a %s", c.Stage)
		}
		changes := []func() error{
			func() error { _, err := s.SetStage(ctx, id, lifecycle.Customer, "signed", "user:1"); return err },
			func() error { _, err := s.RejectSQL(ctx, id, "No budget", "user:2"); return err },
			func() error { _, err := s.Disqualify(ctx, id, "No budget", "user:3"); return err },
			func() error {
				_, err := s.SetStage(ctx, id, lifecycle.Opportunity, "call went well", "user:4")
				return err
			},
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, change := range changes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := change(); err != nil && !errs.Is(err, errs.Conflict) {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		tl, err := s.Timeline(ctx, id, store.TimelineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(tl) // oldest first
		at := ""
		for _, e := range tl {
			if e.Type != "stage_changed" {
				continue
			}
			from, to := e.Properties["from"].(string), e.Properties["to"].(string)
			if at != "" && from != at {
				t.Fatalf("round %d: a change from %s follows one to %s: %+v", round, from, at, tl)
			}
			at = to
		}
		if c := mustContact(t, s, id); at != "" && c.Stage != at {
			t.Fatalf("round %d: the contact is at %s, its history ends at %s", round, c.Stage, at)
		}
	}
}
