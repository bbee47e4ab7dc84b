package app_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// After a training, the running server gives a lead captured later the model's
// score, and follows an older lead's new events, within seconds.
func TestPredictiveScoreFollowsNewLeadsAndEvents(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	s := a.Store
	at := time.Now().Add(-30 * 24 * time.Hour)
	capture := seedOutcomes(t, s, at)
	older := capture("older@acme.example", "form_submit", "paid_search", at)
	pm, err := app.TrainPredictive(ctx, s, "test")
	if err != nil {
		t.Fatal(err)
	}
	scoreIs := func(id int64) func() bool {
		return func() bool {
			c, err := s.Contact(ctx, id)
			if err != nil || c.PredictiveScore == nil {
				return false
			}
			data, err := s.PredictiveData(ctx, store.PredictiveQuery{AfterID: id - 1, ToID: id})
			return err == nil && len(data) == 1 && *c.PredictiveScore == pm.Model.Score(data[0].Features)
		}
	}
	if !scoreIs(older)() {
		t.Fatal("the training did not score the contacts it found")
	}
	start := time.Now()
	fresh := capture("fresh@acme.example", "form_submit", "paid_search", time.Now())
	waitUntil(t, 10*time.Second, scoreIs(fresh))
	t.Logf("a new lead scored %v after its capture", time.Since(start))

	was := *mustContactScore(t, s, older)
	capture("older@acme.example", "demo_request", "", time.Now())
	waitUntil(t, 10*time.Second, func() bool { return scoreIs(older)() && *mustContactScore(t, s, older) != was })
	if now := *mustContactScore(t, s, older); now <= was {
		t.Fatalf("a demo request moved the score from %v to %v", was, now)
	}
}

func mustContactScore(t *testing.T, s *store.Store, id int64) *float64 {
	t.Helper()
	c, err := s.Contact(context.Background(), id)
	if err != nil || c.PredictiveScore == nil {
		t.Fatalf("contact %d: %v, %v", id, c, err)
	}
	return c.PredictiveScore
}

// seedOutcomes gives s twenty customers, most of whom asked for a demo, and twenty
// disqualified leads, most of whom only read: enough known outcomes to train on. It
// returns the capture it used, for more leads.
func seedOutcomes(t *testing.T, s *store.Store, at time.Time) func(email, typ, channel string, when time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	capture := func(email, typ, channel string, when time.Time) int64 {
		t.Helper()
		out, err := s.Ingest(ctx, []store.Capture{{Type: typ, Email: email, OccurredAt: when, Touch: true, Channel: channel, Stage: lifecycle.Lead}})
		if err != nil {
			t.Fatal(err)
		}
		return out[0].ContactID
	}
	for i := range 40 {
		email := fmt.Sprintf("known%d@acme.example", i)
		won := i%2 == 0
		typ := "page_view"
		if won == (i%10 != 1) {
			typ = "demo_request"
		}
		id := capture(email, "form_submit", "paid_search", at.Add(time.Duration(i)*time.Hour))
		capture(email, typ, "", at.Add(time.Duration(i)*time.Hour+time.Minute))
		if won {
			if _, err := s.CreateDeal(ctx, store.Deal{ContactID: id, Amount: 1000, Status: "won", ClosedAt: time.Now()}, "user:1"); err != nil {
				t.Fatal(err)
			}
		} else if _, err := s.SetStage(ctx, id, lifecycle.Disqualified, "no budget", "user:1"); err != nil {
			t.Fatal(err)
		}
	}
	return capture
}

// The running server trains the predictive score by itself: at once when outcomes are
// known and there is no model, then again once the newest model is a week old, and
// not before.
func TestPredictiveScoreRetrainsWeekly(t *testing.T) {
	app.SetRetrainCheck(t, 20*time.Millisecond)
	a := openApp(t)
	ctx := context.Background()
	s := a.Store
	seedOutcomes(t, s, time.Now().Add(-30*24*time.Hour))
	var ahead atomic.Int64 // how far the server's clock runs ahead of the real one
	s.Now = func() time.Time { return time.Now().UTC().Add(time.Duration(ahead.Load())) }
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	latest := func() *store.PredictiveModel {
		m, err := s.LatestPredictiveModel(ctx)
		if err != nil {
			return nil
		}
		return m
	}
	waitUntil(t, 20*time.Second, func() bool { return latest() != nil })
	first := latest()
	time.Sleep(500 * time.Millisecond) // many checks of a model younger than a week
	if m := latest(); m.ID != first.ID {
		t.Fatalf("model %d was retrained as %d before it was a week old", first.ID, m.ID)
	}
	ahead.Store(int64(6 * 24 * time.Hour))
	time.Sleep(500 * time.Millisecond)
	if m := latest(); m.ID != first.ID {
		t.Fatalf("a six-day-old model %d was retrained as %d", first.ID, m.ID)
	}
	ahead.Store(int64(8 * 24 * time.Hour))
	waitUntil(t, 20*time.Second, func() bool { return latest().ID != first.ID })
	if m := latest(); !m.TrainedAt.After(first.TrainedAt.Add(7 * 24 * time.Hour)) {
		t.Fatalf("the retrained model is dated %v, the first %v", m.TrainedAt, first.TrainedAt)
	}
}
