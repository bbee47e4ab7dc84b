package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/filter"
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

// TestSQLiteEventsHaveOneIndexByContact: on SQLite the events of a contact are
// indexed once, by (contact_id, occurred_at, id, type) (migration 0024), and the
// search words not by contact at all: each event and word is one B-tree insert
// fewer for the single writer. The reads of a contact's events still walk that
// index without sorting: the timeline newest first, the previous page view, the
// newest event of a rare type, a count of one type, the first touch, and the
// scorer's packed read, which reads no table row but of the events whose
// properties it needs.
func TestSQLiteEventsHaveOneIndexByContact(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		t.Skip("SQLite only")
	}
	byContact, err := store.RowsForTest(ctx, s, `SELECT l.name FROM pragma_index_list('events') l
		WHERE (SELECT name FROM pragma_index_info(l.name) WHERE seqno = 0) = 'contact_id' ORDER BY l.name`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(byContact) != "[events_contact]" {
		t.Errorf("indexes of events by contact: %v, want [events_contact]", byContact)
	}
	cols, err := store.RowsForTest(ctx, s, `SELECT name FROM pragma_index_info('events_contact') ORDER BY seqno`)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cols) != "[contact_id occurred_at id type]" {
		t.Errorf("events_contact holds %v", cols)
	}
	terms, err := store.RowsForTest(ctx, s, `SELECT name FROM pragma_index_list('contact_terms') WHERE origin = 'c'`)
	if err != nil {
		t.Fatal(err)
	}
	if len(terms) != 0 {
		t.Errorf("contact_terms has indexes %v besides its key", terms)
	}
	if err := store.ExecForTest(ctx, s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
		INSERT INTO contacts (email, stage, created_at, updated_at) SELECT 'e' || i || '@example.com', 'lead', i, i FROM n`); err != nil {
		t.Fatal(err)
	}
	if err := store.ExecForTest(ctx, s, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
		INSERT INTO events (contact_id, type, occurred_at, received_at, properties)
		SELECT 1 + i % 200, CASE i % 3 WHEN 0 THEN 'page_view' WHEN 1 THEN 'email_open' ELSE 'email_click' END, i, i, '{}' FROM n`); err != nil {
		t.Fatal(err)
	}
	// A few contacts merged into others: a filter reads their events apart, by contact.
	if err := store.ExecForTest(ctx, s, `UPDATE contacts SET merged_into_id = id - 1 WHERE id % 40 = 0`); err != nil {
		t.Fatal(err)
	}
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{`count(email_open in last 60 days) >= 1`, `count(page_view in last 14 days) >= 2`, `count(email_click in last 60 days) = 0`} {
		f, err := filter.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		q, args, err := store.CountQueryForTest(s, f)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := s.QueryPlan(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		// Not the window read once per merged contact, which took minutes at scale.
		if !strings.Contains(plan, "INDEX events_contact (contact_id=?") {
			t.Errorf("%s: the merged contacts' events are not read by contact\nplan:\n%s", text, plan)
		}
	}
	for _, q := range []string{
		`SELECT e.* FROM events e WHERE e.contact_id = 7 AND e.occurred_at < 9000 ORDER BY e.occurred_at DESC, e.id DESC LIMIT 50`,
		`SELECT occurred_at, properties FROM events WHERE contact_id = 7 AND type = 'page_view' AND occurred_at <= 9000 ORDER BY occurred_at DESC, id DESC LIMIT 1`,
		`SELECT properties FROM events WHERE contact_id = 7 AND type = 'form_submit' ORDER BY occurred_at DESC, id DESC LIMIT 1`,
		`SELECT COUNT(*) FROM events e WHERE e.contact_id = 7 AND e.type = 'referral'`,
		`SELECT occurred_at, id, channel, campaign_id FROM events WHERE contact_id = 7 AND channel IS NOT NULL ORDER BY occurred_at, id LIMIT 1`,
		`SELECT e.id, e.contact_id, e.occurred_at, e.type FROM events e INDEXED BY events_contact WHERE e.contact_id >= 1 AND e.contact_id <= 50 AND e.type || '' IN ('page_view')`,
	} {
		plan, err := s.QueryPlan(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if !strings.Contains(plan, "INDEX events_contact") || strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "SCAN ") {
			t.Errorf("%s\nplan:\n%s", q, plan)
		}
	}
}
