package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/scoring"
)

// fitRules are a rule set's fit rules, parsed once per scoring pass.
type fitRules struct {
	filters []filter.Filter
	d       filter.Dialect
	now     time.Time
}

func newFitRules(s *Store, rules []scoring.FitRule, now time.Time) (*fitRules, error) {
	f := &fitRules{filters: make([]filter.Filter, len(rules)), d: filter.SQLite, now: now}
	if s.engine == Postgres {
		f.d = filter.PostgreSQL
	}
	for i, r := range rules {
		var err error
		if f.filters[i], err = filter.Parse(r.Filter); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// matches tells, for each contact that which (a condition over contacts c)
// selects, which fit rules it matches: one query for the batch, each rule's filter
// compiled to SQL as one column.
func (f *fitRules) matches(ctx context.Context, q querier, which string, whichArgs []any) (map[int64][]bool, error) {
	out := map[int64][]bool{}
	if len(f.filters) == 0 {
		return out, nil
	}
	var cols []string
	var args []any
	for _, fl := range f.filters {
		cond, a, err := fl.SQL(f.d, f.now)
		if err != nil {
			return nil, err
		}
		cols = append(cols, "CASE WHEN "+cond+" THEN 1 ELSE 0 END")
		args = append(args, a...)
	}
	args = append(args, whichArgs...)
	rows, err := q.query(ctx, `SELECT c.id, `+strings.Join(cols, ", ")+` FROM contacts c LEFT JOIN companies co ON co.id = c.company_id
		WHERE `+which, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	vals := make([]int, len(f.filters))
	dest := make([]any, len(f.filters)+1)
	for i := range vals {
		dest[i+1] = &vals[i]
	}
	for rows.Next() {
		var id int64
		dest[0] = &id
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		m := make([]bool, len(vals))
		for i, v := range vals {
			m[i] = v == 1
		}
		out[id] = m
	}
	return out, rows.Err()
}

// CheckFitFilter parses a fit rule's filter text, saying where it is wrong. A fit
// rule may not look at the scores it makes.
func CheckFitFilter(text string) error {
	f, err := filter.Parse(text)
	if err != nil {
		return err
	}
	var bad string
	filter.Walk(f.Expr, func(e filter.Expr) {
		if c, ok := e.(filter.Cond); ok && (c.Field == "fit_score" || c.Field == "engagement_score") {
			bad = c.Field
		}
	})
	if bad != "" {
		return errors.New(bad + " cannot be used in a fit rule: the rule would depend on the score it makes")
	}
	return nil
}
