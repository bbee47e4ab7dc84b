package store_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestRollupsUnderConcurrentStageChanges moves contacts between stages, back and forth,
// and creates contacts, from several goroutines at once, each on contacts of its own, so
// the only rows they share are the roll-ups' (stage_now, stage_days, lead_days,
// report_cohorts), each transaction changing several of them in an order of its own.
// No write may fail (on PostgreSQL a deadlock between two of them would fail one), and
// afterwards every roll-up must equal the counts over contacts and their stages.
func TestRollupsUnderConcurrentStageChanges(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	const workers, perWorker, rounds = 6, 6, 40
	channels := []string{"email", "social", "referral"}
	stages := []string{"lead", "mql", "sql", "opportunity", "customer", "lead", "mql"}
	owned := make([][]int64, workers)
	for w := range workers {
		for i := range perWorker {
			out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: fmt.Sprintf("w%dc%d@example.com", w, i),
				OccurredAt: now.Add(time.Duration(i%3) * 24 * time.Hour), Channel: channels[i%3], Touch: true}})
			if err != nil {
				t.Fatal(err)
			}
			owned[w] = append(owned[w], out[0].ContactID)
		}
	}
	errc := make(chan error, workers)
	for w := range workers {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(w), 17))
			for i := range rounds {
				var err error
				if i%8 == 7 {
					// Two new contacts of different days and channels, in a random order.
					a, b := 0, 1
					if rng.IntN(2) == 0 {
						a, b = 1, 0
					}
					_, err = s.Ingest(ctx, []store.Capture{
						{Type: "form_submit", Email: fmt.Sprintf("w%dn%da@example.com", w, i), OccurredAt: now.Add(time.Duration(a) * 24 * time.Hour), Channel: channels[a], Touch: true},
						{Type: "form_submit", Email: fmt.Sprintf("w%dn%db@example.com", w, i), OccurredAt: now.Add(time.Duration(b) * 24 * time.Hour), Channel: channels[b], Touch: true},
					})
				} else {
					id := owned[w][rng.IntN(len(owned[w]))]
					_, err = s.SetStage(ctx, id, stages[rng.IntN(len(stages))], "test", "test")
				}
				if err != nil {
					errc <- fmt.Errorf("worker %d, change %d: %w", w, i, err)
					return
				}
			}
			errc <- nil
		}()
	}
	var failed []error
	for range workers {
		if err := <-errc; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) > 0 {
		t.Fatalf("%d of %d writers failed, the first: %v", len(failed), workers, failed[0])
	}
	// One transaction of many new contacts: its changes are applied once, at commit.
	var batch []store.Capture
	for i := range 200 {
		batch = append(batch, store.Capture{Type: "form_submit", Email: fmt.Sprintf("batch%d@example.com", i),
			OccurredAt: now.Add(time.Duration(i%5) * 24 * time.Hour), Channel: channels[i%3], Touch: true})
	}
	if _, err := s.Ingest(ctx, batch); err != nil {
		t.Fatal(err)
	}
	kept, direct, err := s.DashboardRollupsCheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(kept, direct) {
		t.Fatalf("dashboard roll-ups %v, contacts say %v", kept, direct)
	}
	kept, direct, err = s.ReportCohortsCheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(kept, direct) {
		t.Fatalf("report_cohorts %v, contacts say %v", kept, direct)
	}
	if s.Engine() == store.Postgres {
		// Every committed change was applied and taken off rollup_deltas.
		left, err := store.RowsForTest(ctx, s, `SELECT COUNT(*) FROM rollup_deltas`)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != 1 || left[0] != "0" {
			t.Fatalf("rollup_deltas holds %v rows after the commits, want 0", left)
		}
	}
}
