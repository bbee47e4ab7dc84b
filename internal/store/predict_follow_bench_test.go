package store_test

import (
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/predict"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// BenchmarkScorePredictiveChanges is the predictive follower's live path, beside
// BenchmarkScoreNewEvents on the same seeding: a batch of 100 new events of 100
// contacts, whose features are read and scored with the newest model and written.
func BenchmarkScorePredictiveChanges(b *testing.B) {
	s := storetest.Open(b)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := s.SeedScoringBench(ctx, 5000, 10, now); err != nil {
		b.Fatal(err)
	}
	m := &predict.Model{Intercept: -1, Weights: []predict.Weight{
		{Feature: "channel", Value: "direct", Weight: 0.5},
		{Feature: "events_page_view", Weight: 0.8, Mean: 5, Std: 3},
		{Feature: "events_email_click", Weight: 0.4, Mean: 1, Std: 1},
		{Feature: "engagement_score", Weight: 0.3, Mean: 40, Std: 20},
	}}
	if _, err := s.SavePredictiveModel(ctx, m, "bench"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		caps := make([]store.Capture, 100)
		for j := range caps {
			caps[j] = store.Capture{Type: "page_view", ContactID: int64((i*100+j)%5000 + 1), OccurredAt: now,
				Properties: map[string]any{"page_url": "https://site.example/pricing"}}
		}
		if _, err := s.Ingest(ctx, caps); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, n, err := s.ScorePredictiveChanges(ctx, 1000); err != nil || n != 100 {
			b.Fatalf("%d scored, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "contacts/s")
}
