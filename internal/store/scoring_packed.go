package store

import (
	"cmp"
	"context"
	"database/sql"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/scoring"
)

// A full rescore reads ten million events. It keeps of each only what the scores
// need (packedEvent): which engagement rules count it and whether it recycles its
// contact are found as the event is read, its properties decoded into one reused map
// and dropped; the SQL returns the type as a number and the properties only of the
// types whose properties matter, so SQLite does not read the table row of the others
// (their columns are all in the events_contact index). The scores are summed
// from these exactly as scoring.Totals and recycledAt do from whole events, in the
// same order (see TestRecomputeMatchesOneByOne).

// maxPackedRules is how many engagement rules a packedEvent can name; a rule set
// with more is scored from whole events.
const maxPackedRules = 64

// packedEvent is an event of a batch: the contact it counts for (its index in the
// batch), when, its id, which engagement rules count it (bit k for rule k) and
// whether it recycles the contact.
type packedEvent struct {
	id      int64
	at      int64 // occurred_at, µs
	rules   uint64
	pos     int32
	recycle bool
}

// packedReader turns event rows into packedEvents.
type packedReader struct {
	ef    eventFilter
	rules []scoring.EngagementRule
	props map[string]any // reused for every event's properties
}

// columns are the columns of an events query for readPacked, and their arguments:
// id, contact_id, the type's index in ef.types (-1 for none of them), occurred_at,
// and the properties where the type's properties matter (else NULL).
func (pr *packedReader) columns() (string, []any) {
	var args []any
	q := `e.id, e.contact_id, CASE e.type`
	for i, t := range pr.ef.types {
		q += ` WHEN ? THEN ` + strconv.Itoa(i)
		args = append(args, t)
	}
	q += ` ELSE -1 END, e.occurred_at, CASE WHEN e.type IN (`
	var need []any
	for _, t := range pr.ef.types {
		if pr.ef.needProps[t] {
			need = append(need, t)
		}
	}
	if len(need) == 0 {
		return q + `NULL) THEN NULL END`, args
	}
	return q + placeholders(len(need)) + `) THEN e.properties END`, append(args, need...)
}

// read runs an events query whose columns are those of columns and adds its events
// to out; pos gives a contact's index in the batch, or -1 for an event to leave out.
func (pr *packedReader) read(ctx context.Context, q querier, out []packedEvent, pos func(int64) int32, query string, args ...any) ([]packedEvent, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	var props sql.RawBytes
	for rows.Next() {
		var id, cid, typ, at int64
		if err := rows.Scan(&id, &cid, &typ, &at, &props); err != nil {
			return out, err
		}
		p := pos(cid)
		if p < 0 || typ < 0 || int(typ) >= len(pr.ef.types) {
			continue
		}
		e := scoring.Event{ID: id, Type: pr.ef.types[typ], At: fromTS(at)}
		if len(props) > 0 && string(props) != "{}" && pr.ef.needProps[e.Type] {
			e.Properties = pr.decode(props)
		}
		pe := packedEvent{id: id, at: at, pos: p, recycle: recycles(e)}
		for k, r := range pr.rules {
			if r.Matches(e) {
				pe.rules |= 1 << k
			}
		}
		out = append(out, pe)
	}
	return out, rows.Err()
}

// decode reads properties as decodeProps does, into the reused map when they are
// flat, which they nearly always are.
func (pr *packedReader) decode(b []byte) map[string]any {
	clear(pr.props)
	if flatPropsInto(string(b), pr.props) {
		return pr.props
	}
	return unmarshalProps(b)
}

// newPackedReader is a packedReader for run's rules, with the columns of its
// queries and their arguments (see columns).
func newPackedReader(run *scoreRun) (pr *packedReader, cols string, colArgs []any) {
	pr = &packedReader{ef: run.eventFilter(), rules: run.rules.Engagement, props: map[string]any{}}
	cols, colArgs = pr.columns()
	return pr, cols, colArgs
}

// where is the condition on an events query's horizon and types that follows the
// condition on contacts, and its arguments after those of the contacts.
func (pr *packedReader) where(args []any) (string, []any) {
	args = append(args, pr.ef.horizon)
	for _, t := range pr.ef.types {
		args = append(args, t)
	}
	// "type || ''" keeps the planner on the contact index: through the type index it
	// would read every event of the type for each batch of contacts.
	return ` AND e.occurred_at >= ? AND e.type || '' IN (` + placeholders(len(pr.ef.types)) + `)`, args
}

// readOf reads the events of contacts by id, in batches; pos gives the index in
// the batch of the contact an event counts for.
func (pr *packedReader) readOf(ctx context.Context, q querier, out []packedEvent, pos func(int64) int32, ids []int64, from, cols string, colArgs []any) ([]packedEvent, error) {
	for part := range slices.Chunk(ids, 500) {
		cond, args := pr.where(append(slices.Clone(colArgs), int64Args(part)...))
		var err error
		if out, err = pr.read(ctx, q, out, pos, `SELECT `+cols+` FROM `+from+` WHERE e.contact_id IN (`+placeholders(len(part))+`)`+cond, args...); err != nil {
			return out, err
		}
	}
	return out, nil
}

// eventsFrom is the FROM of the packed events queries: on SQLite through the index
// that holds every column but the properties, so the table row is read only for
// the events whose properties matter.
func (run *scoreRun) eventsFrom() string {
	if run.fit.d == filter.SQLite {
		return `events e INDEXED BY events_contact`
	}
	return `events e`
}

