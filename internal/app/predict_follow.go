package app

import (
	"context"
	"time"
)

// Between trainings the newest predictive model scores the contacts whose features
// changed (store.ScorePredictiveChanges): a lead captured after a training has its
// score within about a second, and a contact's score follows its new events and
// enrichment, without capture waiting for it.
const (
	predictPoll  = 500 * time.Millisecond
	predictBatch = 2000
)

// predictFollow runs until ctx ends. Every node may run it: the store makes them
// take turns.
func (a *App) predictFollow(ctx context.Context) {
	log := a.Log.With("component", "predict")
	tick := time.NewTicker(predictPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for {
			read, _, err := a.Store.ScorePredictiveChanges(ctx, predictBatch)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("score changed contacts with the predictive model", "err", err)
				}
				break
			}
			if read < predictBatch {
				break
			}
		}
	}
}
