package store

import (
	"context"
	"fmt"
	"os"
	"time"
)

// InsertEventWithID writes an event with a chosen id, as a PostgreSQL transaction
// that commits late leaves a lower id behind a higher one.
func (s *Store) InsertEventWithID(ctx context.Context, id, contactID int64, typ string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO events (id, contact_id, type, occurred_at, received_at) VALUES (?, ?, ?, ?, ?)`),
		id, contactID, typ, ts(at), ts(at))
	return err
}

// SeedScoringBench writes n contacts, each with a company of one of 500 and events
// per contact (page views, half of them of /pricing, and email clicks, spread over
// the last 90 days in time order), in a few set-based statements, for benchmarks: a million
// contacts with ten million events are laid down in minutes.
func (s *Store) SeedScoringBench(ctx context.Context, n, events int, now time.Time) error {
	jsonb := func(expr string) string {
		if s.engine == Postgres {
			return "CAST(" + expr + " AS JSONB)"
		}
		return expr
	}
	steps := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO companies (id, domain, name, industry, size, created_at)
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 500)
			SELECT n, 'corp' || n || '.example', 'Corp ' || n, 'software',
				CASE n % 5 WHEN 0 THEN '1-10' WHEN 1 THEN '11-50' WHEN 2 THEN '51-200' WHEN 3 THEN '201-500' ELSE '501-1000' END, ? FROM seq`,
			[]any{ts(now)}},
		// Events arrive in time order over the last 90 days, as in life: event k
		// (0-based) is the (k / n)th of contact k % n + 1, so each contact's events
		// are spread over the whole period and over the whole table.
		{`INSERT INTO events (contact_id, type, occurred_at, received_at, properties)
			SELECT k % ? + 1, CASE WHEN (k / ?) % 4 = 3 THEN 'email_click' ELSE 'page_view' END, at, at,
				` + jsonb(`CASE (k / ?) % 4 WHEN 2 THEN '{"page_url":"https://site.example/blog"}' WHEN 3 THEN '{}' ELSE '{"page_url":"https://site.example/pricing"}' END`) + `
			FROM (SELECT k, CAST(? AS BIGINT) - CAST(7776000000000 AS BIGINT) + k * (CAST(7776000000000 AS BIGINT) / ?) AS at FROM (
				WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k + 1 < ?) SELECT k FROM seq) ks) ev`,
			[]any{n, n, n, ts(now), n * events, n * events}},
	}
	for i, st := range steps {
		if _, err := s.write.ExecContext(ctx, s.rebind(st.q), st.args...); err != nil {
			return err
		}
		if i > 0 {
			continue
		}
		// Contacts go in 5,000 a statement: on PostgreSQL each statement's roll-up
		// triggers update the same few roll-up rows once per contact, and within one
		// transaction every update of a row makes the next one slower.
		for lo := 1; lo <= n; lo += 5000 {
			if _, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO contacts (id, email, job_title, country, company_id, email_type, stage, created_at, updated_at)
				WITH RECURSIVE seq(n) AS (SELECT CAST(? AS BIGINT) UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
				SELECT n, 'p' || n || '@corp' || (n % 500 + 1) || '.example',
					CASE n % 6 WHEN 0 THEN 'Head of Sales' WHEN 1 THEN 'VP Marketing' WHEN 2 THEN 'Engineer' WHEN 3 THEN 'Student' WHEN 4 THEN 'CTO' ELSE 'Office manager' END,
					CASE n % 5 WHEN 0 THEN 'DE' WHEN 1 THEN 'US' WHEN 2 THEN 'FR' WHEN 3 THEN 'GB' ELSE 'NL' END,
					n % 500 + 1, CASE n % 2 WHEN 0 THEN 'work' ELSE 'free' END, 'lead', ?, ? FROM seq`), lo, min(n, lo+4999), ts(now), ts(now)); err != nil {
				return err
			}
		}
	}
	analyze := `ANALYZE`
	if s.engine == Postgres {
		// As autovacuum would soon: without statistics the planner guesses.
		analyze = `VACUUM ANALYZE contacts, companies, events`
	}
	_, err := s.write.ExecContext(ctx, analyze)
	return err
}

// EnrichForTest sets what enrichment would: a contact's seniority, or a company's
// industry, stamped enriched now.
func (s *Store) EnrichForTest(ctx context.Context, contactID int64, seniority string, companyID int64, industry string) error {
	if contactID != 0 {
		if _, err := s.write.ExecContext(ctx, s.rebind(`UPDATE contacts SET seniority = ?, enriched_at = ? WHERE id = ?`), seniority, ts(s.Now()), contactID); err != nil {
			return err
		}
	}
	if companyID != 0 {
		_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE companies SET industry = ?, enriched_at = ? WHERE id = ?`), industry, ts(s.Now()), companyID)
		return err
	}
	return nil
}

