package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkDashboard times the dashboard's queries, as its page runs them (ns/op is
// the whole page's reads; the -ms figures are each query's last run), over a
// seeded database: LODESTONE_BENCH_CONTACTS contacts (default 100,000) created over six
// months with ten events each, their stage history, won deals for 3 % of them and a
// year of daily costs on ten campaigns. docs/insights.md has the figures.
//
//	LODESTONE_BENCH_CONTACTS=200000 go test ./internal/store/ -run X -bench Dashboard -benchtime 5x
func BenchmarkDashboard(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("LODESTONE_BENCH_CONTACTS")); err == nil && v > 0 {
		n = v
	}
	s, err := Open(context.Background(), benchOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	now := time.Date(2026, 6, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	start := time.Now()
	seedDashboard(b, s, n, now)
	b.Logf("seeded %d contacts and %d events in %v", n, 10*n, time.Since(start).Round(time.Second))
	ctx := context.Background()
	month := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	from := time.Date(2025, 12, 22, 0, 0, 0, 0, time.UTC) // 26 Mondays back
	to := from.AddDate(0, 0, 7*26)
	b.ResetTimer()
	for b.Loop() {
		step := func(name string, f func() error) {
			t := time.Now()
			if err := f(); err != nil {
				b.Fatalf("%s: %v", name, err)
			}
			b.ReportMetric(float64(time.Since(t).Microseconds())/1000, name+"-ms")
		}
		step("this-month", func() error { _, err := s.DashboardFigures(ctx, month, month.AddDate(0, 1, 0)); return err })
		step("last-month", func() error { _, err := s.DashboardFigures(ctx, month.AddDate(0, -1, 0), month); return err })
		step("weekly", func() error { _, err := s.LeadsByWeek(ctx, from, to); return err })
		step("costs", func() error { _, err := s.CostByChannel(ctx, from, to); return err })
		step("funnel", func() error { _, _, err := s.FunnelCounts(ctx, from, to); return err })
		step("stages", func() error { _, err := s.CurrentStages(ctx); return err })
		step("newest", func() error { _, err := s.Contacts(ctx, ContactFilter{Limit: 8}); return err })
	}
}

// seedDashboard writes the benchmark's data with set-based SQL, far faster than
// ingesting it: ids follow creation time, as they do in a real workspace.
func seedDashboard(b *testing.B, s *Store, n int, now time.Time) {
	ctx := context.Background()
	span := int64(180 * 24 * time.Hour / time.Microsecond)
	t0 := ts(now) - span
	step := span / int64(n)
	series := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) `
	stmts := []struct {
		q    string
		args []any
	}{
		{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
			INSERT INTO campaigns (id, name, channel, created_at) SELECT i, 'Campaign ' || i,
			CASE i % 5 WHEN 0 THEN 'paid_search' WHEN 1 THEN 'paid_social' WHEN 2 THEN 'email' WHEN 3 THEN 'event' ELSE 'direct_mail' END, ? FROM n`, []any{t0}},
		{series + `INSERT INTO contacts (id, email, first_name, country, stage, first_touch_at, first_touch_channel, first_touch_campaign_id, created_at, updated_at)
			SELECT i, 'c' || i || '@example.com', 'Ann', CASE i % 4 WHEN 0 THEN 'DE' WHEN 1 THEN 'GB' WHEN 2 THEN 'US' ELSE 'FR' END,
			CASE WHEN i % 100 < 3 THEN 'customer' WHEN i % 100 < 8 THEN 'opportunity' WHEN i % 100 < 20 THEN 'sql' WHEN i % 100 < 50 THEN 'mql' ELSE 'lead' END,
			? + i * ?, CASE i * 7919 % 8 WHEN 0 THEN 'organic_search' WHEN 1 THEN 'paid_search' WHEN 2 THEN 'paid_social' WHEN 3 THEN 'email'
				WHEN 4 THEN 'direct' WHEN 5 THEN 'referral' WHEN 6 THEN 'event' ELSE 'social' END,
			CASE WHEN i * 7919 % 8 IN (1, 2, 3, 6) THEN i % 10 + 1 END, ? + i * ?, ? + i * ? FROM n`, []any{n, t0, step, t0, step, t0, step}},
		{series + `INSERT INTO contact_stages (contact_id, stage, entered_at) SELECT i, 'lead', ? + i * ? FROM n`, []any{n, t0, step}},
		{series + `INSERT INTO contact_stages (contact_id, stage, entered_at) SELECT i, 'mql', ? + i * ? + 3600000000 FROM n WHERE i % 100 < 50`, []any{n, t0, step}},
		{series + `INSERT INTO contact_stages (contact_id, stage, entered_at) SELECT i, 'sql', ? + i * ? + 7200000000 FROM n WHERE i % 100 < 20`, []any{n, t0, step}},
		{series + `INSERT INTO contact_stages (contact_id, stage, entered_at) SELECT i, 'opportunity', ? + i * ? + 86400000000 FROM n WHERE i % 100 < 8`, []any{n, t0, step}},
		{series + `INSERT INTO contact_stages (contact_id, stage, entered_at) SELECT i, 'customer', ? + i * ? + 864000000000 FROM n WHERE i % 100 < 3`, []any{n, t0, step}},
		{series + `INSERT INTO deals (contact_id, amount, status, closed_at, created_at) SELECT i, 100000 + i % 50 * 1000, 'won', ? + i * ? + 864000000000, ? FROM n WHERE i % 100 < 3`, []any{n, t0, step, t0}},
		{`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO events (contact_id, type, occurred_at, received_at, properties, channel)
			SELECT i / 10 + 1, CASE WHEN i % 10 = 0 THEN 'form_submit' WHEN i % 10 < 8 THEN 'page_view' ELSE 'email_open' END,
			? + (i / 10 + 1) * ? + i % 10 * 3600000000, ? + (i / 10 + 1) * ?,
			CASE WHEN i % 10 = 3 THEN '{"page_url":"https://www.example.com/pricing"}' ELSE '{}' END,
			CASE WHEN i % 10 = 0 THEN 'organic_search' END FROM n`, []any{10*n - 1, t0, step, t0, step}},
	}
	for i, st := range stmts {
		q := st.q
		if s.engine == Postgres {
			q = strings.ReplaceAll(q, "?", "CAST(? AS BIGINT)") // every seed argument is a number
			q = strings.Replace(q, "ELSE '{}' END,", "ELSE '{}' END::jsonb,", 1)
		}
		if _, err := s.write.ExecContext(ctx, s.rebind(q), st.args...); err != nil {
			b.Fatalf("seed %d: %v", i, err)
		}
	}
	// A year of daily costs, ten campaigns a day, up to today.
	err := s.RunInTx(ctx, func(tx *Tx) error {
		for d := range 365 {
			day := now.AddDate(0, 0, -d).Format(time.DateOnly)
			for c := range 10 {
				if _, err := tx.exec(ctx, `INSERT INTO cost_entries (campaign_id, spent_on, amount, hours_hundredths, created_at) VALUES (?, ?, ?, 50, ?)`,
					c+1, day, 5000+(d*7+c)%97*100, t0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.write.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// benchOptions is a fresh database for the benchmark: a SQLite file, or a new schema
// on the server LODESTONE_TEST_DATABASE_URL names (storetest cannot be imported from
// inside the package).
func benchOptions(b *testing.B) Options {
	base := os.Getenv("LODESTONE_TEST_DATABASE_URL")
	if base == "" {
		return Options{Path: filepath.Join(b.TempDir(), "bench.db")}
	}
	r := make([]byte, 6)
	_, _ = rand.Read(r)
	schema := "bench_" + hex.EncodeToString(r)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return Options{DatabaseURL: u.String()}
}
