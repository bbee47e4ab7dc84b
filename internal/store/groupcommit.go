package store

import (
	"context"
	"errors"
	"sync"
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
	out  []Captured
	err  error
	done chan struct{}
}

const maxGroup = 256

func newGroupCommitter(s *Store) *groupCommitter {
	g := &groupCommitter{s: s, reqs: make(chan *groupReq, maxGroup)}
	// SQLite has one writer; PostgreSQL takes a few groups at once.
	workers := 1
	if s.engine == Postgres {
		workers = 4
	}
	for range workers {
		g.wg.Add(1)
		go g.run()
	}
	return g
}

func (g *groupCommitter) close() {
	g.once.Do(func() { close(g.reqs) })
	g.wg.Wait()
}

// IngestGrouped records captures like Ingest, sharing the transaction with other
// callers. It returns after the commit.
func (s *Store) IngestGrouped(ctx context.Context, caps []Capture) ([]Captured, error) {
	r := &groupReq{ctx: ctx, caps: caps, done: make(chan struct{})}
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
	err := g.s.RunInTx(context.Background(), func(tx *Tx) error {
		for _, r := range batch {
			if r.ctx.Err() != nil {
				r.err = r.ctx.Err()
				continue
			}
			if _, err := tx.exec(r.ctx, `SAVEPOINT capture`); err != nil {
				return err
			}
			r.out = make([]Captured, len(r.caps))
			for i := range r.caps {
				res, err := ingestOne(r.ctx, tx, &r.caps[i])
				if err != nil {
					r.err, r.out = itemError(i, err), nil
					break
				}
				r.out[i] = res
			}
			if r.err != nil {
				if _, err := tx.exec(r.ctx, `ROLLBACK TO SAVEPOINT capture`); err != nil {
					return err
				}
			}
			if _, err := tx.exec(r.ctx, `RELEASE SAVEPOINT capture`); err != nil {
				return err
			}
		}
		return nil
	})
	for _, r := range batch {
		if err != nil {
			r.out, r.err = nil, errors.Join(errors.New("group commit failed"), err)
		}
		close(r.done)
	}
}

// IngestEach records captures in one transaction, each under its own savepoint, and
// returns each one's error: for background streams (page views) where one bad item
// must not cost the others.
func (s *Store) IngestEach(ctx context.Context, caps []Capture) []error {
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
