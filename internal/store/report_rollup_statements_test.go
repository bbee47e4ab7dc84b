package store_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// rollupsBefore is the last migration before the roll-ups' triggers ran once per
// statement on PostgreSQL (0018).
const rollupsBefore = "0017"

// TestRollupsExactAfterMultiRowStatements writes contacts, stage entries, touches and
// deals as an import does, many rows in one statement, then changes and deletes many
// at a time: stage moves, first touches, creation times, merges and their undoing,
// stages taken off, contacts deleted. After each statement every roll-up must equal
// its count over contacts and their stages, done from scratch, and the sources report
// (whose facts follow the report_dirty marks) and the funnel the direct computation. It starts from a
// database that the release before held data in, so the migration that made the
// triggers per statement runs on those rows.
func TestRollupsExactAfterMultiRowStatements(t *testing.T) {
	opt := storetest.Options(t)
	o := openOldDatabase(t, opt)
	o.migrateTo(rollupsBefore, nil)

	const day = 86400000000
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	us := start.UnixMicro()
	spring := o.insert("spring", `INSERT INTO campaigns (name, channel, utm_campaign, created_at) VALUES (?, ?, ?, ?)`, "Spring", "paid_search", "spring", us)
	fair := o.insert("fair", `INSERT INTO campaigns (name, channel, utm_campaign, created_at) VALUES (?, ?, ?, ?)`, "Fair", "event", "fair", us)
	// 300 contacts over a week and across channels and campaigns, some created before
	// 1970 (where a UTC day and the quotient of a division differ), and their stages.
	addContacts := func(prefix string, n int) string {
		return fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO contacts (email, stage, first_touch_channel, first_touch_campaign_id, created_at, updated_at)
			SELECT '%s' || CAST(i AS TEXT) || '@example.com',
				CASE i %% 4 WHEN 0 THEN 'lead' WHEN 1 THEN 'mql' WHEN 2 THEN 'sql' ELSE 'customer' END,
				CASE i %% 5 WHEN 0 THEN NULL WHEN 1 THEN 'email' WHEN 2 THEN 'social' ELSE 'paid_search' END,
				CASE i %% 3 WHEN 0 THEN %d WHEN 1 THEN %d ELSE NULL END,
				CASE WHEN i %% 50 = 0 THEN -1000 * i ELSE %d + (i %% 7) * %d + i END, %d
			FROM n`, n, prefix, spring, fair, us, int64(day), us)
	}
	stagesOf := func(where string) string {
		return `INSERT INTO contact_stages (contact_id, stage, entered_at)
			SELECT c.id, st.stage, c.created_at FROM contacts c
			JOIN (SELECT 'lead' AS stage, 0 AS r UNION ALL SELECT 'mql', 1 UNION ALL SELECT 'sql', 2 UNION ALL SELECT 'opportunity', 3
				UNION ALL SELECT 'customer', 4) st
			ON st.r <= CASE c.stage WHEN 'lead' THEN 0 WHEN 'mql' THEN 1 WHEN 'sql' THEN 2 WHEN 'opportunity' THEN 3 ELSE 4 END
			WHERE ` + where + ` ON CONFLICT (contact_id, stage) DO NOTHING`
	}
	o.exec(addContacts("old", 300))
	o.exec(stagesOf(`c.email LIKE 'old%'`))
	o.exec(`INSERT INTO events (contact_id, type, occurred_at, received_at, channel, campaign_id)
		SELECT id, 'form_submit', created_at, created_at, first_touch_channel, first_touch_campaign_id FROM contacts WHERE first_touch_channel IS NOT NULL`)
	o.db.Close()

	ctx := t.Context()
	s, err := store.Open(ctx, opt)
	if err != nil {
		t.Fatalf("opening the database with data: %v", err)
	}
	defer s.Close()
	s.Now = func() time.Time { return start.Add(30 * 24 * time.Hour) }
	check := func(when string) {
		t.Helper()
		kept, direct, err := s.DashboardRollupsCheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(kept, direct) {
			t.Fatalf("%s: dashboard roll-ups\n%v\ncounted from scratch\n%v", when, kept, direct)
		}
		kept, direct, err = s.ReportCohortsCheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(kept, direct) {
			t.Fatalf("%s: report_cohorts\n%v\ncounted from scratch\n%v", when, kept, direct)
		}
		if s.Engine() == store.Postgres {
			left, err := store.RowsForTest(ctx, s, `SELECT COUNT(*) FROM rollup_deltas`)
			if err != nil || len(left) != 1 || left[0] != "0" {
				t.Fatalf("%s: rollup_deltas holds %v rows after the commit (%v), want 0", when, left, err)
			}
		}
		if kept, direct, err := s.FunnelPathsCheck(ctx); err != nil || len(kept) > 0 || len(direct) > 0 {
			t.Fatalf("%s: funnel_paths holds %v, contacts and their stages say %v (%v)", when, kept, direct, err)
		}
		from, to := start.Add(-60*24*time.Hour), start.Add(30*24*time.Hour)
		compareFunnel(t, s, [2]time.Time{from, to})
		for _, m := range []attribution.Model{attribution.FirstTouch, attribution.Linear} {
			sameAsDirect(t, s, when, from, to, m, report.ByChannelCampaign)
		}
	}
	check("after the migration")

	// Each step is one statement, or a few in one transaction.
	steps := []struct{ name, sql string }{
		{"300 new contacts in one insert", addContacts("new", 300)},
		{"their stages in one insert", stagesOf(`c.email LIKE 'new%'`)},
		{"contacts created merged away, with stages", `INSERT INTO contacts (email, stage, first_touch_channel, merged_into_id, created_at, updated_at)
			SELECT 'x' || email, 'sql', 'email', id, created_at, updated_at FROM contacts WHERE id % 15 = 0;
			` + stagesOf(`c.email LIKE 'x%'`)},
		{"won deals in one insert", `INSERT INTO deals (contact_id, name, amount, status, closed_at, created_at)
			SELECT id, 'Order', 1000 + id, 'won', created_at + 7200000000, created_at FROM contacts WHERE stage = 'customer'`},
		// Touches change the customers' credits, calls the SQLs' speed to lead: only the
		// marks of the events' trigger tell the report.
		{"touches and calls in one insert", `INSERT INTO events (contact_id, type, occurred_at, received_at, channel, campaign_id, actor)
			SELECT id, CASE WHEN id % 2 = 1 THEN 'page_view' ELSE 'call' END, created_at + 3600000000, created_at + 3600000000,
				CASE WHEN id % 2 = 1 THEN 'social' END, NULL, CASE WHEN id % 2 = 1 THEN '' ELSE 'user:1' END
			FROM contacts WHERE email LIKE 'new%' OR email LIKE 'old%'`},
		{"every lead moved to mql in one update", `UPDATE contacts SET stage = 'mql' WHERE stage = 'lead';
			` + stagesOf(`c.stage = 'mql'`)},
		{"a third of the mqls moved back to lead", `UPDATE contacts SET stage = 'lead' WHERE stage = 'mql' AND id % 3 = 0`},
		{"first touches changed", `UPDATE contacts SET first_touch_channel = 'referral', first_touch_campaign_id = NULL WHERE id % 4 = 1`},
		{"creation times moved", fmt.Sprintf(`UPDATE contacts SET created_at = created_at - 3 * %d WHERE id %% 6 = 0`, int64(day))},
		{"contacts merged", `UPDATE contacts SET merged_into_id = id - 1 WHERE id % 10 = 2 AND merged_into_id IS NULL AND email NOT LIKE 'x%'`},
		{"merges undone", `UPDATE contacts SET merged_into_id = NULL WHERE email LIKE 'x%' AND id % 2 = 0`},
		{"sql and customer stages taken off", `DELETE FROM contact_stages WHERE stage IN ('sql', 'customer') AND contact_id % 3 = 0`},
		{"contacts deleted", `CREATE TEMPORARY TABLE gone AS SELECT id FROM contacts c WHERE id % 7 = 3
				AND NOT EXISTS (SELECT 1 FROM contacts m WHERE m.merged_into_id = c.id);
			DELETE FROM events WHERE contact_id IN (SELECT id FROM gone);
			DELETE FROM deals WHERE contact_id IN (SELECT id FROM gone);
			DELETE FROM contact_stages WHERE contact_id IN (SELECT id FROM gone);
			DELETE FROM contacts WHERE id IN (SELECT id FROM gone);
			DROP TABLE gone`},
	}
	for _, st := range steps {
		if err := store.ExecForTest(ctx, s, st.sql); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check(st.name)
	}
	var n []string
	if n, err = store.RowsForTest(ctx, s, `SELECT COUNT(*) FROM contacts WHERE merged_into_id IS NULL`); err != nil || len(n) != 1 || strings.HasPrefix(n[0], "0") {
		t.Fatalf("contacts left: %v %v", n, err)
	}
}
