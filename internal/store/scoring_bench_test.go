package store_test

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// benchRules are an ideal customer profile and engagement rules of a believable size.
var benchRules = scoring.Rules{
	Fit: []scoring.FitRule{
		{Filter: `job_title contains "head" or job_title contains "vp" or job_title contains "cto"`, Points: 30},
		{Filter: `country in ("DE", "NL", "FR")`, Points: 15},
		{Filter: `company.size in ("51-200", "201-500", "501-1000")`, Points: 20},
		{Filter: `email_type = "free"`, Points: -15},
		{Filter: `company.industry = "software"`, Points: 10},
		{Filter: `job_title contains "student"`, Points: -40},
	},
	Engagement: []scoring.EngagementRule{
		{EventType: "page_view", Property: "page_url", Value: "/pricing", Points: 10},
		{EventType: "page_view", Points: 1, HalfLifeDays: 14},
		{EventType: "email_click", Points: 5},
		{EventType: "demo_request", Points: 40},
	},
}

// BenchmarkFullRescore rescores every contact of a seeded table under new rules: the
// whole recompute job, staged batch by batch and put in force at the end. The size
// is LODESTONE_BENCH_CONTACTS contacts (default 20000) with 10 events each; each
// iteration rescores LODESTONE_BENCH_ROUNDS times (default 1) on the same table, so
// -benchtime 1x gives several rescores for one seeding: the first one moves many
// contacts to MQL, the later ones few. LODESTONE_BENCH_KEPT_DB names a SQLite file
// seeded once and copied afresh for each run (see keptScoringDB); LODESTONE_BENCH_SQL
// names a file of SQL to run on a fresh database before seeding it, to try a schema
// change.
func BenchmarkFullRescore(b *testing.B) {
	n := 20000
	if v, err := strconv.Atoi(os.Getenv("LODESTONE_BENCH_CONTACTS")); err == nil && v > 0 {
		n = v
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var s *store.Store
	if kept := os.Getenv("LODESTONE_BENCH_KEPT_DB"); kept != "" {
		s = keptScoringDB(b, kept, n, now)
	} else {
		s = storetest.Open(b)
		s.Now = func() time.Time { return now }
		if f := os.Getenv("LODESTONE_BENCH_SQL"); f != "" {
			// A schema change to try, run before seeding.
			q, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			if err := store.ExecForTest(ctx, s, string(q)); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		if err := s.SeedScoringBench(ctx, n, 10, now); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d contacts and %d events in %v", n, n*10, time.Since(start).Round(time.Millisecond))
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	rounds := benchSize("LODESTONE_BENCH_ROUNDS", 1)
	for i := 0; i < b.N*rounds; i++ {
		t0, c0, p0 := time.Now(), cpuTime(), pgBackendCPU(s)
		rules := benchRules
		rules.Fit[0].Points = 30 + i%2 // a real change each time
		// As the job runs it, staging and then the final swap, timed apart.
		rescoreUnder(b, s, rules)
		b.Logf("rescore %d took %v (this process's CPU %v, PostgreSQL's %v), the final swap %v", i+1, time.Since(t0).Round(time.Millisecond),
			(cpuTime() - c0).Round(time.Millisecond), pgBackendCPU(s)-p0, store.LastRecomputeSwap.Round(time.Millisecond))
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "contacts/s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// keptScoringDB opens a fresh copy of a SQLite file seeded once by SeedScoringBench
// with n contacts (seeding it first when it does not exist), so runs at a million
// contacts seed once and each rescores the same table as it was seeded.
func keptScoringDB(b *testing.B, path string, n int, now time.Time) *store.Store {
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		s, err := store.Open(ctx, store.Options{Path: path + ".seeding"})
		if err != nil {
			b.Fatal(err)
		}
		s.Now = func() time.Time { return now }
		if err := s.SeedScoringBench(ctx, n, 10, now); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.Rename(path+".seeding", path); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d contacts and %d events into %s in %v", n, n*10, path, time.Since(start).Round(time.Second))
	}
	run := filepath.Join(b.TempDir(), "rescore.db")
	if err := copyFile(path, run); err != nil {
		b.Fatal(err)
	}
	s, err := store.Open(ctx, store.Options{Path: run})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	s.Now = func() time.Time { return now }
	return s
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// cpuTime is the CPU time this process used, user and system: on a shared machine
// it moves less than the wall time, and on SQLite it includes the database's work.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pgBackendCPU is the CPU time used so far by the PostgreSQL backends serving this
// process, found by the application_name its connections carry (add
// application_name=... to LODESTONE_TEST_DATABASE_URL); 0 on SQLite or without
// one. The server must run on this machine.
func pgBackendCPU(s *store.Store) time.Duration {
	if os.Getenv(storetest.EnvURL) == "" {
		return 0
	}
	pids, err := store.RowsForTest(ctx, s, `SELECT pid FROM pg_stat_activity WHERE application_name = current_setting('application_name') AND application_name <> ''`)
	if err != nil {
		return 0
	}
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// BenchmarkScoreNewEvents is the live path: a batch of 100 new events of 100
// contacts scored and written.
func BenchmarkScoreNewEvents(b *testing.B) {
	s := storetest.Open(b)
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := s.SeedScoringBench(ctx, 5000, 10, now); err != nil {
		b.Fatal(err)
	}
	_, rc, err := s.PutScoringRules(ctx, benchRules, "bench")
	if err != nil {
		b.Fatal(err)
	}
	for done := false; !done; {
		if done, err = s.RecomputeStep(ctx, rc.ID, 1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		caps := make([]store.Capture, 100)
		for j := range caps {
			caps[j] = store.Capture{Type: "page_view", ContactID: int64((i*100+j)%5000 + 1), OccurredAt: now,
				Properties: map[string]any{"page_url": "https://site.example/pricing"}}
		}
		if _, err := s.Ingest(ctx, caps); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := s.ScoreNewEvents(ctx, 1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "contacts/s")
}

// rescoreUnder puts rules in force and runs the whole recompute they start, as its
// job would.
func rescoreUnder(b *testing.B, s *store.Store, rules scoring.Rules) {
	b.Helper()
	_, rc, err := s.PutScoringRules(ctx, rules, "bench")
	if err != nil {
		b.Fatal(err)
	}
	done, err := s.RecomputeRun(ctx, rc.ID, 5000, time.Now().Add(time.Hour))
	if err != nil || !done {
		b.Fatalf("recompute: over %v, %v", done, err)
	}
}
