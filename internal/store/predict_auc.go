package store

import (
	"context"
	"database/sql"
	"errors"
)

// PredictiveAUC is the holdout AUC of the newest predictive model, the one whose
// scores the contacts carry; ok is false before the first training, or when that
// model's holdout held one kind of outcome only and gave no AUC.
func (s *Store) PredictiveAUC(ctx context.Context) (auc float64, ok bool, err error) {
	var v sql.NullFloat64
	err = s.queryRow(ctx, `SELECT auc FROM predictive_models ORDER BY id DESC LIMIT 1`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return v.Float64, v.Valid, err
}
