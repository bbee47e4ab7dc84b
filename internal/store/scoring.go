package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	// readAt is the contact's stage when it was read before its events, or "" when
	// the reads and the write are one transaction's (see scoreAhead).
	readAt string
}

// lockScoring makes the writers of scores take turns on PostgreSQL across nodes: the
// event poller, the decay refresh and the recompute's final swap. SQLite's single
// writer serialises them by itself.
func lockScoring(ctx context.Context, tx *Tx) error {
	return advisoryLock(ctx, tx, lockScores)
}

// recycleTypes are the event types scoring reads besides those the rules count: a
// rejection or a move back recycles the contact.
var recycleTypes = []string{"sql_rejected", "stage_changed"}

// eventFilter is what a scoring pass reads of events: the types the rules count
// and those that recycle, from the horizon on, and which types' properties matter.
type eventFilter struct {
	types     []string
	horizon   int64
	needProps map[string]bool
}

func (run *scoreRun) eventFilter() eventFilter {
	// Properties are read only where a rule or the recycling looks at them.
	need := map[string]bool{"stage_changed": true}
	for _, r := range run.rules.Engagement {
		if r.Property != "" {
			need[r.EventType] = true
		}
	}
	return eventFilter{
		types:     append(run.rules.EventTypes(), recycleTypes...),
		horizon:   ts(run.now.Add(-run.rules.Horizon(run.settings.HalfLife()))),
		needProps: need,
	}
}

// readEvents runs an events query whose columns are id, contact_id, type,
// occurred_at and properties, and files each event under its owner; events of
// contacts without an owner are left out.
func (ef eventFilter) readEvents(ctx context.Context, q querier, events map[int64][]scoring.Event, owner func(int64) int64, query string, args ...any) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	// Type and properties are read in place: a full rescore reads ten million rows.
	var typ, props sql.RawBytes
	for rows.Next() {
		var e scoring.Event
		var cid, at int64
		if err := rows.Scan(&e.ID, &cid, &typ, &at, &props); err != nil {
			return err
		}
		o := owner(cid)
		if o == 0 {
			continue
		}
		e.Type = ef.typeName(typ)
		e.At = fromTS(at)
		if string(props) != "{}" && ef.needProps[e.Type] {
			e.Properties = decodeProps(string(props))
		}
		events[o] = append(events[o], e)
	}
	return rows.Err()
}

// typeName is an event type read as bytes, as one of the filter's own strings.
func (ef eventFilter) typeName(b []byte) string {
	for _, t := range ef.types {
		if t == string(b) {
			return t
		}
	}
	return string(b)
}

// eventsOf reads the scored events of contacts by id, in batches.
func (ef eventFilter) eventsOf(ctx context.Context, q querier, events map[int64][]scoring.Event, owner func(int64) int64, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := append(int64Args(ids[:n]), ef.horizon)
		for _, t := range ef.types {
			args = append(args, t)
		}
		// "type || ''" keeps the planner on the contact index: through the type index it
		// would read every event of the type for each batch of contacts.
		if err := ef.readEvents(ctx, q, events, owner, `SELECT id, contact_id, type, occurred_at, properties FROM events
			WHERE contact_id IN (`+placeholders(n)+`) AND occurred_at >= ? AND type || '' IN (`+placeholders(len(ef.types))+`)`, args...); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

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
	if !run.explain && len(run.rules.Engagement) <= maxPackedRules {
		return scoreListPacked(ctx, q, run, ids, all, owner)
	}
	return scoreListWhole(ctx, q, run, ids, all, owner)
}

// scoreListWhole is scoreContacts from whole events, as the explanation of a
// contact's scores needs them (and rule sets too large to pack).
func scoreListWhole(ctx context.Context, q querier, run *scoreRun, ids, all []int64, owner map[int64]int64) ([]contactScore, error) {
	ef := run.eventFilter()
	events := map[int64][]scoring.Event{}
	if err := ef.eventsOf(ctx, q, events, func(id int64) int64 { return owner[id] }, all); err != nil {
		return nil, err
	}
	matched, err := run.fit.matches(ctx, q, `c.id IN (`+placeholders(len(ids))+`)`, int64Args(ids))
	if err != nil {
		return nil, err
	}
	return run.compute(ids, events, matched), nil
}

