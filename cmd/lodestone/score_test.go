package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func TestScoreTrain(t *testing.T) {
	opt := storetest.Options(t)
	args := []string{"--data", filepath.Dir(opt.Path)}
	if opt.DatabaseURL != "" {
		args = []string{"--database-url", opt.DatabaseURL, "--data", t.TempDir()}
	}
	out, err := runCmd(t, "", append([]string{"score", "train"}, args...)...)
	if err == nil || !strings.Contains(out, "needs at least 40 contacts with a known outcome") {
		t.Fatalf("empty workspace: %v\n%s", err, out)
	}

	// 30 customers, most of them directors who booked a meeting, and 30 lost deals.
	ctx := context.Background()
	s, err := store.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	for i := range 60 {
		won := i%2 == 0
		title := "Software Engineer"
		if won && i%10 != 0 || !won && i%10 == 1 {
			title = "Director of Sales"
		}
		email := fmt.Sprintf("p%d@firm%d.com", i, i)
		r, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: email, OccurredAt: at, Touch: true, Stage: "lead", Fields: store.ContactFields{JobTitle: title}}})
		if err != nil {
			t.Fatal(err)
		}
		status := "lost"
		if won {
			status = "won"
		}
		if _, err := s.CreateDeal(ctx, store.Deal{ContactID: r[0].ContactID, Amount: 500, Status: status, ClosedAt: at.Add(time.Duration(i) * time.Hour)}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	out, err = runCmd(t, "", append([]string{"score", "train", "--features", "3"}, args...)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "Enriched 60 contacts") || !strings.Contains(out, "60 known outcomes (30 customers, 30 disqualified or lost); trained on 48, holdout of the latest 12.") ||
		!regexp.MustCompile(`Holdout AUC: 0\.[89]\d\d|Holdout AUC: 1\.000`).MatchString(out) || !strings.Contains(out, "seniority = director") {
		t.Fatalf("output:\n%s", out)
	}
}
