package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// JobRecompute is the kind of the durable job that rescores every contact.
const JobRecompute = "scoring.recompute"

// Recompute states.
const (
	RecomputeRunning    = "running"
	RecomputeDone       = "done"
	RecomputeSuperseded = "superseded" // a later recompute replaced it before it finished
)

// Recompute is a full rescore of every contact under a rule version, with its
// progress.
type Recompute struct {
	ID         int64     `json:"id"`
	Version    int64     `json:"version"`
	State      string    `json:"state"`
	Total      int64     `json:"total"`
	Done       int64     `json:"done"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// Percent is the share of contacts staged, 0..100; 100 once done.
func (r *Recompute) Percent() int {
	if r.State == RecomputeDone || r.Total == 0 {
		return 100
	}
	return int(min(100, r.Done*100/r.Total))
}

const recomputeColumns = `id, version, state, total, done, started_at, finished_at`

func scanRecompute(r scanner) (*Recompute, error) {
	var rc Recompute
	var started int64
	var finished sql.NullInt64
	if err := r.Scan(&rc.ID, &rc.Version, &rc.State, &rc.Total, &rc.Done, &started, &finished); err != nil {
		return nil, err
	}
	rc.StartedAt, rc.FinishedAt = fromTS(started), fromNullTS(finished)
	return &rc, nil
}

// startRecompute records a recompute of version and queues its job, in the
// transaction of the change that needs it. Earlier unfinished recomputes are
// superseded: their staged scores are dropped and never copied.
func startRecompute(ctx context.Context, tx *Tx, version int64) (int64, error) {
	var total, lastEvent int64
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE merged_into_id IS NULL`).Scan(&total); err != nil {
		return 0, err
	}
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&lastEvent); err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `DELETE FROM score_staging WHERE recompute_id IN (SELECT id FROM scoring_recomputes WHERE state = 'running')`); err != nil {
		return 0, err
	}
	if _, err := tx.exec(ctx, `UPDATE scoring_recomputes SET state = 'superseded', finished_at = ? WHERE state = 'running'`, ts(tx.s.Now())); err != nil {
		return 0, err
	}
	// Where the event scorer stands: see lateContacts.
	var scorerMark int64
	var scorerGaps string
	if err := tx.queryRow(ctx, `SELECT event_id, gaps FROM scoring_watermark WHERE name = 'events'`).Scan(&scorerMark, &scorerGaps); err != nil {
		return 0, err
	}
	if tx.s.engine == Postgres && lastEvent > scorerMark && lastEvent-scorerMark <= maxLateScan {
		// The events the scorer has not read yet but that are committed are seen by
		// the recompute's reads: only the missing ids among them can commit late.
		ids, err := idRows(tx.query(ctx, `SELECT id FROM events WHERE id > ? AND id <= ? ORDER BY id`, scorerMark, lastEvent))
		if err != nil {
			return 0, err
		}
		gaps := parseGaps(scorerGaps)
		now, next := tx.s.Now(), scorerMark+1
		for _, id := range ids {
			for ; next < id && len(gaps) <= maxLateGaps; next++ {
				gaps[next] = now
			}
			next = id + 1
		}
		if len(gaps) <= maxLateGaps { // else the whole range stays to look at
			scorerMark, scorerGaps = lastEvent, formatGaps(gaps)
		}
	}
	var id int64
	if err := tx.queryRow(ctx, `INSERT INTO scoring_recomputes (version, state, total, start_event_id, started_at, scorer_event_id, scorer_gaps)
		VALUES (?, 'running', ?, ?, ?, ?, ?) RETURNING id`,
		version, total, lastEvent, ts(tx.s.Now()), scorerMark, scorerGaps).Scan(&id); err != nil {
		return 0, err
	}
	payload, _ := json.Marshal(map[string]int64{"recompute_id": id})
	_, err := enqueueJob(ctx, tx, NewJob{Kind: JobRecompute, Payload: payload})
	return id, err
}

// StartRecompute rescores every contact under the latest rules (a person's request).
func (s *Store) StartRecompute(ctx context.Context, actor string) (*Recompute, error) {
	var id int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var version int64
		err := tx.queryRow(ctx, `SELECT version FROM scoring_rule_sets WHERE state <> 'superseded' ORDER BY version DESC LIMIT 1`).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoRules
		}
		if err != nil {
			return err
		}
		if id, err = startRecompute(ctx, tx, version); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "scoring.recompute", "scoring_rules:"+itoa(version), map[string]any{"recompute_id": id})
	})
	if err != nil {
		return nil, err
	}
	return s.Recompute(ctx, id)
}