// scoreRangePacked is scoreContactRange for rule sets of at most maxPackedRules
// engagement rules: ids are every live contact from the first to the last, in
// order; children are the contacts merged into them, and their ids.
func scoreRangePacked(ctx context.Context, q querier, run *scoreRun, ids []int64, children map[int64]int64, childIDs []int64) ([]contactScore, error) {
	lo, hi := ids[0], ids[len(ids)-1]
	index := make(map[int64]int32, len(ids)+len(childIDs))
	for i, id := range ids {
		index[id] = int32(i)
	}
	pr, cols, colArgs := newPackedReader(run)
	cond, args := pr.where(append(slices.Clone(colArgs), lo, hi))
	evs := make([]packedEvent, 0, 16*len(ids))
	evs, err := pr.read(ctx, q, evs, func(id int64) int32 {
		if p, ok := index[id]; ok {
			return p
		}
		return -1
	}, `SELECT `+cols+` FROM `+run.eventsFrom()+` WHERE e.contact_id >= ? AND e.contact_id <= ?`+cond, args...)
	if err != nil {
		return nil, err
	}
	if evs, err = pr.readOf(ctx, q, evs, func(id int64) int32 {
		if parent, ok := children[id]; ok {
			return index[parent]
		}
		return -1
	}, childIDs, `events e`, cols, colArgs); err != nil {
		return nil, err
	}
	matched, err := run.fit.matches(ctx, q, `c.id >= ? AND c.id <= ?`, []any{lo, hi})
	if err != nil {
		return nil, err
	}
	return run.packedScores(ids, evs, matched), nil
}

// scoreListPacked is scoreContacts for rule sets of at most maxPackedRules
// engagement rules: ids are the contacts to score, all are ids and the contacts
// merged into them, and owner names the contact of ids each of all counts for.
// The event scorer reads the events of a few thousand contacts each batch; packed,
// each event is a few words instead of a type string and a map of properties.
func scoreListPacked(ctx context.Context, q querier, run *scoreRun, ids, all []int64, owner map[int64]int64) ([]contactScore, error) {
	index := make(map[int64]int32, len(all))
	for i, id := range ids {
		index[id] = int32(i)
	}
	for _, id := range all {
		index[id] = index[owner[id]]
	}
	pr, cols, colArgs := newPackedReader(run)
	evs, err := pr.readOf(ctx, q, make([]packedEvent, 0, 16*len(ids)), func(id int64) int32 {
		if p, ok := index[id]; ok {
			return p
		}
		return -1
	}, all, run.eventsFrom(), cols, colArgs)
	if err != nil {
		return nil, err
	}
	matched, err := run.fit.matches(ctx, q, `c.id IN (`+placeholders(len(ids))+`)`, int64Args(ids))
	if err != nil {
		return nil, err
	}
	return run.packedScores(ids, evs, matched), nil
}

// packedScores scores contacts ids from the packed events of all of them and
// their fit matches.
func (run *scoreRun) packedScores(ids []int64, evs []packedEvent, matched map[int64][]bool) []contactScore {
	// Each contact's events together (a counting sort on the contact), then each
	// contact's in time order (then id), as the sums add them. Events are read
	// nearly in time order, so sorting each contact's few leaves little to do.
	start := make([]int, len(ids)+1)
	for _, e := range evs {
		start[e.pos+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	grouped := make([]packedEvent, len(evs))
	next := slices.Clone(start[:len(ids)])
	for _, e := range evs {
		grouped[next[e.pos]] = e
		next[e.pos]++
	}
	out := make([]contactScore, len(ids))
	for i, id := range ids {
		own := grouped[start[i]:start[i+1]]
		slices.SortFunc(own, func(a, b packedEvent) int {
			if c := cmp.Compare(a.at, b.at); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
		out[i] = run.computePacked(id, own, matched[id])
	}
	return out
}

// computePacked is compute for one contact from packed events in time order: the
// same sums, in the same order, as scoring.Totals and scoring.Engagement.
func (run *scoreRun) computePacked(id int64, evs []packedEvent, m []bool) contactScore {
	fitRaw := 0
	for k, r := range run.rules.Fit {
		if k < len(m) && m[k] {
			fitRaw += r.Points
		}
	}
	def := run.settings.HalfLife()
	engagement := func(after int64, all bool) float64 {
		sum := 0.0
		for _, e := range evs {
			if !all && e.at <= after {
				continue
			}
			if e.rules == 0 {
				continue
			}
			at := fromTS(e.at)
			for k, r := range run.rules.Engagement {
				if e.rules&(1<<k) != 0 {
					c := r.Contribution(at, run.now, def)
					sum += c
				}
			}
		}
		return sum
	}
	raw := engagement(0, true)
	b := scoring.Breakdown{Fit: scoring.Clamp(fitRaw), Engagement: scoring.Clamp(int(math.Round(raw))), FitRaw: fitRaw,
		EngagementRaw: math.Round(raw*100) / 100, At: run.now}
	cs := contactScore{id: id, breakdown: b, stageScore: b.Engagement}
	// recycledAt: the latest recycling event, if any is after the zero time.
	var last time.Time
	var lastAt int64
	for _, e := range evs {
		if e.recycle {
			if at := fromTS(e.at); at.After(last) {
				last, lastAt = at, e.at
			}
		}
	}
	if !last.IsZero() {
		cs.stageScore = scoring.Clamp(int(math.Round(engagement(lastAt, false))))
	}
	return cs
}
