package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestReportFactsWorkedOutInTheBackground: a customer's touches, stage moves and deal
// mark it for the sources report's facts; the running server works them out on its own,
// without waiting for someone to read a report, and the report then agrees.
func TestReportFactsWorkedOutInTheBackground(t *testing.T) {
	a := openApp(t)
	ctx := context.Background()
	s := a.Store
	at := time.Now().UTC().Add(-48 * time.Hour)
	out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "ada@acme.example", Stage: lifecycle.Lead, OccurredAt: at, Touch: true,
		Properties: map[string]any{"page_url": "https://acme.example/?utm_source=google&utm_medium=cpc"}}})
	if err != nil {
		t.Fatal(err)
	}
	id := out[0].ContactID
	if _, err := s.SetStage(ctx, id, lifecycle.Customer, "signed", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: id, Name: "First order", Amount: 120000, Status: "won", ClosedAt: at.Add(24 * time.Hour)}, "test"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ReportFactsPending(ctx); err != nil || n == 0 {
		t.Fatalf("marks before the server runs: %d, %v; want some", n, err)
	}
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, func() bool {
		n, err := s.ReportFactsPending(ctx)
		return err == nil && n == 0
	})
}
