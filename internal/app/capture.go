package app

import (
	"context"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
)

// captureFeature runs uploaded CSV imports as durable jobs, and keeps the capture
// tables small: spent proof-of-work challenges that expired, uploads that never
// finished and drafts nobody started.
func (a *App) captureFeature() feature {
	runner := &capture.ImportRunner{Store: a.Store, Region: a.Config.Region}
	return feature{jobs: runner.Handlers(), run: func(ctx context.Context) {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if n, err := a.Store.PruneSpentProofs(ctx); err != nil {
				a.Log.Warn("prune spent proofs of work", "err", err)
			} else if n > 0 {
				a.Log.Debug("pruned spent proofs of work", "count", n)
			}
			if _, err := a.Store.PruneImports(ctx); err != nil {
				a.Log.Warn("prune abandoned imports", "err", err)
			}
		}
	}}
}
