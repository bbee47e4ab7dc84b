package store_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// seedRandomScoring writes the same random contacts, companies, merges, stages and
// events into a store for a seed: odd property shapes, events past the horizon,
// rejections and moves back that recycle a contact, merged contacts whose events
// count for another.
func seedRandomScoring(t *testing.T, s *store.Store, seed uint64, now time.Time) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	exec := func(q string, args ...any) {
		t.Helper()
		if err := store.ExecForTest(ctx, s, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	props := func(v string) string {
		if s.Engine() == store.Postgres {
			return "CAST(" + v + " AS JSONB)"
		}
		return v
	}
	sizes := []string{"1-10", "51-200", "201-500", "5001+"}
	for i := 1; i <= 12; i++ {
		exec(`INSERT INTO companies (id, domain, name, industry, size, created_at) VALUES (?, ?, ?, ?, ?, 0)`,
			i, fmt.Sprintf("c%d.example", i), fmt.Sprintf("C%d", i), []string{"software", "retail"}[i%2], sizes[i%len(sizes)])
	}
	titles := []string{"Head of Sales", "VP Marketing", "Engineer", "Student", "CTO", ""}
	countries := []string{"DE", "US", "FR", "NL", ""}
	stages := []string{"subscriber", "lead", "lead", "mql", "sql", "opportunity", "customer", "disqualified"}
	const n = 240
	var cRows, sRows []string
	var cArgs, sArgs []any
	for i := 1; i <= n; i++ {
		var company any
		if r.IntN(4) > 0 {
			company = r.IntN(12) + 1
		}
		var scored any
		if r.IntN(3) > 0 {
			scored = now.Add(-time.Duration(r.IntN(100)) * time.Hour).UnixMicro()
		}
		stage := stages[r.IntN(len(stages))]
		cRows = append(cRows, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
		cArgs = append(cArgs, i, fmt.Sprintf("p%d@x.example", i), titles[r.IntN(len(titles))], countries[r.IntN(len(countries))], company,
			[]string{"work", "free"}[r.IntN(2)], stage, r.IntN(101), r.IntN(60), scored, now.Add(-time.Duration(r.IntN(500))*time.Hour).UnixMicro())
		if r.IntN(3) == 0 {
			sRows = append(sRows, "(?, ?, 0)")
			sArgs = append(sArgs, i, stage)
		}
	}
	exec(`INSERT INTO contacts (id, email, job_title, country, company_id, email_type, stage, fit_score, engagement_score, scored_at, created_at, updated_at)
		VALUES `+strings.Join(cRows, ", "), cArgs...)
	exec(`INSERT INTO contact_stages (contact_id, stage, entered_at) VALUES `+strings.Join(sRows, ", "), sArgs...)
	// A tenth of the contacts are merged into a contact that is not.
	for i := 1; i <= n; i++ {
		if r.IntN(10) == 0 {
			into := r.IntN(n) + 1
			if into != i {
				exec(`UPDATE contacts SET merged_into_id = ? WHERE id = ? AND merged_into_id IS NULL
					AND NOT EXISTS (SELECT 1 FROM contacts m WHERE m.merged_into_id = contacts.id)
					AND EXISTS (SELECT 1 FROM contacts p WHERE p.id = ? AND p.merged_into_id IS NULL)`, into, i, into)
			}
		}
	}
	pages := []string{
		`{"page_url":"https://site.example/pricing"}`, `{"page_url":"https://site.example/blog"}`,
		`{"page_url": "https://site.example/PRICING/enterprise", "ref": "x"}`, `{"page_url":"https:\/\/site.example\/pricing"}`,
		`{"page_url":5}`, `{"page_url":null}`, `{}`, `{"page_url":"/pricing","page_url":"/blog"}`, `{"title":"Pricing","page_url":"/docs"}`,
	}
	var rows []string
	var args []any
	for i := 1; i <= n; i++ {
		for range r.IntN(25) {
			at := now.Add(-time.Duration(r.IntN(400*24)) * time.Hour)
			if r.IntN(20) == 0 {
				at = now.Add(time.Duration(r.IntN(48)) * time.Hour) // dated ahead
			}
			typ, p := "page_view", pages[r.IntN(len(pages))]
			switch r.IntN(10) {
			case 0:
				typ, p = "email_click", `{}`
			case 1:
				typ, p = "demo_request", `{}`
			case 2:
				typ, p = "sql_rejected", `{}`
			case 3:
				typ, p = "stage_changed", fmt.Sprintf(`{"from":%q,"to":%q}`, stages[r.IntN(len(stages))], stages[r.IntN(len(stages))])
			case 4:
				typ, p = "email_open", `{}`
			}
			rows = append(rows, "(?, ?, ?, ?, "+props("?")+")")
			args = append(args, i, typ, at.UnixMicro(), at.UnixMicro(), p)
		}
		if len(rows) > 200 || i == n {
			exec(`INSERT INTO events (contact_id, type, occurred_at, received_at, properties) VALUES `+strings.Join(rows, ", "), args...)
			rows, args = rows[:0], args[:0]
		}
	}
}

// scatterEvents rewrites a third of the events rows as they are: on PostgreSQL each
// new row version lies after rows written later, as the events of an anonymous
// visitor do once it turns into a contact, so the table's order is no longer id
// order (SQLite keeps its rows in id order).
func scatterEvents(t *testing.T, s *store.Store) {
	t.Helper()
	if err := store.ExecForTest(ctx, s, `UPDATE events SET received_at = received_at WHERE id % 3 = 1`); err != nil {
		t.Fatal(err)
	}
}

// twoSeeded opens two stores holding the same random scoring data for a seed, their
// clocks stopped at now: one to recompute, one to compare with.
func twoSeeded(t *testing.T, seed uint64, now time.Time) (*store.Store, *store.Store) {
	a, b := storetest.Open(t), storetest.Open(t)
	for _, s := range []*store.Store{a, b} {
		s.Now = func() time.Time { return now }
		seedRandomScoring(t, s, seed, now)
	}
	return a, b
}

// randomRules are scoring rules drawn for a seed, past the fit and engagement
// thresholds often enough that contacts move up.
func randomRules(seed uint64) scoring.Rules {
	r := rand.New(rand.NewPCG(seed, 11))
	return scoring.Rules{
		Fit: []scoring.FitRule{
			{Filter: `job_title contains "head" or job_title contains "cto"`, Points: 40 + r.IntN(30)},
			{Filter: `country in ("DE", "NL")`, Points: 10 + r.IntN(30)},
			{Filter: `company.size in ("51-200", "201-500")`, Points: 10 + r.IntN(20)},
			{Filter: `email_type = "free"`, Points: -r.IntN(20)},
		},
		Engagement: []scoring.EngagementRule{
			{EventType: "page_view", Property: "page_url", Value: "/pricing", Points: 5 + r.IntN(20)},
			{EventType: "page_view", Property: "page_url", Op: scoring.OpEquals, Value: "5", Points: 3},
			{EventType: "page_view", Points: 1 + r.IntN(3), HalfLifeDays: float64(7 + r.IntN(30))},
			{EventType: "email_click", Points: 5 + r.IntN(10)},
			{EventType: "demo_request", Points: 50 + r.IntN(40)},
		},
	}
}

// The staged, set-based recompute leaves exactly what scoring every contact one by
// one through the live path leaves: scores, stages, stages entered, stage_changed
// events, score history and the stage roll-ups. Only scored_at differs, by design:
// the recompute leaves the row of a contact whose scores did not change. The
// recompute runs step by step (RecomputeStep), or as the job runs it (RecomputeRun,
// batches scored on the readers while the writer stages), resuming after a first
// step.
func TestRecomputeMatchesOneByOne(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		seed     uint64
		pipeline bool
		many     bool // more engagement rules than a packed event can name
		scan     int  // with RecomputeRun, read events by scans of the events table holding this many at most
		tooBig   bool // the events table is past what a recompute reads by scans
	}{{1, false, false, 0, false}, {2, false, false, 0, false}, {3, false, false, 0, false}, {1, true, false, 0, false}, {2, true, false, 0, false}, {3, true, false, 0, false},
		{4, true, false, 0, false}, {1, true, true, 0, false}, {1, true, false, 1 << 30, false}, {2, true, false, 1 << 30, false}, {3, true, false, 200, false}, {4, true, false, 1, false},
		{1, true, true, 1 << 30, false}, {2, true, false, 1 << 30, true}} {
		seed := tc.seed
		name := fmt.Sprint(seed)
		if tc.pipeline {
			name += "/run"
		}
		if tc.many {
			name += "/many_rules"
		}
		if tc.scan > 0 {
			name += fmt.Sprintf("/scan_%d", tc.scan)
		}
		if tc.tooBig {
			name += "/too_many_events_to_scan"
		}
		t.Run(name, func(t *testing.T) {
			if tc.scan > 0 {
				defer store.EventScanForTest(1, tc.scan)()
			}
			if tc.tooBig {
				defer store.MaxScanEventsForTest(1)()
			}
			if seed == 2 {
				// The staged scores copied 7 contacts a statement (SQLite), not all at once.
				defer store.SwapChunkForTest(7)()
			}
			fast, slow := twoSeeded(t, seed, now)
			if tc.scan > 0 {
				scatterEvents(t, fast)
			}
			passes := 0
			store.AfterScanPassForTest(fast, func() { passes++ })
			defer func() {
				if tc.scan > 0 && tc.pipeline && !tc.many && (passes == 0) != tc.tooBig {
					t.Errorf("%d scan passes", passes)
				}
			}()
			before, err := store.RowsForTest(ctx, fast, `SELECT id, scored_at FROM contacts ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			rules := randomRules(seed)
			for i := 0; tc.many && len(rules.Engagement) <= 64; i++ {
				rules.Engagement = append(rules.Engagement, scoring.EngagementRule{EventType: fmt.Sprintf("never_%d", i), Points: 1})
			}
			_, rc, err := fast.PutScoringRules(ctx, rules, "test")
			if err != nil {
				t.Fatal(err)
			}
			batch := 1 + int(seed)*17 // batches that cut merged contacts from their own
			if tc.pipeline {
				if _, err := fast.RecomputeStep(ctx, rc.ID, batch); err != nil {
					t.Fatal(err)
				}
				done, err := fast.RecomputeRun(ctx, rc.ID, batch, time.Now().Add(time.Hour))
				if err != nil || !done {
					t.Fatalf("RecomputeRun: over %v, %v", done, err)
				}
			} else {
				finishRecompute(t, fast, rc, batch)
			}
			rescoreOneByOne(t, slow, rules)
			moved := 0
			for _, q := range []string{
				`SELECT id, fit_score, engagement_score, stage, merged_into_id FROM contacts ORDER BY id`,
				`SELECT contact_id, at, fit_old, fit_new, engagement_old, engagement_new, reason FROM score_history ORDER BY contact_id, id`,
				`SELECT contact_id, stage, entered_at FROM contact_stages ORDER BY contact_id, stage`,
				`SELECT id, contact_id, type, occurred_at, received_at, properties, actor FROM events WHERE type = 'stage_changed' AND actor = 'scoring' ORDER BY id`,
				`SELECT stage, contacts FROM stage_now WHERE contacts <> 0 ORDER BY stage`,
				`SELECT day, stage, contacts FROM stage_days WHERE contacts <> 0 ORDER BY day, stage`,
				`SELECT version, state FROM scoring_rule_sets ORDER BY version`,
			} {
				a := sameRows(t, "recompute", fast, slow, q)
				if strings.Contains(q, "stage_changed") {
					for _, row := range a {
						if strings.Contains(row, `"to": "sql"`) || strings.Contains(row, `"to":"sql"`) {
							moved++
						}
					}
				}
			}
			if moved == 0 {
				t.Fatal("no contact moved up to SQL: the comparison says nothing of stage moves")
			}
			// scored_at: now where the scores changed or none were stored, as before elsewhere.
			changed, err := store.RowsForTest(ctx, fast, `SELECT DISTINCT contact_id FROM score_history ORDER BY contact_id`)
			if err != nil {
				t.Fatal(err)
			}
			isChanged := map[string]bool{}
			for _, id := range changed {
				isChanged[id] = true
			}
			after, err := store.RowsForTest(ctx, fast, `SELECT id, scored_at, merged_into_id FROM contacts ORDER BY id`)
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range after {
				f := strings.Split(row, " | ")
				old := strings.Split(before[i], " | ")[1]
				want := old
				if f[2] == "<nil>" && (isChanged[f[0]] || old == "<nil>") {
					want = fmt.Sprint(now.UnixMicro())
				}
				if f[1] != want {
					t.Errorf("contact %s: scored_at %s, want %s (was %s)", f[0], f[1], want, old)
				}
			}
		})
	}
}

// The event scorer (packed events, scores and stage moves written a few hundred a
// statement) leaves what scoring the same contacts one by one from whole events
// leaves: the same scores, history, stages and stage_changed events.
func TestEventScorerMatchesOneByOne(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		seed uint64
		many bool // more engagement rules than a packed event can name
	}{{1, false}, {2, false}, {3, false}, {1, true}} {
		t.Run(fmt.Sprint(tc.seed, tc.many), func(t *testing.T) {
			rules := randomRules(tc.seed)
			for i := 0; tc.many && len(rules.Engagement) <= 64; i++ {
				rules.Engagement = append(rules.Engagement, scoring.EngagementRule{EventType: fmt.Sprintf("never_%d", i), Points: 1})
			}
			fast, slow := storetest.Open(t), storetest.Open(t)
			for _, s := range []*store.Store{fast, slow} {
				s.Now = func() time.Time { return now }
				seedRandomScoring(t, s, tc.seed, now)
				// The rules in force without any contact scored under them yet.
				if _, _, err := s.PutScoringRules(ctx, rules, "test"); err != nil {
					t.Fatal(err)
				}
				for _, q := range []string{`UPDATE scoring_rule_sets SET state = 'active'`, `UPDATE scoring_recomputes SET state = 'done'`} {
					if err := store.ExecForTest(ctx, s, q); err != nil {
						t.Fatal(err)
					}
				}
			}
			if n, err := fast.ScoreNewEvents(ctx, 1_000_000); err != nil || n == 0 {
				t.Fatalf("ScoreNewEvents: %d events, %v", n, err)
			}
			owners, err := store.RowsForTest(ctx, slow, `SELECT DISTINCT COALESCE(c.merged_into_id, c.id) FROM events e JOIN contacts c ON c.id = e.contact_id ORDER BY 1`)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, o := range owners {
				var id int64
				fmt.Sscan(o, &id)
				ids = append(ids, id)
			}
			if err := slow.ScoreOneByOneForTest(ctx, ids); err != nil {
				t.Fatal(err)
			}
			moved := 0
			for _, q := range []string{
				`SELECT id, fit_score, engagement_score, stage, merged_into_id FROM contacts ORDER BY id`,
				`SELECT contact_id, at, fit_old, fit_new, engagement_old, engagement_new FROM score_history ORDER BY contact_id, id`,
				`SELECT contact_id, stage, entered_at FROM contact_stages ORDER BY contact_id, stage`,
				`SELECT id, contact_id, type, occurred_at, received_at, properties, actor FROM events WHERE type = 'stage_changed' AND actor = 'scoring' ORDER BY id`,
			} {
				if a := sameRows(t, "event scorer", fast, slow, q); strings.Contains(q, "stage_changed") {
					moved = len(a)
				}
			}
			if moved == 0 {
				t.Fatal("no contact moved: the comparison says nothing of stage moves")
			}
		})
	}
}

// The direct reader of event properties reads what encoding/json reads, or
// declines.
func TestFlatProps(t *testing.T) {
	for _, s := range []string{
		`{}`, ` { } `, `{"a":"b"}`, `{"a": "b", "c": "d"}`, `{"a":"b","a":"c"}`, `{"a":"\/x"}`, `{"a":5}`, `{"a":null}`,
		`{"a":"b",}`, `{"a":"b"`, `{"a" "b"}`, `{"a":"b"} x`, `{"a":"` + "\xff" + `"}`, `{"a":"` + "\t" + `"}`, `[]`, ``, `{"a":{"b":"c"}}`,
		`{"é":"ü"}`, "{\n\"a\" :\t\"b\"\r}",
	} {
		got, ok := store.FlatPropsForTest(s)
		var want map[string]any
		err := json.Unmarshal([]byte(s), &want)
		if ok && (err != nil || !reflect.DeepEqual(got, want)) {
			t.Errorf("%q: read %v, encoding/json %v (%v)", s, got, want, err)
		}
	}
}

// A finished recompute drops its staged scores, and only its own: rows another
// recompute left behind stay.
func TestRecomputeDropsOnlyItsStagedScores(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, leftover := range []bool{false, true} {
		s := storetest.Open(t)
		s.Now = func() time.Time { return now }
		seedRandomScoring(t, s, 1, now)
		if leftover {
			if err := store.ExecForTest(ctx, s, `INSERT INTO score_staging (recompute_id, contact_id, fit, engagement, stage_score, scored_at) VALUES (1000, 1, 0, 0, 0, 0)`); err != nil {
				t.Fatal(err)
			}
		}
		_, rc, err := s.PutScoringRules(ctx, randomRules(1), "test")
		if err != nil {
			t.Fatal(err)
		}
		finishRecompute(t, s, rc, 50)
		rows, err := store.RowsForTest(ctx, s, `SELECT recompute_id, COUNT(*) FROM score_staging GROUP BY recompute_id`)
		if err != nil {
			t.Fatal(err)
		}
		want := []string(nil)
		if leftover {
			want = []string{"1000 | 1"}
		}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("leftover %v: staged rows after the recompute %v, want %v", leftover, rows, want)
		}
	}
}

// The job's runs of a recompute stop at their deadline and resume where the last one
// stopped; two runs of the same recompute at once stage each batch once. Either way the
// contacts end as scoring them one by one leaves them.
func TestRecomputeRunResumesAndRunsAlone(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, twice := range []bool{false, true} {
		fast, slow := twoSeeded(t, 2, now)
		rules := randomRules(2)
		_, rc, err := fast.PutScoringRules(ctx, rules, "test")
		if err != nil {
			t.Fatal(err)
		}
		// A run whose time is up before it starts stages nothing.
		if done, err := fast.RecomputeRun(ctx, rc.ID, 10, time.Now().Add(-time.Second)); err != nil || done {
			t.Fatalf("run out of time: over %v, %v", done, err)
		}
		if got, err := fast.Recompute(ctx, rc.ID); err != nil || got.Done != 0 {
			t.Fatalf("run out of time staged %+v (%v)", got, err)
		}
		if twice {
			errc := make(chan error, 2)
			for range 2 {
				go func() {
					_, err := fast.RecomputeRun(ctx, rc.ID, 10, time.Now().Add(time.Hour))
					errc <- err
				}()
			}
			for range 2 {
				if err := <-errc; err != nil {
					t.Fatal(err)
				}
			}
		}
		finishRecompute(t, fast, rc, 10)
		got, err := fast.Recompute(ctx, rc.ID)
		if err != nil || got.State != store.RecomputeDone || got.Done != got.Total {
			t.Fatalf("twice %v: recompute %+v (%v)", twice, got, err)
		}
		rescoreOneByOne(t, slow, rules)
		for _, q := range []string{
			`SELECT id, fit_score, engagement_score, stage FROM contacts ORDER BY id`,
			`SELECT contact_id, fit_old, fit_new, engagement_old, engagement_new FROM score_history ORDER BY contact_id, id`,
			`SELECT contact_id, stage FROM contact_stages ORDER BY contact_id, stage`,
		} {
			a, b := rowsOfBoth(t, fast, slow, q)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("twice %v: %s differs: %d rows against %d one by one", twice, q, len(a), len(b))
			}
		}
	}
}

// rescoreOneByOne puts rules in force on s as the scorer did before recomputes:
// every contact scored one by one.
func rescoreOneByOne(t *testing.T, s *store.Store, rules scoring.Rules) {
	t.Helper()
	rs, _, err := s.PutScoringRules(ctx, rules, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RescoreOneByOneForTest(ctx, rs.Version); err != nil {
		t.Fatal(err)
	}
}

// sameRows fails the test when a query's rows differ between the store scored by
// the path named (fast) and the one scored one by one (slow), and shows the first
// difference; it returns fast's rows.
func sameRows(t *testing.T, path string, fast, slow *store.Store, q string) []string {
	t.Helper()
	a, b := rowsOfBoth(t, fast, slow, q)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s\n%s: %d rows\none by one: %d rows", q, path, len(a), len(b))
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Errorf("first difference at row %d:\n%s: %s\none by one: %s", i, path, a[i], b[i])
				break
			}
		}
	}
	return a
}

// rowsOfBoth runs one query on two stores, each row as text.
func rowsOfBoth(t *testing.T, a, b *store.Store, q string) ([]string, []string) {
	t.Helper()
	ra, err := store.RowsForTest(ctx, a, q)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := store.RowsForTest(ctx, b, q)
	if err != nil {
		t.Fatal(err)
	}
	return ra, rb
}

// On PostgreSQL score_history has no foreign key to contacts (migration 0023: its
// check and row lock were half of a recompute's history insert); a trigger keeps
// what the key did for a delete, so on both engines a contact with score history
// is not deleted, alone or with others in one statement, and one without is.
func TestContactWithScoreHistoryIsNotDeleted(t *testing.T) {
	s := storetest.Open(t)
	for id := int64(1); id <= 3; id++ {
		if err := store.ExecForTest(ctx, s, `INSERT INTO contacts (id, email, stage, created_at, updated_at) VALUES (?, ?, 'lead', 0, 0)`,
			id, fmt.Sprintf("h%d@history.example", id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.ExecForTest(ctx, s, `INSERT INTO score_history (contact_id, at, fit_old, fit_new, engagement_old, engagement_new, reason)
		VALUES (2, 0, 0, 10, 0, 5, 'test')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DELETE FROM contacts WHERE id = 2`, `DELETE FROM contacts WHERE id IN (1, 2)`} {
		err := store.ExecForTest(ctx, s, q)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "foreign key") {
			t.Fatalf("%s: %v, want a foreign key violation", q, err)
		}
	}
	if err := store.ExecForTest(ctx, s, `DELETE FROM contacts WHERE id IN (1, 3)`); err != nil {
		t.Fatal(err)
	}
	left, err := store.RowsForTest(ctx, s, `SELECT id FROM contacts ORDER BY id`)
	if err != nil || !reflect.DeepEqual(left, []string{"2"}) {
		t.Fatalf("contacts left: %v %v, want 2 only", left, err)
	}
}

// TestRecomputeLeavesContactsMergedWhileItRan: a contact whose new scores were
// staged and that is then merged into another before the recompute finishes is
// left as the merge left it, as the live path leaves merged contacts: no new
// scores, no score history, no stage move of its own. The contact it was merged
// into is scored with the merged history.
func TestRecomputeLeavesContactsMergedWhileItRan(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ref, s := twoSeeded(t, 2, now)
	rules := randomRules(2)
	// Which contacts this recompute moves up, left alone.
	_, rc, err := ref.PutScoringRules(ctx, rules, "test")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, ref, rc, 1000)
	movers, err := store.RowsForTest(ctx, ref, `SELECT DISTINCT e.contact_id FROM events e JOIN contacts c ON c.id = e.contact_id
		WHERE e.type = 'stage_changed' AND e.actor = 'scoring' AND c.merged_into_id IS NULL ORDER BY e.contact_id`)
	if err != nil {
		t.Fatal(err)
	}
	if len(movers) < 2 {
		t.Fatalf("%d contacts moved: too few to merge one into another", len(movers))
	}
	var loser, winner int64
	fmt.Sscan(movers[0], &loser)
	fmt.Sscan(movers[1], &winner)

	_, rc, err = s.PutScoringRules(ctx, rules, "test")
	if err != nil {
		t.Fatal(err)
	}
	// Every contact staged, then the merge, then the finish.
	if done, err := s.RecomputeStep(ctx, rc.ID, 1_000_000); err != nil || done {
		t.Fatalf("first step: over %v, %v", done, err)
	}
	const loserRow = `SELECT fit_score, engagement_score, stage, scored_at FROM contacts WHERE id = ?`
	if _, err := s.MergeContacts(ctx, winner, loser, "user:1"); err != nil {
		t.Fatal(err)
	}
	merged, err := store.RowsForTest(ctx, s, loserRow, loser)
	if err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		if done, err = s.RecomputeStep(ctx, rc.ID, 1_000_000); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := store.RowsForTest(ctx, s, loserRow, loser); err != nil || !reflect.DeepEqual(got, merged) {
		t.Errorf("the merged contact after the recompute: %v, as merged: %v (%v)", got, merged, err)
	}
	for what, q := range map[string]string{
		"score history":       `SELECT at, fit_old, fit_new FROM score_history WHERE contact_id = ?`,
		"scoring stage moves": `SELECT properties FROM events WHERE contact_id = ? AND type = 'stage_changed' AND actor = 'scoring'`,
	} {
		if got, err := store.RowsForTest(ctx, s, q, loser); err != nil || len(got) != 0 {
			t.Errorf("the merged contact's %s: %v (%v)", what, got, err)
		}
	}
	if got, err := store.RowsForTest(ctx, s, `SELECT stage FROM contacts WHERE id = ?`, winner); err != nil || got[0] == "lead" {
		t.Errorf("the contact merged into: stage %v (%v), want moved up", got, err)
	}
}

// TestRecomputeMovesContactsWhoseScoresStayed: a rule version that changes no
// score (the same rules again, an hour later) still moves up the contacts sent back
// to lead since, as scoring them one by one does; a contact whose scores stayed
// keeps the scored_at of the scores it has and gets no history row.
func TestRecomputeMovesContactsWhoseScoresStayed(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	later := now.Add(time.Hour)
	fast, slow := twoSeeded(t, 3, now)
	rules := randomRules(3)
	// Puts the rules in force on both: fast by the recompute, slow one by one.
	rescore := func(s *store.Store, label string) {
		t.Helper()
		rs, rc, err := s.PutScoringRules(ctx, rules, label)
		if err != nil {
			t.Fatal(err)
		}
		if s == fast {
			finishRecompute(t, s, rc, 1000)
		} else if err := s.RescoreOneByOneForTest(ctx, rs.Version); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*store.Store{fast, slow} {
		rescore(s, "test")
		// Sales sends the qualified leads back.
		sent, err := store.RowsForTest(ctx, s, `SELECT id FROM contacts WHERE stage IN ('mql', 'sql') AND merged_into_id IS NULL ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		if len(sent) < 3 {
			t.Fatalf("%d qualified contacts: too few to send back", len(sent))
		}
		for _, id := range sent {
			var n int64
			fmt.Sscan(id, &n)
			if _, err := s.SetStage(ctx, n, "lead", "not now", "user:1"); err != nil {
				t.Fatal(err)
			}
		}
	}
	before, err := store.RowsForTest(ctx, fast, `SELECT id, fit_score, engagement_score, scored_at FROM contacts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	// The same rules again, an hour later: no score changes.
	for _, s := range []*store.Store{fast, slow} {
		s.Now = func() time.Time { return later }
		rescore(s, "again")
	}
	moves, err := store.RowsForTest(ctx, fast, `SELECT contact_id FROM events WHERE type = 'stage_changed' AND actor = 'scoring' AND occurred_at = ?`, later.UnixMicro())
	if err != nil {
		t.Fatal(err)
	}
	if len(moves) == 0 {
		t.Fatal("no contact moved up again: the test says nothing")
	}
	for _, q := range []string{
		`SELECT id, fit_score, engagement_score, stage, merged_into_id FROM contacts ORDER BY id`,
		`SELECT contact_id, at, fit_old, fit_new, engagement_old, engagement_new, reason FROM score_history ORDER BY contact_id, id`,
		`SELECT contact_id, stage, entered_at FROM contact_stages ORDER BY contact_id, stage`,
		`SELECT contact_id, type, occurred_at, properties, actor FROM events WHERE type = 'stage_changed' ORDER BY contact_id, id`,
		`SELECT stage, contacts FROM stage_now WHERE contacts <> 0 ORDER BY stage`,
	} {
		if a, b := rowsOfBoth(t, fast, slow, q); !reflect.DeepEqual(a, b) {
			t.Errorf("%s\nrecompute:  %v\none by one: %v", q, a, b)
		}
	}
	after, err := store.RowsForTest(ctx, fast, `SELECT id, fit_score, engagement_score, scored_at FROM contacts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	// An hour of decay changes a few engagement scores; the others keep their row.
	moved := map[string]bool{}
	for _, id := range moves {
		moved[id] = true
	}
	stayedAndMoved := 0
	for i := range after {
		a, b := strings.Split(after[i], " | "), strings.Split(before[i], " | ")
		want := b[3]
		if a[1] != b[1] || a[2] != b[2] {
			want = fmt.Sprint(later.UnixMicro())
		} else if moved[a[0]] {
			stayedAndMoved++
		}
		if a[3] != want {
			t.Errorf("contact %s: scored_at %s, want %s (scores %s, were %s)", a[0], a[3], want, after[i], before[i])
		}
	}
	if stayedAndMoved == 0 {
		t.Error("no contact moved up with the scores it had: the test says nothing of them")
	}
}

// TestRecomputeRewritesContactsInPlace: on PostgreSQL a recompute that changes
// contacts' scores but not their stage leaves them on their pages, as a
// heap-only update that writes no index entry can: no index of contacts holds a
// score, and the pages keep room for a second version of their rows.
func TestRecomputeRewritesContactsInPlace(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.Postgres {
		t.Skip("PostgreSQL only: SQLite rewrites a row in place by itself")
	}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	seedRandomScoring(t, s, 5, now)
	var scoreIndexes int
	if err := store.ScanForTest(ctx, s, `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'contacts'
		AND (indexdef LIKE '%fit_score%' OR indexdef LIKE '%engagement_score%' OR indexdef LIKE '%scored_at%')`, &scoreIndexes); err != nil {
		t.Fatal(err)
	}
	if scoreIndexes != 0 {
		t.Errorf("%d indexes of contacts hold a score: a change of scores writes an entry in every index", scoreIndexes)
	}
	const q = `SELECT id, fit_score, engagement_score, stage, (ctid::text::point)[0]::bigint FROM contacts ORDER BY id`
	type row struct {
		fit, engagement int
		stage           string
		page            int64
	}
	read := func() map[int64]row {
		t.Helper()
		lines, err := store.RowsForTest(ctx, s, q)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]row{}
		for _, l := range lines {
			var id int64
			var r row
			if _, err := fmt.Sscanf(strings.NewReplacer("|", " ", "\t", " ").Replace(l), "%d %d %d %s %d", &id, &r.fit, &r.engagement, &r.stage, &r.page); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			out[id] = r
		}
		return out
	}
	before := read()
	_, rc, err := s.PutScoringRules(ctx, randomRules(5), "test")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 100)
	changed, moved := 0, 0
	for id, a := range read() {
		b := before[id]
		if a.stage != b.stage || (a.fit == b.fit && a.engagement == b.engagement) {
			continue
		}
		changed++
		if a.page != b.page {
			moved++
		}
	}
	if changed < 50 {
		t.Fatalf("%d contacts changed scores only: too few to say anything", changed)
	}
	// A page whose rows the seeding rewrote several times may hold versions not yet
	// pruned and no room left; without the free half of each page nearly all move.
	if moved*10 > changed {
		t.Errorf("%d of the %d contacts whose scores changed went to another page", moved, changed)
	}
}

// TestDecayRefreshReachesEveryDueContactOnce: calls of the decay refresh, a few
// contacts each, rescore every contact whose engagement is stale exactly once, and
// then find none (on PostgreSQL they walk the contacts by id and wrap around).
func TestDecayRefreshReachesEveryDueContactOnce(t *testing.T) {
	s, now := scoredRandomStore(t)
	later := now.Add(2 * time.Hour)
	s.Now = func() time.Time { return later }
	var due int
	if err := store.ScanForTest(ctx, s, `SELECT COUNT(*) FROM contacts WHERE engagement_score > 0 AND merged_into_id IS NULL`, &due); err != nil {
		t.Fatal(err)
	}
	if due < 20 {
		t.Fatalf("%d contacts with engagement: too few", due)
	}
	// A first call stops part of the way, so the walk below starts in the middle.
	first, err := s.RefreshDecay(ctx, time.Hour, 3)
	if err != nil || first != 3 {
		t.Fatalf("first call: %d, %v", first, err)
	}
	total := first
	for range 1000 {
		n, err := s.RefreshDecay(ctx, time.Hour, 7)
		if err != nil {
			t.Fatal(err)
		}
		total += n
		if n < 7 {
			break
		}
	}
	if total != due {
		t.Errorf("the refresh rescored %d contacts, %d were due", total, due)
	}
	if n, err := s.RefreshDecay(ctx, time.Hour, 7); err != nil || n != 0 {
		t.Errorf("after the walk: %d rescored again, %v", n, err)
	}
}

// A recompute that reads events by scans of the events table scores the
// contacts changed after a scan as scoring them one by one after the changes does:
// events arriving for contacts the scan read, and a contact created with its events.
// The changes land after the first pass was read and before it is staged, with one
// pass and with several.
func TestRecomputeScanScoresChangesMadeWhileItRan(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, budget := range []int{1 << 30, 300} {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			fast, slow := twoSeeded(t, 2, now)
			scatterEvents(t, fast)
			defer store.EventScanForTest(1, budget)()
			leads, err := store.RowsForTest(ctx, slow, `SELECT id FROM contacts WHERE merged_into_id IS NULL AND stage IN ('subscriber', 'lead') ORDER BY id`)
			if err != nil || len(leads) < 3 {
				t.Fatalf("leads %v (%v)", leads, err)
			}
			change := func(s *store.Store) {
				t.Helper()
				for _, q := range []struct {
					q    string
					args []any
				}{
					{`INSERT INTO events (contact_id, type, occurred_at, received_at, properties) VALUES (?, 'demo_request', ?, ?, '{}')`,
						[]any{leads[0], now.Add(-time.Hour).UnixMicro(), now.UnixMicro()}},
					{`INSERT INTO events (contact_id, type, occurred_at, received_at, properties) VALUES (?, 'page_view', ?, ?, '{"page_url":"/pricing"}')`,
						[]any{leads[len(leads)-1], now.Add(-time.Minute).UnixMicro(), now.UnixMicro()}},
					{`INSERT INTO contacts (id, email, job_title, country, email_type, stage, created_at, updated_at)
						VALUES (1000, 'new@x.example', 'CTO', 'DE', 'work', 'lead', 0, 0)`, nil},
					{`INSERT INTO events (contact_id, type, occurred_at, received_at, properties) VALUES (1000, 'demo_request', ?, ?, '{}'),
						(1000, 'page_view', ?, ?, '{"page_url":"/pricing"}')`,
						[]any{now.Add(-2 * time.Hour).UnixMicro(), now.UnixMicro(), now.Add(-time.Hour).UnixMicro(), now.UnixMicro()}},
				} {
					if err := store.ExecForTest(ctx, s, q.q, q.args...); err != nil {
						t.Fatal(err)
					}
				}
			}
			rules := randomRules(2)
			_, rc, err := fast.PutScoringRules(ctx, rules, "test")
			if err != nil {
				t.Fatal(err)
			}
			passes := 0
			store.AfterScanPassForTest(fast, func() {
				if passes++; passes == 1 {
					change(fast)
				}
			})
			if done, err := fast.RecomputeRun(ctx, rc.ID, 7, time.Now().Add(time.Hour)); err != nil || !done {
				t.Fatalf("RecomputeRun: over %v, %v", done, err)
			}
			// One pass reads every contact; with a small budget, several. (A last one
			// reads the contact created since.)
			if passes == 0 || (budget < 1000) != (passes > 2) {
				t.Fatalf("%d scan passes with a budget of %d events", passes, budget)
			}
			change(slow)
			rescoreOneByOne(t, slow, rules)
			for _, q := range []string{
				`SELECT id, fit_score, engagement_score, stage, merged_into_id FROM contacts ORDER BY id`,
				`SELECT contact_id, stage, entered_at FROM contact_stages ORDER BY contact_id, stage`,
				`SELECT version, state FROM scoring_rule_sets ORDER BY version`,
			} {
				sameRows(t, "recompute", fast, slow, q)
			}
			// The changes moved scores: the comparison says something of them.
			for _, id := range []string{leads[0], "1000"} {
				if got, err := store.RowsForTest(ctx, fast, `SELECT engagement_score FROM contacts WHERE id = ?`, id); err != nil || got[0] == "0" {
					t.Errorf("contact %s: engagement %v (%v)", id, got, err)
				}
			}
		})
	}
}

// A run whose scan of the events table outlasts its time still stages the contacts
// the scan read, so a recompute whose runs are shorter than a scan moves on.
func TestRecomputeScanOutlastingItsRunMovesOn(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	s, _ := twoSeeded(t, 1, now)
	defer store.EventScanForTest(1, 1<<30)()
	_, rc, err := s.PutScoringRules(ctx, randomRules(1), "test")
	if err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(50 * time.Millisecond)
	store.AfterScanPassForTest(s, func() { time.Sleep(time.Until(until) + 10*time.Millisecond) })
	if done, err := s.RecomputeRun(ctx, rc.ID, 10, until); err != nil || done {
		t.Fatalf("first run: over %v, %v", done, err)
	}
	p, err := s.Recompute(ctx, rc.ID)
	if err != nil || p.Done != p.Total {
		t.Fatalf("after the first run: %+v (%v), want every contact staged", p, err)
	}
	store.AfterScanPassForTest(s, nil)
	if done, err := s.RecomputeRun(ctx, rc.ID, 10, time.Now().Add(time.Hour)); err != nil || !done {
		t.Fatalf("second run: over %v, %v", done, err)
	}
}
