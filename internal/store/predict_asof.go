package store

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/scoring"
)

// engagementAsOf works out the engagement score contacts had at a past moment, under
// the active rules: the same rules the stored engagement of open contacts follows, so
// the model is trained and applied on one scale.
type engagementAsOf struct {
	rules    []scoring.EngagementRule
	halfLife time.Duration
	horizon  time.Duration
}

// predictRules reads the active engagement rules and settings through db.
func predictRules(ctx context.Context, s *Store, db rowQuerier) (engagementAsOf, error) {
	rs, err := s.ruleSet(ctx, db, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE state = 'active' ORDER BY version DESC LIMIT 1`)
	if err != nil {
		return engagementAsOf{}, err
	}
	set, err := scoringSettings(ctx, db, s)
	if err != nil {
		return engagementAsOf{}, err
	}
	hl := set.HalfLife()
	return engagementAsOf{rules: rs.Rules.Engagement, halfLife: hl, horizon: rs.Rules.Horizon(hl)}, nil
}

// at returns the engagement each contact of decided had just before its time there
// (its first outcome): its events, and those of contacts merged into it, from before
// that time, decayed to it. cte is the outcome CTE the contacts were read with.
func (e engagementAsOf) at(ctx context.Context, q querier, cte string, decided map[int64]time.Time) (map[int64]int, error) {
	out := make(map[int64]int, len(decided))
	if len(e.rules) == 0 {
		return out, nil
	}
	needProps := map[string]bool{}
	var types []string
	for _, r := range e.rules {
		if r.Property != "" {
			needProps[r.EventType] = true
		}
		if !slices.Contains(types, r.EventType) {
			types = append(types, r.EventType)
		}
	}
	args := []any{int64(e.horizon / time.Microsecond)}
	for _, t := range types {
		args = append(args, t)
	}
	rows, err := q.query(ctx, cte+`, owners AS (
			SELECT contact_id AS owner, contact_id AS id, first_at FROM outcome WHERE first_at IS NOT NULL
			UNION ALL
			SELECT o.contact_id, m.id, o.first_at FROM outcome o JOIN contacts m ON m.merged_into_id = o.contact_id WHERE o.first_at IS NOT NULL)
		SELECT e.id, w.owner, e.type, e.occurred_at, e.properties FROM owners w JOIN events e ON e.contact_id = w.id
		WHERE e.occurred_at < w.first_at AND e.occurred_at >= w.first_at - ? AND e.type IN (`+placeholders(len(types))+`)`, args...)
	if err != nil {
		return nil, err
	}
	events := map[int64][]scoring.Event{}
	for rows.Next() {
		var ev scoring.Event
		var owner, at int64
		var props string
		if err := rows.Scan(&ev.ID, &owner, &ev.Type, &at, &props); err != nil {
			rows.Close()
			return nil, err
		}
		ev.At = fromTS(at)
		if needProps[ev.Type] && strings.TrimSpace(props) != "{}" {
			ev.Properties = decodeProps(props)
		}
		events[owner] = append(events[owner], ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for id, evs := range events {
		when, ok := decided[id]
		if !ok {
			continue
		}
		slices.SortFunc(evs, func(a, b scoring.Event) int {
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		raw, _ := scoring.Engagement(e.rules, evs, when, e.halfLife)
		out[id] = scoring.Clamp(int(math.Round(raw)))
	}
	return out, nil
}
