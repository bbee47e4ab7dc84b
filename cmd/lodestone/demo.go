package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/demo"
)

// loadDemo fills a fresh workspace with sample data; a workspace that has contacts
// already is left alone, so --demo is safe to keep on the command line.
func loadDemo(ctx context.Context, a *app.App, stdout io.Writer) error {
	start := time.Now()
	fmt.Fprintln(stdout, "Filling the workspace with six months of sample data…")
	sum, err := demo.Load(ctx, a.Store, demo.Options{})
	if errors.Is(err, demo.ErrNotEmpty) {
		fmt.Fprintln(stdout, "The workspace has contacts already; no sample data added.")
		return nil
	}
	if err != nil {
		return fmt.Errorf("sample data: %w", err)
	}
	fmt.Fprintf(stdout, "Sample data ready in %s: %d campaigns, %d cost entries, %d contacts, %d events, %d deals.\n",
		time.Since(start).Round(100*time.Millisecond), sum.Campaigns, sum.CostEntries, sum.Contacts, sum.Events, sum.Deals)
	return nil
}
