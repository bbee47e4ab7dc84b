package store

import (
	"cmp"
	"context"
	"maps"
	"slices"
)

// QualityFilter selects the contacts behind one figure of the client and lead quality
// table (Quality): with the channel, campaign and created filters of the table's row, the
// list holds exactly the contacts the figure counts. Each condition is the one Quality
// counts with, on the contact c.
type QualityFilter struct {
	// Figure is one of QualityRevenue, QualityRepeat, QualityReferrers, QualityAccepted
	// and QualityRejected.
	Figure string
	// Reason, with QualityRejected, keeps the SQLs rejected for this reason ("" for
	// those rejected without one), as the table groups them (trimmed).
	Reason *string
}

// The figures of the quality table that lead to contacts.
const (
	QualityRevenue   = "revenue"   // customers with won revenue
	QualityRepeat    = "repeat"    // customers with more than one won deal
	QualityReferrers = "referrers" // customers who made a referral
	QualityAccepted  = "accepted"  // SQLs whose latest sales decision accepted them
	QualityRejected  = "rejected"  // SQLs whose latest sales decision rejected them
)

// QualityFigures lists the figures in the order the table shows them.
var QualityFigures = []string{QualityRevenue, QualityRepeat, QualityReferrers, QualityAccepted, QualityRejected}

// ofCustomer is the contact c and the contacts merged into it, whose deals and events
// are its own in the quality table.
const ofCustomer = `(SELECT c.id UNION ALL SELECT m.id FROM contacts m WHERE m.merged_into_id = c.id)`

// latestDecision is the latest sales decision on c or a contact merged into it, as
// Quality picks it from decisionQuery.
const latestDecision = `FROM events e WHERE e.contact_id IN ` + ofCustomer + ` AND e.type IN ('sql_accepted', 'sql_rejected')
	AND NOT EXISTS (SELECT 1 FROM events l WHERE l.contact_id IN ` + ofCustomer + ` AND l.type IN ('sql_accepted', 'sql_rejected')
		AND (l.occurred_at > e.occurred_at OR l.occurred_at = e.occurred_at AND l.id > e.id))`

// qualityCondition is the filter as a condition on the contact c.
func (s *Store) qualityCondition(f *QualityFilter) (string, []any) {
	switch f.Figure {
	case QualityRevenue:
		return reached("customer") + ` AND (SELECT COALESCE(SUM(CASE WHEN d.status = 'won' AND d.closed_at IS NOT NULL THEN d.amount ELSE 0 END), 0)
			FROM deals d WHERE d.contact_id IN ` + ofCustomer + `) <> 0`, nil
	case QualityRepeat:
		return reached("customer") + ` AND (SELECT COALESCE(SUM(CASE WHEN d.status = 'won' AND d.closed_at IS NOT NULL THEN 1 ELSE 0 END), 0)
			FROM deals d WHERE d.contact_id IN ` + ofCustomer + `) > 1`, nil
	case QualityReferrers:
		// Which customers made referrals is read in Go, as Quality reads it (referrersOf).
		return reached("customer"), nil
	case QualityAccepted:
		return reached("sql") + ` AND EXISTS (SELECT 1 ` + latestDecision + ` AND e.type = 'sql_accepted')`, nil
	}
	cond := reached("sql") + ` AND EXISTS (SELECT 1 ` + latestDecision + ` AND e.type = 'sql_rejected'`
	if f.Reason == nil {
		return cond + `)`, nil
	}
	return cond + ` AND TRIM(COALESCE(` + s.jsonText("e.properties", "reason") + `, '')) = ?)`, []any{*f.Reason}
}

// referrersOf is the customers' ids of the referrers figure, newest first: the contacts
// Quality counts referrals for (referralsMade), before the row's own conditions.
func (s *Store) referrersOf(ctx context.Context) ([]int64, error) {
	made, err := s.referralsMade(ctx)
	if err != nil {
		return nil, err
	}
	ids := slices.Collect(maps.Keys(made))
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	return ids, nil
}
