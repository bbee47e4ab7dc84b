package store

import (
	"context"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// ProofSpent is the error of a proof of work whose challenge was accepted before.
// Its field is the form field of the ALTCHA widget's payload.
var ProofSpent = errs.E(errs.Conflict, "altcha", "this proof of work was used already")

// IngestProved records a form submission like IngestGrouped, and spends its proof of
// work in the same transaction: the challenge (the ALTCHA challenge hash) is written to pow_spent, and a challenge
// spent before refuses the submission with ProofSpent and writes nothing. Every node
// sharing the database sees the spent challenge.
func (s *Store) IngestProved(ctx context.Context, challenge string, expires time.Time, caps []Capture) ([]Captured, error) {
	r := &groupReq{ctx: ctx, caps: s.profileCaptures(caps), done: make(chan struct{}), before: func(ctx context.Context, tx *Tx) error {
		return spendProof(ctx, tx, challenge, expires)
	}}
	select {
	case s.ingest.reqs <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	<-r.done
	return r.out, r.err
}

func spendProof(ctx context.Context, tx *Tx, challenge string, expires time.Time) error {
	res, err := tx.exec(ctx, `INSERT INTO pow_spent (challenge, expires_at) VALUES (?, ?) ON CONFLICT (challenge) DO NOTHING`, challenge, ts(expires))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ProofSpent
	}
	return nil
}

// ProofWasSpent tells whether a challenge was accepted before (for a quick refusal
// before any work; IngestProved is what decides).
func (s *Store) ProofWasSpent(ctx context.Context, challenge string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM pow_spent WHERE challenge = ?`, challenge).Scan(&n)
	return n > 0, err
}

// PruneSpentProofs forgets the spent challenges that have expired: an expired
// challenge is refused for its age, so its row has no more use.
func (s *Store) PruneSpentProofs(ctx context.Context) (int64, error) {
	var n int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM pow_spent WHERE expires_at < ?`, ts(s.Now()))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// CountSpentProofs counts the challenges spent and not yet pruned.
func (s *Store) CountSpentProofs(ctx context.Context) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM pow_spent`).Scan(&n)
	return n, err
}
