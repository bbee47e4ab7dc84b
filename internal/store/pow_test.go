package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestProofSpentOnce: a proof of work's challenge (an ALTCHA challenge hash) is spent
// in the capture's own transaction; spent again, it refuses the capture with an error
// naming the altcha field and writes nothing; once expired, its row is pruned.
func TestProofSpentOnce(t *testing.T) {
	s := storetest.Open(t)
	challenge1, challenge2 := strings.Repeat("a1", 32), strings.Repeat("b2", 32)
	now := clock(s)
	capture := func(email string) store.Capture {
		return store.Capture{Type: "form_submit", OccurredAt: *now, Email: email, Touch: true, Actor: "form:test"}
	}
	if _, err := s.IngestProved(ctx, challenge1, now.Add(30*time.Minute), []store.Capture{capture("ada@example.com")}); err != nil {
		t.Fatal(err)
	}
	_, err := s.IngestProved(ctx, challenge1, now.Add(30*time.Minute), []store.Capture{capture("bo@example.com")})
	var e *errs.Error
	if !errors.Is(err, store.ProofSpent) || !errors.As(err, &e) || e.Field != "altcha" {
		t.Fatalf("replay: %v", err)
	}
	if n, _ := s.CountContacts(ctx); n != 1 {
		t.Fatalf("%d contacts, want 1", n)
	}
	if _, err := s.IngestProved(ctx, challenge2, now.Add(time.Hour), []store.Capture{capture("cy@example.com")}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(45 * time.Minute)
	if n, err := s.PruneSpentProofs(ctx); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	if spent, _ := s.ProofWasSpent(ctx, challenge2); !spent {
		t.Fatal("a live spent challenge was pruned")
	}
}
