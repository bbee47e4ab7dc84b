package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// The read queries of the sources report (SPEC section 8). Counts and costs are
// aggregated in the database; only the cohort's customers, far fewer than its leads, have
// their touches and deals read one by one, and only for the multi-touch models. The
// report package documents what each figure means.

// cohortFilter selects the new leads of [from, to): contacts created in the period that
// were not merged into another one. It binds two arguments: from and to.
const cohortFilter = `c.created_at >= ? AND c.created_at < ? AND c.merged_into_id IS NULL`

// reached is true when the contact c has ever entered the stage.
func reached(stage string) string {
	return `EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = '` + stage + `')`
}

// cohortQuery counts the cohort by first touch. A customer's revenue is all the won deals
// of the contact and of the contacts merged into it. The deal status is tested in the
// sum, not the WHERE clause, so that both engines look the deals up by contact instead of
// scanning every won deal for every customer.
var cohortQuery = cohortQueryWhere(cohortFilter)

// cohortQueryWhere is cohortQuery over the contacts c that filter selects.
func cohortQueryWhere(filter string) string {
	return `SELECT first_touch_channel, first_touch_campaign_id, COUNT(*), SUM(is_mql), SUM(is_sql), SUM(is_customer), SUM(revenue)
	FROM (SELECT c.first_touch_channel, c.first_touch_campaign_id,
		CASE WHEN ` + reached("mql") + ` THEN 1 ELSE 0 END AS is_mql,
		CASE WHEN ` + reached("sql") + ` THEN 1 ELSE 0 END AS is_sql,
		CASE WHEN ` + reached("customer") + ` THEN 1 ELSE 0 END AS is_customer,
		CASE WHEN ` + reached("customer") + ` THEN (
			SELECT COALESCE(SUM(CASE WHEN d.status = 'won' AND d.closed_at IS NOT NULL THEN d.amount ELSE 0 END), 0) FROM deals d
			WHERE d.contact_id IN (SELECT c.id UNION ALL SELECT m.id FROM contacts m WHERE m.merged_into_id = c.id)) ELSE 0 END AS revenue
		FROM contacts c WHERE ` + filter + `) cohort
	GROUP BY first_touch_channel, first_touch_campaign_id`
}

// customersWith names the cohort's customers (cohort_customers) and every contact whose
// history is theirs (members: themselves and the contacts merged into them).
var customersWith = `WITH cohort_customers AS (
		SELECT c.id, c.created_at, c.first_touch_channel, c.first_touch_campaign_id FROM contact_stages cs CROSS JOIN contacts c
		WHERE c.id = cs.contact_id AND cs.stage = 'customer' AND ` + cohortFilter + `),
	members AS (
		SELECT id AS customer_id, id AS contact_id FROM cohort_customers
		UNION ALL SELECT m.merged_into_id, m.id FROM contacts m JOIN cohort_customers cc ON m.merged_into_id = cc.id)
	`

