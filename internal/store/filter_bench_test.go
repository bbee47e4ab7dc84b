package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// benchSize reads a size from the environment, for a bigger run than the default.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// seedBench lays down contacts over 1,000 companies and their events, with
// attributes spread evenly, in a few set-based statements. Events arrive in time
// order over the last 90 days, as they do in life, each for a contact picked
// across the whole table.
func seedBench(b testing.TB, s *store.Store, contacts, events int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	day := int64(24 * time.Hour / time.Microsecond)
	json := func(expr string) string {
		if s.Engine() == store.Postgres {
			return "CAST(" + expr + " AS JSONB)"
		}
		return expr
	}
	steps := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO companies (id, domain, name, industry, size, country, created_at)
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1000)
			SELECT n, 'corp' || n || '.example', 'Corp ' || n,
				CASE n % 4 WHEN 0 THEN 'Software' WHEN 1 THEN 'Retail' WHEN 2 THEN 'Finance' ELSE 'Health' END,
				CASE n % 7 WHEN 0 THEN '1-10' WHEN 1 THEN '11-50' WHEN 2 THEN '51-200' WHEN 3 THEN '201-500' WHEN 4 THEN '501-1000' WHEN 5 THEN '1001-5000' ELSE '5001+' END,
				'DE', 0 FROM seq`, nil},
		{`INSERT INTO contacts (id, email, first_name, job_title, city, country, stage, seniority, department, email_type,
				fit_score, engagement_score, company_id, first_touch_channel, custom, created_at, updated_at)
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
			SELECT n, 'p' || n || '@corp' || (n % 1000 + 1) || '.example', 'Name' || (n % 5000),
				CASE n % 5 WHEN 0 THEN 'Head of Marketing' WHEN 1 THEN 'CTO' WHEN 2 THEN 'Sales Manager' WHEN 3 THEN 'Engineer' ELSE 'Student' END,
				'City' || (n % 2000),
				CASE n % 10 WHEN 0 THEN 'FR' WHEN 1 THEN 'FR' WHEN 2 THEN 'AT' WHEN 3 THEN 'US' WHEN 4 THEN 'US' WHEN 5 THEN 'US' WHEN 6 THEN 'GB' WHEN 7 THEN 'GB' WHEN 8 THEN 'ES' ELSE 'DE' END,
				CASE n % 6 WHEN 0 THEN 'subscriber' WHEN 1 THEN 'lead' WHEN 2 THEN 'lead' WHEN 3 THEN 'mql' WHEN 4 THEN 'sql' ELSE 'customer' END,
				CASE n % 7 WHEN 0 THEN 'executive' WHEN 1 THEN 'vp' WHEN 2 THEN 'director' WHEN 3 THEN 'manager' WHEN 4 THEN 'senior' WHEN 5 THEN 'entry' ELSE '' END,
				CASE n % 5 WHEN 0 THEN 'marketing' WHEN 1 THEN 'engineering' WHEN 2 THEN 'sales' WHEN 3 THEN 'it' ELSE '' END,
				CASE n % 4 WHEN 0 THEN 'free' ELSE 'work' END,
				(n * 37) % 101, (n * 53) % 101, n % 1000 + 1,
				CASE n % 3 WHEN 0 THEN 'paid_search' WHEN 1 THEN 'organic_search' ELSE 'email' END,
				` + json(`'{"plan":"' || CASE n % 4 WHEN 0 THEN 'enterprise' WHEN 1 THEN 'growth' ELSE 'starter' END || '","seats":"' || (n % 200 + 1) || '"}'`) + `,
				CAST(? AS BIGINT) - (n % 365) * CAST(? AS BIGINT), 0 FROM seq`, []any{contacts, now.UnixMicro(), day}},
		{`INSERT INTO events (contact_id, type, occurred_at, received_at, properties)
			WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
			SELECT n % ? + 1,
				CASE n % 4 WHEN 0 THEN 'page_view' WHEN 1 THEN 'page_view' WHEN 2 THEN 'email_open' ELSE 'form_submit' END,
				CAST(? AS BIGINT) - 90 * CAST(? AS BIGINT) + n * (90 * CAST(? AS BIGINT) / CAST(? AS BIGINT)), 0,
				` + json(`'{"page_url":"https://lodestone.example/' || CASE (n / 7) % 5 WHEN 0 THEN 'pricing' WHEN 1 THEN 'blog' WHEN 2 THEN 'docs' WHEN 3 THEN 'pricing/enterprise' ELSE '' END || '"}'`) + `
			FROM seq`, []any{events, contacts, now.UnixMicro(), day, day, events}},
	}
	for _, st := range steps {
		if err := store.ExecForTest(ctx, s, st.q, st.args...); err != nil {
			b.Fatal(err)
		}
	}
	// Statistics for the planners, and on PostgreSQL the visibility map that lets
	// a count read an index alone, as autovacuum keeps it on a live database.
	analyze := `ANALYZE`
	if s.Engine() == store.Postgres {
		analyze = `VACUUM ANALYZE`
	}
	if err := store.ExecForTest(ctx, s, analyze); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSegmentCount counts segments over a seeded table beside the raw
// engine figures of the same run: an indexed COUNT(*) and a full scan.
//
//	go test ./internal/store/ -run '^$' -bench SegmentCount -benchtime 20x
func BenchmarkSegmentCount(b *testing.B) {
	contacts := benchSize("LODESTONE_BENCH_CONTACTS", 100000)
	events := benchSize("LODESTONE_BENCH_EVENTS", 10*contacts)
	s := storetest.Open(b)
	start := time.Now()
	seedBench(b, s, contacts, events)
	b.Logf("%s: seeded %d contacts and %d events in %s", s.Engine(), contacts, events, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	raw := func(name, q string, args ...any) {
		b.Run(name, func(b *testing.B) {
			var n int64
			for range b.N {
				if err := store.QueryCountForTest(ctx, s, q, args...); err != nil {
					b.Fatal(err)
				}
			}
			_ = n
		})
	}
	seg := func(name, text string) {
		f, err := filter.Parse(text)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			var n int64
			for range b.N {
				if n, err = s.CountMatching(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n), "members")
		})
	}
	raw("raw/indexed", `SELECT COUNT(*) FROM contacts WHERE country = 'DE' AND merged_into_id IS NULL`)
	raw("raw/full_scan", `SELECT COUNT(*) FROM contacts WHERE city = 'City7'`)
	seg("filter/indexed", `country = "DE"`)
	seg("filter/indexed_two", `country = "DE" and fit_score >= 60`)
	seg("filter/any_attribute", `city = "City7"`)
	seg("filter/contains", `job_title contains "market"`)
	seg("filter/custom", `custom.plan = "enterprise"`)
	seg("filter/company", `company.size in ("51-200", "201-500") and seniority in ("vp", "director")`)
	seg("filter/events", `count(page_view where page_url contains "/pricing" in last 14 days) >= 2`)
	seg("filter/no_events", `stage = "mql" and count(email_open in last 60 days) = 0`)
}
