package store_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// decayWalk drives the decay refresh call by call, each call a second after the one
// before, and tells which contacts each call stamped.
type decayWalk struct {
	t   *testing.T
	s   *store.Store
	at  time.Time
	due int
}

// scoredRandomStore opens a store with random contacts scored under random rules, its
// clock standing at the time it returns.
func scoredRandomStore(t *testing.T) (*store.Store, time.Time) {
	t.Helper()
	s := storetest.Open(t)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	seedRandomScoring(t, s, 6, now)
	_, rc, err := s.PutScoringRules(ctx, randomRules(6), "test")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 100)
	return s, now
}

// newDecayWalk scores random contacts and moves the clock two hours on, so every
// contact with engagement is due for a refresh of an hour's age.
func newDecayWalk(t *testing.T) *decayWalk {
	s, now := scoredRandomStore(t)
	w := &decayWalk{t: t, s: s, at: now.Add(2 * time.Hour)}
	w.due = len(w.ids(`engagement_score > 0 AND merged_into_id IS NULL`))
	if w.due < 40 {
		t.Fatalf("%d contacts with engagement: too few", w.due)
	}
	return w
}

// ids lists the contacts that match a condition, by id.
func (w *decayWalk) ids(cond string, args ...any) []int64 {
	w.t.Helper()
	rows, err := store.RowsForTest(ctx, w.s, `SELECT id FROM contacts WHERE `+cond+` ORDER BY id`, args...)
	if err != nil {
		w.t.Fatal(err)
	}
	out := make([]int64, len(rows))
	for i, r := range rows {
		if out[i], err = strconv.ParseInt(r, 10, 64); err != nil {
			w.t.Fatal(err)
		}
	}
	return out
}

// call runs one refresh of up to limit contacts at the next second and returns what
// it reported and the contacts it stamped.
func (w *decayWalk) call(limit int) (int, []int64, error) {
	w.t.Helper()
	w.at = w.at.Add(time.Second)
	at := w.at
	w.s.Now = func() time.Time { return at }
	n, err := w.s.RefreshDecay(ctx, time.Hour, limit)
	return n, w.ids(`scored_at = ?`, at.UnixMicro()), err
}

// finish calls the refresh with limit until a call finds fewer, checks that each
// call stamped the contacts it counted, and returns the contacts stamped.
func (w *decayWalk) finish(limit int) []int64 {
	w.t.Helper()
	var all []int64
	for range 1000 {
		n, got, err := w.call(limit)
		if err != nil {
			w.t.Fatal(err)
		}
		if len(got) != n {
			w.t.Fatalf("a call counted %d contacts and stamped %d: a later call rescored some of them again", n, len(got))
		}
		all = append(all, got...)
		if n < limit {
			break
		}
	}
	if n, _, err := w.call(limit); err != nil || n != 0 {
		w.t.Errorf("after the walk: %d rescored again, %v", n, err)
	}
	slices.Sort(all)
	return all
}

// TestDecayRefreshAfterAFailedPass: a pass of the decay refresh whose transaction
// fails leaves its contacts to the next call (on PostgreSQL the walk by id stays
// where it was), a transaction retried after a deadlock reads the same contacts
// again, and in the end every due contact was rescored by exactly one call.
func TestDecayRefreshAfterAFailedPass(t *testing.T) {
	w := newDecayWalk(t)
	due := w.ids(`engagement_score > 0 AND merged_into_id IS NULL`)

	n, first, err := w.call(10)
	if err != nil || n != 10 || len(first) != 10 {
		t.Fatalf("first call: %d rescored, %d stamped, %v", n, len(first), err)
	}

	var failed []int64
	store.AfterDecayWriteForTest(w.s, func(ids []int64) error {
		failed = slices.Clone(ids)
		return errors.New("the disk is full")
	})
	if _, got, err := w.call(10); err == nil || len(got) != 0 || len(failed) != 10 {
		t.Fatalf("failed call: %v, %d stamped, %d read", err, len(got), len(failed))
	}
	if slices.ContainsFunc(failed, func(id int64) bool { return slices.Contains(first, id) }) {
		t.Fatalf("the second call read contacts the first had rescored: %v and %v", failed, first)
	}

	// The next call takes the failed call's contacts; on PostgreSQL its first
	// transaction is chosen as a deadlock victim and retried.
	var attempts [][]int64
	store.AfterDecayWriteForTest(w.s, func(ids []int64) error {
		attempts = append(attempts, slices.Clone(ids))
		if len(attempts) == 1 && w.s.Engine() == store.Postgres {
			return &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
		}
		return nil
	})
	n, got, err := w.call(10)
	if err != nil || n != 10 {
		t.Fatalf("call after the failure: %d, %v", n, err)
	}
	if !slices.Equal(got, failed) {
		t.Errorf("the call after the failed one rescored %v, the failed one had read %v", got, failed)
	}
	for i, ids := range attempts {
		if !slices.Equal(ids, failed) {
			t.Errorf("attempt %d read %v, want %v", i+1, ids, failed)
		}
	}
	if want := map[store.Engine]int{store.Postgres: 2, store.SQLite: 1}[w.s.Engine()]; len(attempts) != want {
		t.Errorf("%d attempts, want %d", len(attempts), want)
	}
	store.AfterDecayWriteForTest(w.s, nil)

	all := append(append(w.finish(7), first...), got...)
	slices.Sort(all)
	if !slices.Equal(all, due) {
		t.Errorf("the refresh rescored %d contacts (%d distinct), %d were due", len(all), len(slices.Compact(slices.Clone(all))), len(due))
	}
}

// TestDecayRefreshWrapsAroundPastMergedContacts: with the walk stopped in the middle
// (PostgreSQL) and every contact due again, below where it stopped too, the calls
// reach each live contact once, wrapping around within a call, and never rescore a
// contact merged into another, before or after where the walk stopped.
func TestDecayRefreshWrapsAroundPastMergedContacts(t *testing.T) {
	w := newDecayWalk(t)
	if n, _, err := w.call(w.due / 2); err != nil || n != w.due/2 {
		t.Fatalf("first call: %d, %v", n, err)
	}
	// Two hours on, the contacts just rescored are due again.
	w.at = w.at.Add(2 * time.Hour)
	live := w.ids(`engagement_score > 0 AND merged_into_id IS NULL`)
	mid := len(live) / 2
	losers := []int64{live[1], live[mid-1], live[mid+1], live[len(live)-2]}
	for _, loser := range losers {
		if _, err := w.s.MergeContacts(ctx, live[0], loser, "test"); err != nil {
			t.Fatal(err)
		}
	}
	want := slices.DeleteFunc(slices.Clone(live), func(id int64) bool { return slices.Contains(losers, id) })
	if got := w.finish(7); !slices.Equal(got, want) {
		t.Errorf("the walk rescored %v\nwant %v", got, want)
	}
}
