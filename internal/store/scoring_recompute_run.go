package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"runtime/debug"
	"strings"
	"time"
)

// recomputeWorkers is how many batches of a recompute are scored at once on the
// readers while the writer stages the batch before them.
const recomputeWorkers = 2

// RecomputeRun works a recompute until it is over or until is past, and reports
// whether it is over. The scores of the next batches are computed on the readers,
// recomputeWorkers batches at a time, each batch from one consistent snapshot, while
// the writer stages the batch before them with its progress: in id order, a
// transaction each, as RecomputeStep does, so a run stopped anywhere resumes after
// the last staged batch and the writer is held only for the writes. Once every
// contact is staged, RecomputeStep stages any contact added since and puts the rules
// in force (finishRecompute). Staged scores are those RecomputeStep would stage: the
// same reads (scoreContactRange) at the time of this run. While many contacts are
// left, the batches' events are read instead by a scan of the events table
// (scanPass), and every batch a scan read is staged, even past until.
func (s *Store) RecomputeRun(ctx context.Context, id int64, batch int, until time.Time) (bool, error) {
	if batch <= 0 {
		batch = 5000
	}
	var version, after int64
	var state string
	err := s.queryRow(ctx, `SELECT version, state, after_id FROM scoring_recomputes WHERE id = ?`, id).Scan(&version, &state, &after)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && state != RecomputeRunning) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	rs, err := s.ruleSet(ctx, s.read, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE version = ?`, version)
	if err != nil {
		return false, err
	}
	run, err := newRun(ctx, s.read, s, rs)
	if err != nil {
		return false, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		scores []contactScore
		err    error
	}
	type job struct {
		lo, hi int64 // the batch: live contacts with ids from lo to hi
		scan   *scanBatch
		kinds  [][]scanKind
		done   chan result
	}
	jobs := make(chan *job)
	order := make(chan *job, recomputeWorkers+1) // the batches in id order, for the writer
	exhausted := false                           // every contact was handed out; read after order is closed
	scanned := false                             // a scan pass was read; read after order is closed
	go func() {
		defer close(order)
		defer close(jobs)
		send := func(j *job) bool {
			select {
			case order <- j:
			case <-ctx.Done():
				return false
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return false
			}
			return true
		}
		// With rules that pack, the batches are read by scans of the events table while
		// enough contacts are left (see scanPass).
		scan := len(run.rules.Engagement) <= maxPackedRules
		for cursor := after; time.Now().Before(until); {
			if scan {
				p, left, err := s.scanPass(ctx, run, cursor, batch)
				if err != nil {
					j := &job{done: make(chan result, 1)}
					j.done <- result{err: err}
					select {
					case order <- j:
					case <-ctx.Done():
					}
					return
				}
				if left == 0 {
					exhausted = true
					return
				}
				if p == nil {
					scan = false
					continue
				}
				scanned = true
				if h := s.afterScanPass; h != nil {
					h()
				}
				// Every batch of the pass is staged, even past until: its events are read,
				// and a run whose scan outlasted its time would otherwise never move on.
				for _, sb := range p.batches {
					j := &job{lo: sb.ids[0], hi: sb.ids[len(sb.ids)-1], scan: sb, kinds: p.kinds, done: make(chan result, 1)}
					if !send(j) {
						return
					}
					cursor = j.hi
				}
				continue
			}
			ids, err := idRows(s.query(ctx, `SELECT id FROM contacts WHERE id > ? AND merged_into_id IS NULL ORDER BY id LIMIT ?`, cursor, batch))
			j := &job{done: make(chan result, 1)}
			if err != nil {
				j.done <- result{err: err}
				select {
				case order <- j:
				case <-ctx.Done():
				}
				return
			}
			if len(ids) == 0 {
				exhausted = true
				return
			}
			j.lo, j.hi = ids[0], ids[len(ids)-1]
			select {
			case order <- j:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
			cursor = j.hi
		}
	}()
	for range recomputeWorkers {
		go func() {
			for j := range jobs {
				var scores []contactScore
				if j.scan != nil {
					// The events were read by the scan; the fit, from now.
					matched, err := run.fit.matches(ctx, s, `c.id >= ? AND c.id <= ?`, []any{j.lo, j.hi})
					if err == nil {
						scores = run.scannedScores(j.scan, j.kinds, matched)
					}
					j.scan = nil
					j.done <- result{scores, err}
					continue
				}
				err := s.readSnapshot(ctx, func(q querier) error {
					ids, err := idRows(q.query(ctx, `SELECT id FROM contacts WHERE id >= ? AND id <= ? AND merged_into_id IS NULL ORDER BY id`, j.lo, j.hi))
					if err != nil || len(ids) == 0 {
						return err
					}
					scores, err = scoreContactRange(ctx, q, run, ids)
					return err
				})
				j.done <- result{scores, err}
			}
		}()
	}
	prev := after
	for j := range order {
		r := <-j.done
		if r.err != nil {
			return false, r.err
		}
		ok, over, err := s.stageBatch(ctx, id, prev, j.hi, r.scores, run)
		if err != nil || !ok {
			return over, err
		}
		prev = j.hi
	}
	if scanned {
		// What the scans held is garbage now, but nothing allocates much until the
		// final swap, so no collection would find it and the runtime would keep its
		// pages (about 300 MiB at a million contacts) through the swap, whose SQLite
		// memory comes on top.
		debug.FreeOSMemory()
	}
	if !exhausted || ctx.Err() != nil {
		return false, ctx.Err()
	}
	for range 1000 {
		done, err := s.RecomputeStep(ctx, id, batch)
		if err != nil || done {
			return done, err
		}
	}
	return false, nil
}

// stageBatch stages the scores of a batch of a recompute that starts after the
// contact from and ends at the contact to, with its progress. ok is false when the
// recompute is no longer where the batch starts (another run staged it, or a later
// recompute superseded this one); over says the recompute is no longer running.
func (s *Store) stageBatch(ctx context.Context, id, from, to int64, scores []contactScore, run *scoreRun) (ok, over bool, err error) {
	err = s.RunInTx(ctx, func(tx *Tx) error {
		if err := lockScoring(ctx, tx); err != nil {
			return err
		}
		var state string
		var after int64
		err := tx.queryRow(ctx, `SELECT state, after_id FROM scoring_recomputes WHERE id = ?`, id).Scan(&state, &after)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && state != RecomputeRunning) {
			over = true
			return nil
		}
		if err != nil || after != from {
			return err
		}
		if err := stageScores(ctx, tx, id, scores, run.now); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE scoring_recomputes SET after_id = ?, done = done + ? WHERE id = ?`, to, len(scores), id)
		ok = err == nil
		return err
	})
	return ok && err == nil, over, err
}

