package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkDashboard times the dashboard's queries, as its page runs them (ns/op is
// the whole page's reads; the -ms figures are each query's last run), over the
// workspace seedJourneys writes: LODESTONE_BENCH_CONTACTS contacts (default 100,000)
// created over the year before now with ten events each. docs/benchmarks.md has the figures.
//
//	LODESTONE_BENCH_CONTACTS=1000000 go test ./internal/store/ -run X -bench Dashboard -benchtime 5x
func BenchmarkDashboard(b *testing.B) {
	n := benchContacts()
	s, err := Open(context.Background(), benchOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	now := time.Date(2026, 6, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	start := time.Now()
	seedJourneys(b, s, n, now)
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
