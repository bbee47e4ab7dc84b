package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// groupCommitter shares one transaction among captures that arrive together, so a
// burst of form posts costs one disk flush instead of one each (group commit). Each
// caller's captures run under their own savepoint: one bad submission never fails its
// neighbours, and every caller is answered only after the commit.
type groupCommitter struct {
	s    *Store
	reqs chan *groupReq
	wg   sync.WaitGroup
	once sync.Once
}

type groupReq struct {
	ctx  context.Context
	caps []Capture
	// before runs first inside the caller's savepoint (spending a proof of work); its
	// error refuses the caller's captures alone.
	before func(context.Context, *Tx) error
	out    []Captured
	err    error
	done   chan struct{}
}

const maxGroup = 256

func newGroupCommitter(s *Store) *groupCommitter {
	g := &groupCommitter{s: s, reqs: make(chan *groupReq, maxGroup)}
	// One committer on both engines: SQLite has one writer, and PostgreSQL's
	// ingesting transactions take turns on an advisory lock (lockIngest), held
	// until the commit, so a second committer only split the groups in two (one
	// committer recorded 15–20 % more form posts in pairs at the store).
	g.wg.Add(1)
	go g.run()
	return g
}

func (g *groupCommitter) close() {
	g.once.Do(func() { close(g.reqs) })
	g.wg.Wait()
}

// IngestGrouped records captures like Ingest, sharing the transaction with other
// callers. It returns after the commit.
func (s *Store) IngestGrouped(ctx context.Context, caps []Capture) ([]Captured, error) {
	r := &groupReq{ctx: ctx, caps: prepareStored(s.profileCaptures(caps)), done: make(chan struct{})}
	select {
	case s.ingest.reqs <- r:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	<-r.done
	return r.out, r.err
}

func (g *groupCommitter) run() {
	defer g.wg.Done()
	for first := range g.reqs {
		batch := []*groupReq{first}
	fill:
		for len(batch) < maxGroup {
			select {
			case r, ok := <-g.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		g.commit(batch)
	}
}

func (g *groupCommitter) commit(batch []*groupReq) {
	var err error
	// Most groups hold no bad capture: run them first as one batch, without a
	// savepoint per caller. A group where one fails rolls back and runs again capture
	// by capture with savepoints, so that only the bad one is refused.
	err = g.s.RunInTx(context.Background(), func(tx *Tx) error { return g.runPlain(tx, batch) })
	if err == nil {
		for _, r := range batch {
			close(r.done)
		}
		g.informPlanner(batch)
		return
	}
	for attempt := 0; ; attempt++ {
		err = g.s.RunInTx(context.Background(), func(tx *Tx) error { return g.run1(tx, batch) })
		// Two nodes or two groups writing the same company or contact can deadlock on
		// PostgreSQL; the database picks a victim, and running the group again is safe.
		if !retryable(err) || attempt == 4 {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	for _, r := range batch {
		if err != nil {
			r.out, r.err = nil, errors.Join(errors.New("group commit failed"), err)
		}
		close(r.done)
	}
	if err == nil {
		g.informPlanner(batch)
	}
}

// informPlanner runs keepPlannerInformed on a committed group's new contacts, after
// its callers have their answers. An ANALYZE it starts takes up to a few hundred
// milliseconds on PostgreSQL, so it runs beside the committer, which goes on with
// the next group: run inline, it held a committer that long and made the slowest
// form posts of a burst wait behind it.
func (g *groupCommitter) informPlanner(batch []*groupReq) {
	if g.s.engine != Postgres {
		return
	}
	var created []Captured
	for _, r := range batch {
		for _, c := range r.out {
			if c.Created && c.ContactID > g.s.analyseAbove.Load() || c.EventID > g.s.analyseEventsAbove.Load() {
				created = append(created, c)
			}
		}
	}
	if len(created) == 0 {
		return
	}
	g.s.background.Add(1)
	go func() {
		defer g.s.background.Done()
		g.s.keepPlannerInformed(context.Background(), created)
	}()
}

// retryable reports a PostgreSQL deadlock or serialization failure.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

// runPlain runs one group in a transaction without savepoints; any error fails it.
// The callers' proofs of work are spent first, then all their captures are recorded
// as one batch, set-based where they allow it (ingestBatch).
func (g *groupCommitter) runPlain(tx *Tx, batch []*groupReq) error {
	ctx := context.Background()
	if err := lockIngest(ctx, tx); err != nil {
		return err
	}
	var caps []Capture
	for _, r := range batch {
		r.out, r.err = nil, nil
		if r.ctx.Err() != nil {
			r.err = r.ctx.Err()
			continue
		}
		if r.before != nil {
			if err := r.before(ctx, tx); err != nil {
				return err
			}
		}
		caps = append(caps, r.caps...)
	}
	out := make([]Captured, len(caps))
	if err := ingestBatch(ctx, tx, caps, out); err != nil {
		return err
	}
	for _, r := range batch {
		if r.err == nil {
			r.out, out = out[:len(r.caps):len(r.caps)], out[len(r.caps):]
		}
	}
	return nil
}

// run1 runs one group in a transaction, each caller's captures under a savepoint.
func (g *groupCommitter) run1(tx *Tx, batch []*groupReq) error {
	// Once a group runs, a caller who hangs up must not break the transaction that
	// others share: statements run without the caller's cancellation.
	ctx := context.Background()
	if err := lockIngest(ctx, tx); err != nil {
		return err
	}
	for _, r := range batch {
		r.out, r.err = nil, nil
		if r.ctx.Err() != nil {
			r.err = r.ctx.Err()
			continue
		}
		if _, err := tx.exec(ctx, `SAVEPOINT capture`); err != nil {
			return err
		}
		r.out = make([]Captured, len(r.caps))
		if r.before != nil {
			if err := r.before(ctx, tx); retryable(err) {
				return err
			} else if err != nil {
				r.err, r.out = err, nil
			}
		}
		for i := 0; r.err == nil && i < len(r.caps); i++ {
			res, err := ingestOne(ctx, tx, &r.caps[i])
			if retryable(err) {
				return err
			}
			if err != nil {
				r.err, r.out = itemError(i, err), nil
				break
			}
			r.out[i] = res
		}
		if r.err != nil {
			if _, err := tx.exec(ctx, `ROLLBACK TO SAVEPOINT capture`); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `RELEASE SAVEPOINT capture`); err != nil {
			return err
		}
	}
	return nil
}

// IngestEach records captures in one transaction, each under its own savepoint, and
// returns each one's error: for background streams (page views) where one bad item
// must not cost the others.
func (s *Store) IngestEach(ctx context.Context, caps []Capture) []error {
	caps = s.profileCaptures(caps)
	reqs := make([]*groupReq, len(caps))
	for i := range caps {
		reqs[i] = &groupReq{ctx: ctx, caps: caps[i : i+1], done: make(chan struct{})}
	}
	s.ingest.commit(reqs)
	out := make([]error, len(reqs))
	for i, r := range reqs {
		out[i] = r.err
	}
	return out
}
