package store_test

import (
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestSQLiteConnectionSettings: every SQLite connection, the writer and the readers,
// runs with the settings the store relies on, whichever driver the binary was built
// with: write-ahead log, full sync, foreign keys, temporary data kept in memory, and
// ten seconds of waiting for a lock another process holds (the import command, a
// backup) before a busy error.
func TestSQLiteConnectionSettings(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		t.Skip("SQLite only")
	}
	for name, want := range map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"temp_store":   "2", // MEMORY
		"busy_timeout": "10000",
	} {
		w, r, err := s.SQLitePragma(name)
		if err != nil {
			t.Fatal(err)
		}
		if w != want || r != want {
			t.Errorf("PRAGMA %s = %q on the writer, %q on a reader; want %q", name, w, r, want)
		}
	}
}

// TestSQLitePlannerStatistics: the store keeps SQLite's planner statistics
// (PRAGMA optimize at open and from the server's housekeeping), so a segment count
// on a field without an index reads the table once instead of walking a partial
// index and looking up every contact, and an indexed one still uses its index.
func TestSQLitePlannerStatistics(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		t.Skip("SQLite only")
	}
	if err := store.ExecForTest(ctx, s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
		INSERT INTO contacts (email, job_title, custom, stage, fit_score, engagement_score, created_at, updated_at)
		SELECT 'p' || i || '@example.com', CASE i % 4 WHEN 0 THEN 'Head of Sales' ELSE 'Engineer' END, '{}',
			CASE i % 3 WHEN 0 THEN 'lead' WHEN 1 THEN 'mql' ELSE 'customer' END, i % 100, i % 50, i, i FROM n`); err != nil {
		t.Fatal(err)
	}
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	plan := func(text string) string {
		t.Helper()
		e, err := filter.ParseText(text)
		if err != nil {
			t.Fatal(err)
		}
		where, args, err := filter.Filter{Expr: e}.SQL(s.Dialect(), s.Now())
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.QueryPlan(`SELECT COUNT(*) FROM contacts c WHERE `+where, args...)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := plan(`job_title contains "head"`); strings.Contains(p, "INDEX") {
		t.Errorf("a count on an unindexed field walks an index:\n%s", p)
	}
	if p := plan(`stage = "lead"`); !strings.Contains(p, "INDEX contacts_live_stage") {
		t.Errorf("a count on the stage does not use its index:\n%s", p)
	}
	// A database never analysed (one made before this release) is analysed whole.
	if err := store.ExecForTest(ctx, s, `DROP TABLE sqlite_stat1`); err != nil {
		t.Fatal(err)
	}
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := store.ScanForTest(ctx, s, `SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'contacts'`, &n); err != nil || n == 0 {
		t.Errorf("a database without statistics was not analysed: %d rows of contacts' statistics (%v)", n, err)
	}
}