// readSnapshot runs reads that must see one state of the database on a reader: a
// read-only repeatable-read transaction on PostgreSQL, a deferred transaction on one
// SQLite reader connection (its readers begin IMMEDIATE ones through database/sql,
// which would take the write lock).
func (s *Store) readSnapshot(ctx context.Context, fn func(q querier) error) error {
	return s.readSnapshotOf(ctx, "", fn)
}

// readSnapshotOf is readSnapshot; on PostgreSQL, with snapshot set (what
// pg_export_snapshot returned in a transaction still open), its reads see that
// transaction's snapshot instead of one of their own.
func (s *Store) readSnapshotOf(ctx context.Context, snapshot string, fn func(q querier) error) error {
	if s.engine == Postgres {
		sqlTx, err := s.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		if err != nil {
			return err
		}
		defer sqlTx.Rollback()
		if snapshot != "" {
			if _, err := sqlTx.ExecContext(ctx, `SET TRANSACTION SNAPSHOT '`+strings.ReplaceAll(snapshot, "'", "''")+`'`); err != nil {
				return err
			}
		}
		// Each batch's events query is costed over the JIT's threshold: it would be
		// compiled (about 10 ms) every batch for a plan that reads rows and computes little.
		if _, err := sqlTx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
			return err
		}
		return fn(&Tx{s: s, tx: sqlTx})
	}
	conn, err := s.read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN`); err != nil {
		return err
	}
	defer func() {
		// A reader left inside its transaction would read this snapshot ever after:
		// when the rollback fails, the connection is dropped instead of reused.
		if _, err := conn.ExecContext(context.Background(), `ROLLBACK`); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(connQuerier{s, conn})
}

// connQuerier reads on one connection.
type connQuerier struct {
	s *Store
	c *sql.Conn
}

func (q connQuerier) query(ctx context.Context, qs string, args ...any) (*sql.Rows, error) {
	return q.c.QueryContext(ctx, q.s.rebind(qs), args...)
}
