package store

import (
	"cmp"
	"context"
	"database/sql"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
)

// The dashboard's read queries beyond the sources report: new leads per week and
// channel, cost per channel, and the funnel of a cohort. Each is one aggregate query on
// an index (see docs/insights.md for their cost on a large database).

// WeekLeads is how many contacts were created in one week with one first-touch channel.
type WeekLeads struct {
	Week    int // 0 is the week starting at from
	Channel string
	Leads   int64
}

const week = 7 * 24 * time.Hour

// LeadsByWeek counts the contacts created in the weeks from from on, up to to, by
// week and first-touch channel (contacts without touches count as direct).
func (s *Store) LeadsByWeek(ctx context.Context, from, to time.Time) ([]WeekLeads, error) {
	var out []WeekLeads
	err := s.reportRows(ctx, `SELECT (c.created_at - ?) / ?, c.first_touch_channel, COUNT(*) FROM contacts c
		WHERE `+cohortFilter+` GROUP BY 1, 2`,
		[]any{ts(from), int64(week / time.Microsecond), ts(from), ts(to)}, func(rows *sql.Rows) error {
			var w WeekLeads
			var ch sql.NullString
			if err := rows.Scan(&w.Week, &ch, &w.Leads); err != nil {
				return err
			}
			w.Channel = cmp.Or(ch.String, string(attribution.Direct))
			out = append(out, w)
			return nil
		})
	return out, err
}

// CostByChannel sums the cost entries dated in [from, to) by their campaign's channel,
// in minor units.
func (s *Store) CostByChannel(ctx context.Context, from, to time.Time) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.reportRows(ctx, `SELECT ca.channel, SUM(e.amount) FROM cost_entries e JOIN campaigns ca ON ca.id = e.campaign_id
		WHERE e.spent_on >= ? AND e.spent_on < ? GROUP BY ca.channel`, []any{from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)},
		func(rows *sql.Rows) error {
			var ch string
			var n int64
			if err := rows.Scan(&ch, &n); err != nil {
				return err
			}
			out[ch] += n
			return nil
		})
	return out, err
}

// FunnelCounts counts the contacts created in [from, to) and, per stage, those of them
// that have entered it, ever (the stages of contact_stages).
func (s *Store) FunnelCounts(ctx context.Context, from, to time.Time) (int64, map[string]int64, error) {
	var total int64
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM contacts c WHERE `+cohortFilter, ts(from), ts(to)).Scan(&total); err != nil {
		return 0, nil, err
	}
	out := map[string]int64{}
	err := s.reportRows(ctx, `SELECT st.stage, COUNT(*) FROM contacts c JOIN contact_stages st ON st.contact_id = c.id
		WHERE `+cohortFilter+` GROUP BY st.stage`, []any{ts(from), ts(to)}, func(rows *sql.Rows) error {
		var stage string
		var n int64
		if err := rows.Scan(&stage, &n); err != nil {
			return err
		}
		out[stage] = n
		return nil
	})
	return total, out, err
}
