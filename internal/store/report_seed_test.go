package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"
)

// seedJourneys writes, with set-based SQL on either engine, a workspace of n contacts
// created evenly over the year before end (ids follow creation time, as in a real
// workspace) and ten events each, so 1,000,000 contacts make 10,000,000 events:
//
//   - 48 campaigns, six per channel, and a cost entry per campaign and day of the year;
//   - every contact has a first touch (six in ten with a campaign of its channel), a
//     form submit at its creation carrying it, three events in the 15 days before it
//     and six in the 30 days after; those are page views (four in ten of them from a
//     channel, so touches), email opens (from the email channel) and form submits (from
//     a channel); about 5.5 touches a contact, so multi-touch models have work;
//   - 30 % reach MQL a day after creation, 12 % SQL after three days, 5 % opportunity
//     after ten and 3 % customer after 30, with a won deal closed then and, for a third
//     of them, a second one 60 days after creation; a lost deal for 1 % more;
//   - every SQL has a sales call by a user some hours after entering SQL;
//   - one contact in a hundred is merged into the contact created before it.
//
// Numbers come from a multiplicative hash of the id, so both engines get the same data.
func seedJourneys(tb testing.TB, s *Store, n int, end time.Time) {
	tb.Helper()
	ctx := context.Background()
	const day = int64(86_400_000_000)
	span := 365 * day
	t0 := ts(end) - span
	step := span / int64(n)
	pg := s.engine == Postgres
	// series selects i from 1 to count.
	series := func(count int64, body string) string {
		if pg {
			return strings.Replace(body, "FROM n", fmt.Sprintf("FROM generate_series(CAST(1 AS BIGINT), %d) AS n(i)", count), 1)
		}
		return fmt.Sprintf("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) ", count) + body
	}
	// h is a hash of the expression x into [0, m).
	h := func(x string, salt, m int) string {
		return fmt.Sprintf("((%s) * 2654435761 %% 4294967291 + %d) %% 1000003 %% %d", x, salt*7919, m)
	}
	channels := []string{"paid_search", "organic_search", "social", "paid_social", "email", "referral", "event", "direct"}
	chanCase := func(x string) string {
		var b strings.Builder
		b.WriteString("CASE " + x)
		for i, c := range channels {
			fmt.Fprintf(&b, " WHEN %d THEN '%s'", i, c)
		}
		b.WriteString(" END")
		return b.String()
	}
	created := func(id string) string { return fmt.Sprintf("(%d + (%s - 1) * %d)", t0, id, step) }
	ftChan := func(id string) string { return h(id, 1, 8) }
	ftCamp := func(id string) string {
		return fmt.Sprintf("CASE WHEN %s < 6 THEN 1 + %s + 8 * %s END", h(id, 2, 10), ftChan(id), h(id, 3, 6))
	}
	// r is the contact's ladder draw: < 3 customer, < 5 opportunity, < 12 sql, < 30 mql.
	r := func(id string) string { return h(id, 4, 100) }
	stmts := []string{
		series(48, `INSERT INTO campaigns (id, name, channel, utm_campaign, created_at) SELECT i, 'Campaign ' || i, `+chanCase("(i - 1) % 8")+`, 'c' || i, 0 FROM n`),
		series(int64(n), fmt.Sprintf(`INSERT INTO contacts (id, email, stage, first_touch_at, first_touch_channel, first_touch_campaign_id, merged_into_id, created_at, updated_at)
			SELECT i, 'p' || i || '@bench.example',
			CASE WHEN %[1]s < 3 THEN 'customer' WHEN %[1]s < 5 THEN 'opportunity' WHEN %[1]s < 12 THEN 'sql' WHEN %[1]s < 30 THEN 'mql' ELSE 'lead' END,
			%[2]s, %[3]s, %[4]s, CASE WHEN i %% 100 = 50 THEN i - 1 END, %[2]s, %[2]s FROM n`, r("i"), created("i"), chanCase(ftChan("i")), ftCamp("i"))),
	}
	for k, st := range []struct {
		name  string
		pct   int
		after int64
	}{{"lead", 100, 0}, {"mql", 30, day}, {"sql", 12, 3 * day}, {"opportunity", 5, 10 * day}, {"customer", 3, 30 * day}} {
		_ = k
		stmts = append(stmts, series(int64(n), fmt.Sprintf(`INSERT INTO contact_stages (contact_id, stage, entered_at)
			SELECT i, '%s', %s + %d FROM n WHERE %s < %d`, st.name, created("i"), st.after, r("i"), st.pct)))
	}
	stmts = append(stmts,
		series(int64(n), fmt.Sprintf(`INSERT INTO deals (contact_id, amount, status, closed_at, created_at)
			SELECT i, 10000 + %s * 100, 'won', %s + %d, %[2]s FROM n WHERE %[4]s < 3`, h("i", 5, 10000), created("i"), 30*day, r("i"))),
		series(int64(n), fmt.Sprintf(`INSERT INTO deals (contact_id, amount, status, closed_at, created_at)
			SELECT i, 5000 + %s * 100, 'won', %s + %d, %[2]s FROM n WHERE %[4]s < 3 AND i %% 3 = 0`, h("i", 6, 5000), created("i"), 60*day, r("i"))),
		series(int64(n), fmt.Sprintf(`INSERT INTO deals (contact_id, amount, status, closed_at, created_at)
			SELECT i, 20000, 'lost', %s + %d, %[1]s FROM n WHERE %[3]s = 3`, created("i"), 20*day, r("i"))),
	)
	// Events in chunks of a million, so no statement holds too much.
	const chunk = 1_000_000
	for lo := int64(0); lo < 10*int64(n); lo += chunk {
		hi := min(10*int64(n), lo+chunk)
		// j is the event's number from 0: contact j / 10 + 1, k = j % 10 its place.
		j := fmt.Sprintf("(i + %d - 1)", lo)
		id := fmt.Sprintf("(%s / 10 + 1)", j)
		k := fmt.Sprintf("(%s %% 10)", j)
		kind := h(j, 7, 10) // < 5 page view, < 8 email open, else form submit
		at := fmt.Sprintf(`CASE WHEN %[1]s = 0 THEN %[2]s WHEN %[1]s <= 3 THEN %[2]s - %[1]s * 5 * %[3]d + %[4]s
			WHEN %[1]s = 9 AND %[5]s < 12 THEN %[2]s + 3 * %[3]d + 3600000000 * (1 + %[6]s)
			ELSE %[2]s + (%[1]s - 3) * 5 * %[3]d - %[4]s END`, k, created(id), day, "("+h(j, 8, 1000)+") * 86400000", r(id), h(j, 9, 72))
		typ := fmt.Sprintf(`CASE WHEN %[1]s = 0 THEN 'form_submit' WHEN %[1]s = 9 AND %[2]s < 12 THEN 'call'
			WHEN %[3]s < 5 THEN 'page_view' WHEN %[3]s < 8 THEN 'email_open' ELSE 'form_submit' END`, k, r(id), kind)
		touch := fmt.Sprintf(`%[1]s > 0 AND NOT (%[1]s = 9 AND %[2]s < 12) AND (%[3]s >= 5 OR %[4]s < 4)`, k, r(id), kind, h(j, 10, 10))
		ch := fmt.Sprintf(`CASE WHEN %[1]s = 0 THEN %[2]s WHEN %[3]s THEN CASE WHEN %[4]s BETWEEN 5 AND 7 THEN 'email' ELSE %[5]s END END`,
			k, chanCase(ftChan(id)), touch, kind, chanCase(h(j, 11, 8)))
		camp := fmt.Sprintf(`CASE WHEN %[1]s = 0 THEN %[2]s WHEN %[3]s AND %[4]s < 5 THEN 1 + CASE WHEN %[5]s BETWEEN 5 AND 7 THEN 4 ELSE %[6]s END + 8 * %[7]s END`,
			k, ftCamp(id), touch, h(j, 12, 10), kind, h(j, 11, 8), h(j, 13, 6))
		actor := fmt.Sprintf(`CASE WHEN %[1]s = 9 AND %[2]s < 12 THEN 'user:1' ELSE '' END`, k, r(id))
		stmts = append(stmts, series(hi-lo, fmt.Sprintf(`INSERT INTO events (contact_id, type, occurred_at, received_at, channel, campaign_id, actor)
			SELECT %s, %s, %s, %[3]s, %s, %s, %s FROM n`, id, typ, at, ch, camp, actor)))
	}
	// On PostgreSQL row triggers make a bulk insert far slower (each new contact updates
	// the same few roll-up rows again), so the rows go in with triggers off and the
	// roll-ups are then filled as their migrations fill them on an existing database.
	conn, err := s.write.Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if pg {
		if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
			tb.Fatal(err)
		}
		stmts = append(stmts,
			`DELETE FROM report_dirty`,
			`INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
			SELECT c.created_at - ((c.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(c.first_touch_channel, ''), COALESCE(c.first_touch_campaign_id, 0), COUNT(*),
			    COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'mql')),
			    COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'sql')),
			    COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'customer'))
			FROM contacts c WHERE c.merged_into_id IS NULL GROUP BY 1, 2, 3`,
			`INSERT INTO lead_days SELECT created_at / 86400000000, COALESCE(first_touch_channel, 'direct'), COALESCE(first_touch_campaign_id, 0), COUNT(*)
			FROM contacts WHERE merged_into_id IS NULL GROUP BY 1, 2, 3`,
			`INSERT INTO stage_days SELECT c.created_at / 86400000000, s.stage, COUNT(*)
			FROM contacts c JOIN contact_stages s ON s.contact_id = c.id WHERE c.merged_into_id IS NULL GROUP BY 1, 2`,
			`INSERT INTO stage_now SELECT stage, COUNT(*) FROM contacts WHERE merged_into_id IS NULL GROUP BY stage`,
			`INSERT INTO report_dirty (contact_id) SELECT DISTINCT contact_id FROM contact_stages WHERE stage IN ('sql', 'customer')`,
			`INSERT INTO funnel_paths SELECT * FROM funnel_paths_direct`,
			`SET session_replication_role = DEFAULT`)
	}
	for i, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			tb.Fatalf("seed %d: %v\n%s", i, err, q)
		}
	}
	// A cost entry per campaign and day: i is (day - 1) * 48 + campaign.
	spent := fmt.Sprintf(`date('%s', '+' || ((i - 1) / 48) || ' days')`, time.UnixMicro(t0).UTC().Format(time.DateOnly))
	if pg {
		spent = fmt.Sprintf(`to_char(DATE '%s' + CAST((i - 1) / 48 AS INTEGER), 'YYYY-MM-DD')`, time.UnixMicro(t0).UTC().Format(time.DateOnly))
	}
	costs := series(48*365, `INSERT INTO cost_entries (campaign_id, spent_on, amount, hours_hundredths, created_at)
		SELECT (i - 1) % 48 + 1, `+spent+`, 1000 + ((i - 1) % 48 * 7919 + (i - 1) / 48 * 104729) % 50000, ((i - 1) % 48 * 31 + (i - 1) / 48 * 17) % 300, 0 FROM n`)
	if _, err := conn.ExecContext(ctx, costs); err != nil {
		tb.Fatalf("seed costs: %v\n%s", err, costs)
	}
	if err := benchAnalyzeOn(ctx, conn, pg); err != nil {
		tb.Fatal(err)
	}
}

// benchAnalyzeOn updates the planner's statistics: of the tables the reports read on
// PostgreSQL, where a bare ANALYZE would go through every schema of the database.
func benchAnalyzeOn(ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, pg bool) error {
	q := `ANALYZE`
	if pg {
		q = benchAnalyze
	}
	_, err := db.ExecContext(ctx, q)
	return err
}

// benchAnalyze is ANALYZE of the tables the reports read, on PostgreSQL.
const benchAnalyze = `ANALYZE contacts, contact_stages, events, deals, campaigns, cost_entries, report_cohorts, lead_days, stage_days, stage_now, report_credits, report_speed, report_dirty, funnel_paths`
