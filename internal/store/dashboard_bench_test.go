package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkDashboard times the dashboard's queries, as its page runs them (ns/op is
// the whole page's reads; the -ms figures are each query's last run), over the
// workspace benchWorkspace shares: LODESTONE_BENCH_CONTACTS contacts (default 100,000)
// created over the year before benchNow with ten events each. direct reads the month's
// revenue from the deals, as before migration 0015; fast from the facts. Each round
// runs both. docs/benchmarks.md has the figures.
//
//	LODESTONE_BENCH_CONTACTS=1000000 go test ./internal/store/ -run X -bench Dashboard -benchtime 5x
func BenchmarkDashboard(b *testing.B) {
	n := benchContacts()
	s := benchWorkspace(b, n)
	ctx := context.Background()
	month := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	from := time.Date(2025, 12, 22, 0, 0, 0, 0, time.UTC) // 26 Mondays back
	to := from.AddDate(0, 0, 7*26)
	for range benchRounds() {
		for _, path := range []string{"direct", "fast"} {
			figures := s.DashboardFigures
			if path == "direct" {
				figures = func(ctx context.Context, from, to time.Time) (MonthFigures, error) {
					return s.dashboardFigures(ctx, from, to, dashboardRevenueDirect)
				}
			}
			b.Run(fmt.Sprintf("%s/%d", path, n), func(b *testing.B) {
				for b.Loop() {
					step := func(name string, f func() error) {
						t := time.Now()
						if err := f(); err != nil {
							b.Fatalf("%s: %v", name, err)
						}
						b.ReportMetric(float64(time.Since(t).Microseconds())/1000, name+"-ms")
					}
					step("this-month", func() error { _, err := figures(ctx, month, month.AddDate(0, 1, 0)); return err })
					step("last-month", func() error { _, err := figures(ctx, month.AddDate(0, -1, 0), month); return err })
					step("weekly", func() error { _, err := s.LeadsByWeek(ctx, from, to); return err })
					step("costs", func() error { _, err := s.CostByChannel(ctx, from, to); return err })
					step("funnel", func() error { _, _, err := s.FunnelCounts(ctx, from, to); return err })
					step("stages", func() error { _, err := s.CurrentStages(ctx); return err })
					step("newest", func() error { _, err := s.Contacts(ctx, ContactFilter{Limit: 8}); return err })
				}
			})
		}
	}
}

// benchNow is the time of the benchmarks' workspace; its contacts are created in the
// year before it.
var benchNow = time.Date(2026, 6, 20, 0, 0, 0, 0, time.UTC)

// benchStores are the workspaces seeded in this run, by number of contacts.
var benchStores = map[int]*Store{}

// benchWorkspace is the workspace seedJourneys writes for n contacts, seeded once a run
// and shared by the benchmarks (seeding a million contacts takes minutes), with its
// facts worked out: the time that takes is logged, as the cost of the migration's
// first report on an existing workspace.
func benchWorkspace(b *testing.B, n int) *Store {
	if s, ok := benchStores[n]; ok {
		return s
	}
	ctx := context.Background()
	opt, drop := benchOptionsShared(b)
	if path := os.Getenv("LODESTONE_BENCH_DB"); path != "" {
		// A SQLite file seedJourneys wrote for n contacts in an earlier run.
		opt, drop = Options{Path: path}, func() {}
	}
	seed := os.Getenv("LODESTONE_BENCH_DB") == ""
	if keep := os.Getenv("LODESTONE_BENCH_KEEP"); keep != "" {
		// Seed once and keep: a SQLite file, or a schema on the PostgreSQL server, that
		// later runs (of this or another build) read again instead of seeding.
		drop()
		opt, drop, seed = benchKept(b, keep)
	}
	s, err := Open(ctx, opt)
	if err != nil {
		b.Fatal(err)
	}
	benchDrops = append(benchDrops, func() { s.Close(); drop() })
	s.Now = func() time.Time { return benchNow.Add(12 * time.Hour) }
	start := time.Now()
	if seed {
		seedJourneys(b, s, n, benchNow)
		b.Logf("seeded %d contacts and %d events in %s", n, 10*n, time.Since(start).Round(time.Second))
	}
	start = time.Now()
	if err := s.refreshReportFacts(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("worked out the report facts of every contact in %s", time.Since(start).Round(time.Millisecond))
	if err := benchAnalyzeOn(ctx, s.write, s.engine == Postgres); err != nil {
		b.Fatal(err)
	}
	if s.engine == Postgres {
		// As autovacuum would: index-only scans need the visibility map.
		if _, err := s.write.ExecContext(ctx, `VACUUM ANALYZE report_credits, report_speed, report_dirty, funnel_paths`); err != nil {
			b.Fatal(err)
		}
	}
	benchStores[n] = s
	return s
}

// benchDrops close and remove the shared workspaces when the run ends.
var benchDrops []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for _, drop := range benchDrops {
		drop()
	}
	os.Exit(code)
}

// benchOptionsShared is a fresh database that outlives one benchmark: a SQLite file in
// a new temporary directory, or a new schema on the server LODESTONE_TEST_DATABASE_URL
// names; drop removes it.
func benchOptionsShared(b *testing.B) (Options, func()) {
	base := os.Getenv("LODESTONE_TEST_DATABASE_URL")
	if base == "" {
		dir, err := os.MkdirTemp("", "lodestone-bench")
		if err != nil {
			b.Fatal(err)
		}
		return Options{Path: filepath.Join(dir, "bench.db")}, func() { os.RemoveAll(dir) }
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
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return Options{DatabaseURL: u.String()}, func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
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

// benchKept is the kept workspace LODESTONE_BENCH_KEEP names: a SQLite file, or with
// LODESTONE_TEST_DATABASE_URL a schema of that name; seed is true when it is new.
func benchKept(b *testing.B, keep string) (Options, func(), bool) {
	base := os.Getenv("LODESTONE_TEST_DATABASE_URL")
	if base == "" {
		_, err := os.Stat(keep)
		return Options{Path: keep}, func() {}, os.IsNotExist(err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRow(`SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = $1)`, keep).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		if _, err := admin.Exec(`CREATE SCHEMA ` + keep); err != nil {
			b.Fatal(err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", keep)
	u.RawQuery = q.Encode()
	return Options{DatabaseURL: u.String()}, func() {}, !exists
}
