package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

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

// errModelMoved ends a pass that finds a newer model than the one it loaded.
var errModelMoved = errors.New("a newer predictive model was stored")

// ScorePredictiveChanges gives the contacts whose predictive features may have
// changed since its last call the score of the newest model, reading up to limit
// rows of each source. It reports the most rows it read of one source (a caller
// calls again while that is limit) and how many contacts it scored. Before the first
// training it does nothing. Any number of nodes may call it: the watermarks move in
// the transaction that writes the scores, under a lock of their own, so they take
// turns and never score the same change twice.
func (s *Store) ScorePredictiveChanges(ctx context.Context, limit int) (read, scored int, err error) {
	if limit <= 0 {
		limit = 1000
	}
	for attempt := 0; ; attempt++ {
		read, scored, err = s.scorePredictiveChanges(ctx, limit)
		if !errors.Is(err, errModelMoved) || attempt == 2 {
			return read, scored, err
		}
	}
}

func (s *Store) scorePredictiveChanges(ctx context.Context, limit int) (read, scored int, err error) {
	var latest int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM predictive_models`).Scan(&latest); err != nil || latest == 0 {
		return 0, 0, err
	}
	if pending, err := s.predictPending(ctx); err != nil || !pending {
		return 0, 0, err
	}
	pm := s.predModel.Load()
	if pm == nil || pm.ID != latest {
		if pm, err = s.LatestPredictiveModel(ctx); err != nil {
			return 0, 0, err
		}
		s.predModel.Store(pm)
	}
	err = s.retryTx(ctx, func(tx *Tx) error {
		read, scored = 0, 0
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
		ids := map[int64]bool{}
		const owner = `COALESCE(c.merged_into_id, c.id, 0)`
		for _, src := range []struct{ name, from string }{
			{"predict_events", `SELECT x.id, ` + owner + ` FROM events x LEFT JOIN contacts c ON c.id = x.contact_id`},
			{"predict_history", `SELECT x.id, ` + owner + ` FROM score_history x LEFT JOIN contacts c ON c.id = x.contact_id`},
		} {
			n, err := followIDs(ctx, tx, src.name, src.from, limit, ids)
			if err != nil {
				return err
			}
			read = max(read, n)
		}
		for _, src := range []struct{ name, table string }{{"predict_contacts_enriched", "contacts"}, {"predict_companies_enriched", "companies"}} {
			n, err := followEnriched(ctx, tx, src.name, src.table, limit, ids)
			if err != nil {
				return err
			}
			read = max(read, n)
		}
		delete(ids, 0)
		if len(ids) == 0 {
			return nil
		}
		rules, err := predictRules(ctx, s, tx.tx)
		if err != nil {
			return err
		}
		list := make([]int64, 0, len(ids))
		for id := range ids {
			list = append(list, id)
		}
		slices.Sort(list)
		for part := range slices.Chunk(list, 500) {
			n, err := scorePredictive(ctx, tx, pm.Model, rules, part)
			if err != nil {
				return err
			}
			scored += n
		}
		return nil
	})
	return read, scored, err
}

// predictPending reports whether any source has rows past its watermark, or ids it
// waits for, so that an idle node opens no write transaction.
func (s *Store) predictPending(ctx context.Context) (bool, error) {
	rows, err := s.query(ctx, `SELECT name, event_id, gaps FROM scoring_watermark WHERE name LIKE 'predict_%'`)
	if err != nil {
		return false, err
	}
	marks := map[string][2]string{}
	for rows.Next() {
		var name, gaps string
		var mark int64
		if err := rows.Scan(&name, &mark, &gaps); err != nil {
			rows.Close()
			return false, err
		}
		marks[name] = [2]string{itoa(mark), gaps}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	upto := ts(s.Now().Add(-enrichLag))
	for _, name := range predictWatermarks {
		m, ok := marks[name]
		if !ok {
			return false, errors.New("store: the watermark " + name + " is missing")
		}
		mark, _ := strconv.ParseInt(m[0], 10, 64)
		var q string
		var args []any
		switch name {
		case "predict_events", "predict_history":
			if m[1] != "" {
				return true, nil
			}
			table := "events"
			if name == "predict_history" {
				table = "score_history"
			}
			q, args = `SELECT 1 FROM `+table+` WHERE id > ? LIMIT 1`, []any{mark}
		default:
			table := "contacts"
			if name == "predict_companies_enriched" {
				table = "companies"
			}
			markID, _ := strconv.ParseInt(m[1], 10, 64)
			q, args = `SELECT 1 FROM `+table+` WHERE enriched_at IS NOT NULL AND enriched_at <= ?
				AND (enriched_at > ? OR (enriched_at = ? AND id > ?)) LIMIT 1`, []any{upto, mark, mark, markID}
		}
		var one int
		err := s.queryRow(ctx, q, args...).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	return false, nil
}

// followIDs reads the rows of a source past its watermark, in id order, up to
// limit, and those below it it was waiting for; it files their contacts in into and
// moves the watermark. from selects a row's id and contact as "x.id" and the
// contact. On PostgreSQL a transaction can commit a lower id after a higher one, so
// ids skipped are waited for (gapWait), as the scorer does.
func followIDs(ctx context.Context, tx *Tx, name, from string, limit int, into map[int64]bool) (int, error) {
	var mark int64
	var gapText string
	if err := tx.queryRow(ctx, `SELECT event_id, gaps FROM scoring_watermark WHERE name = ?`, name).Scan(&mark, &gapText); err != nil {
		return 0, err
	}
	now := tx.s.Now()
	gaps := parseGaps(gapText)
	type row struct{ id, contact int64 }
	var got []row
	scan := func(q string, args ...any) error {
		rows, err := tx.query(ctx, q, args...)
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
		return 0, err
	}
	n := len(got)
	if len(gaps) > 0 {
		waiting := make([]int64, 0, len(gaps))
		for id := range gaps {
			waiting = append(waiting, id)
		}
		if err := scan(from+` WHERE x.id IN (`+placeholders(len(waiting))+`)`, int64Args(waiting)...); err != nil {
			return 0, err
		}
	}
	before := gapText
	next := mark + 1
	for _, r := range got {
		into[r.contact] = true
		if r.id <= mark {
			delete(gaps, r.id)
			continue
		}
		for ; next < r.id && len(gaps) < 10000; next++ {
			gaps[next] = now
		}
		next = r.id + 1
		mark = r.id
	}
	for id, at := range gaps {
		if now.Sub(at) > gapWait {
			delete(gaps, id)
		}
	}
	if after := formatGaps(gaps); n > 0 || after != before {
		if _, err := tx.exec(ctx, `UPDATE scoring_watermark SET event_id = ?, gaps = ? WHERE name = ?`, mark, after, name); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// followEnriched reads the contacts or companies enriched past the watermark (time,
// then id), up to limit, a little behind now (enrichLag), and files the live
// contacts concerned in into.
func followEnriched(ctx context.Context, tx *Tx, name, table string, limit int, into map[int64]bool) (int, error) {
	var markAt int64
	var markIDText string
	if err := tx.queryRow(ctx, `SELECT event_id, gaps FROM scoring_watermark WHERE name = ?`, name).Scan(&markAt, &markIDText); err != nil {
		return 0, err
	}
	markID, _ := strconv.ParseInt(markIDText, 10, 64)
	found, err := idPairs(tx.query(ctx, `SELECT id, enriched_at FROM `+table+` WHERE enriched_at IS NOT NULL AND enriched_at <= ?
		AND (enriched_at > ? OR (enriched_at = ? AND id > ?)) ORDER BY enriched_at, id LIMIT ?`, ts(tx.s.Now().Add(-enrichLag)), markAt, markAt, markID, limit))
	if err != nil || len(found) == 0 {
		return 0, err
	}
	last := found[len(found)-1]
	if _, err := tx.exec(ctx, `UPDATE scoring_watermark SET event_id = ?, gaps = ? WHERE name = ?`, last[1], itoa(last[0]), name); err != nil {
		return 0, err
	}
	ids := make([]int64, len(found))
	for i, f := range found {
		ids[i] = f[0]
	}
	if table == "companies" {
		for part := range slices.Chunk(ids, 500) {
			contacts, err := idRows(tx.query(ctx, `SELECT id FROM contacts WHERE merged_into_id IS NULL AND company_id IN (`+placeholders(len(part))+`)`,
				int64Args(part)...))
			if err != nil {
				return 0, err
			}
			for _, id := range contacts {
				into[id] = true
			}
		}
		return len(found), nil
	}
	for _, id := range ids {
		into[id] = true
	}
	return len(found), nil
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

// scorePredictive scores contacts (sorted ids) with m from their features as of now
// (as of their outcome for those with one), and writes the scores that changed. A
// contact merged away or gone is passed over.
func scorePredictive(ctx context.Context, tx *Tx, m *predict.Model, rules engagementAsOf, ids []int64) (int, error) {
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = itoa(id)
	}
	in := strings.Join(list, ", ")
	data, err := predictiveData(ctx, tx, rules, func(col string) string { return col + " IN (" + in + ")" }, false)
	if err != nil || len(data) == 0 {
		return 0, err
	}
	set := make([]any, 0, 2*len(data))
	for _, c := range data {
		set = append(set, c.ID, m.Score(c.Features))
	}
	const row = `(CAST(? AS BIGINT), CAST(? AS DOUBLE PRECISION))`
	err = inChunks(set, 900, func(part []any) error {
		_, err := tx.exec(ctx, `UPDATE contacts SET predictive_score = v.column2
			FROM (VALUES `+strings.TrimSuffix(strings.Repeat(row+", ", len(part)/2), ", ")+`) AS v
			WHERE contacts.id = v.column1 AND (contacts.predictive_score IS NULL OR contacts.predictive_score <> v.column2)`, part...)
		return err
	})
	return len(data), err
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