// Recompute returns one recompute with its progress.
func (s *Store) Recompute(ctx context.Context, id int64) (*Recompute, error) {
	rc, err := scanRecompute(s.queryRow(ctx, `SELECT `+recomputeColumns+` FROM scoring_recomputes WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("recompute %d not found", id)
	}
	return rc, err
}

// LatestRecompute returns the newest recompute, or nil when none ran.
func (s *Store) LatestRecompute(ctx context.Context) (*Recompute, error) {
	rc, err := scanRecompute(s.queryRow(ctx, `SELECT `+recomputeColumns+` FROM scoring_recomputes ORDER BY id DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return rc, err
}

// RecomputeStep stages the scores of the next batch of contacts of a recompute, in
// one transaction with its progress, so a recompute stopped anywhere resumes where it
// was. When no contact is left it puts the rules in force (see finishRecompute). It
// reports whether the recompute is over.
func (s *Store) RecomputeStep(ctx context.Context, id int64, batch int) (bool, error) {
	if batch <= 0 {
		batch = 5000
	}
	finished, swapped := false, false
	t0 := time.Now()
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if err := lockScoring(ctx, tx); err != nil {
			return err
		}
		var version, after, startEvent int64
		var state string
		err := tx.queryRow(ctx, `SELECT version, state, after_id, start_event_id FROM scoring_recomputes WHERE id = ?`, id).
			Scan(&version, &state, &after, &startEvent)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && state != RecomputeRunning) {
			finished = true
			return nil
		}
		if err != nil {
			return err
		}
		rs, err := s.ruleSet(ctx, tx.tx, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE version = ?`, version)
		if err != nil {
			return err
		}
		run, err := newRun(ctx, tx.tx, s, rs)
		if err != nil {
			return err
		}
		ids, err := contactIDsAfter(ctx, tx, after, batch)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			finished, swapped = true, true
			return finishRecompute(ctx, tx, id, run, startEvent)
		}
		scores, err := scoreContactRange(ctx, tx, run, ids)
		if err != nil {
			return err
		}
		if err := stageScores(ctx, tx, id, scores, run.now); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE scoring_recomputes SET after_id = ?, done = done + ? WHERE id = ?`, ids[len(ids)-1], len(ids), id)
		return err
	})
	if swapped && err == nil && recomputeFinished != nil {
		recomputeFinished(time.Since(t0))
	}
	return finished, err
}

