package app

import (
	"context"
	"time"
)

// reportFactsEvery is how often the background works out the report facts of the
// contacts changed since (migration 0015). Readers work out what is left themselves, so
// this only keeps their share small: after an upgrade that marks every customer, or a
// busy day of deals and stage moves, the first report does not pay for all of it.
const reportFactsEvery = 5 * time.Second

func (a *App) reportFeature() feature { return feature{run: a.reportFactsLoop} }

func (a *App) reportFactsLoop(ctx context.Context) {
	log := a.Log.With("component", "reports")
	for {
		if err := a.Store.RefreshReportFacts(ctx); err != nil && ctx.Err() == nil {
			log.Warn("work out report facts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(reportFactsEvery):
		}
	}
}
