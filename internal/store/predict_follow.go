package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/predict"
)

// The predictive score between trainings. A training scores every contact; after
// it, the newest model (kept in predictive_models) scores a contact again whenever
// one of its features may have changed: a new event (the counts, the first touch,
// an outcome), a change of its fit or engagement (a row of score_history, which the
// scorer writes for every change, decay included), or enrichment of the contact or
// of its company. Each of the four sources has a watermark in scoring_watermark, as
// the scorer's own have; SavePredictiveModel moves them to the end, since the
// training's own pass scores what came before.

// predictWatermarks are the names of the watermarks of the four sources.
var predictWatermarks = []string{"predict_events", "predict_history", "predict_contacts_enriched", "predict_companies_enriched"}

// errModelMoved ends a pass that finds a newer model than the one it loaded;
// errMarksMoved one that finds another node moved the watermarks since it read them.
var (
	errModelMoved = errors.New("a newer predictive model was stored")
	errMarksMoved = errors.New("the predictive watermarks moved")
)

// ScorePredictiveChanges gives the contacts whose predictive features may have
// changed since its last call the score of the newest model, reading up to limit
// rows of each source. It reports the most rows it read of one source (a caller
// calls again while that is limit) and how many contacts it scored. Before the first
// training it does nothing.
//
// The sources, the features and the scores are read first, outside any transaction;
// the transaction that follows only writes the scores that changed and moves the
// watermarks, so SQLite's single writer is held for the writes alone. It takes a
// lock of its own and checks that the watermarks are still the ones read: any number
// of nodes may call it, and a change is scored once (a node that finds the marks
// moved drops its pass). A change committed after the features were read has a row
// past the new marks (or below them, waited for as a gap), so the next pass scores it.
func (s *Store) ScorePredictiveChanges(ctx context.Context, limit int) (read, scored int, err error) {
	if limit <= 0 {
		limit = 1000
	}
	for attempt := 0; ; attempt++ {
		read, scored, err = s.scorePredictiveChanges(ctx, limit)
		if errors.Is(err, errMarksMoved) {
			return 0, 0, nil // another node scored these changes
		}
		if !errors.Is(err, errModelMoved) || attempt == 2 {
			return read, scored, err
		}
	}
}

// predictMark is one source's watermark: an id and the ids below it waited for, or
// an enrichment time and the id at it.
type predictMark struct {
	at   int64
	text string
}