// stageScores writes a batch's scores into score_staging, a statement for each
// thousand contacts.
func stageScores(ctx context.Context, tx *Tx, id int64, scores []contactScore, now time.Time) error {
	for part := range slices.Chunk(scores, 1000) {
		args := make([]any, 0, 6*len(part))
		for _, sc := range part {
			args = append(args, id, sc.id, sc.breakdown.Fit, sc.breakdown.Engagement, sc.stageScore, ts(now))
		}
		if _, err := tx.exec(ctx, `INSERT INTO score_staging (recompute_id, contact_id, fit, engagement, stage_score, scored_at) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", len(part)), ", ")+`
			ON CONFLICT (recompute_id, contact_id) DO UPDATE SET fit = excluded.fit, engagement = excluded.engagement, stage_score = excluded.stage_score, scored_at = excluded.scored_at`,
			args...); err != nil {
			return err
		}
	}
	return nil
}

// recomputeFinished, when set (by benchmarks), is told how long each final swap took,
// its commit included.
var recomputeFinished func(time.Duration)

// recomputeTrace, when set (by benchmarks), is told how long each step of a final
// swap took.
var recomputeTrace func(step string, d time.Duration)

func contactIDsAfter(ctx context.Context, tx *Tx, after int64, n int) ([]int64, error) {
	return idRows(tx.query(ctx, `SELECT id FROM contacts WHERE id > ? AND merged_into_id IS NULL ORDER BY id LIMIT ?`, after, n))
}

// finishRecompute copies the staged scores that differ from the stored ones into
// contacts in one transaction (not into contacts merged into others since they were
// staged: the live path leaves those as the merge left them), with a history row per change and the stage moves the
// new scores earn, written a few hundred contacts a statement (a moved contact gets
// its scores and its stage in one update, then the others their scores); rescores the contacts
// whose events arrived while the recompute ran (they were staged before those
// events); and puts the rule version in force. A contact whose scores did not change
// keeps its row as it was, scored_at included: its stored scores are those of the
// new rules already.
func finishRecompute(ctx context.Context, tx *Tx, id int64, run *scoreRun, startEvent int64) error {
	now := ts(run.now)
	reason := "rules version " + itoa(run.version)
	tt := time.Now()
	mark := func(step string) {
		if recomputeTrace != nil {
			recomputeTrace(step, time.Since(tt))
		}
		tt = time.Now()
	}
	defer mark("rest")
	if _, err := tx.exec(ctx, `INSERT INTO score_history (contact_id, at, fit_old, fit_new, engagement_old, engagement_new, reason)
		SELECT c.id, ?, c.fit_score, st.fit, c.engagement_score, st.engagement, ?
		FROM score_staging st JOIN contacts c ON c.id = st.contact_id
		WHERE st.recompute_id = ? AND c.merged_into_id IS NULL AND (c.fit_score <> st.fit OR c.engagement_score <> st.engagement)
		ORDER BY c.id`, now, reason, id); err != nil {
		return err
	}
	mark("history")
	// Read before the stage moves below add their own events.
	late, err := lateContacts(ctx, tx, id, startEvent)
	if err != nil {
		return err
	}
	var moves []stageMove
	var staged []stagedScore
	rows, err := tx.query(ctx, `SELECT c.id, c.stage, st.fit, st.stage_score, st.engagement, st.scored_at FROM score_staging st JOIN contacts c ON c.id = st.contact_id
		WHERE st.recompute_id = ? AND c.merged_into_id IS NULL AND st.fit >= ? AND st.stage_score >= ? ORDER BY c.id`, id, run.settings.MQLFit, run.settings.MQLEngagement)
	if err != nil {
		return err
	}
	for rows.Next() {
		var cid, scoredAt int64
		var stage string
		var fit, score, engagement int
		if err := rows.Scan(&cid, &stage, &fit, &score, &engagement, &scoredAt); err != nil {
			rows.Close()
			return err
		}
		if m, ok := scoreMove(run.settings, cid, stage, fit, score); ok {
			moves = append(moves, m)
			staged = append(staged, stagedScore{fit: fit, engagement: engagement, scoredAt: scoredAt})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	mark("find moves")
	// The moved contacts get their new scores with their new stage, in one update;
	// the copy of the scores below then finds them up to date and leaves them.
	if err := moveStagesScored(ctx, tx, moves, ActorScoring, run.now, id, staged); err != nil {
		return err
	}
	mark("moves " + itoa(int64(len(moves))))
	if err := copyStaged(ctx, tx, id); err != nil {
		return err
	}
	mark("update")

	for len(late) > 0 {
		n := min(len(late), 500)
		scores, err := scoreContacts(ctx, tx, run, late[:n])
		if err != nil {
			return err
		}
		if err := applyScores(ctx, tx, run, scores, func(int64) string { return reason }, false); err != nil {
			return err
		}
		late = late[n:]
	}
	mark("late")
	if err := dropStaged(ctx, tx, id); err != nil {
		return err
	}
	mark("drop staged")
	if _, err := tx.exec(ctx, `UPDATE scoring_rule_sets SET state = 'superseded' WHERE state IN ('active', 'pending') AND version <> ?`, run.version); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE scoring_rule_sets SET state = 'active', activated_at = COALESCE(activated_at, ?) WHERE version = ?`, now, run.version); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE scoring_recomputes SET state = 'done', finished_at = ? WHERE id = ?`, now, id)
	return err
}

// swapChunk is how many staged contacts one statement of the final copy of scores
// covers on SQLite (see copyStaged).
var swapChunk = 20_000

// copyStaged copies a finished recompute's staged scores that differ from the
// stored ones into contacts. On SQLite one statement for them all kept the original
// of every page it changed in its statement journal, in memory (temp_store =
// MEMORY), until it ended: about 350 MiB when a million contacts' scores change,
// the peak of a full rescore's memory. There it takes ranges of swapChunk staged
// contacts, a statement each in the same transaction, whose journal is emptied as
// each ends.
func copyStaged(ctx context.Context, tx *Tx, id int64) error {
	update := `UPDATE contacts SET fit_score = st.fit, engagement_score = st.engagement, scored_at = st.scored_at
		FROM score_staging st WHERE st.recompute_id = ? AND st.contact_id = contacts.id AND contacts.merged_into_id IS NULL
		AND (contacts.fit_score <> st.fit OR contacts.engagement_score <> st.engagement OR contacts.scored_at IS NULL)`
	if tx.s.engine == Postgres {
		_, err := tx.exec(ctx, update, id)
		return err
	}
	for lo := int64(math.MinInt64); ; {
		// The last contact of the range, or none when fewer than swapChunk are left.
		var hi int64
		err := tx.queryRow(ctx, `SELECT contact_id FROM score_staging WHERE recompute_id = ? AND contact_id > ?
			ORDER BY contact_id LIMIT 1 OFFSET ?`, id, lo, max(swapChunk, 1)-1).Scan(&hi)
		last := errors.Is(err, sql.ErrNoRows)
		if err != nil && !last {
			return err
		}
		if last {
			_, err = tx.exec(ctx, update+` AND st.contact_id > ?`, id, lo)
			return err
		}
		if _, err := tx.exec(ctx, update+` AND st.contact_id > ? AND st.contact_id <= ?`, id, lo, hi); err != nil {
			return err
		}
		lo = hi
	}
}

// dropStaged deletes the staged scores of a finished recompute. When they are all
// the table holds, as they are unless an older recompute's were left behind, the
// statement has no condition: SQLite then empties the table and its index at once
// instead of deleting a million rows one by one.
func dropStaged(ctx context.Context, tx *Tx, id int64) error {
	var others bool
	if err := tx.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM score_staging WHERE recompute_id < ?) OR EXISTS (SELECT 1 FROM score_staging WHERE recompute_id > ?)`,
		id, id).Scan(&others); err != nil {
		return err
	}
	if others {
		_, err := tx.exec(ctx, `DELETE FROM score_staging WHERE recompute_id = ?`, id)
		return err
	}
	_, err := tx.exec(ctx, `DELETE FROM score_staging`)
	return err
}

