package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lodestone-hq/lodestone/internal/report"
)

// ReportCohortsCheck returns report_cohorts and the same counts made over contacts and
// contact_stages directly, each as "day channel campaign leads mqls sqls customers"
// lines without the empty ones, for the test that holds the triggers to the truth.
func (s *Store) ReportCohortsCheck(ctx context.Context) (kept, direct map[string]bool, err error) {
	const day = `86400000000`
	read := func(q string) (map[string]bool, error) {
		out := map[string]bool{}
		err := s.reportRows(ctx, q, nil, func(rows *sql.Rows) error {
			var d, campaign, leads, mqls, sqls, customers int64
			var channel string
			if err := rows.Scan(&d, &channel, &campaign, &leads, &mqls, &sqls, &customers); err != nil {
				return err
			}
			if leads != 0 || mqls != 0 || sqls != 0 || customers != 0 {
				out[fmt.Sprint(d, channel, campaign, leads, mqls, sqls, customers)] = true
			}
			return nil
		})
		return out, err
	}
	if kept, err = read(`SELECT day, channel, campaign_id, SUM(leads), SUM(mqls), SUM(sqls), SUM(customers) FROM report_cohorts GROUP BY day, channel, campaign_id`); err != nil {
		return nil, nil, err
	}
	direct, err = read(`SELECT c.created_at - ((c.created_at % ` + day + `) + ` + day + `) % ` + day + `, COALESCE(c.first_touch_channel, ''), COALESCE(c.first_touch_campaign_id, 0), COUNT(*),
		SUM(CASE WHEN ` + reached("mql") + ` THEN 1 ELSE 0 END), SUM(CASE WHEN ` + reached("sql") + ` THEN 1 ELSE 0 END), SUM(CASE WHEN ` + reached("customer") + ` THEN 1 ELSE 0 END)
		FROM contacts c WHERE c.merged_into_id IS NULL GROUP BY 1, 2, 3`)
	return kept, direct, err
}

// SourcesReportDirect is sourcesReportDirect, for the tests that hold SourcesReport to it.
func (s *Store) SourcesReportDirect(ctx context.Context, from, to time.Time, journeys bool) (*report.Data, error) {
	return s.sourcesReportDirect(ctx, from, to, journeys)
}

// DashboardFiguresDirect is DashboardFigures with the revenue read from the deals.
func (s *Store) DashboardFiguresDirect(ctx context.Context, from, to time.Time) (MonthFigures, error) {
	return s.dashboardFigures(ctx, from, to, dashboardRevenueDirect)
}

// ReportCreditForms counts the report_credits rows of the model by how their share is
// held: "grid" (num over 2^62), "fraction" (num/den under 2^31) or "text" (den 0).
func (s *Store) ReportCreditForms(ctx context.Context, model string) (map[string]int, error) {
	out := map[string]int{}
	err := s.reportRows(ctx, `SELECT den FROM report_credits WHERE model = ?`, []any{model}, func(rows *sql.Rows) error {
		var den int64
		if err := rows.Scan(&den); err != nil {
			return err
		}
		switch {
		case den == 1<<creditGridBits:
			out["grid"]++
		case den == 0:
			out["text"]++
		default:
			out["fraction"]++
		}
		return nil
	})
	return out, err
}

// DashboardRollupsCheck returns lead_days, stage_days and stage_now and the same counts
// made over contacts and contact_stages directly, as lines without the zero ones.
func (s *Store) DashboardRollupsCheck(ctx context.Context) (kept, direct map[string]bool, err error) {
	read := func(q string, out map[string]bool, prefix string) error {
		return s.reportRows(ctx, q, nil, func(rows *sql.Rows) error {
			var key string
			var n int64
			if err := rows.Scan(&key, &n); err != nil {
				return err
			}
			if n != 0 {
				out[fmt.Sprint(prefix, " ", key, " ", n)] = true
			}
			return nil
		})
	}
	kept, direct = map[string]bool{}, map[string]bool{}
	for _, q := range []struct{ prefix, kept, direct string }{
		{"lead_days", `SELECT CAST(day AS TEXT) || ' ' || channel || ' ' || CAST(campaign_id AS TEXT), SUM(leads) FROM lead_days GROUP BY day, channel, campaign_id`,
			`SELECT CAST(created_at / 86400000000 AS TEXT) || ' ' || COALESCE(first_touch_channel, 'direct') || ' ' || CAST(COALESCE(first_touch_campaign_id, 0) AS TEXT), COUNT(*)
			FROM contacts WHERE merged_into_id IS NULL GROUP BY 1`},
		{"stage_days", `SELECT CAST(day AS TEXT) || ' ' || stage, SUM(contacts) FROM stage_days GROUP BY day, stage`,
			`SELECT CAST(c.created_at / 86400000000 AS TEXT) || ' ' || s.stage, COUNT(*) FROM contacts c JOIN contact_stages s ON s.contact_id = c.id
			WHERE c.merged_into_id IS NULL GROUP BY 1`},
		{"stage_now", `SELECT stage, SUM(contacts) FROM stage_now GROUP BY stage`,
			`SELECT stage, COUNT(*) FROM contacts WHERE merged_into_id IS NULL GROUP BY stage`},
	} {
		if err := read(q.kept, kept, q.prefix); err != nil {
			return nil, nil, err
		}
		if err := read(q.direct, direct, q.prefix); err != nil {
			return nil, nil, err
		}
	}
	return kept, direct, nil
}

// FunnelPathsCheck returns the rows of the roll-up funnel_paths that differ from those
// funnel_paths_direct computes from contacts and their stages, on either side: none
// when the roll-up is exact.
func (s *Store) FunnelPathsCheck(ctx context.Context) (kept, direct []string, err error) {
	cols := `created_at, contact_id, subscriber_at, lead_at, mql_at, sql_at, opportunity_at, customer_at`
	diff := func(a, b string) ([]string, error) {
		var out []string
		err := s.reportRows(ctx, `SELECT `+cols+` FROM `+a+` EXCEPT SELECT `+cols+` FROM `+b, nil, func(rows *sql.Rows) error {
			var v [8]sql.NullInt64
			if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]); err != nil {
				return err
			}
			out = append(out, fmt.Sprint(v))
			return nil
		})
		return out, err
	}
	if kept, err = diff("funnel_paths", "funnel_paths_direct"); err != nil {
		return nil, nil, err
	}
	direct, err = diff("funnel_paths_direct", "funnel_paths")
	return kept, direct, err
}

// BeginRaw starts a transaction on the store's writer with nothing of the store's own
// around it (no locks, no hooks), for tests of what the database itself does when two
// of them meet.
func (s *Store) BeginRaw(ctx context.Context) (*sql.Tx, error) { return s.write.BeginTx(ctx, nil) }