// RescoreOneByOneForTest puts a rule version in force as the scorer did before
// recomputes were set-based: every live contact scored from whole events as a
// contact's explanation is (scoring.Score, none of the packed reading) and written
// contact by contact, its stage moves one by one with moveStage, in one
// transaction. It is the reference the recompute and the event scorer are compared
// with.
func (s *Store) RescoreOneByOneForTest(ctx context.Context, version int64) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		rs, err := s.ruleSet(ctx, tx.tx, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE version = ?`, version)
		if err != nil {
			return err
		}
		run, err := newRun(ctx, tx.tx, s, rs)
		if err != nil {
			return err
		}
		run.explain = true
		reason := "rules version " + itoa(version)
		for after := int64(0); ; {
			ids, err := contactIDsAfter(ctx, tx, after, 500)
			if err != nil || len(ids) == 0 {
				if err != nil {
					return err
				}
				break
			}
			scores, err := scoreContacts(ctx, tx, run, ids)
			if err != nil {
				return err
			}
			if err := applyOneByOne(ctx, tx, run, scores, reason); err != nil {
				return err
			}
			after = ids[len(ids)-1]
		}
		if _, err := tx.exec(ctx, `UPDATE scoring_recomputes SET state = 'done' WHERE state = 'running'`); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE scoring_rule_sets SET state = 'superseded' WHERE state IN ('active', 'pending') AND version <> ?`, version); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE scoring_rule_sets SET state = 'active' WHERE version = ?`, version)
		return err
	})
}

// ScoreOneByOneForTest scores contacts under the active rules as
// RescoreOneByOneForTest does, without touching the rule versions.
func (s *Store) ScoreOneByOneForTest(ctx context.Context, ids []int64) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		run, err := activeRun(ctx, tx)
		if err != nil {
			return err
		}
		run.explain = true
		scores, err := scoreContacts(ctx, tx, run, ids)
		if err != nil {
			return err
		}
		return applyOneByOne(ctx, tx, run, scores, "one by one")
	})
}

// applyOneByOne is applyScores for every contact, statement by statement.
func applyOneByOne(ctx context.Context, tx *Tx, run *scoreRun, scores []contactScore, reason string) error {
	for _, sc := range scores {
		var fit, eng int
		var stage string
		if err := tx.queryRow(ctx, `SELECT fit_score, engagement_score, stage FROM contacts WHERE id = ?`, sc.id).Scan(&fit, &eng, &stage); err != nil {
			return err
		}
		b := sc.breakdown
		if _, err := tx.exec(ctx, `UPDATE contacts SET fit_score = ?, engagement_score = ?, scored_at = ? WHERE id = ?`, b.Fit, b.Engagement, ts(run.now), sc.id); err != nil {
			return err
		}
		if b.Fit != fit || b.Engagement != eng {
			if _, err := tx.exec(ctx, `INSERT INTO score_history (contact_id, at, fit_old, fit_new, engagement_old, engagement_new, reason) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				sc.id, ts(run.now), fit, b.Fit, eng, b.Engagement, reason); err != nil {
				return err
			}
		}
		if m, ok := scoreMove(run.settings, sc.id, stage, b.Fit, sc.stageScore); ok {
			if err := moveStage(ctx, tx, sc.id, m.from, m.to, ActorScoring, m.reason, run.now); err != nil {
				return err
			}
		}
	}
	return nil
}

// RowsForTest runs a query and returns each row as text, for comparing tables.
func RowsForTest(ctx context.Context, s *Store, q string, args ...any) ([]string, error) {
	rows, err := s.query(ctx, q, args...)
	return textRows(rows, err, false)
}

// FlatPropsForTest exposes the direct reader of event properties.
func FlatPropsForTest(s string) (map[string]any, bool) { return flatProps(s) }

// LastRecomputeSwap is how long the last final swap of a recompute took
// (finishRecompute), for the benchmarks.
var LastRecomputeSwap time.Duration

func init() {
	recomputeFinished = func(d time.Duration) { LastRecomputeSwap = d }
	if os.Getenv("LODESTONE_BENCH_TRACE") != "" {
		recomputeTrace = func(step string, d time.Duration) {
			fmt.Fprintf(os.Stderr, "swap: %s %v\n", step, d.Round(time.Millisecond))
		}
	}
}

// AfterScoreReadForTest makes f run after the event scorer has read and scored a
// batch, before it writes it.
func AfterScoreReadForTest(s *Store, f func()) { s.afterScoreRead = f }

// LimitReadersForTest caps the connections of the store's read pool (on PostgreSQL
// the one pool that reads and writes).
func LimitReadersForTest(s *Store, n int) { s.read.SetMaxOpenConns(n) }

// EventScanForTest has recomputes read events by scans of the events table (scanPass)
// from minContacts contacts left, holding at most budget events a pass, until the
// returned function puts the defaults back.
// Each pass is read by scanReaders readers, however few the events.
func EventScanForTest(minContacts, budget int) func() {
	m, b, p := scanMinContacts, scanBudget, scanPartMin
	scanMinContacts, scanBudget, scanPartMin = minContacts, budget, 1
	return func() { scanMinContacts, scanBudget, scanPartMin = m, b, p }
}

// MaxScanEventsForTest sets the largest events table a recompute reads by scans,
// until the returned function puts the default back.
func MaxScanEventsForTest(n int64) func() {
	m := scanMaxEvents
	scanMaxEvents = n
	return func() { scanMaxEvents = m }
}

// AfterScanPassForTest makes f run after each scan pass of a recompute has read its
// events and before its batches are staged.
func AfterScanPassForTest(s *Store, f func()) { s.afterScanPass = f }

// SwapChunkForTest sets how many staged contacts one statement of a recompute's
// final copy of scores covers on SQLite, until the returned function puts the
// default back.
func SwapChunkForTest(n int) func() {
	c := swapChunk
	swapChunk = n
	return func() { swapChunk = c }
}

// AfterDecayWriteForTest has f run in each transaction of the decay refresh after it
// wrote the scores of the contacts ids; an error from f fails the transaction.
func AfterDecayWriteForTest(s *Store, f func(ids []int64) error) { s.afterDecayWrite = f }
