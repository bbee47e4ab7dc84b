package store_test

import (
	"encoding/json"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// A number in an event's properties reads back as it was written: all the digits
// of an order number past 2^53, and a round number as its own text, so that a rule
// "amount equals 1000000" counts an event whose amount is 1000000 (read as a float,
// it was the text "1e+06" and did not).
func TestEventNumbersReadBackAsWritten(t *testing.T) {
	s, clk := scoringStore(t)
	purchase := func() store.Capture {
		return store.Capture{Type: "purchase", Email: "ana@shop.example", OccurredAt: clk.t,
			Properties: map[string]any{"amount": json.Number("1000000"), "order": json.Number("9007199254740993"),
				"lines": []any{map[string]any{"sku": json.Number("12345678901234567890")}}}}
	}
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ana@shop.example", OccurredAt: clk.t, Stage: lifecycle.Lead}, purchase())
	id := r[0].ContactID

	evs, err := s.Timeline(ctx, id, store.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	for _, e := range evs {
		if e.Type == "purchase" {
			got = e.Properties
		}
	}
	if got["order"] != json.Number("9007199254740993") || got["amount"] != json.Number("1000000") {
		t.Fatalf("properties read back as %#v", got)
	}
	if b, _ := json.Marshal(got); string(b) != `{"amount":1000000,"lines":[{"sku":12345678901234567890}],"order":9007199254740993}` {
		t.Fatalf("properties written out as %s", b)
	}

	rules := scoring.Rules{Engagement: []scoring.EngagementRule{
		{EventType: "purchase", Property: "amount", Op: scoring.OpEquals, Value: "1000000", Points: 30},
		{EventType: "purchase", Property: "order", Op: scoring.OpEquals, Value: "9007199254740993", Points: 5},
	}}
	_, rc, err := s.PutScoringRules(ctx, rules, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	// The recompute reads the events through its packed reader.
	finishRecompute(t, s, rc, 10)
	if _, e, _ := scoresOf(t, s, id); e != 35 {
		t.Fatalf("engagement after the recompute %d, want 35", e)
	}
	// The event scorer reads new events on its own path.
	mustIngest(t, s, purchase())
	if n, err := s.ScoreNewEvents(ctx, 100); err != nil || n == 0 {
		t.Fatal(n, err)
	}
	if _, e, _ := scoresOf(t, s, id); e != 70 {
		t.Fatalf("engagement after a second purchase %d, want 70", e)
	}
}
