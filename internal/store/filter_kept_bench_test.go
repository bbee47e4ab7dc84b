package store_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// BenchmarkSegmentCountKept times the counts of BenchmarkSegmentCount, and the SQL
// that segment filters compiled to before the event-condition change, on a SQLite
// file seeded once (1,000,000 contacts and 10,000,000 events unless
// LODESTONE_BENCH_CONTACTS / LODESTONE_BENCH_EVENTS say otherwise) and kept, so a
// size that takes many minutes to seed is seeded once. Each iteration runs every count
// once, round-robin; the log gives each count's median and range of wall and CPU time.
//
//	LODESTONE_BENCH_KEPT_DB=/tmp/seg1m.db go test ./internal/store/ -run '^$' -bench SegmentCountKept -benchtime 5x -v
func BenchmarkSegmentCountKept(b *testing.B) {
	t := b
	path := os.Getenv("LODESTONE_BENCH_KEPT_DB")
	if path == "" {
		b.Skip("LODESTONE_BENCH_KEPT_DB names the SQLite file to seed once and count in")
	}
	s, err := store.Open(context.Background(), store.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := store.QueryCountForTest(context.Background(), s, `SELECT id FROM contacts LIMIT 1`); err != nil {
		start := time.Now()
		seedBench(b, s, benchSize("LODESTONE_BENCH_CONTACTS", 1000000), benchSize("LODESTONE_BENCH_EVENTS", 10000000))
		b.Logf("seeded in %v", time.Since(start).Round(time.Second))
	}
	b.ResetTimer()
	now := time.Now()
	d14, d60 := now.Add(-14*24*time.Hour).UnixMicro(), now.Add(-60*24*time.Hour).UnixMicro()
	jt := `COALESCE(CASE json_type(e.properties, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract(e.properties, ?) AS TEXT) END, '') LIKE ? ESCAPE '\'`
	oldEv := `SELECT COUNT(*) FROM contacts c WHERE c.merged_into_id IS NULL AND c.id IN (SELECT who FROM (SELECT e.contact_id AS who FROM events e WHERE e.contact_id IS NOT NULL AND e.type = ? AND e.occurred_at >= ? AND ` + jt + ` UNION ALL SELECT m.merged_into_id FROM contacts m JOIN events e ON e.contact_id = m.id WHERE m.merged_into_id IS NOT NULL AND e.type = ? AND e.occurred_at >= ? AND ` + jt + `) ev GROUP BY who HAVING COUNT(*) >= ?)`
	p := `$."page_url"`
	oldEvArgs := []any{"page_view", d14, p, p, "%/pricing%", "page_view", d14, p, p, "%/pricing%", 2}
	oldNo := `SELECT COUNT(*) FROM contacts c WHERE c.merged_into_id IS NULL AND ((c.stage = ?) AND c.id NOT IN (SELECT e.contact_id AS who FROM events e WHERE e.contact_id IS NOT NULL AND e.type = ? AND e.occurred_at >= ? UNION ALL SELECT m.merged_into_id FROM contacts m JOIN events e ON e.contact_id = m.id WHERE m.merged_into_id IS NOT NULL AND e.type = ? AND e.occurred_at >= ?))`
	oldNoArgs := []any{"mql", "email_open", d60, "email_open", d60}
	// The per-contact probe that PostgreSQL gets, tried on SQLite and not kept there.
	probe := `NOT EXISTS (SELECT 1 FROM events e WHERE e.contact_id = c.id AND e.type = ? AND e.occurred_at >= ?)
		AND NOT EXISTS (SELECT 1 FROM contacts m JOIN events e ON e.contact_id = m.id WHERE m.merged_into_id = c.id AND e.type = ? AND e.occurred_at >= ?)`
	probeNo := `SELECT COUNT(*) FROM contacts c WHERE c.merged_into_id IS NULL AND c.stage = ? AND ` + probe
	probeAlone := `SELECT COUNT(*) FROM contacts c WHERE c.merged_into_id IS NULL AND ` + probe
	type job struct {
		name string
		run  func() error
	}
	raw := func(q string, args ...any) func() error {
		return func() error { return store.QueryCountForTest(context.Background(), s, q, args...) }
	}
	seg := func(text string) func() error {
		f, err := filter.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		return func() error { _, err := s.CountMatching(context.Background(), f); return err }
	}
	jobs := []job{
		{"raw/indexed", raw(`SELECT COUNT(*) FROM contacts WHERE country = 'DE' AND merged_into_id IS NULL`)},
		{"raw/full_scan", raw(`SELECT COUNT(*) FROM contacts WHERE city = 'City7'`)},
		{"filter/indexed", seg(`country = "DE"`)},
		{"filter/indexed_two", seg(`country = "DE" and fit_score >= 60`)},
		{"filter/any_attribute", seg(`city = "City7"`)},
		{"filter/events (before, SQL)", raw(oldEv, oldEvArgs...)},
		{"filter/events", seg(`count(page_view where page_url contains "/pricing" in last 14 days) >= 2`)},
		{"filter/no_events (before, SQL)", raw(oldNo, oldNoArgs...)},
		{"filter/no_events", seg(`stage = "mql" and count(email_open in last 60 days) = 0`)},
		{"filter/no_events (probe)", raw(probeNo, "mql", "email_open", d60, "email_open", d60)},
		{"filter/no_events_alone", seg(`count(email_open in last 60 days) = 0`)},
		{"filter/no_events_alone (probe)", raw(probeAlone, "email_open", d60, "email_open", d60)},
	}
	res := map[string][]time.Duration{}
	cpu := map[string][]time.Duration{}
	for range b.N {
		for _, j := range jobs {
			t0, c0 := time.Now(), cpuTime()
			if err := j.run(); err != nil {
				t.Fatal(j.name, err)
			}
			res[j.name] = append(res[j.name], time.Since(t0))
			cpu[j.name] = append(cpu[j.name], cpuTime()-c0)
		}
	}
	for _, j := range jobs {
		w, c := res[j.name], cpu[j.name]
		slices.Sort(w)
		slices.Sort(c)
		m, last := len(w)/2, len(w)-1
		t.Logf("%-34s wall median %v (min %v, max %v); CPU median %v (min %v, max %v)", j.name, w[m].Round(time.Millisecond), w[0].Round(time.Millisecond), w[last].Round(time.Millisecond),
			c[m].Round(time.Millisecond), c[0].Round(time.Millisecond), c[last].Round(time.Millisecond))
	}
}
