package store

import (
	"context"
	"errors"
	"time"
)

// IngestOneByOne records captures one at a time through ingestOne, in one
// transaction: the reference the set-based paths are held to.
func (s *Store) IngestOneByOne(ctx context.Context, caps []Capture) ([]Captured, error) {
	out := make([]Captured, len(caps))
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if err := lockIngest(ctx, tx); err != nil {
			return err
		}
		return ingestOneByOne(ctx, tx, caps, out)
	})
	return out, err
}

// GroupCall is one caller of a group commit, with the proof of work it spends, if any.
type GroupCall struct {
	Caps  []Capture
	Proof string
	Out   []Captured
	Err   error
}

// CommitGroup records the calls as one group commit, in their order, as the group
// committer does with callers that arrive together.
func (s *Store) CommitGroup(calls []*GroupCall) {
	batch := make([]*groupReq, len(calls))
	for i, c := range calls {
		r := &groupReq{ctx: context.Background(), caps: c.Caps, done: make(chan struct{})}
		if proof := c.Proof; proof != "" {
			r.before = func(ctx context.Context, tx *Tx) error { return spendProof(ctx, tx, proof, s.Now().Add(time.Hour)) }
		}
		batch[i] = r
	}
	s.ingest.commit(batch)
	for i, r := range batch {
		calls[i].Out, calls[i].Err = r.out, r.err
	}
}

var errPlanOnly = errors.New("plan only")

// BatchPlan tells which captures of a batch the set-based path records, writing
// nothing.
func (s *Store) BatchPlan(ctx context.Context, caps []Capture) ([]bool, error) {
	var plan []bool
	err := s.RunInTx(ctx, func(tx *Tx) error {
		b, err := readBatch(ctx, tx, caps)
		if err != nil {
			return err
		}
		for i := range caps {
			c := &caps[i]
			if k := b.emails[c.Email]; c.Email != "" && k != nil && k.pending {
				k.pending = false
			}
			_, ok := b.prepare(c, i)
			plan = append(plan, ok)
			if !ok {
				b.recordedSlowly(c, Captured{})
			}
		}
		return errPlanOnly
	})
	if errors.Is(err, errPlanOnly) {
		err = nil
	}
	return plan, err
}
