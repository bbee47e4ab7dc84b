package store

import (
	"context"
	"database/sql"
	"time"
)

// The dashboard's read queries. New leads and the stages they reached come from the
// daily roll-ups of migration 0012 (lead_days, stage_days), which triggers keep exact in
// the same transaction as every change to contacts and contact_stages; so the
// dashboard reads a few hundred rows however many contacts there are. Periods are whole
// UTC days: a time inside a day counts from that day's start.

// WeekLeads is how many contacts were created in one week with one first-touch channel.
type WeekLeads struct {
	Week    int // 0 is the week starting at from
	Channel string
	Leads   int64
}

const microsPerDay = int64(24 * time.Hour / time.Microsecond)

func dayOf(t time.Time) int64 { return ts(t) / microsPerDay }

// LeadsByWeek counts the contacts created in the weeks from from on, up to to, by
// week and first-touch channel (contacts without touches count as direct; a first touch
// of a campaign counts in the campaign's current channel, as in the sources report).
func (s *Store) LeadsByWeek(ctx context.Context, from, to time.Time) ([]WeekLeads, error) {
	var out []WeekLeads
	d0 := dayOf(from)
	err := s.reportRows(ctx, `SELECT (day - ?) / 7, `+countedChannel("ld.channel", "ld.campaign_id")+`, SUM(leads) FROM lead_days ld WHERE day >= ? AND day < ?
		GROUP BY 1, 2 HAVING SUM(leads) <> 0`, []any{d0, d0, dayOf(to)}, func(rows *sql.Rows) error {
		var w WeekLeads
		if err := rows.Scan(&w.Week, &w.Channel, &w.Leads); err != nil {
			return err
		}
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
	if err := s.queryRow(ctx, `SELECT COALESCE(SUM(leads), 0) FROM lead_days WHERE day >= ? AND day < ?`, dayOf(from), dayOf(to)).Scan(&total); err != nil {
		return 0, nil, err
	}
	out := map[string]int64{}
	err := s.reportRows(ctx, `SELECT stage, SUM(contacts) FROM stage_days WHERE day >= ? AND day < ? GROUP BY stage`,
		[]any{dayOf(from), dayOf(to)}, func(rows *sql.Rows) error {
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

// MonthFigures are the cohort figures of the sources report's totals for [from, to):
// new leads, those that became customers, the revenue of those customers (their won
// deals and those of contacts merged into them), and the cost dated in the period.
type MonthFigures struct {
	NewLeads, Customers, Revenue, Cost int64
}

// DashboardFigures reads MonthFigures from the roll-ups, the customers' first_touch
// facts (migration 0015, brought up to date first) and the costs.
func (s *Store) DashboardFigures(ctx context.Context, from, to time.Time) (MonthFigures, error) {
	if err := s.refreshReportFacts(ctx); err != nil {
		return MonthFigures{}, err
	}
	return s.dashboardFigures(ctx, from, to, `SELECT COALESCE(SUM(revenue), 0) FROM report_credits
		WHERE model = 'first_touch' AND created_at >= ? AND created_at < ?`)
}

// dashboardRevenueDirect is the revenue of DashboardFigures from the won deals: few
// beside contacts, so it starts from them and finds their cohort member.
var dashboardRevenueDirect = `SELECT COALESCE(SUM(d.amount), 0) FROM deals d
		JOIN contacts m ON m.id = d.contact_id
		JOIN contacts c ON c.id = COALESCE(m.merged_into_id, m.id)
		WHERE d.status = 'won' AND d.closed_at IS NOT NULL AND ` + cohortFilter + ` AND ` + reached("customer")

// dashboardFigures is DashboardFigures with the revenue read by the query revenue,
// which binds from and to.
func (s *Store) dashboardFigures(ctx context.Context, from, to time.Time, revenue string) (MonthFigures, error) {
	var f MonthFigures
	total, stages, err := s.FunnelCounts(ctx, from, to)
	if err != nil {
		return f, err
	}
	f.NewLeads, f.Customers = total, stages["customer"]
	if err = s.queryRow(ctx, revenue, ts(from), ts(to)).Scan(&f.Revenue); err != nil {
		return f, err
	}
	err = s.queryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM cost_entries WHERE spent_on >= ? AND spent_on < ?`,
		from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)).Scan(&f.Cost)
	return f, err
}

// CurrentStages counts the contacts in each stage now, from the stage_now roll-up;
// merged contacts are not counted. Stages nobody is in are absent or zero.
func (s *Store) CurrentStages(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.reportRows(ctx, `SELECT stage, contacts FROM stage_now`, nil, func(rows *sql.Rows) error {
		var stage string
		var n int64
		if err := rows.Scan(&stage, &n); err != nil {
			return err
		}
		out[stage] = n
		return nil
	})
	return out, err
}
