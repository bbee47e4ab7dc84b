package web

import (
	"context"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// withModelAUC puts the predictive model's holdout AUC beside the predictive score
// of each contact that has one, so a score is never read without how good the model
// behind it is. The model is read only when some contact has a score.
func (s *Server) withModelAUC(ctx context.Context, cs []contactJSON) error {
	var auc *float64
	read := false
	for i := range cs {
		if cs[i].Scores.Predictive == nil {
			continue
		}
		if !read {
			v, ok, err := s.store.PredictiveAUC(ctx)
			if err != nil {
				return err
			}
			if ok {
				auc = &v
			}
			read = true
		}
		cs[i].Scores.PredictiveAUC = auc
	}
	return nil
}

// contactJSON is toContactJSON with the model's AUC beside the predictive score.
func (s *Server) contactJSON(ctx context.Context, c *store.Contact) (contactJSON, error) {
	out := []contactJSON{toContactJSON(c)}
	err := s.withModelAUC(ctx, out)
	return out[0], err
}