func readPredictMarks(ctx context.Context, q querier) (map[string]predictMark, error) {
	rows, err := q.query(ctx, `SELECT name, event_id, gaps FROM scoring_watermark WHERE name LIKE 'predict%'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]predictMark{}
	for rows.Next() {
		var name string
		var m predictMark
		if err := rows.Scan(&name, &m.at, &m.text); err != nil {
			return nil, err
		}
		out[name] = m
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range predictWatermarks {
		if _, ok := out[name]; !ok {
			return nil, errors.New("store: the watermark " + name + " is missing")
		}
	}
	return out, nil
}

func (s *Store) scorePredictiveChanges(ctx context.Context, limit int) (read, scored int, err error) {
	var latest int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM predictive_models`).Scan(&latest); err != nil || latest == 0 {
		return 0, 0, err
	}
	pm := s.predModel.Load()
	if pm == nil || pm.ID != latest {
		if pm, err = s.LatestPredictiveModel(ctx); err != nil {
			return 0, 0, err
		}
		pm.Model.Score(predict.Features{}) // builds its index before it is shared
		s.predModel.Store(pm)
	}
	before, err := readPredictMarks(ctx, s)
	if err != nil {
		return 0, 0, err
	}
	after := maps.Clone(before)
	ids := map[int64]bool{}
	now := s.Now()
	const owner = `COALESCE(c.merged_into_id, c.id, 0)`
	for _, src := range []struct{ name, from string }{
		{"predict_events", `SELECT x.id, ` + owner + ` FROM events x LEFT JOIN contacts c ON c.id = x.contact_id`},
		{"predict_history", `SELECT x.id, ` + owner + ` FROM score_history x LEFT JOIN contacts c ON c.id = x.contact_id`},
	} {
		n, m, err := followIDs(ctx, s, before[src.name], src.from, limit, now, ids)
		if err != nil {
			return 0, 0, err
		}
		after[src.name], read = m, max(read, n)
	}
	upto := ts(now.Add(-enrichLag))
	for _, src := range []struct{ name, table string }{{"predict_contacts_enriched", "contacts"}, {"predict_companies_enriched", "companies"}} {
		n, m, err := followEnriched(ctx, s, before[src.name], src.table, limit, upto, ids)
		if err != nil {
			return 0, 0, err
		}
		after[src.name], read = m, max(read, n)
	}
	if maps.Equal(before, after) {
		return 0, 0, nil
	}
	delete(ids, 0)
	var scores []any // contact id, score
	if len(ids) > 0 {
		rules, err := predictRules(ctx, s, s.read)
		if err != nil {
			return 0, 0, err
		}
		list := make([]int64, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		slices.Sort(list)
		for part := range slices.Chunk(list, 500) {
			in := make([]string, len(part))
			for i, id := range part {
				in[i] = itoa(id)
			}
			cond := " IN (" + strings.Join(in, ", ") + ")"
			data, err := predictiveData(ctx, s, rules, func(col string) string { return col + cond }, false)
			if err != nil {
				return 0, 0, err
			}
			for _, c := range data {
				scores = append(scores, c.ID, pm.Model.Score(c.Features))
			}
		}
	}
	err = s.retryTx(ctx, func(tx *Tx) error {
		if err := advisoryLock(ctx, tx, lockPredict); err != nil {
			return err
		}
		var newest int64
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM predictive_models`).Scan(&newest); err != nil {
			return err
		}
		if newest != pm.ID {
			s.predModel.Store(nil)
			return errModelMoved
		}
		marks, err := readPredictMarks(ctx, tx)
		if err != nil {
			return err
		}
		if !maps.Equal(marks, before) {
			return errMarksMoved
		}
		for _, name := range predictWatermarks {
			if m := after[name]; m != before[name] {
				if _, err := tx.exec(ctx, `UPDATE scoring_watermark SET event_id = ?, gaps = ? WHERE name = ?`, m.at, m.text, name); err != nil {
					return err
				}
			}
		}
		return writePredictiveScores(ctx, tx, scores)
	})
	if err != nil {
		return 0, 0, err
	}
	return read, len(scores) / 2, nil
}

// followIDs reads the rows of a source past its watermark m, in id order, up to
// limit, and those below it that it waits for; it files their contacts in into and
// returns how many rows past m it read and the watermark after them. from selects a
// row's id (as x.id) and its contact. On PostgreSQL a transaction can commit a lower
// id after a higher one, so ids skipped are waited for (gapWait), as the scorer does.
func followIDs(ctx context.Context, q querier, m predictMark, from string, limit int, now time.Time, into map[int64]bool) (int, predictMark, error) {
	mark := m.at
	gaps := parseGaps(m.text)
	type row struct{ id, contact int64 }
	var got []row
	scan := func(query string, args ...any) error {
		rows, err := q.query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.contact); err != nil {
				return err
			}
			got = append(got, r)
		}
		return rows.Err()
	}
	if err := scan(from+` WHERE x.id > ? ORDER BY x.id LIMIT ?`, mark, limit); err != nil {
		return 0, m, err
	}
	n := len(got)
	if len(gaps) > 0 {
		waiting := make([]int64, 0, len(gaps))
		for id := range gaps {
			waiting = append(waiting, id)
		}
		if err := scan(from+` WHERE x.id IN (`+placeholders(len(waiting))+`)`, int64Args(waiting)...); err != nil {
			return 0, m, err
		}
	}
	ids := make([]int64, len(got))
	for i, r := range got {
		into[r.contact] = true
		ids[i] = r.id
	}
	mark = advanceMark(mark, ids, gaps, now)
	return n, predictMark{mark, formatGaps(gaps)}, nil
}

// followEnriched reads the contacts or companies enriched past the watermark m
// (time, then id) up to upto, a little behind now (enrichLag), up to limit; it files
// the live contacts concerned in into and returns how many rows it read and the
// watermark after them.
func followEnriched(ctx context.Context, q querier, m predictMark, table string, limit int, upto int64, into map[int64]bool) (int, predictMark, error) {
	markID, _ := strconv.ParseInt(m.text, 10, 64)
	found, err := idPairs(q.query(ctx, `SELECT id, enriched_at FROM `+table+` WHERE enriched_at IS NOT NULL AND enriched_at <= ?
		AND (enriched_at > ? OR (enriched_at = ? AND id > ?)) ORDER BY enriched_at, id LIMIT ?`, upto, m.at, m.at, markID, limit))
	if err != nil || len(found) == 0 {
		return 0, m, err
	}
	last := found[len(found)-1]
	after := predictMark{last[1], itoa(last[0])}
	ids := make([]int64, len(found))
	for i, f := range found {
		ids[i] = f[0]
	}
	if table == "companies" {
		for part := range slices.Chunk(ids, 500) {
			contacts, err := idRows(q.query(ctx, `SELECT id FROM contacts WHERE merged_into_id IS NULL AND company_id IN (`+placeholders(len(part))+`)`,
				int64Args(part)...))
			if err != nil {
				return 0, m, err
			}
			for _, id := range contacts {
				into[id] = true
			}
		}
		return len(found), after, nil
	}
	for _, id := range ids {
		into[id] = true
	}
	return len(found), after, nil
}

// idPairs reads a query's answer of two integer columns.
func idPairs(rows interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}, err error) ([][2]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]int64
	for rows.Next() {
		var p [2]int64
		if err := rows.Scan(&p[0], &p[1]); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// writePredictiveScores writes scores (contact id, score, …) where they changed.
func writePredictiveScores(ctx context.Context, tx *Tx, scores []any) error {
	const row = `(CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION))`
	return inChunks(scores, 900, func(part []any) error {
		_, err := tx.exec(ctx, `UPDATE contacts SET predictive_score = v.column2
			FROM (VALUES `+strings.TrimSuffix(strings.Repeat(row+", ", len(part)/2), ", ")+`) AS v
			WHERE contacts.id = v.column1 AND (contacts.predictive_score IS NULL OR contacts.predictive_score <> v.column2)`, part...)
		return err
	})
}

// movePredictWatermarks sets the watermarks of the predictive score's sources to
// their end, in the transaction that stores a new model: the training scores every
// contact after it commits.
func movePredictWatermarks(ctx context.Context, tx *Tx) error {
	if err := advisoryLock(ctx, tx, lockPredict); err != nil {
		return err
	}
	for _, q := range []string{
		`UPDATE scoring_watermark SET event_id = (SELECT COALESCE(MAX(id), 0) FROM events), gaps = '' WHERE name = 'predict_events'`,
		`UPDATE scoring_watermark SET event_id = (SELECT COALESCE(MAX(id), 0) FROM score_history), gaps = '' WHERE name = 'predict_history'`,
	} {
		if _, err := tx.exec(ctx, q); err != nil {
			return err
		}
	}
	// The enrichment marks stop a little behind now, as the follower reads them.
	upto := ts(tx.s.Now().Add(-enrichLag))
	for _, src := range []struct{ name, table string }{{"predict_contacts_enriched", "contacts"}, {"predict_companies_enriched", "companies"}} {
		var at, id int64
		err := tx.queryRow(ctx, `SELECT enriched_at, id FROM `+src.table+` WHERE enriched_at IS NOT NULL AND enriched_at <= ?
			ORDER BY enriched_at DESC, id DESC LIMIT 1`, upto).Scan(&at, &id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE scoring_watermark SET event_id = ?, gaps = ? WHERE name = ?`, at, itoa(id), src.name); err != nil {
			return err
		}
	}
	return nil
}
