package app

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/jobs"
	"github.com/lodestone-hq/lodestone/internal/predict"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// predictFeature retrains the predictive score: on demand through the job queue, and
// weekly by a loop that queues the job when the newest model is a week old; between
// trainings a second loop scores the contacts whose features change.
func (a *App) predictFeature() feature {
	return feature{
		jobs: map[string]jobs.Handler{store.PredictiveTrainJob: func(ctx context.Context, payload []byte) error {
			var p struct {
				Actor string `json:"actor"`
			}
			_ = json.Unmarshal(payload, &p)
			if p.Actor == "" {
				p.Actor = "system"
			}
			_, err := TrainPredictive(ctx, a.Store, p.Actor)
			var refusal *predict.RefusalError
			if errors.As(err, &refusal) {
				// Retrying cannot help until more outcomes are known; the page says why.
				a.Log.Info("predictive score not trained", "reason", err.Error())
				return nil
			}
			return err
		}},
		run: func(ctx context.Context) {
			var wg sync.WaitGroup
			wg.Go(func() { a.predictFollow(ctx) })
			a.weeklyRetrain(ctx)
			wg.Wait()
		},
	}
}

// retrainEvery is how old the newest model may grow before a retraining is queued.
const retrainEvery = 7 * 24 * time.Hour

// retrainCheck is how often the weekly loop looks at the newest model's age. Tests
// change it.
var retrainCheck = time.Hour

// weeklyRetrain queues a training when there is no model yet or the newest is
// retrainEvery old, and enough outcomes are known to train one. Every node runs it;
// the queue holds one pending training at most, so two nodes queue one.
func (a *App) weeklyRetrain(ctx context.Context) {
	t := time.NewTicker(retrainCheck)
	defer t.Stop()
	for {
		m, err := a.Store.LatestPredictiveModel(ctx)
		due := err != nil || a.Store.Now().Sub(m.TrainedAt) >= retrainEvery
		if due {
			if customers, lost, err := a.Store.PredictiveOutcomes(ctx); err == nil && predict.Enough(customers, lost) {
				if _, err := a.Store.QueuePredictiveTraining(ctx, "system"); err != nil {
					a.Log.Warn("queue predictive training", "err", err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// TrainPredictive trains a model on the contacts whose outcome is known, stores it,
// and scores every contact with it, a page at a time. Too few outcomes give a
// *predict.RefusalError.
func TrainPredictive(ctx context.Context, st *store.Store, actor string) (*store.PredictiveModel, error) {
	data, err := st.PredictiveData(ctx, store.PredictiveQuery{Labelled: true})
	if err != nil {
		return nil, err
	}
	examples := make([]predict.Example, len(data))
	for i, c := range data {
		examples[i] = predict.Example{Features: c.Features, Customer: c.Outcome == 1, OutcomeAt: c.OutcomeAt}
	}
	m, err := predict.Train(examples, predict.Options{})
	if err != nil {
		return nil, err
	}
	pm, err := st.SavePredictiveModel(ctx, m, actor)
	if err != nil {
		return nil, err
	}
	last, err := st.MaxContactID(ctx)
	if err != nil {
		return nil, err
	}
	const page = 5000
	for after := int64(0); after < last; after += page {
		part, err := st.PredictiveData(ctx, store.PredictiveQuery{AfterID: after, ToID: after + page})
		if err != nil {
			return nil, err
		}
		scores := make([]store.PredictiveScore, len(part))
		for i, c := range part {
			scores[i] = store.PredictiveScore{ContactID: c.ID, Score: m.Score(c.Features)}
		}
		if err := st.SavePredictiveScores(ctx, scores); err != nil {
			return nil, err
		}
	}
	return pm, nil
}
