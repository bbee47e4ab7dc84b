package store_test

import (
	"math"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/predict"
	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func TestPredictiveDataOutcomesAndModel(t *testing.T) {
	s := storetest.Open(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	id := func(email string) int64 {
		r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: email, OccurredAt: at, Touch: true, Stage: lifecycle.Lead})
		mustIngest(t, s, store.Capture{Type: "page_view", Email: email, OccurredAt: at.Add(time.Hour)})
		return r[0].ContactID
	}
	won, disq, lost, open := id("won@acme.com"), id("disq@acme.com"), id("lost@acme.com"), id("open@acme.com")
	s.Now = func() time.Time { return at.Add(48 * time.Hour) }
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: won, Amount: 1000, Status: "won", ClosedAt: at.Add(48 * time.Hour)}, "user:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStage(ctx, disq, "disqualified", "no budget", "user:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: lost, Amount: 1000, Status: "lost", ClosedAt: at.Add(30 * time.Hour)}, "user:1"); err != nil {
		t.Fatal(err)
	}
	// A page view after the outcome is not counted for the lost contact.
	mustIngest(t, s, store.Capture{Type: "page_view", Email: "lost@acme.com", OccurredAt: at.Add(40 * time.Hour)})

	customers, losts, err := s.PredictiveOutcomes(ctx)
	if err != nil || customers != 1 || losts != 2 {
		t.Fatalf("outcomes = %d customers, %d lost, %v", customers, losts, err)
	}
	data, err := s.PredictiveData(ctx, store.PredictiveQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]store.PredictContact{}
	for _, d := range data {
		got[d.ID] = d
	}
	if len(got) != 4 {
		t.Fatalf("%d contacts", len(got))
	}
	check := func(name string, id int64, outcome int, outcomeAt time.Time, views float64) {
		t.Helper()
		d := got[id]
		if d.Outcome != outcome || !d.OutcomeAt.Equal(outcomeAt) || d.Features.Numeric["events_page_view"] != views ||
			d.Features.Numeric["events_form_submit"] != 1 || d.Features.Categorical["channel"] != "direct" {
			t.Errorf("%s = %+v", name, d)
		}
	}
	check("won", won, 1, at.Add(48*time.Hour), 1)
	check("disqualified", disq, 0, at.Add(48*time.Hour), 1)
	check("lost", lost, 0, at.Add(30*time.Hour), 1)
	check("open", open, -1, time.Time{}, 1)

	// A stored model comes back, and its scores land on the contacts.
	if _, err := s.LatestPredictiveModel(ctx); err == nil {
		t.Fatal("a model before any training")
	}
	auc := 0.75
	m := &predict.Model{Intercept: 0.5, Weights: []predict.Weight{{Feature: "channel", Value: "direct", Weight: 1}}, AUC: &auc, Trained: 3, Holdout: 1}
	pm, err := s.SavePredictiveModel(ctx, m, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SavePredictiveScores(ctx, []store.PredictiveScore{{ContactID: won, Score: 0.9}, {ContactID: open, Score: 0.25}}); err != nil {
		t.Fatal(err)
	}
	// Pages: the labelled contacts only, and a page of all after an id.
	if l, _ := s.PredictiveData(ctx, store.PredictiveQuery{Labelled: true}); len(l) != 3 {
		t.Errorf("%d labelled contacts, want 3", len(l))
	}
	if p, _ := s.PredictiveData(ctx, store.PredictiveQuery{AfterID: won, ToID: lost}); len(p) != 2 || p[0].ID != disq || p[1].ID != lost ||
		p[1].Features.Numeric["events_page_view"] != 1 {
		t.Errorf("page after %d = %+v", won, p)
	}
	back, err := s.LatestPredictiveModel(ctx)
	if err != nil || back.ID != pm.ID || *back.Model.AUC != 0.75 || back.Model.Weights[0].Weight != 1 {
		t.Fatalf("latest = %+v, %v", back, err)
	}
	if c := mustContact(t, s, open); c.PredictiveScore == nil || *c.PredictiveScore != 0.25 {
		t.Fatalf("open's score = %v", c.PredictiveScore)
	}
	if c := mustContact(t, s, disq); c.PredictiveScore != nil {
		t.Fatalf("unscored contact has %v", *c.PredictiveScore)
	}

	// One retraining job at a time.
	j1, err := s.QueuePredictiveTraining(ctx, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	j2, _ := s.QueuePredictiveTraining(ctx, "user:1")
	if j1 == 0 || j1 != j2 {
		t.Fatalf("jobs %d and %d", j1, j2)
	}
}

// A customer's engagement after it bought is not what the model learns from: it is
// trained with the engagement the contact had just before its outcome.
func TestPredictiveEngagementIsAsOfTheOutcome(t *testing.T) {
	s, clk := scoringStore(t)
	start := clk.t
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@acme.example", OccurredAt: start, Stage: lifecycle.Lead},
		pageView("ada@acme.example", "/pricing", start))
	ada := r[0].ContactID
	_, rc, err := s.PutScoringRules(ctx, testRules, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 100)
	// Ada wins two days later, then reads the pricing page four more times.
	won := start.Add(2 * day)
	clk.t = won
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: ada, Amount: 1000, Status: "won", ClosedAt: won}, "user:1"); err != nil {
		t.Fatal(err)
	}
	clk.t = won.Add(time.Hour)
	for i := range 4 {
		mustIngest(t, s, pageView("ada@acme.example", "/pricing", won.Add(time.Duration(i+1)*time.Minute)))
	}
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, e, _ := scoresOf(t, s, ada); e < 90 {
		t.Fatalf("engagement after the win = %d, want the jump", e)
	}
	// Before the win: one pricing view, two days old.
	raw, _ := scoring.Engagement(testRules.Engagement, []scoring.Event{{Type: "page_view", At: start,
		Properties: map[string]any{"page_url": "https://site.example/pricing"}}}, won, scoring.DefaultSettings().HalfLife())
	want := float64(scoring.Clamp(int(math.Round(raw))))
	data, err := s.PredictiveData(ctx, store.PredictiveQuery{Labelled: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 1 || data[0].ID != ada || data[0].Outcome != 1 {
		t.Fatalf("training data %+v", data)
	}
	if got := data[0].Features.Numeric["engagement_score"]; got != want {
		t.Fatalf("trained with engagement %v, want %v from before the win", got, want)
	}
}
