package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/scoring"
)

// gapWait is how long the scorer waits for an event id that was skipped: on
// PostgreSQL a transaction can commit a lower id after a higher one, or roll back
// and leave the id unused for good.
const gapWait = 30 * time.Second

// ScoreNewEvents rescores the contacts of the events recorded since the last call,
// up to limit events, and reports how many events it read. The watermark (the last
// event id read, and the ids below it not seen yet) is a row updated in the same
// transaction as the scores, under the scoring lock, so two nodes never score the
// same events twice and a crash loses nothing.
func (s *Store) ScoreNewEvents(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 1000
	}
	var n int
	err := s.retryTx(ctx, func(tx *Tx) error {
		if err := lockScoring(ctx, tx); err != nil {
			return err
		}
		var mark int64
		var gapText string
		if err := tx.queryRow(ctx, `SELECT event_id, gaps FROM scoring_watermark WHERE name = 'events'`).Scan(&mark, &gapText); err != nil {
			return err
		}
		now := s.Now()
		gaps := parseGaps(gapText)
		type seen struct{ id, contact int64 }
		var evs []seen
		rows, err := tx.query(ctx, `SELECT e.id, COALESCE(c.merged_into_id, c.id, 0) FROM events e LEFT JOIN contacts c ON c.id = e.contact_id
			WHERE e.id > ? ORDER BY e.id LIMIT ?`, mark, limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e seen
			if err := rows.Scan(&e.id, &e.contact); err != nil {
				rows.Close()
				return err
			}
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(gaps) > 0 {
			ids := make([]int64, 0, len(gaps))
			for id := range gaps {
				ids = append(ids, id)
			}
			rows, err := tx.query(ctx, `SELECT e.id, COALESCE(c.merged_into_id, c.id, 0) FROM events e LEFT JOIN contacts c ON c.id = e.contact_id
				WHERE e.id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var e seen
				if err := rows.Scan(&e.id, &e.contact); err != nil {
					rows.Close()
					return err
				}
				evs = append(evs, e)
				delete(gaps, e.id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		ids := make([]int64, len(evs))
		for i, e := range evs {
			ids[i] = e.id
		}
		mark = advanceMark(mark, ids, gaps, now)
		n = len(evs)
		last := map[int64]int64{} // contact → its newest event read
		for _, e := range evs {
			if e.contact != 0 && e.id > last[e.contact] {
				last[e.contact] = e.id
			}
		}
		if len(last) > 0 {
			run, err := activeRun(ctx, tx)
			if err != nil {
				return err
			}
			if run.version > 0 {
				ids := make([]int64, 0, len(last))
				for id := range last {
					ids = append(ids, id)
				}
				slices.Sort(ids) // one lock order for every writer of these rows
				if err := scoreAhead(ctx, tx, run, ids, func(id int64) string { return "event #" + itoa(last[id]) }); err != nil {
					return err
				}
			}
		}
		_, err = tx.exec(ctx, `UPDATE scoring_watermark SET event_id = ?, gaps = ? WHERE name = 'events'`, mark, formatGaps(gaps))
		return err
	})
	return n, err
}

// EventsRecorded is signalled (it holds one signal at most) once a transaction of
// this store that recorded events commits, so that the event scorer can start at
// once instead of at its next poll. Events that other nodes record are found by
// polling alone.
func (s *Store) EventsRecorded() <-chan struct{} { return s.eventsIn }

// eventsRecorded has EventsRecorded signalled once the transaction commits. The
// scorer's own stage_changed events leave it alone: they are scored at the next
// poll, and a signal for them would start a poll after each poll.
func (t *Tx) eventsRecorded() {
	if t.wakeScorer {
		return
	}
	t.wakeScorer = true
	t.AfterCommit(func() {
		select {
		case t.s.eventsIn <- struct{}{}:
		default:
		}
	})
}

// advanceMark moves a watermark over the ids just read: those above it, in ascending
// order, and any below it that were waited for as gaps. The ids skipped on the way
// are gaps from now on (at most 10,000 are kept), a gap read is no longer waited for,
// and a gap waited for longer than gapWait is given up. It returns the new mark.
func advanceMark(mark int64, ids []int64, gaps map[int64]time.Time, now time.Time) int64 {
	next := mark + 1
	for _, id := range ids {
		if id <= mark {
			delete(gaps, id)
			continue
		}
		for ; next < id && len(gaps) < 10000; next++ {
			gaps[next] = now
		}
		next = id + 1
		mark = id
	}
	for id, at := range gaps {
		if now.Sub(at) > gapWait {
			delete(gaps, id)
		}
	}
	return mark
}

// retryTx runs fn in a transaction, again when PostgreSQL chose it as a deadlock
// victim.
func (s *Store) retryTx(ctx context.Context, fn func(*Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.RunInTx(ctx, fn)
		if !retryable(err) || attempt == 4 {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
}

func parseGaps(s string) map[int64]time.Time {
	out := map[int64]time.Time{}
	for _, f := range strings.Split(s, ",") {
		id, at, ok := strings.Cut(f, ":")
		if !ok {
			continue
		}
		i, err1 := strconv.ParseInt(id, 10, 64)
		t, err2 := strconv.ParseInt(at, 10, 64)
		if err1 == nil && err2 == nil {
			out[i] = fromTS(t)
		}
	}
	return out
}

func formatGaps(g map[int64]time.Time) string {
	ids := make([]int64, 0, len(g))
	for id := range g {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(itoa(id) + ":" + itoa(ts(g[id])))
	}
	return b.String()
}

// RefreshDecay rescores up to limit contacts whose engagement was last scored more
// than age ago, so stored engagement follows time. It reports how many it rescored.
// SQLite takes the oldest first, through an index of scored_at. PostgreSQL has no
// such index (a change of scores would then be a new row version in every index of
// contacts, see migration 0025): it walks the live contacts in id order from where its
// last call stopped, and wraps around at the end, so a pass of calls reads each
// contact once however many are due.
func (s *Store) RefreshDecay(ctx context.Context, age time.Duration, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	var n int
	var next int64 // where the next call starts, kept once this one commits
	err := s.retryTx(ctx, func(tx *Tx) error {
		if err := lockScoring(ctx, tx); err != nil {
			return err
		}
		run, err := activeRun(ctx, tx)
		if err != nil || run.version == 0 {
			return err
		}
		cutoff := ts(run.now.Add(-age))
		var ids []int64
		if s.engine == Postgres {
			if ids, next, err = s.decayDue(ctx, tx, cutoff, limit); err != nil {
				return err
			}
		} else if ids, err = idRows(tx.query(ctx, `SELECT id FROM contacts WHERE engagement_score > 0 AND merged_into_id IS NULL
			AND (scored_at IS NULL OR scored_at < ?) ORDER BY scored_at LIMIT ?`, cutoff, limit)); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		slices.Sort(ids)
		n = len(ids)
		scores, err := scoreContacts(ctx, tx, run, ids)
		if err != nil {
			return err
		}
		if err := applyScores(ctx, tx, run, scores, func(int64) string { return "decay" }, false); err != nil {
			return err
		}
		if h := s.afterDecayWrite; h != nil {
			return h(ids)
		}
		return nil
	})
	if err == nil && s.engine == Postgres {
		s.decayAfter.Store(next)
	}
	return n, err
}

// decayDue lists up to limit contacts due for the decay refresh on PostgreSQL, in id
// order from after the last call's, wrapping around to the first contact, and where
// the next call starts: after the last one listed, or from the start when fewer were
// due. The caller keeps next once its transaction commits, so a retried one reads
// the same contacts again.
func (s *Store) decayDue(ctx context.Context, tx *Tx, cutoff int64, limit int) (ids []int64, next int64, err error) {
	const due = ` AND engagement_score > 0 AND merged_into_id IS NULL AND (scored_at IS NULL OR scored_at < ?) ORDER BY id LIMIT ?`
	after := s.decayAfter.Load()
	ids, err = idRows(tx.query(ctx, `SELECT id FROM contacts WHERE id > ?`+due, after, cutoff, limit))
	if err != nil {
		return nil, 0, err
	}
	if len(ids) < limit && after > 0 {
		more, err := idRows(tx.query(ctx, `SELECT id FROM contacts WHERE id <= ?`+due, after, cutoff, limit-len(ids)))
		if err != nil {
			return nil, 0, err
		}
		ids = append(ids, more...)
	}
	if len(ids) == limit {
		next = ids[len(ids)-1]
	}
	return ids, next, nil
}

// ScoreChange is one row of a contact's score history.
type ScoreChange struct {
	At            time.Time `json:"at"`
	FitOld        int       `json:"fit_old"`
	FitNew        int       `json:"fit_new"`
	EngagementOld int       `json:"engagement_old"`
	EngagementNew int       `json:"engagement_new"`
	Reason        string    `json:"reason"`
}

// ContactScores is a contact's scores as stored, their breakdown computed now under
// the active rules, and their history, newest first.
type ContactScores struct {
	Fit             int               `json:"fit"`
	Engagement      int               `json:"engagement"`
	ScoredAt        time.Time         `json:"scored_at,omitzero"`
	Predictive      *float64          `json:"predictive"`
	RulesVersion    int64             `json:"rules_version"`
	Breakdown       scoring.Breakdown `json:"breakdown"`
	StageEngagement int               `json:"stage_engagement"` // engagement since the contact was last recycled
	History         []ScoreChange     `json:"history"`
}

// ContactScores explains a contact's scores.
func (s *Store) ContactScores(ctx context.Context, id int64, historyLimit int) (*ContactScores, error) {
	c, err := s.Contact(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &ContactScores{Fit: c.FitScore, Engagement: c.EngagementScore, Predictive: c.PredictiveScore, History: []ScoreChange{}}
	if historyLimit <= 0 || historyLimit > 1000 {
		historyLimit = 50
	}
	var scored *int64
	if err := s.queryRow(ctx, `SELECT scored_at FROM contacts WHERE id = ?`, id).Scan(&scored); err != nil {
		return nil, err
	}
	if scored != nil {
		out.ScoredAt = fromTS(*scored)
	}
	rs, err := s.ruleSet(ctx, s.read, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE state = 'active' ORDER BY version DESC LIMIT 1`)
	if err != nil {
		return nil, err
	}
	run, err := newRun(ctx, s.read, s, rs)
	if err != nil {
		return nil, err
	}
	out.RulesVersion, run.explain = run.version, true
	target := id
	if c.MergedIntoID != 0 {
		target = c.MergedIntoID
	}
	scores, err := scoreContacts(ctx, s, run, []int64{target})
	if err != nil {
		return nil, err
	}
	out.Breakdown, out.StageEngagement = scores[0].breakdown, scores[0].stageScore
	rows, err := s.query(ctx, `SELECT at, fit_old, fit_new, engagement_old, engagement_new, reason FROM score_history
		WHERE contact_id = ? ORDER BY id DESC LIMIT ?`, id, historyLimit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var h ScoreChange
		var at int64
		if err := rows.Scan(&at, &h.FitOld, &h.FitNew, &h.EngagementOld, &h.EngagementNew, &h.Reason); err != nil {
			return nil, err
		}
		h.At = fromTS(at)
		out.History = append(out.History, h)
	}
	return out, rows.Err()
}

// enrichLag is how far behind now the scorer reads enrichment times, so a
// transaction that stamped a time and commits a moment later is not passed over.
const enrichLag = 2 * time.Second

// ScoreEnriched rescores, up to limit at a time, the contacts whose profile or
// company enrichment changed since the last call: their fit may have changed without
// any event. It reports how many contacts it rescored.
func (s *Store) ScoreEnriched(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	var n int
	err := s.retryTx(ctx, func(tx *Tx) error {
		if err := lockScoring(ctx, tx); err != nil {
			return err
		}
		upto := ts(s.Now().Add(-enrichLag))
		ids := map[int64]bool{}
		for _, src := range []struct{ name, table string }{{"contacts_enriched", "contacts"}, {"companies_enriched", "companies"}} {
			var markAt int64
			var markIDText string
			if err := tx.queryRow(ctx, `SELECT event_id, gaps FROM scoring_watermark WHERE name = ?`, src.name).Scan(&markAt, &markIDText); err != nil {
				return err
			}
			markID, _ := strconv.ParseInt(markIDText, 10, 64)
			// A contact merged into another is passed over (the watermark still moves
			// past it): scoreContacts scores live contacts only, the loser's scores are
			// no longer shown or used, and the merge's own event on the winner has the
			// event scorer rescore the winner.
			live := "1"
			if src.table == "contacts" {
				live = "CASE WHEN merged_into_id IS NULL THEN 1 ELSE 0 END"
			}
			rows, err := tx.query(ctx, `SELECT id, enriched_at, `+live+` FROM `+src.table+` WHERE enriched_at IS NOT NULL AND enriched_at <= ?
				AND (enriched_at > ? OR (enriched_at = ? AND id > ?)) ORDER BY enriched_at, id LIMIT ?`, upto, markAt, markAt, markID, limit)
			if err != nil {
				return err
			}
			var found []int64
			read := 0
			for rows.Next() {
				var id, alive int64
				if err := rows.Scan(&id, &markAt, &alive); err != nil {
					rows.Close()
					return err
				}
				read++
				markID = id
				if alive == 1 {
					found = append(found, id)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if read == 0 {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE scoring_watermark SET event_id = ?, gaps = ? WHERE name = ?`, markAt, itoa(markID), src.name); err != nil {
				return err
			}
			if src.table == "companies" && len(found) > 0 {
				rows, err := tx.query(ctx, `SELECT id FROM contacts WHERE merged_into_id IS NULL AND company_id IN (`+placeholders(len(found))+`)`, int64Args(found)...)
				if err != nil {
					return err
				}
				found = found[:0]
				for rows.Next() {
					var id int64
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					found = append(found, id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
			for _, id := range found {
				ids[id] = true
			}
		}
		if len(ids) == 0 {
			return nil
		}
		run, err := activeRun(ctx, tx)
		if err != nil || run.version == 0 {
			return err
		}
		list := make([]int64, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		slices.Sort(list)
		n = len(list)
		return scoreAhead(ctx, tx, run, list, func(int64) string { return "profile enriched" })
	})
	return n, err
}

// scoreAhead scores contacts (sorted by id) 500 at a time and writes each batch's
// changed scores with applyScores in tx, in order. The batches are read and scored
// on up to two reader connections while the transaction writes the batches before
// them, instead of the reads and writes of a few thousand contacts taking turns on
// the transaction's connection; at most two batches are read ahead of the writes.
//
// The readers are taken from the pool for a moment only: on PostgreSQL reads and
// writes share one pool, and a transaction that held its locks while waiting for a
// connection that others, waiting on those locks, hold would never end. With no
// reader free at once the batches are read in tx, one after the other.
//
// Reading outside tx reads what tx would: the scoring lock is held, so no other
// scorer writes meanwhile; a batch's writes touch only its own contacts (their
// scores, history, stages and stage_changed events), so the reads of later batches
// miss nothing of tx's; a PostgreSQL transaction sees each statement's own snapshot
// of what is committed anyway, as SQLite's writer sees what its readers do plus its
// own writes. What others commit between a batch's read and its write (sales
// rejecting a contact, a manual move) is caught by the stage read before the
// events: applyScores leaves a contact whose stage moved meanwhile to the next poll,
// which reads the move's event.
func scoreAhead(ctx context.Context, tx *Tx, run *scoreRun, ids []int64, reason func(int64) string) error {
	parts := slices.Collect(slices.Chunk(ids, 500))
	readers := reserveReaders(ctx, tx.s, min(2, len(parts)-1))
	if len(readers) == 0 {
		for _, part := range parts {
			scores, err := scoreBatch(ctx, tx, run, part)
			if err != nil {
				return err
			}
			if h := tx.s.afterScoreRead; h != nil {
				h()
			}
			if err := applyScores(ctx, tx, run, scores, reason, true); err != nil {
				return err
			}
		}
		return nil
	}
	type batch struct {
		scores []contactScore
		err    error
	}
	done := make([]chan batch, len(parts))
	for i := range done {
		done[i] = make(chan batch, 1)
	}
	next := make(chan int, len(parts))
	for i := range parts {
		next <- i
	}
	close(next)
	// A reader takes a token before it reads a batch; each batch written gives one
	// back, so no more than len(readers) batches wait read but unwritten.
	tokens := make(chan struct{}, len(parts))
	for range readers {
		tokens <- struct{}{}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, r := range readers {
		wg.Go(func() {
			defer r.c.Close()
			for i := range next {
				select {
				case <-tokens:
				case <-ctx.Done():
					done[i] <- batch{err: ctx.Err()}
					continue
				}
				scores, err := scoreBatch(ctx, r, run, parts[i])
				done[i] <- batch{scores, err}
			}
		})
	}
	defer func() {
		cancel()
		wg.Wait() // the readers are done before tx ends
	}()
	for i := range parts {
		b := <-done[i]
		if b.err != nil {
			return b.err
		}
		if h := tx.s.afterScoreRead; h != nil {
			h()
		}
		if err := applyScores(ctx, tx, run, b.scores, reason, true); err != nil {
			return err
		}
		tokens <- struct{}{}
	}
	return nil
}

// reserveReaders takes up to n reader connections that the pool can give within a
// few milliseconds; the caller closes them.
func reserveReaders(ctx context.Context, s *Store, n int) []connQuerier {
	var out []connQuerier
	for range n {
		wait, cancel := context.WithTimeout(ctx, 5*time.Millisecond)
		c, err := s.read.Conn(wait)
		cancel()
		if err != nil {
			break
		}
		out = append(out, connQuerier{s, c})
	}
	return out
}

// scoreBatch reads the contacts' stages, then scores them from their events; the
// stage each was read at goes with its scores (see applyScores).
func scoreBatch(ctx context.Context, q querier, run *scoreRun, ids []int64) ([]contactScore, error) {
	stages := make(map[int64]string, len(ids))
	rows, err := q.query(ctx, `SELECT id, stage FROM contacts WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var stage string
		if err := rows.Scan(&id, &stage); err != nil {
			rows.Close()
			return nil, err
		}
		stages[id] = stage
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	scores, err := scoreContacts(ctx, q, run, ids)
	for i := range scores {
		scores[i].readAt = stages[scores[i].id]
	}
	return scores, err
}
