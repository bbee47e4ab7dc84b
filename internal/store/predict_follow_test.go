package store_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/predict"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// followModel is a stored model that tells contacts apart by channel, page views
// and industry.
var followModel = &predict.Model{Intercept: -1, Weights: []predict.Weight{
	{Feature: "channel", Value: "direct", Weight: 0.5},
	{Feature: "events_page_view", Weight: 0.8, Mean: 1, Std: 1},
	{Feature: "industry", Value: "Software", Weight: 1.5},
}}

// modelScore is the score the model gives a contact's features as they are now.
func modelScore(t *testing.T, s *store.Store, m *predict.Model, id int64) float64 {
	t.Helper()
	data, err := s.PredictiveData(ctx, store.PredictiveQuery{AfterID: id - 1, ToID: id})
	if err != nil || len(data) != 1 {
		t.Fatalf("features of %d: %v, %v", id, data, err)
	}
	return m.Score(data[0].Features)
}

func predictiveOf(t *testing.T, s *store.Store, id int64) float64 {
	t.Helper()
	c := mustContact(t, s, id)
	if c.PredictiveScore == nil {
		return -1
	}
	return *c.PredictiveScore
}

// Between trainings the newest model scores new contacts and follows the changes of
// the others' features: events, enrichment of their company.
func TestPredictiveScoreFollowsChanges(t *testing.T) {
	s := storetest.Open(t)
	offset := time.Duration(0)
	s.Now = func() time.Time { return time.Now().Add(offset) }
	at := time.Now().Add(-time.Hour)
	old := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "old@acme.example", OccurredAt: at, Touch: true, Stage: lifecycle.Lead,
		CompanyDomain: "acme.example"})[0].ContactID

	// Before any training there is nothing to do.
	if read, n, err := s.ScorePredictiveChanges(ctx, 100); err != nil || read != 0 || n != 0 {
		t.Fatalf("before a model: %d read, %d scored, %v", read, n, err)
	}
	if _, err := s.SavePredictiveModel(ctx, followModel, "test"); err != nil {
		t.Fatal(err)
	}
	// The training's own pass scores what exists; the follower starts after it.
	if _, n, err := s.ScorePredictiveChanges(ctx, 100); err != nil || n != 0 {
		t.Fatalf("right after the model: %d scored, %v", n, err)
	}
	if p := predictiveOf(t, s, old); p != -1 {
		t.Fatalf("old contact scored %v without the training's pass", p)
	}

	// A lead captured after the training gets the model's score.
	fresh := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "new@acme.example", OccurredAt: at, Touch: true, Stage: lifecycle.Lead})[0].ContactID
	if _, n, err := s.ScorePredictiveChanges(ctx, 100); err != nil || n != 1 {
		t.Fatalf("after a capture: %d scored, %v", n, err)
	}
	if got, want := predictiveOf(t, s, fresh), modelScore(t, s, followModel, fresh); got != want || got <= 0 {
		t.Fatalf("new lead scored %v, the model gives %v", got, want)
	}

	// New events of a contact move its score.
	before := modelScore(t, s, followModel, old)
	mustIngest(t, s, pageView("old@acme.example", "/pricing", at.Add(time.Minute)), pageView("old@acme.example", "/docs", at.Add(2*time.Minute)))
	if _, n, err := s.ScorePredictiveChanges(ctx, 100); err != nil || n != 1 {
		t.Fatalf("after events: %d scored, %v", n, err)
	}
	afterEvents := predictiveOf(t, s, old)
	if want := modelScore(t, s, followModel, old); afterEvents != want || want == before {
		t.Fatalf("after page views: %v, the model gives %v (was %v)", afterEvents, want, before)
	}

	// Enrichment of the contact's company moves it too, once the enrichment is a
	// moment old.
	co := mustContact(t, s, old).Company
	if err := s.SaveCompanyData(ctx, co.ID, &store.CompanyData{Name: "Acme", Industry: "Software", Size: "51-200", Employees: 80}); err != nil {
		t.Fatal(err)
	}
	offset = 3 * time.Second
	if _, n, err := s.ScorePredictiveChanges(ctx, 100); err != nil || n == 0 {
		t.Fatalf("after enrichment: %d scored, %v", n, err)
	}
	if got, want := predictiveOf(t, s, old), modelScore(t, s, followModel, old); got != want || got == afterEvents {
		t.Fatalf("after the company's industry: %v, the model gives %v", got, want)
	}
	if read, n, err := s.ScorePredictiveChanges(ctx, 100); err != nil || read != 0 || n != 0 {
		t.Fatalf("nothing changed, yet %d read and %d scored: %v", read, n, err)
	}

	// A newer model takes over: the follower scores with it from then on.
	newer := &predict.Model{Intercept: 2}
	if _, err := s.SavePredictiveModel(ctx, newer, "test"); err != nil {
		t.Fatal(err)
	}
	mustIngest(t, s, pageView("new@acme.example", "/pricing", at.Add(3*time.Minute)))
	if _, _, err := s.ScorePredictiveChanges(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if got, want := predictiveOf(t, s, fresh), newer.Score(predict.Features{}); got != want {
		t.Fatalf("after a new model: %v, want %v", got, want)
	}
}

// Two nodes following the same changes take turns: every change is scored once,
// and every contact ends with the model's score.
func TestPredictiveFollowOnTwoNodes(t *testing.T) {
	opt := storetest.Options(t)
	// A still clock: the enrichment source, which reads a moment behind now, sees
	// none of the new leads, so each is scored once, through its event.
	still := time.Now()
	var nodes [2]*store.Store
	for i := range nodes {
		s, err := store.Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		s.Now = func() time.Time { return still }
		t.Cleanup(func() { s.Close() })
		nodes[i] = s
	}
	s := nodes[0]
	if _, err := s.SavePredictiveModel(ctx, followModel, "test"); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour)
	const leads = 60
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	scored := 0
	for _, n := range nodes {
		wg.Go(func() {
			for {
				_, k, err := n.ScorePredictiveChanges(ctx, 7)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				scored += k
				mu.Unlock()
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}
	var ids []int64
	for i := range leads {
		email := "lead" + strconv.Itoa(i) + "@acme.example"
		ids = append(ids, mustIngest(t, s, store.Capture{Type: "form_submit", Email: email, OccurredAt: at, Touch: true, Stage: lifecycle.Lead})[0].ContactID)
	}
	close(stop)
	wg.Wait()
	for _, n := range nodes {
		for {
			read, k, err := n.ScorePredictiveChanges(ctx, 100)
			if err != nil {
				t.Fatal(err)
			}
			scored += k
			if read == 0 {
				break
			}
		}
	}
	for _, id := range ids {
		if got, want := predictiveOf(t, s, id), modelScore(t, s, followModel, id); got != want {
			t.Fatalf("lead %d: %v, the model gives %v", id, got, want)
		}
	}
	// One event each: each lead was scored once, by one of the nodes.
	if scored != leads {
		t.Fatalf("%d scorings for %d new leads", scored, leads)
	}
}