// maxLateScan and maxLateGaps bound what a recompute's start reads to narrow the
// events lateContacts looks at to the ids that were missing (not committed) when it
// started: the events the scorer had yet to read, when they are at most maxLateScan,
// with at most maxLateGaps missing. Past those bounds every event the scorer read
// since the start is looked at.
const (
	maxLateScan = 100_000
	maxLateGaps = 10_000
)

// lateContacts returns the contacts (merged ones as the contact they were merged
// into) whose staged scores may lack an event that the event scorer has meanwhile
// scored under the old rules, for finishRecompute to score them again under the new
// ones. They are the contacts of the events after startEvent (the newest event when
// the recompute started), and of the events with lower ids that were not committed
// yet at the start: on PostgreSQL a transaction draws its ids before it commits, so
// a recompute's reads can miss such an event and the scorer score it after them.
// Those are among the events the scorer had not read at the start (after its mark,
// or among the ids it was waiting for) and has read since; the ones it reads after
// the swap are scored under the new rules anyway. SQLite needs none of this: its ids
// follow commit order.
func lateContacts(ctx context.Context, tx *Tx, id, startEvent int64) ([]int64, error) {
	const byContact = `SELECT DISTINCT COALESCE(c.merged_into_id, c.id) FROM events e JOIN contacts c ON c.id = e.contact_id WHERE `
	late, err := idRows(tx.query(ctx, byContact+`e.id > ? ORDER BY 1`, startEvent))
	if err != nil || tx.s.engine != Postgres {
		return late, err // SQLite commits one writer at a time: ids follow commit order
	}
	var mark sql.NullInt64
	var gapText sql.NullString
	if err := tx.queryRow(ctx, `SELECT scorer_event_id, scorer_gaps FROM scoring_recomputes WHERE id = ?`, id).Scan(&mark, &gapText); err != nil {
		return nil, err
	}
	if !mark.Valid {
		return late, nil // started before the mark was kept
	}
	var now int64
	if err := tx.queryRow(ctx, `SELECT event_id FROM scoring_watermark WHERE name = 'events'`).Scan(&now); err != nil {
		return nil, err
	}
	if upto := min(now, startEvent); upto > mark.Int64 {
		more, err := idRows(tx.query(ctx, byContact+`e.id > ? AND e.id <= ?`, mark.Int64, upto))
		if err != nil {
			return nil, err
		}
		late = append(late, more...)
	}
	var waited []int64
	for gap := range parseGaps(gapText.String) {
		if gap <= startEvent {
			waited = append(waited, gap)
		}
	}
	for part := range slices.Chunk(waited, 1000) {
		more, err := idRows(tx.query(ctx, byContact+`e.id IN (`+placeholders(len(part))+`)`, int64Args(part)...))
		if err != nil {
			return nil, err
		}
		late = append(late, more...)
	}
	slices.Sort(late)
	return slices.Compact(late), nil
}
