package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lodestone-hq/lodestone/internal/jobs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Scoring in the background: a loop that scores new events within a fraction of a
// second, follows enrichment, and refreshes decayed engagement; and the durable job
// that rescores every contact after a rule change.
const (
	decayEvery     = 5 * time.Minute
	decayAge       = time.Hour // a stored engagement older than this is refreshed
	recomputeBatch = 5000
	// recomputeSlice is how long one run of the job works before it hands over to a
	// fresh job, well inside the worker's lease.
	recomputeSlice = 2 * time.Minute
)

// scorePoll is how often the scoring loop looks for events that other nodes
// recorded, and for enriched contacts; the events this node records start it at
// once (see scoreLoop). Tests change it.
var scorePoll = 200 * time.Millisecond

// scoreGap is the least time between the starts of two passes that this node's own
// events started.
const scoreGap = 50 * time.Millisecond

func (a *App) scoringFeature() feature {
	return feature{
		jobs: map[string]jobs.Handler{store.JobRecompute: a.runRecompute},
		run:  a.scoreLoop,
	}
}

// scoreBatch is how many events one scoring transaction reads at most. A contact's
// score is worked out once a batch however many of its events the batch holds, so
// under a heavy stream of events about the same people a larger batch scores more
// events per second.
const scoreBatch = 5000

// scoreLoop scores the events recorded since it last looked: as soon as this node
// records events, and every scorePoll for those of other nodes. The watermark lives
// in the database, so any number of nodes may run it: they take turns.
func (a *App) scoreLoop(ctx context.Context) {
	log := a.Log.With("component", "scoring")
	tick := time.NewTicker(scorePoll)
	defer tick.Stop()
	nextDecay := time.Now().Add(decayEvery)
	var lastPass time.Time
	for {
		polled := false
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			polled = true
		case <-a.Store.EventsRecorded():
			// Under a stream of commits a pass gathers what came in meanwhile, rather
			// than running once per commit and taking the CPU the capture needs.
			if wait := scoreGap - time.Since(lastPass); wait > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(wait):
				}
			}
		}
		lastPass = time.Now()
		for {
			n, err := a.Store.ScoreNewEvents(ctx, scoreBatch)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("score new events", "err", err)
				}
				break
			}
			if n < scoreBatch {
				break
			}
		}
		if !polled {
			continue
		}
		if _, err := a.Store.ScoreEnriched(ctx, 500); err != nil && ctx.Err() == nil {
			log.Warn("score enriched contacts", "err", err)
		}
		if time.Now().After(nextDecay) {
			nextDecay = time.Now().Add(decayEvery)
			for range 100 {
				n, err := a.Store.RefreshDecay(ctx, decayAge, 1000)
				if err != nil {
					if ctx.Err() == nil {
						log.Warn("refresh decayed engagement", "err", err)
					}
					break
				}
				if n < 1000 {
					break
				}
			}
		}
	}
}

// runRecompute stages batches of contacts until the recompute is over or its slice
// of time is used up; then it queues its own continuation. Each batch commits with
// its progress, so a crash resumes at the last batch.
func (a *App) runRecompute(ctx context.Context, payload []byte) error {
	var p struct {
		RecomputeID int64 `json:"recompute_id"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.RecomputeID <= 0 {
		return jobs.Permanent(fmt.Errorf("recompute job without a recompute id: %s", payload))
	}
	done, err := a.Store.RecomputeRun(ctx, p.RecomputeID, recomputeBatch, time.Now().Add(recomputeSlice))
	if err != nil || done {
		return err
	}
	_, err = a.Store.EnqueueJob(ctx, store.JobRecompute, payload, time.Time{})
	return err
}