// scoreContactRange is scoreContacts for a run of consecutive live contacts, in id
// order, as a recompute stages them: every live contact with an id from the first
// to the last is in ids. Their events and profiles are read as ranges of the
// contact indexes rather than one lookup per contact.
func scoreContactRange(ctx context.Context, q querier, run *scoreRun, ids []int64) ([]contactScore, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	lo, hi := ids[0], ids[len(ids)-1]
	live := make(map[int64]bool, len(ids))
	for _, id := range ids {
		live[id] = true
	}
	children := map[int64]int64{}
	var childIDs []int64
	rows, err := q.query(ctx, `SELECT id, merged_into_id FROM contacts WHERE merged_into_id >= ? AND merged_into_id <= ? ORDER BY id`, lo, hi)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var child, parent int64
		if err := rows.Scan(&child, &parent); err != nil {
			rows.Close()
			return nil, err
		}
		if live[parent] {
			children[child] = parent
			childIDs = append(childIDs, child)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(run.rules.Engagement) <= maxPackedRules {
		return scoreRangePacked(ctx, q, run, ids, children, childIDs)
	}
	ef := run.eventFilter()
	events := make(map[int64][]scoring.Event, len(ids))
	// The range holds the batch's own events, and those of merged contacts whose ids
	// fall in it, which are read below with the contact they were merged into.
	args := []any{lo, hi, ef.horizon}
	for _, t := range ef.types {
		args = append(args, t)
	}
	if err := ef.readEvents(ctx, q, events, func(id int64) int64 {
		if live[id] {
			return id
		}
		return 0
	}, `SELECT id, contact_id, type, occurred_at, properties FROM events
		WHERE contact_id >= ? AND contact_id <= ? AND occurred_at >= ? AND type || '' IN (`+placeholders(len(ef.types))+`)`, args...); err != nil {
		return nil, err
	}
	if err := ef.eventsOf(ctx, q, events, func(id int64) int64 { return children[id] }, childIDs); err != nil {
		return nil, err
	}
	matched, err := run.fit.matches(ctx, q, `c.id >= ? AND c.id <= ?`, []any{lo, hi})
	if err != nil {
		return nil, err
	}
	return run.compute(ids, events, matched), nil
}

// compute scores each contact from its events and fit matches. Events are taken in
// time order (then id), as the engagement sum adds them.
func (run *scoreRun) compute(ids []int64, events map[int64][]scoring.Event, matched map[int64][]bool) []contactScore {
	out := make([]contactScore, len(ids))
	for i, id := range ids {
		evs := events[id]
		slices.SortFunc(evs, func(a, b scoring.Event) int {
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
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
	return out
}

// decodeProps decodes an event's properties. The common shape, a flat object of
// text values without escapes, is read directly; anything else goes through
// encoding/json, with the same result.
func decodeProps(s string) map[string]any {
	if m, ok := flatProps(s); ok {
		return m
	}
	return unmarshalProps([]byte(s))
}

// unmarshalProps decodes stored properties with their numbers as written
// (json.Number): an order number of 19 digits reads back as it was sent, not as the
// nearest float, and a rule or filter compares the number's own text.
func unmarshalProps(b []byte) map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil
	}
	return m
}

// flatProps reads a JSON object whose members are all strings without escapes or
// control characters, in valid UTF-8; ok is false for any other text.
func flatProps(s string) (map[string]any, bool) {
	m := map[string]any{}
	if !flatPropsInto(s, m) {
		return nil, false
	}
	return m, true
}

// flatPropsInto is flatProps into an empty map m; m is left partly filled when it
// reports false.
func flatPropsInto(s string, m map[string]any) bool {
	i := 0
	space := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
	}
	str := func() (string, bool) {
		if i >= len(s) || s[i] != '"' {
			return "", false
		}
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' || s[j] < 0x20 {
				return "", false
			}
			j++
		}
		if j >= len(s) {
			return "", false
		}
		v := s[i+1 : j]
		i = j + 1
		return v, true
	}
	space()
	if i >= len(s) || s[i] != '{' || !utf8.ValidString(s) {
		return false
	}
	i++
	space()
	if i < len(s) && s[i] == '}' {
		i++
		space()
		return i == len(s)
	}
	for {
		space()
		k, ok := str()
		if !ok {
			return false
		}
		space()
		if i >= len(s) || s[i] != ':' {
			return false
		}
		i++
		space()
		v, ok := str()
		if !ok {
			return false
		}
		m[k] = v
		space()
		if i < len(s) && s[i] == ',' {
			i++
			continue
		}
		if i < len(s) && s[i] == '}' {
			i++
			space()
			return i == len(s)
		}
		return false
	}
}

// recycledAt is when the contact was last sent back down the ladder (a rejection by
// sales, or a person's move back to an earlier stage): engagement from before then
// does not move it up again by itself.
func recycledAt(evs []scoring.Event) time.Time {
	var at time.Time
	for _, e := range evs {
		if recycles(e) && e.At.After(at) {
			at = e.At
		}
	}
	return at
}

