package store_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestEventCountsOverAllLiveContacts: a count whose filter reads only events and
// is not bounded by an "at least" condition visits every live contact; on SQLite
// it reads them through the partial index of live contacts, not the table, and
// the other counts keep their plans. Every count, on both engines, equals the
// in-memory answer, with events exactly on a window's first microsecond and just
// before it, and events of contacts merged into others (which count for the
// contact they were merged into; a merged contact never matches, though its own
// events pass a count). PostgreSQL has the indexes such counts read, and counts
// the contacts of a single count of events as a set.
func TestEventCountsOverAllLiveContacts(t *testing.T) {
	s := storetest.Open(t)
	s.Now = func() time.Time { return filterNow }
	exec := func(q string, args ...any) {
		t.Helper()
		if err := store.ExecForTest(ctx, s, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const contacts = 400
	for id := 1; id <= contacts; id++ {
		exec(`INSERT INTO contacts (id, email, custom, stage, created_at, updated_at) VALUES (?, ?, '{}', ?, 0, 0)`,
			id, fmt.Sprintf("c%d@example.com", id), []string{"lead", "mql", "customer"}[id%3])
	}
	// Every tenth contact is merged into the one before it.
	for id := 10; id <= contacts; id += 10 {
		exec(`UPDATE contacts SET merged_into_id = ? WHERE id = ?`, id-1, id)
	}
	edge := filterNow.Add(-60 * 24 * time.Hour)
	event := func(id int, typ string, at time.Time, url string) {
		exec(`INSERT INTO events (contact_id, type, occurred_at, received_at, properties) VALUES (?, ?, ?, 0, ?)`,
			id, typ, at.UnixMicro(), `{"page_url":"`+url+`"}`)
	}
	for id := 1; id <= contacts; id++ {
		switch id % 7 {
		case 0:
			event(id, "email_open", edge, "") // the window's first microsecond: inside
		case 1:
			event(id, "email_open", edge.Add(-time.Microsecond), "") // just outside
		case 2:
			event(id, "email_open", filterNow.Add(-time.Hour), "")
			event(id, "page_view", filterNow.Add(-2*time.Hour), "https://x.com/pricing")
		case 3:
			event(id, "page_view", filterNow.Add(-time.Hour), "https://x.com/Pricing")
			event(id, "page_view", filterNow.Add(-3*time.Hour), "https://x.com/pricing")
		}
	}
	ids := make([]int64, contacts)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	all, err := s.FilterRecords(ctx, ids, []string{"page_view", "email_open"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text    string
		indexed bool // SQLite reads the live contacts through the partial index
		set     bool // PostgreSQL counts the set of contacts whose events pass
	}{
		{`count(email_open in last 60 days) = 0`, true, false},
		{`count(email_open in last 60 days) < 1 and count(page_view in last 14 days) = 0`, true, false},
		{`not count(page_view where page_url contains "/pricing" in last 14 days) >= 2`, true, false},
		{`count(email_open in last 60 days) = 0 or count(page_view in last 14 days) >= 2`, true, false},
		{`count(page_view where page_url contains "/pricing" in last 14 days) >= 2`, false, true},
		{`count(page_view in last 14 days) > 1`, false, true},
		{`count(page_view in last 14 days) = 2`, false, true},
		{`count(email_open in last 60 days) >= 1`, false, true},
		{`count(page_view in last 14 days) > 0`, false, true},
		{`count(email_open in last 60 days) = 0 and count(page_view in last 14 days) >= 1`, false, false},
		{`stage = "mql" and count(email_open in last 60 days) = 0`, false, false},
	} {
		f, err := filter.Parse(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		want := memoryMatches(f, all)
		got, err := s.MatchingIDs(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: SQL %v, memory %v", tc.text, got, want)
		}
		n, err := s.CountMatching(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		if n != int64(len(want)) {
			t.Errorf("%s: count %d, want %d", tc.text, n, len(want))
		}
		if len(want) == 0 || len(want) == contacts-contacts/10 {
			t.Errorf("%s: matches %d contacts, which tells none apart", tc.text, len(want))
		}
		q, args, err := store.CountQueryForTest(s, f)
		if err != nil {
			t.Fatal(err)
		}
		if s.Engine() == store.Postgres {
			// A filter that is one count of events which a contact without them fails
			// counts the set of contacts whose events pass, without looking each up
			// again among the contacts.
			if set := !strings.Contains(q, "FROM contacts c"); set != tc.set {
				t.Errorf("%s: counts the set of contacts whose events pass: %v, want %v\n%s", tc.text, set, tc.set, q)
			}
			continue
		}
		p, err := s.QueryPlan(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		if indexed := strings.Contains(p, "SCAN c USING INDEX contacts_live_stage"); indexed != tc.indexed {
			t.Errorf("%s: reads the live contacts through their index: %v, want %v\n%s", tc.text, indexed, tc.indexed, p)
		}
	}
	if s.Engine() != store.Postgres {
		return
	}
	// PostgreSQL: the live contacts' ids are read from the partial index of their
	// stages, and a window of events from the block ranges of its time.
	for name, want := range map[string]string{
		"contacts_live_stage":  "(stage, id) WHERE (merged_into_id IS NULL)",
		"events_occurred_brin": "USING brin (occurred_at)",
	} {
		var def string
		if err := store.ScanForTest(ctx, s, `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = '`+name+`'`, &def); err != nil {
			t.Fatalf("index %s: %v", name, err)
		}
		if !strings.Contains(def, want) {
			t.Errorf("index %s is %s, want %s", name, def, want)
		}
	}
}
