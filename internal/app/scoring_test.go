package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// The running server puts new rules in force through its job worker, and then
// scores an ingested event, and moves the stage, within a second.
func TestScoresFollowEventsWithinASecond(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	s := a.Store
	out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "ada@acme.example", Stage: lifecycle.Lead,
		Fields: store.ContactFields{JobTitle: "Head of Sales"}}})
	if err != nil {
		t.Fatal(err)
	}
	id := out[0].ContactID
	rules := scoring.Rules{
		Fit:        []scoring.FitRule{{Filter: `job_title contains "head"`, Points: 50}},
		Engagement: []scoring.EngagementRule{{EventType: "page_view", Property: "page_url", Value: "/pricing", Points: 30}},
	}
	if _, _, err := s.PutScoringRules(ctx, rules, "test"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		rc, _ := s.LatestRecompute(ctx)
		return rc != nil && rc.State == store.RecomputeDone
	})
	if c, _ := s.Contact(ctx, id); c.FitScore != 50 || c.EngagementScore != 0 {
		t.Fatalf("after the recompute: fit %d engagement %d", c.FitScore, c.EngagementScore)
	}
	start := time.Now()
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "page_view", Email: "ada@acme.example", Properties: map[string]any{"page_url": "https://acme.example/pricing"}}}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, time.Second, func() bool {
		c, _ := s.Contact(ctx, id)
		return c.EngagementScore == 30 && c.Stage == lifecycle.MQL
	})
	t.Logf("scored and moved to MQL %v after the event", time.Since(start))
}

// An event this node records starts the scorer at once, without waiting for its
// poll: with the poll an hour away, the event is still scored and moves the stage.
func TestRecordedEventsStartTheScorer(t *testing.T) {
	app.SetScorePoll(t, time.Hour)
	a := openApp(t)
	ctx := context.Background()
	s := a.Store
	rules := scoring.Rules{Engagement: []scoring.EngagementRule{{EventType: "form_submit", Points: 30}}}
	if _, _, err := s.PutScoringRules(ctx, rules, "test"); err != nil {
		t.Fatal(err)
	}
	settings, err := s.ScoringSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	settings.MQLFit = 0
	if _, err := s.PutScoringSettings(ctx, settings, "test"); err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		rc, _ := s.LatestRecompute(ctx)
		return rc != nil && rc.State == store.RecomputeDone
	})
	out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "ada@acme.example", Stage: lifecycle.Lead}})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, func() bool {
		c, _ := s.Contact(ctx, out[0].ContactID)
		return c.EngagementScore == 30 && c.Stage == lifecycle.MQL
	})
}

// openApp opens the application on a fresh database of the engine under test, and
// closes it when the test ends; the test calls Run when it wants the background.
func openApp(t *testing.T) *app.App {
	t.Helper()
	a := &app.App{Config: config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DatabaseURL: storetest.Options(t).DatabaseURL, Region: "US"}}
	if err := a.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return a
}

func waitUntil(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v", limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