// recycles says whether an event sends its contact back down the ladder.
func recycles(e scoring.Event) bool {
	switch e.Type {
	case "sql_rejected":
		return true
	case "stage_changed":
		from, _ := e.Properties["from"].(string)
		to, _ := e.Properties["to"].(string)
		return !(to == lifecycle.Disqualified || from == lifecycle.Disqualified || lifecycle.Rank(to) >= lifecycle.Rank(from))
	}
	return false
}

// applyScores writes computed scores into contacts, a history row for each change,
// and the forward stage moves the thresholds earn. With onlyChanged, a contact whose
// scores come out as stored is left as it is (see below); otherwise every contact is
// written, its scored_at stamped now: the decay refresh must stamp the contacts it
// looked at, or it would find the same ones again.
func applyScores(ctx context.Context, tx *Tx, run *scoreRun, scores []contactScore, reason func(id int64) string, onlyChanged bool) error {
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
	// A contact whose stage someone else moved between the read of its events and
	// now (sales rejected it, a rep moved it) is left to the next poll, which reads
	// the move's event: its scores here are from before the move, and a forward
	// move by them could undo a rejection.
	for _, sc := range scores {
		if c, ok := cur[sc.id]; ok && sc.readAt != "" && sc.readAt != c.stage {
			delete(cur, sc.id)
		}
	}
	// The scores and their history go in set-based (one statement per table for a
	// batch of up to 500 contacts, not two per contact); a stage move is rare and
	// goes one by one. With onlyChanged (the event and enrichment scorers), a
	// contact whose scores come out as they are stored is not written: its stored
	// engagement is still right, and the decay refresh finds it by its older
	// scored_at when it is due. Under a stream of events most contacts sit at the cap
	// of 100, and rewriting each one every batch (a new row version and three index
	// entries on PostgreSQL) was most of the scorer's time.
	var set, history []any
	now := ts(run.now)
	for _, sc := range scores {
		c, ok := cur[sc.id]
		if !ok {
			continue
		}
		b := sc.breakdown
		changed := b.Fit != c.fit || b.Engagement != c.eng
		if changed || !onlyChanged {
			set = append(set, sc.id, b.Fit, b.Engagement)
		}
		if changed {
			history = append(history, sc.id, now, c.fit, b.Fit, c.eng, b.Engagement, reason(sc.id))
		}
	}
	const row = `(CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS INTEGER))`
	if err := inChunks(set, 900, func(list []any) error {
		_, err := tx.exec(ctx, `UPDATE contacts SET fit_score = v.column2, engagement_score = v.column3, scored_at = ?
			FROM (VALUES `+strings.TrimSuffix(strings.Repeat(row+", ", len(list)/3), ", ")+`) AS v WHERE contacts.id = v.column1`,
			append([]any{now}, list...)...)
		return err
	}); err != nil {
		return err
	}
	if err := insertBulk(ctx, tx, `INSERT INTO score_history (contact_id, at, fit_old, fit_new, engagement_old, engagement_new, reason) VALUES `, 7,
		``, history, nil); err != nil {
		return err
	}
	// The forward moves the scores earn (stages only move forward by themselves,
	// SPEC section 3), a few hundred a statement: while a stream of events lifts
	// contacts past the thresholds, a batch moves hundreds of them.
	var moves []stageMove
	for _, sc := range scores {
		if c, ok := cur[sc.id]; ok {
			if m, ok := scoreMove(run.settings, sc.id, c.stage, sc.breakdown.Fit, sc.stageScore); ok {
				moves = append(moves, m)
			}
		}
	}
	return moveStages(ctx, tx, moves, ActorScoring, run.now)
}

// stageMove is a move of a contact from one stage to another, with its reason.
type stageMove struct {
	id       int64
	from, to string
	reason   string
}

// scoreMove is the forward move to MQL or SQL that a contact's scores earn, if any.
func scoreMove(set scoring.Settings, id int64, stage string, fit, engagement int) (stageMove, bool) {
	target := set.StageFor(fit, engagement)
	if !lifecycle.AutoAdvance(stage, target) {
		return stageMove{}, false
	}
	fitMin, engMin := set.MQLFit, set.MQLEngagement
	if target == lifecycle.SQL {
		fitMin, engMin = set.SQLFit, set.SQLEngagement
	}
	why := fmt.Sprintf("fit %d and engagement %d reached the %s thresholds (fit %d, engagement %d)",
		fit, engagement, strings.ToUpper(target), fitMin, engMin)
	return stageMove{id: id, from: stage, to: target, reason: why}, true
}