// SourcesReport reads what the sources report needs under the model for the contacts
// created in [from, to) and the cost entries dated in it. It reads the roll-up
// report_cohorts for the whole UTC days of the period, the contacts themselves for the
// parts of a day at either end, and the facts of migration 0015, brought up to date
// first, so it reads a row per customer and per SQL, not their events.
func (s *Store) SourcesReport(ctx context.Context, from, to time.Time, model attribution.Model) (*report.Data, error) {
	multiTouch := model.Valid() && model != attribution.FirstTouch
	if err := s.refreshReportFacts(ctx); err != nil {
		return nil, err
	}
	d := &report.Data{}
	var err error
	if d.Campaigns, err = s.reportCampaigns(ctx); err != nil {
		return nil, err
	}
	if d.Cohorts, err = s.reportCohorts(ctx, from, to, true); err != nil {
		return nil, err
	}
	if d.Costs, err = s.reportCosts(ctx, from, to); err != nil {
		return nil, err
	}
	err = s.reportRows(ctx, `SELECT channel, campaign_id, micros FROM report_speed WHERE created_at >= ? AND created_at < ?`, []any{ts(from), ts(to)}, func(rows *sql.Rows) error {
		var sp report.SpeedSample
		if err := rows.Scan(&sp.Channel, &sp.CampaignID, &sp.Micros); err != nil {
			return err
		}
		d.Speed = append(d.Speed, sp)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if multiTouch {
		if d.Credits, err = s.readCredits(ctx, model, from, to); err != nil {
			return nil, err
		}
		err = s.queryRow(ctx, `SELECT COUNT(*) FROM report_credits WHERE model = 'first_touch' AND created_at >= ? AND created_at < ?`,
			ts(from), ts(to)).Scan(&d.CreditedCustomers)
		if err != nil {
			return nil, err
		}
		d.Credited = true
	}
	return d, nil
}

// sourcesReportDirect is SourcesReport computed from the contacts, their events and
// deals, without the facts: what the facts are held to in the tests. journeys asks for
// the touches and deals of each customer, which every model but first_touch needs.
func (s *Store) sourcesReportDirect(ctx context.Context, from, to time.Time, journeys bool) (*report.Data, error) {
	d := &report.Data{}
	var err error
	if d.Campaigns, err = s.reportCampaigns(ctx); err != nil {
		return nil, err
	}
	if d.Cohorts, err = s.reportCohorts(ctx, from, to, false); err != nil {
		return nil, err
	}
	if d.Costs, err = s.reportCosts(ctx, from, to); err != nil {
		return nil, err
	}
	if d.Speed, err = s.reportSpeed(ctx, from, to); err != nil {
		return nil, err
	}
	if journeys {
		if d.Customers, err = s.reportCustomers(ctx, from, to); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// reportCampaigns reads every campaign: a workspace has hundreds, not millions.
func (s *Store) reportCampaigns(ctx context.Context) (map[int64]report.Campaign, error) {
	out := map[int64]report.Campaign{}
	err := s.reportRows(ctx, `SELECT id, name, channel FROM campaigns`, nil, func(rows *sql.Rows) error {
		var c report.Campaign
		if err := rows.Scan(&c.ID, &c.Name, &c.Channel); err != nil {
			return err
		}
		out[c.ID] = c
		return nil
	})
	return out, err
}

// reportCohorts counts the cohort by first touch. It adds up the daily counts of
// report_cohorts, which triggers keep exact (see migration 0011), for the whole UTC
// days of the period and counts the contacts themselves in the parts of a day at either
// end; it reads the revenue from the customers' first_touch facts (facts) or their
// deals. Without the facts, a period that is not whole days is counted from the
// contacts alone, as before the roll-up.
func (s *Store) reportCohorts(ctx context.Context, from, to time.Time, facts bool) ([]report.Cohort, error) {
	if !facts && (!wholeDay(from) || !wholeDay(to)) {
		return s.cohorts(ctx, cohortQuery, ts(from), ts(to))
	}
	index := map[report.Source]int{}
	var out []report.Cohort
	add := func(c report.Cohort) {
		i, ok := index[c.Source]
		if !ok {
			i = len(out)
			index[c.Source] = i
			out = append(out, report.Cohort{Source: c.Source})
		}
		out[i].NewLeads += c.NewLeads
		out[i].MQLs += c.MQLs
		out[i].SQLs += c.SQLs
		out[i].Customers += c.Customers
	}
	// [from, to) is [from, first) by contact, [first, last) by day, [last, to) by contact.
	first, last := ceilDay(from), to.UTC().Truncate(24*time.Hour)
	if !first.Before(last) {
		first, last = to, to // within one day, or across one midnight: all by contact
	}
	for _, edge := range [][2]time.Time{{from, first}, {last, to}} {
		if !edge[0].Before(edge[1]) {
			continue
		}
		cs, err := s.cohorts(ctx, cohortQuery, ts(edge[0]), ts(edge[1]))
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			add(c)
		}
	}
	err := s.reportRows(ctx, `SELECT channel, campaign_id, SUM(leads), SUM(mqls), SUM(sqls), SUM(customers) FROM report_cohorts
		WHERE day >= ? AND day < ? GROUP BY channel, campaign_id`, []any{ts(first), ts(last)}, func(rows *sql.Rows) error {
		var c report.Cohort
		if err := rows.Scan(&c.Channel, &c.CampaignID, &c.NewLeads, &c.MQLs, &c.SQLs, &c.Customers); err != nil {
			return err
		}
		add(c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Drop the groups whose every contact moved away or was merged.
	out = slices.DeleteFunc(out, func(c report.Cohort) bool {
		return c.NewLeads == 0 && c.MQLs == 0 && c.SQLs == 0 && c.Customers == 0
	})
	clear(index)
	for i, c := range out {
		index[c.Source] = i
	}
	q := `SELECT c.first_touch_channel, c.first_touch_campaign_id, ` + customerRevenue + `
		FROM contact_stages cs CROSS JOIN contacts c
		WHERE c.id = cs.contact_id AND cs.stage = 'customer' AND ` + cohortFilter
	if facts {
		q = `SELECT channel, campaign_id, SUM(revenue) FROM report_credits
			WHERE model = 'first_touch' AND created_at >= ? AND created_at < ? GROUP BY channel, campaign_id`
	}
	err = s.reportRows(ctx, q, []any{ts(from), ts(to)}, func(rows *sql.Rows) error {
		var channel sql.NullString
		var campaign sql.NullInt64
		var revenue int64
		if err := rows.Scan(&channel, &campaign, &revenue); err != nil {
			return err
		}
		if i, ok := index[report.Source{Channel: channel.String, CampaignID: campaign.Int64}]; ok {
			out[i].Revenue += revenue
		}
		return nil
	})
	return out, err
}

// customerRevenue is the won deals of contact c and of the contacts merged into it,
// as two lookups by index rather than one over a union, which both engines plan poorly.
const customerRevenue = `(SELECT COALESCE(SUM(CASE WHEN d.status = 'won' AND d.closed_at IS NOT NULL THEN d.amount ELSE 0 END), 0) FROM deals d WHERE d.contact_id = c.id)
	+ (SELECT COALESCE(SUM(CASE WHEN d.status = 'won' AND d.closed_at IS NOT NULL THEN d.amount ELSE 0 END), 0) FROM contacts m JOIN deals d ON d.contact_id = m.id WHERE m.merged_into_id = c.id)`

func wholeDay(t time.Time) bool {
	return t.Equal(t.UTC().Truncate(24 * time.Hour))
}

// ceilDay is the first UTC midnight at or after t.
func ceilDay(t time.Time) time.Time {
	d := t.UTC().Truncate(24 * time.Hour)
	if d.Before(t) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// CampaignCohort counts, over all time, the contacts whose first touch was the campaign:
// leads, the stages they reached, customers and their won deals. With the campaign's
// cost entries it gives a campaign page its numbers, as the sources report defines them.
func (s *Store) CampaignCohort(ctx context.Context, campaignID int64) (report.Metrics, error) {
	m := report.Metrics{Customers: new(big.Rat)}
	cohorts, err := s.cohorts(ctx, cohortQueryWhere(`c.first_touch_campaign_id = ? AND c.merged_into_id IS NULL`), campaignID)
	if err != nil {
		return m, err
	}
	for _, c := range cohorts {
		m.NewLeads += c.NewLeads
		m.MQLs += c.MQLs
		m.SQLs += c.SQLs
		m.Customers.Add(m.Customers, new(big.Rat).SetInt64(c.Customers))
		m.Revenue += c.Revenue
	}
	err = s.queryRow(ctx, `SELECT COALESCE(SUM(amount), 0), COALESCE(SUM(hours_hundredths), 0) FROM cost_entries WHERE campaign_id = ?`, campaignID).
		Scan(&m.Cost, &m.HoursHundredths)
	return m, err
}

func (s *Store) cohorts(ctx context.Context, q string, args ...any) ([]report.Cohort, error) {
	var out []report.Cohort
	err := s.reportRows(ctx, q, args, func(rows *sql.Rows) error {
		var c report.Cohort
		var channel sql.NullString
		var campaign sql.NullInt64
		if err := rows.Scan(&channel, &campaign, &c.NewLeads, &c.MQLs, &c.SQLs, &c.Customers, &c.Revenue); err != nil {
			return err
		}
		c.Channel, c.CampaignID = channel.String, campaign.Int64
		out = append(out, c)
		return nil
	})
	return out, err
}

// reportCosts sums the cost entries dated in [from, to) per campaign. Dates are stored
// as YYYY-MM-DD, so comparing the text compares the days.
func (s *Store) reportCosts(ctx context.Context, from, to time.Time) ([]report.Cost, error) {
	const day = "2006-01-02"
	var out []report.Cost
	err := s.reportRows(ctx, `SELECT campaign_id, SUM(amount), SUM(hours_hundredths) FROM cost_entries
		WHERE spent_on >= ? AND spent_on < ? GROUP BY campaign_id`, []any{from.UTC().Format(day), to.UTC().Format(day)}, func(rows *sql.Rows) error {
		var c report.Cost
		if err := rows.Scan(&c.CampaignID, &c.Amount, &c.HoursHundredths); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// salesTouch is true of an event e that is sales work on the contact: a call, a booked
// meeting, or an email a user sent (report.Data.Speed).
const salesTouch = `(e.type IN ('call', 'meeting_booked') OR (e.type = 'email_sent' AND e.actor LIKE 'user:%'))`

// reportSpeed finds, for each member of the cohort that entered SQL, its first sales
// touch at or after that moment: index lookups on its own events by type and time, and
// on those of the contacts merged into it; the earlier counts.
func (s *Store) reportSpeed(ctx context.Context, from, to time.Time) ([]report.SpeedSample, error) {
	var out []report.SpeedSample
	err := s.reportRows(ctx, `SELECT c.first_touch_channel, c.first_touch_campaign_id, s.entered_at,
		(SELECT MIN(e.occurred_at) FROM events e WHERE e.contact_id = c.id AND e.type IN ('call', 'meeting_booked', 'email_sent')
			AND e.occurred_at >= s.entered_at AND `+salesTouch+`),
		(SELECT MIN(e.occurred_at) FROM contacts m JOIN events e ON e.contact_id = m.id WHERE m.merged_into_id = c.id AND e.occurred_at >= s.entered_at AND `+salesTouch+`)
		FROM contact_stages s CROSS JOIN contacts c
		WHERE c.id = s.contact_id AND s.stage = 'sql' AND `+cohortFilter, []any{ts(from), ts(to)}, func(rows *sql.Rows) error {
		var channel sql.NullString
		var campaign sql.NullInt64
		var entered int64
		var touches [2]sql.NullInt64
		if err := rows.Scan(&channel, &campaign, &entered, &touches[0], &touches[1]); err != nil {
			return err
		}
		var earliest sql.NullInt64
		for _, t := range touches {
			if t.Valid && (!earliest.Valid || t.Int64 < earliest.Int64) {
				earliest = t
			}
		}
		if earliest.Valid {
			out = append(out, report.SpeedSample{Source: report.Source{Channel: channel.String, CampaignID: campaign.Int64}, Micros: earliest.Int64 - entered})
		}
		return nil
	})
	return out, err
}

// reportCustomers reads the journeys of the cohort's customers in three queries: the
// customers, their touches and their won deals.
func (s *Store) reportCustomers(ctx context.Context, from, to time.Time) ([]report.Customer, error) {
	var out []report.Customer
	index := map[int64]int{}
	err := s.reportRows(ctx, customersWith+`SELECT cc.id, cc.created_at, cc.first_touch_channel, cc.first_touch_campaign_id,
		(SELECT entered_at FROM contact_stages s WHERE s.contact_id = cc.id AND s.stage = 'opportunity'),
		(SELECT entered_at FROM contact_stages s WHERE s.contact_id = cc.id AND s.stage = 'customer')
		FROM cohort_customers cc`, []any{ts(from), ts(to)}, func(rows *sql.Rows) error {
		var id, created int64
		var channel sql.NullString
		var campaign, opportunity, customer sql.NullInt64
		if err := rows.Scan(&id, &created, &channel, &campaign, &opportunity, &customer); err != nil {
			return err
		}
		index[id] = len(out)
		out = append(out, report.Customer{
			ID: id, FirstTouch: report.Source{Channel: channel.String, CampaignID: campaign.Int64},
			CreatedAt: fromTS(created), OpportunityAt: fromNullTS(opportunity), ConvertedAt: fromNullTS(customer),
		})
		return nil
	})
	if err != nil || len(out) == 0 {
		return nil, err
	}
	// Touches in the order they happened, which is the order the models read them in.
	err = s.reportRows(ctx, customersWith+`SELECT mb.customer_id, e.occurred_at, e.channel, e.campaign_id
		FROM members mb JOIN events e ON e.contact_id = mb.contact_id
		WHERE e.channel IS NOT NULL ORDER BY mb.customer_id, e.occurred_at, e.id`, []any{ts(from), ts(to)}, func(rows *sql.Rows) error {
		var id, at int64
		var channel string
		var campaign sql.NullInt64
		if err := rows.Scan(&id, &at, &channel, &campaign); err != nil {
			return err
		}
		if i, ok := index[id]; ok {
			out[i].Touches = append(out[i].Touches, report.Touch{At: fromTS(at), Source: report.Source{Channel: channel, CampaignID: campaign.Int64}})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.reportRows(ctx, customersWith+`SELECT mb.customer_id, d.amount, d.closed_at
		FROM members mb JOIN deals d ON d.contact_id = mb.contact_id
		WHERE d.status = 'won' AND d.closed_at IS NOT NULL ORDER BY mb.customer_id, d.closed_at, d.id`, []any{ts(from), ts(to)}, func(rows *sql.Rows) error {
		var id, amount, closed int64
		if err := rows.Scan(&id, &amount, &closed); err != nil {
			return err
		}
		if i, ok := index[id]; ok {
			c := &out[i]
			if len(c.Deals) == 0 {
				// The conversion is the first won deal; entering the customer stage stands
				// in for it when a person made the customer without recording a deal.
				c.ConvertedAt = fromTS(closed)
			}
			c.Deals = append(c.Deals, report.Deal{Amount: amount, ClosedAt: fromTS(closed)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// reportRows runs a read query and hands each row to scan.
func (s *Store) reportRows(ctx context.Context, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.query(ctx, q, args...)
	return eachRow(rows, err, scan)
}

// Funnel computes the funnel of the new leads of [from, to) (report.Funnel) and the size
// of that cohort. It reads the roll-up funnel_paths of migration 0031 (a row per live
// contact with when it first entered each stage of the ladder and its time in each,
// kept exact by triggers): for each stage, from that stage's partial index alone, how
// many of the period's contacts entered it, how many of those entered the next, and
// their times in it as one list of numbers, which report.FunnelOf takes the medians of.
// So the counts, conversions and medians are those of report.Funnel over FunnelEntries,
// reading a row per stage rather than a row per stage entry. The cohort's size comes
// from the roll-up report_cohorts (SourcesReport's), which counts contacts that have no
// stage entry too.
func (s *Store) Funnel(ctx context.Context, from, to time.Time) (int64, []report.FunnelStage, error) {
	cohorts, err := s.reportCohorts(ctx, from, to, true)
	if err != nil {
		return 0, nil, err
	}
	var size int64
	for _, c := range cohorts {
		size += c.NewLeads
	}
	var reached, both [6]int64 // report.FunnelStages
	var durations [6][]time.Duration
	var args []any
	for range report.FunnelStages {
		args = append(args, ts(from), ts(to))
	}
	err = s.reportRows(ctx, s.funnelQuery(), args, func(rows *sql.Rows) error {
		var k int
		var n, next int64
		var times sql.NullString
		if err := rows.Scan(&k, &n, &next, &times); err != nil {
			return err
		}
		if k < 0 || k >= len(reached) {
			return fmt.Errorf("funnel: no stage %d", k)
		}
		reached[k], both[k] = n, next
		var err error
		if durations[k], err = parseMicros(times.String); err != nil {
			return fmt.Errorf("funnel: the times in %s: %w", report.FunnelStages[k], err)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return size, report.FunnelOf(reached, both, durations), nil
}

// funnelQuery reads, for each stage k of the ladder, the funnel_paths rows created in
// [from, to) that entered it: how many, how many entered the next stage too, and their
// times in the stage (see migration 0031) as one comma-separated list, null for none.
// Each stage's condition is its partial index's, so each part reads that index alone.
func (s *Store) funnelQuery() string {
	list := func(e string) string { return "group_concat(" + e + ", ',')" }
	if s.engine == Postgres {
		list = func(e string) string { return "string_agg(CAST(" + e + " AS TEXT), ',')" }
	}
	var parts []string
	for k, st := range report.FunnelStages {
		next, times := "0", "NULL"
		if k+1 < len(report.FunnelStages) {
			next, times = "COUNT(p."+report.FunnelStages[k+1]+"_at)", list("p."+st+"_time")
		}
		from := "funnel_paths p"
		if s.engine == SQLite { // which it would read by its primary key otherwise
			from += " INDEXED BY funnel_paths_" + st
		}
		parts = append(parts, fmt.Sprintf("SELECT %d, COUNT(*), %s, %s FROM %s WHERE p.%s_at IS NOT NULL AND p.created_at >= ? AND p.created_at < ?",
			k, next, times, from, st))
	}
	return strings.Join(parts, "\nUNION ALL ")
}

// parseMicros reads a comma-separated list of microseconds as durations.
func parseMicros(list string) ([]time.Duration, error) {
	if list == "" {
		return nil, nil
	}
	out := make([]time.Duration, 0, strings.Count(list, ",")+1)
	var v int64
	digits := false
	for i := 0; i <= len(list); i++ {
		if i == len(list) || list[i] == ',' {
			if !digits {
				return nil, fmt.Errorf("an empty number at %d", i)
			}
			out = append(out, time.Duration(v)*time.Microsecond)
			v, digits = 0, false
			continue
		}
		c := list[i]
		if c < '0' || c > '9' || v > (math.MaxInt64-9)/10 {
			return nil, fmt.Errorf("not a positive number at %d", i)
		}
		v, digits = v*10+int64(c-'0'), true
	}
	return out, nil
}

// FunnelEntries reads the stage entries of the new leads of [from, to) and the size of
// that cohort, for report.Funnel: the direct computation that the tests hold Funnel to.
func (s *Store) FunnelEntries(ctx context.Context, from, to time.Time) (int64, []report.StageEntry, error) {
	var cohort int64
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM contacts c WHERE `+cohortFilter, ts(from), ts(to)).Scan(&cohort); err != nil {
		return 0, nil, err
	}
	var out []report.StageEntry
	err := s.reportRows(ctx, `SELECT s.contact_id, s.stage, s.entered_at FROM contacts c JOIN contact_stages s ON s.contact_id = c.id
		WHERE `+cohortFilter, []any{ts(from), ts(to)}, func(rows *sql.Rows) error {
		var e report.StageEntry
		var at int64
		if err := rows.Scan(&e.Contact, &e.Stage, &at); err != nil {
			return err
		}
		e.At = fromTS(at)
		out = append(out, e)
		return nil
	})
	return cohort, out, err
}
