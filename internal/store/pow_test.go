package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestProofSpentOnce: a proof of work's challenge is spent in the capture's own
// transaction; spent again, it refuses the capture and writes nothing; once expired,
// its row is pruned.
func TestProofSpentOnce(t *testing.T) {
	s := storetest.Open(t)
	now := clock(s)
	capture := func(email string) store.Capture {
		return store.Capture{Type: "form_submit", OccurredAt: *now, Email: email, Touch: true, Actor: "form:test"}
	}
	if _, err := s.IngestProved(ctx, "salt-1", now.Add(30*time.Minute), []store.Capture{capture("ada@example.com")}); err != nil {
		t.Fatal(err)
	}
	_, err := s.IngestProved(ctx, "salt-1", now.Add(30*time.Minute), []store.Capture{capture("bo@example.com")})
	if !errors.Is(err, store.ProofSpent) {
		t.Fatalf("replay: %v", err)
	}
	if n, _ := s.CountContacts(ctx); n != 1 {
		t.Fatalf("%d contacts, want 1", n)
	}
	if _, err := s.IngestProved(ctx, "salt-2", now.Add(time.Hour), []store.Capture{capture("cy@example.com")}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(45 * time.Minute)
	if n, err := s.PruneSpentProofs(ctx); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	if spent, _ := s.ProofWasSpent(ctx, "salt-2"); !spent {
		t.Fatal("a live spent challenge was pruned")
	}
}