// querier is what reads need: the store's read pool or a transaction.
type querier interface {
	query(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// moveStages makes the moves as moveStage would one by one — the new stage, the
// stages entered on the way and a stage_changed event each, in the order of the
// moves — with a statement for each few hundred contacts instead of a few each.
func moveStages(ctx context.Context, tx *Tx, moves []stageMove, actor string, at time.Time) error {
	return moveStagesScored(ctx, tx, moves, actor, at, 0, nil)
}

// stagedScore is a contact's staged scores, for moveStagesScored.
type stagedScore struct {
	fit, engagement int
	scoredAt        int64
}

// moveStagesScored is moveStages that, when staged is a recompute's id, also copies
// that recompute's staged scores (scores, one for each move) into the moved contacts
// in the same update, as finishRecompute's copy of the scores would (scored_at only
// where the scores change or none were stored): one new version of each moved
// contact instead of two, which on PostgreSQL means one set of entries in each of
// the contacts' indexes instead of two, and no second look at its company key. On
// PostgreSQL the scores come as arrays, not from score_staging: the planner, which
// knows nothing of score_staging's size, would read all of its rows for each
// statement.
func moveStagesScored(ctx context.Context, tx *Tx, moves []stageMove, actor string, at time.Time, staged int64, scores []stagedScore) error {
	updated := ts(tx.s.Now())
	for start := 0; start < len(moves); start += 500 {
		part := moves[start:min(start+500, len(moves))]
		byTarget := map[string][]int{}
		var targets []string
		var stageArgs, eventArgs []any
		for i, m := range part {
			if byTarget[m.to] == nil {
				targets = append(targets, m.to)
			}
			byTarget[m.to] = append(byTarget[m.to], start+i)
			for _, st := range stagesEntered(m.from, m.to) {
				stageArgs = append(stageArgs, m.id, st, ts(at))
			}
			props, err := json.Marshal(map[string]any{"from": m.from, "to": m.to, "reason": m.reason})
			if err != nil {
				return err
			}
			eventArgs = append(eventArgs, m.id, "stage_changed", ts(at), updated, string(props), actor)
		}
		for _, to := range targets {
			ids := make([]int64, len(byTarget[to]))
			for j, k := range byTarget[to] {
				ids[j] = moves[k].id
			}
			var q string
			var args []any
			switch {
			case staged != 0 && tx.s.engine == Postgres:
				fit, eng, sat := make([]int64, len(ids)), make([]int64, len(ids)), make([]int64, len(ids))
				for j, k := range byTarget[to] {
					fit[j], eng[j], sat[j] = int64(scores[k].fit), int64(scores[k].engagement), scores[k].scoredAt
				}
				q = `UPDATE contacts SET fit_score = u.fit, engagement_score = u.eng,
					scored_at = CASE WHEN contacts.fit_score <> u.fit OR contacts.engagement_score <> u.eng OR contacts.scored_at IS NULL
						THEN u.sat ELSE contacts.scored_at END,
					stage = ?, updated_at = ?
					FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) AS u(id, fit, eng, sat)
					WHERE contacts.id = u.id AND contacts.id = ANY(CAST(? AS BIGINT[]))`
				args = []any{to, updated, ids, fit, eng, sat, ids}
			case staged != 0:
				q = `UPDATE contacts SET fit_score = st.fit, engagement_score = st.engagement,
					scored_at = CASE WHEN contacts.fit_score <> st.fit OR contacts.engagement_score <> st.engagement OR contacts.scored_at IS NULL
						THEN st.scored_at ELSE contacts.scored_at END,
					stage = ?, updated_at = ?
					FROM score_staging st WHERE st.recompute_id = ? AND st.contact_id = contacts.id AND contacts.id IN (` + placeholders(len(ids)) + `)`
				args = append([]any{to, updated, staged}, int64Args(ids)...)
			case tx.s.engine == Postgres:
				q, args = `UPDATE contacts SET stage = ?, updated_at = ? WHERE id = ANY(CAST(? AS BIGINT[]))`, []any{to, updated, ids}
			default:
				q, args = `UPDATE contacts SET stage = ?, updated_at = ? WHERE id IN (`+placeholders(len(ids))+`)`, append([]any{to, updated}, int64Args(ids)...)
			}
			if _, err := tx.exec(ctx, q, args...); err != nil {
				return err
			}
		}
		if err := insertArrays(ctx, tx, "contact_stages", "contact_id, stage, entered_at", []string{"BIGINT", "TEXT", "BIGINT"},
			` ON CONFLICT (contact_id, stage) DO NOTHING`, stageArgs, nil); err != nil {
			return err
		}
		if err := insertArrays(ctx, tx, "events", "contact_id, type, occurred_at, received_at, properties, actor",
			[]string{"BIGINT", "TEXT", "BIGINT", "BIGINT", "JSONB", "TEXT"}, "", eventArgs, nil); err != nil {
			return err
		}
	}
	return nil
}
