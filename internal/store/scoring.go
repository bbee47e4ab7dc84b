package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/scoring"
)

// ActorScoring is the actor of the moves and changes scoring makes by itself.
const ActorScoring = "scoring"

// scoreRun is one pass of scoring: the rules and settings it applies, at a time.
type scoreRun struct {
	version  int64
	rules    scoring.Rules
	fit      *fitRules
	settings scoring.Settings
	now      time.Time
	explain  bool // keep the breakdown's lines
}

// contactScore is what scoring computed for one contact.
type contactScore struct {
	id         int64
	breakdown  scoring.Breakdown
	stageScore int // engagement earned since the contact was last recycled
}

// lockScoring makes the writers of scores take turns on PostgreSQL across nodes: the
// event poller, the decay refresh and the recompute's final swap. SQLite's single
// writer serialises them by itself.
func lockScoring(ctx context.Context, tx *Tx) error {
	if tx.s.engine != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(4242008)`)
	return err
}

// recycleTypes are the event types scoring reads besides those the rules count: a
// rejection or a move back recycles the contact.
var recycleTypes = []string{"sql_rejected", "stage_changed"}

// scoreContacts computes the scores of contacts (none of them merged away) under run.
// Events of contacts merged into one of them count for it, as on its timeline.
func scoreContacts(ctx context.Context, q querier, run *scoreRun, ids []int64) ([]contactScore, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	owner := make(map[int64]int64, len(ids))
	all := slices.Clone(ids)
	for _, id := range ids {
		owner[id] = id
	}
	rows, err := q.query(ctx, `SELECT id, merged_into_id FROM contacts WHERE merged_into_id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var child, parent int64
		if err := rows.Scan(&child, &parent); err != nil {
			rows.Close()
			return nil, err
		}
		owner[child] = parent
		all = append(all, child)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	events := map[int64][]scoring.Event{}
	// Properties are read only where a rule or the recycling looks at them.
	needProps := map[string]bool{"stage_changed": true}
	for _, r := range run.rules.Engagement {
		if r.Property != "" {
			needProps[r.EventType] = true
		}
	}
	types := append(run.rules.EventTypes(), recycleTypes...)
	horizon := run.now.Add(-run.rules.Horizon(run.settings.HalfLife()))
	args := append(int64Args(all), ts(horizon))
	for _, t := range types {
		args = append(args, t)
	}
	// "type || ''" keeps the planner on the contact index: through the type index it
	// would read every event of the type for each batch of contacts.
	rows, err = q.query(ctx, `SELECT id, contact_id, type, occurred_at, properties FROM events
		WHERE contact_id IN (`+placeholders(len(all))+`) AND occurred_at >= ? AND type || '' IN (`+placeholders(len(types))+`)
		ORDER BY occurred_at, id`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var e scoring.Event
		var cid, at int64
		var props string
		if err := rows.Scan(&e.ID, &cid, &e.Type, &at, &props); err != nil {
			rows.Close()
			return nil, err
		}
		e.At = fromTS(at)
		if props != "{}" && needProps[e.Type] {
			_ = json.Unmarshal([]byte(props), &e.Properties)
		}
		events[owner[cid]] = append(events[owner[cid]], e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	matched, err := run.fit.matches(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	out := make([]contactScore, len(ids))
	for i, id := range ids {
		evs := events[id]
		m := matched[id]
		score := scoring.Totals
		if run.explain {
			score = scoring.Score
		}
		b := score(run.rules, func(k int) bool { return k < len(m) && m[k] }, evs, run.now, run.settings.HalfLife())
		cs := contactScore{id: id, breakdown: b, stageScore: b.Engagement}
		if at := recycledAt(evs); !at.IsZero() {
			var since []scoring.Event
			for _, e := range evs {
				if e.At.After(at) {
					since = append(since, e)
				}
			}
			raw, _ := scoring.Engagement(run.rules.Engagement, since, run.now, run.settings.HalfLife())
			cs.stageScore = scoring.Clamp(int(math.Round(raw)))
		}
		out[i] = cs
	}
	return out, nil
}

// recycledAt is when the contact was last sent back down the ladder (a rejection by
// sales, or a person's move back to an earlier stage): engagement from before then
// does not move it up again by itself.
func recycledAt(evs []scoring.Event) time.Time {
	var at time.Time
	for _, e := range evs {
		switch e.Type {
		case "sql_rejected":
		case "stage_changed":
			from, _ := e.Properties["from"].(string)
			to, _ := e.Properties["to"].(string)
			if to == lifecycle.Disqualified || from == lifecycle.Disqualified || lifecycle.Rank(to) >= lifecycle.Rank(from) {
				continue
			}
		default:
			continue
		}
		if e.At.After(at) {
			at = e.At
		}
	}
	return at
}

// applyScores writes computed scores into contacts, a history row for each change,
// and the forward stage moves the thresholds earn.
func applyScores(ctx context.Context, tx *Tx, run *scoreRun, scores []contactScore, reason func(id int64) string) error {
	if len(scores) == 0 {
		return nil
	}
	ids := make([]int64, len(scores))
	for i, c := range scores {
		ids[i] = c.id
	}
	type current struct {
		fit, eng int
		stage    string
	}
	cur := make(map[int64]current, len(ids))
	rows, err := tx.query(ctx, `SELECT id, fit_score, engagement_score, stage FROM contacts WHERE id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var c current
		if err := rows.Scan(&id, &c.fit, &c.eng, &c.stage); err != nil {
			rows.Close()
			return err
		}
		cur[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, sc := range scores {
		c, ok := cur[sc.id]
		if !ok {
			continue
		}
		b := sc.breakdown
		if _, err := tx.exec(ctx, `UPDATE contacts SET fit_score = ?, engagement_score = ?, scored_at = ? WHERE id = ?`,
			b.Fit, b.Engagement, ts(run.now), sc.id); err != nil {
			return err
		}
		if b.Fit != c.fit || b.Engagement != c.eng {
			if _, err := tx.exec(ctx, `INSERT INTO score_history (contact_id, at, fit_old, fit_new, engagement_old, engagement_new, reason)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, sc.id, ts(run.now), c.fit, b.Fit, c.eng, b.Engagement, reason(sc.id)); err != nil {
				return err
			}
		}
		if err := advanceByScore(ctx, tx, run.settings, sc.id, c.stage, b.Fit, sc.stageScore, run.now); err != nil {
			return err
		}
	}
	return nil
}

// advanceByScore moves a contact forward to MQL or SQL when its scores reach the
// thresholds; stages only move forward by themselves (SPEC section 3).
func advanceByScore(ctx context.Context, tx *Tx, set scoring.Settings, id int64, stage string, fit, engagement int, now time.Time) error {
	target := set.StageFor(fit, engagement)
	if !lifecycle.AutoAdvance(stage, target) {
		return nil
	}
	fitMin, engMin := set.MQLFit, set.MQLEngagement
	if target == lifecycle.SQL {
		fitMin, engMin = set.SQLFit, set.SQLEngagement
	}
	why := fmt.Sprintf("fit %d and engagement %d reached the %s thresholds (fit %d, engagement %d)",
		fit, engagement, strings.ToUpper(target), fitMin, engMin)
	return moveStage(ctx, tx, id, stage, target, ActorScoring, why, now)
}

// querier is what reads need: the store's read pool or a transaction.
type querier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}
