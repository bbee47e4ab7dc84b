package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestSQLiteCaptureIndexesAreNotDuplicated: no two indexes of a table that every
// capture writes keep the same entries in the same order on SQLite, where an index
// ends with the rowid (the table's INTEGER PRIMARY KEY "id"), so an index on
// (stage, id) and one on (stage) are the same B-tree. Each such index is one more
// insert per captured lead or event for no read. A partial index is compared by
// its columns: the store reads live contacts only, and the planner takes the
// partial one for them.
func TestSQLiteCaptureIndexesAreNotDuplicated(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		t.Skip("SQLite only: a PostgreSQL index does not carry the row's id")
	}
	for _, table := range []string{"contacts", "events", "contact_stages", "contact_terms", "consents", "visitors", "companies"} {
		names, err := store.RowsForTest(ctx, s, `SELECT name FROM pragma_index_list(?) ORDER BY name`, table)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for _, name := range names {
			cols, err := store.RowsForTest(ctx, s, `SELECT COALESCE(name, 'id') || CASE "desc" WHEN 1 THEN ' DESC' ELSE '' END
				FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`, name)
			if err != nil {
				t.Fatal(err)
			}
			// The table's key closes every index; an "id" already among the
			// columns puts nothing after it.
			if rowid, err := hasRowid(s, table); err != nil {
				t.Fatal(err)
			} else if rowid {
				if i := slices.Index(cols, "id"); i >= 0 {
					cols = cols[:i]
				}
				cols = append(cols, "id")
			}
			key := strings.Join(cols, ",")
			if other, ok := seen[key]; ok {
				t.Errorf("%s: indexes %s and %s hold the same entries (%s)", table, other, name, key)
			}
			seen[key] = name
		}
	}
}

// hasRowid says whether table's rows are keyed by an integer id (not WITHOUT ROWID).
func hasRowid(s *store.Store, table string) (bool, error) {
	pk, err := store.RowsForTest(ctx, s, `SELECT name || ' ' || type FROM pragma_table_info(?) WHERE pk > 0`, table)
	if err != nil {
		return false, err
	}
	return len(pk) == 1 && pk[0] == "id INTEGER", nil
}

// TestSQLiteStageReadsUseTheLiveStageIndex: the contacts list by stage, newest
// first and from a cursor, and a segment count by stage walk the live stage index
// and sort nothing.
func TestSQLiteStageReadsUseTheLiveStageIndex(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		t.Skip("SQLite only")
	}
	if err := store.ExecForTest(ctx, s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
		INSERT INTO contacts (email, stage, created_at, updated_at)
		SELECT 's' || i || '@example.com', CASE WHEN i % 10 = 0 THEN 'sql' ELSE 'lead' END, i, i FROM n`); err != nil {
		t.Fatal(err)
	}
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := s.Contacts(ctx, store.ContactFilter{Stage: "sql", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range page.Contacts {
		got = append(got, c.Email)
	}
	if fmt.Sprint(got) != "[s2000@example.com s1990@example.com s1980@example.com]" {
		t.Fatalf("first page of SQLs = %v", got)
	}
	for _, q := range []string{
		`SELECT c.id FROM contacts c WHERE c.merged_into_id IS NULL AND c.stage = 'sql' ORDER BY c.id DESC LIMIT 51`,
		`SELECT c.id FROM contacts c WHERE c.merged_into_id IS NULL AND c.stage = 'lead' AND c.id < 1000 ORDER BY c.id DESC LIMIT 51`,
		`SELECT COUNT(*) FROM contacts c WHERE c.merged_into_id IS NULL AND c.stage = 'sql'`,
	} {
		plan, err := s.QueryPlan(q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "contacts_live_stage") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s\nplan:\n%s", q, plan)
		}
	}
}
