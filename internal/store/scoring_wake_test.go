package store_test

import (
	"testing"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Recording events signals EventsRecorded once the transaction commits, by whichever
// path the captures take; the event scorer's own stage moves do not, or each poll
// that moves a contact would start another.
func TestRecordedEventsSignalTheScorer(t *testing.T) {
	s, clk := scoringStore(t)
	signalled := func() bool {
		select {
		case <-s.EventsRecorded():
			return true
		default:
			return false
		}
	}
	signalled()
	ada := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@acme.example", OccurredAt: clk.t, Stage: lifecycle.Lead,
		Fields: store.ContactFields{JobTitle: "Head of Sales", Country: "DE"}})[0].ContactID
	if !signalled() {
		t.Fatal("a capture recorded one by one gave no signal")
	}
	_, rc, err := s.PutScoringRules(ctx, testRules, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 10)
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	signalled()
	if _, err := s.IngestGrouped(ctx, []store.Capture{pageView("ada@acme.example", "/pricing", clk.t), pageView("ada@acme.example", "/pricing", clk.t)}); err != nil {
		t.Fatal(err)
	}
	if !signalled() {
		t.Fatal("captures recorded in a group gave no signal")
	}
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, e, stage := scoresOf(t, s, ada); e != 40 || stage != lifecycle.MQL {
		t.Fatalf("engagement %d, stage %s", e, stage)
	}
	if signalled() {
		t.Fatal("the scorer's own stage move gave a signal")
	}
	if _, err := s.SetStage(ctx, ada, lifecycle.SQL, "call booked", "user:1"); err != nil {
		t.Fatal(err)
	}
	if !signalled() {
		t.Fatal("a move by hand gave no signal")
	}
}
