package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// The funnel of reportWorld's March cohort, by hand from the stage entries:
//
//	ada  lead 03-04 09:00, mql sql opportunity 03-08 12:00, customer 03-10 09:00
//	bob  lead 03-05 09:00, mql 03-08 12:00
//	cleo lead mql sql 03-07 09:00, opportunity customer 03-12 09:00
//	dan  lead 03-10 09:00
//	eve  lead 03-11 09:00; mql sql opportunity customer 03-13 09:00 (Eve2's, merged in)
//	gus  lead 03-14 09:00; mql sql opportunity customer 03-16 09:00
//
// Time in lead: ada 99 h, bob 75 h, eve 48 h, gus 48 h (cleo passed through, dan is
// still there): median (48 + 75) / 2 = 61.5 h. In MQL everyone who moved on did so at
// once. In SQL only cleo stayed, 120 h; in opportunity only ada, 45 h.
func TestFunnelOfCohort(t *testing.T) {
	s := reportWorld(t)
	n, entries, err := s.FunnelEntries(context.Background(), march[0], march[1])
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("cohort %d, want 6", n)
	}
	want := "subscriber 0\nlead 6 5/6 61h30m0s of 4\nmql 5 4/5\nsql 4 1 120h0m0s of 1\nopportunity 4 1 45h0m0s of 1\ncustomer 4"
	if g := funnelLines(report.Funnel(entries)); g != want {
		t.Errorf("funnel:\n%s\nwant\n%s", g, want)
	}
	n, stages, err := s.Funnel(context.Background(), march[0], march[1])
	if err != nil {
		t.Fatal(err)
	}
	if g := funnelLines(stages); n != 6 || g != want {
		t.Errorf("the store's funnel: cohort %d\n%s\nwant 6\n%s", n, g, want)
	}

	// A period without new leads has an empty funnel, not an error.
	empty := storetest.Open(t)
	n, entries, err = empty.FunnelEntries(context.Background(), march[0], march[1])
	if err != nil || n != 0 || len(entries) != 0 {
		t.Fatalf("empty: %d %v %v", n, entries, err)
	}
	for _, st := range report.Funnel(nil) {
		if st.Reached != 0 || st.ToNext != nil || st.MedianTime != nil {
			t.Errorf("empty funnel stage %+v", st)
		}
	}
	n, stages, err = empty.Funnel(context.Background(), march[0], march[1])
	if err != nil || n != 0 || funnelLines(stages) != funnelLines(report.Funnel(nil)) {
		t.Fatalf("the store's empty funnel: %d %s %v", n, funnelLines(stages), err)
	}
}

// funnelLines renders a funnel as "stage reached [to next] [median of timed]" lines.
func funnelLines(stages []report.FunnelStage) string {
	var got []string
	for _, st := range stages {
		line := fmt.Sprintf("%s %d", st.Stage, st.Reached)
		if st.ToNext != nil {
			line += " " + st.ToNext.RatString()
		}
		if st.MedianTime != nil {
			line += fmt.Sprintf(" %s of %d", *st.MedianTime, st.Timed)
		}
		got = append(got, line)
	}
	return strings.Join(got, "\n")
}

// The store's funnel is report.Funnel over the stage entries, for periods that cut days
// in parts, with stages skipped, entered out of ladder order, moved back and
// disqualified, and contacts merged and the merge undone.
func TestFunnelMatchesEntries(t *testing.T) {
	s := reportWorld(t)
	ctx := context.Background()
	ids := map[string]int64{}
	for i, who := range []string{"ivy", "jon", "kim", "lou", "max", "ned"} {
		out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: who + "@example.com", OccurredAt: mar(20+i, 7+i), Channel: "email", Touch: true}})
		if err != nil {
			t.Fatal(err)
		}
		ids[who] = out[0].ContactID
	}
	move := func(who, stage string, at time.Time) {
		t.Helper()
		s.Now = func() time.Time { return at }
		reason := "test"
		if stage == "disqualified" {
			reason = "No budget" // a move to disqualified takes a configured reason
		}
		if _, err := s.SetStage(ctx, ids[who], stage, reason, "test"); err != nil {
			t.Fatal(err)
		}
	}
	move("ivy", "mql", mar(21, 9))
	move("ivy", "lead", mar(22, 9)) // back: her entries stay
	move("ivy", "sql", mar(23, 9))
	move("jon", "customer", mar(23, 9)) // skips mql, sql and opportunity at one time
	move("kim", "disqualified", mar(24, 9))
	move("lou", "opportunity", mar(25, 11))
	move("lou", "customer", mar(25, 11).Add(90*time.Minute))
	move("max", "sql", mar(27, 9))
	m, err := s.MergeContacts(ctx, ids["max"], ids["ned"], "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.MergeContacts(ctx, ids["lou"], ids["kim"], "test"); err != nil {
		t.Fatal(err)
	}
	if err := s.UndoMerge(ctx, m.ID, "test"); err != nil {
		t.Fatal(err)
	}
	periods := [][2]time.Time{march, {mar(4, 12), mar(23, 8)}, {mar(20, 0), mar(26, 0)}, {mar(5, 9), mar(5, 9).Add(time.Hour)},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}
	for _, p := range periods {
		compareFunnel(t, s, p)
		if p == march {
			if _, entries, _ := s.FunnelEntries(ctx, p[0], p[1]); !strings.Contains(funnelLines(report.Funnel(entries)), "customer 6") {
				t.Errorf("March: the world changed, the comparison proves less")
			}
		}
	}
}

// compareFunnel compares the store's funnel of period p with report.Funnel over its entries.
func compareFunnel(t *testing.T, s *store.Store, p [2]time.Time) {
	t.Helper()
	ctx := context.Background()
	{
		n, entries, err := s.FunnelEntries(ctx, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		want := funnelLines(report.Funnel(entries))
		got, stages, err := s.Funnel(ctx, p[0], p[1])
		if err != nil {
			t.Fatal(err)
		}
		if got != n || funnelLines(stages) != want {
			t.Errorf("%s – %s: cohort %d, funnel\n%s\nwant %d\n%s", p[0], p[1], got, funnelLines(stages), n, want)
		}
	}
}

// Each month of the trend is the sources report of that month: February has Fay and
// 999.00 of Spring search, March the six leads and 700.00, April 1 Hal and 777.00.
func TestTrendMonths(t *testing.T) {
	s := reportWorld(t)
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)
	months := report.MonthsOf(from, to)
	var reps []report.Report
	for _, m := range months {
		d, err := s.SourcesReport(context.Background(), m[0], m[1], attribution.FirstTouch)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, report.Build(*d, report.Options{}))
	}
	tr := report.BuildTrend(months, reps)
	var got []string
	for i, m := range tr.Months {
		tot := tr.Totals[i]
		cpl, conv := "null", "null"
		if c := tot.CostPerLead(); c != nil {
			cpl = c.String()
		}
		if c := tot.ConversionRate(); c != nil {
			conv = c.RatString()
		}
		got = append(got, fmt.Sprintf("%s leads %d cost %d cpl %s conversion %s", m.Format("2006-01-02"), tot.NewLeads, tot.Cost, cpl, conv))
	}
	want := "2026-02-01 leads 1 cost 99900 cpl 99900 conversion 1\n" +
		"2026-03-01 leads 6 cost 70000 cpl 11667 conversion 2/3\n" +
		"2026-04-01 leads 1 cost 77700 cpl 77700 conversion 0"
	if g := strings.Join(got, "\n"); g != want {
		t.Errorf("trend:\n%s\nwant\n%s", g, want)
	}
	// paid_search has a point in every month; email only in March.
	for _, sr := range tr.Series {
		if len(sr.Points) != 3 {
			t.Fatalf("series %s has %d points", sr.Channel, len(sr.Points))
		}
		if sr.Channel == "email" && (sr.Points[0].NewLeads != 0 || sr.Points[1].NewLeads != 1 || sr.Points[2].Customers.Sign() != 0) {
			t.Errorf("email series %+v", sr.Points)
		}
	}
}

// speed_to_lead by hand, in one March:
//
//	ana  Spring search lead 03-02 09:00; a call 03-02 12:00 (before SQL: not counted);
//	     made an SQL 03-03 09:00; a call 03-03 10:30: 1.5 h
//	ben  Spring search demo request 03-04 09:00 (SQL at once); an automated email 09:05
//	     (no user: not a sales touch); an email a user sent 09:30: 0.5 h
//	cat  Spring search demo request 03-05 09:00; a meeting booked 09:10: 10 min
//	dev  organic demo request 03-06 09:00, nothing since: waiting, not counted
//	eli  organic lead 03-06 10:00, never an SQL
//
// Spring search: the median of 10 min, 30 min and 1.5 h is 30 min = 1800 s (counting the
// automated email would make it 10 min; counting the call before SQL, negative).
// Organic: null, dev still waits. Totals: the same three. An even count takes the mean
// of the middle two, which TestSpeedToLeadMedian covers.
func TestSpeedToLead(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	spring, err := s.CreateCampaign(ctx, store.Campaign{Name: "Spring search", Channel: "paid_search"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	ingest := func(who string, c store.Capture) {
		t.Helper()
		c.Email = who + "@example.com"
		out, err := s.Ingest(ctx, []store.Capture{c})
		if err != nil {
			t.Fatal(err)
		}
		ids[who] = out[0].ContactID
	}
	lead := func(who string, at time.Time, channel string, campaign int64, stage string) {
		ingest(who, store.Capture{Type: "form_submit", OccurredAt: at, Channel: channel, CampaignID: campaign, Touch: true, Stage: stage})
	}
	event := func(who, typ string, at time.Time, actor string) {
		ingest(who, store.Capture{Type: typ, OccurredAt: at, Actor: actor})
	}
	lead("ana", mar(2, 9), "paid_search", spring.ID, "")
	event("ana", "call", mar(2, 12), "user:1")
	s.Now = func() time.Time { return mar(3, 9) }
	if _, err := s.SetStage(ctx, ids["ana"], "sql", "qualified", "user:1"); err != nil {
		t.Fatal(err)
	}
	event("ana", "call", mar(3, 10).Add(30*time.Minute), "user:1")
	lead("ben", mar(4, 9), "paid_search", spring.ID, "sql")
	event("ben", "email_sent", mar(4, 9).Add(5*time.Minute), "")
	event("ben", "email_sent", mar(4, 9).Add(30*time.Minute), "user:2")
	lead("cat", mar(5, 9), "paid_search", spring.ID, "sql")
	event("cat", "meeting_booked", mar(5, 9).Add(10*time.Minute), "apikey:1")
	lead("dev", mar(6, 9), "organic_search", 0, "sql")
	lead("eli", mar(6, 10), "organic_search", 0, "")

	d, err := s.SourcesReport(ctx, march[0], march[1], attribution.FirstTouch)
	if err != nil {
		t.Fatal(err)
	}
	rep := report.Build(*d, report.Options{Grouping: report.ByCampaign})
	var got []string
	for _, r := range rep.Rows {
		v := "null"
		if sp := r.SpeedToLead(); sp != nil {
			v = sp.RatString()
		}
		got = append(got, r.Channel+" "+v)
	}
	v := rep.Totals.SpeedToLead()
	got = append(got, "total "+v.RatString())
	if g := strings.Join(got, ", "); g != "organic_search null, paid_search 1800, total 1800" {
		t.Errorf("speed to lead: %s", g)
	}
}

// report_cohorts stays equal to the counts over contacts and their stages through
// everything that changes them: new contacts, a visitor's earlier touch that becomes the
// first, stage moves forward and back, won deals, merges and their undoing.
func TestReportCohortsExact(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	check := func(when string) {
		t.Helper()
		kept, direct, err := s.ReportCohortsCheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) != len(direct) {
			t.Fatalf("%s: report_cohorts %v, contacts say %v", when, kept, direct)
		}
		for k := range direct {
			if !kept[k] {
				t.Fatalf("%s: report_cohorts %v, contacts say %v", when, kept, direct)
			}
		}
	}
	fair, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	ingest := func(c store.Capture) {
		t.Helper()
		out, err := s.Ingest(ctx, []store.Capture{c})
		if err != nil {
			t.Fatal(err)
		}
		if c.Email != "" {
			ids[c.Email] = out[0].ContactID
		}
	}
	for i, at := range []time.Time{mar(1, 0), mar(1, 23), mar(2, 9), time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC)} {
		email := fmt.Sprintf("p%d@example.com", i)
		ingest(store.Capture{Type: "form_submit", Email: email, OccurredAt: at, Channel: "event", CampaignID: fair.ID, Touch: true})
	}
	ingest(store.Capture{Type: "demo_request", Email: "demo@example.com", OccurredAt: mar(3, 9), Channel: "organic_search", Touch: true, Stage: "sql"})
	ingest(store.Capture{Type: "custom", Email: "none@example.com", OccurredAt: mar(3, 10)})
	check("after creation")

	// An anonymous visit before the form becomes the first touch when the visitor identifies.
	ingest(store.Capture{Type: "page_view", VisitorID: "v1", OccurredAt: mar(4, 8), Channel: "paid_search", Touch: true})
	ingest(store.Capture{Type: "form_submit", VisitorID: "v1", Email: "visitor@example.com", OccurredAt: mar(4, 9), Channel: "email", Touch: true})
	check("after a visitor identified")

	for email, stage := range map[string]string{"p0@example.com": "mql", "p1@example.com": "customer", "demo@example.com": "lead", "none@example.com": "sql"} {
		if _, err := s.SetStage(ctx, ids[email], stage, "test", "test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: ids["p2@example.com"], Amount: 100, Status: store.DealWon, ClosedAt: mar(9, 9)}, "test"); err != nil {
		t.Fatal(err)
	}
	check("after stage moves and a won deal")

	m, err := s.MergeContacts(ctx, ids["p0@example.com"], ids["none@example.com"], "test")
	if err != nil {
		t.Fatal(err)
	}
	check("after a merge")
	if _, err := s.MergeContacts(ctx, ids["demo@example.com"], ids["p1@example.com"], "test"); err != nil {
		t.Fatal(err)
	}
	check("after a merge of a customer into a lead")
	if err := s.UndoMerge(ctx, m.ID, "test"); err != nil {
		t.Fatal(err)
	}
	check("after undoing a merge")
}

// The store's funnel, read from the roll-up funnel_paths, is report.Funnel over the
// stage entries for random contacts and random periods: leads created over two months,
// moved forward, back, disqualified and recycled by a rejected SQL, some moved after
// the period ends, merged into one another and some merges undone, and stage entries
// written, changed and taken off directly in any order of time. After every few changes
// funnel_paths must equal what funnel_paths_direct computes from scratch.
func TestFunnelRandomHistories(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(31, 7))
	start := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	at := func() time.Time {
		return start.Add(time.Duration(rng.Int64N(int64(70 * 24 * time.Hour)))).Truncate(time.Second)
	}
	checkPaths := func(when string) {
		t.Helper()
		kept, direct, err := s.FunnelPathsCheck(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) > 0 || len(direct) > 0 {
			t.Fatalf("%s: funnel_paths holds %v, contacts and their stages say %v", when, kept, direct)
		}
	}
	var ids []int64
	for i := range 80 {
		c := store.Capture{Type: "form_submit", Email: fmt.Sprintf("r%d@example.com", i), OccurredAt: at(), Channel: "email", Touch: true}
		switch rng.IntN(5) {
		case 0:
			c.Stage = "sql" // a demo request starts as an SQL
		case 1:
			c.Stage = "subscriber"
		}
		out, err := s.Ingest(ctx, []store.Capture{c})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, out[0].ContactID)
	}
	checkPaths("after the captures")
	stages := []string{"subscriber", "lead", "mql", "sql", "opportunity", "customer", "disqualified"}
	var merges []int64
	for step := range 400 {
		s.Now = func() time.Time { return at().Add(time.Duration(step) * time.Minute) }
		id := ids[rng.IntN(len(ids))]
		var err error
		stage := stages[rng.IntN(len(stages)-1)] // one of the ladder
		switch r := rng.IntN(26); {
		case r < 14:
			st := stages[rng.IntN(len(stages))]
			reason := "test"
			if st == "disqualified" {
				reason = "No budget"
			}
			_, err = s.SetStage(ctx, id, st, reason, "test")
		case r < 16:
			_, err = s.RejectSQL(ctx, id, "Not ready", "test")
		case r < 19:
			var m *store.Merge
			if m, err = s.MergeContacts(ctx, ids[rng.IntN(len(ids))], id, "test"); err == nil {
				merges = append(merges, m.ID)
			}
		case r < 20:
			if len(merges) > 0 {
				k := rng.IntN(len(merges))
				err = s.UndoMerge(ctx, merges[k], "test")
				merges = slices.Delete(merges, k, k+1)
			}
		// Stage entries written as an import or a repair would: in any order of time,
		// changed and taken off.
		case r < 23:
			err = store.ExecForTest(ctx, s, `INSERT INTO contact_stages (contact_id, stage, entered_at) VALUES (?, ?, ?)
				ON CONFLICT (contact_id, stage) DO NOTHING`, id, stage, at().UnixMicro())
		case r < 25:
			err = store.ExecForTest(ctx, s, `UPDATE contact_stages SET entered_at = ? WHERE contact_id = ? AND stage = ?`, at().UnixMicro(), id, stage)
		default:
			err = store.ExecForTest(ctx, s, `DELETE FROM contact_stages WHERE contact_id = ? AND stage = ?`, id, stage)
		}
		if err != nil && errs.Code(err) == errs.Internal { // a refused move or merge is no failure
			t.Fatalf("step %d: %v", step, err)
		}
		if step%40 == 39 {
			checkPaths(fmt.Sprintf("after step %d", step))
		}
	}
	checkPaths("at the end")
	periods := [][2]time.Time{{start, start.AddDate(0, 1, 0)}, {start.AddDate(0, 0, 10), start.AddDate(0, 0, 11)}, {start.AddDate(-1, 0, 0), start.AddDate(1, 0, 0)}}
	for range 12 {
		a, b := at(), at()
		if b.Before(a) {
			a, b = b, a
		}
		periods = append(periods, [2]time.Time{a, b})
	}
	var merged int
	for _, p := range periods {
		compareFunnel(t, s, p)
	}
	if rows, err := store.RowsForTest(ctx, s, `SELECT COUNT(*) FROM contacts WHERE merged_into_id IS NOT NULL`); err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	} else if merged, _ = strconv.Atoi(rows[0]); merged == 0 {
		t.Errorf("no contact stayed merged: the comparison proves less")
	}
	_, entries, err := s.FunnelEntries(ctx, periods[2][0], periods[2][1])
	if err != nil {
		t.Fatal(err)
	}
	if g := funnelLines(report.Funnel(entries)); !strings.Contains(g, "customer") || strings.Contains(g, "customer 0") {
		t.Errorf("no customers: the comparison proves less\n%s", g)
	}
}

// Two transactions that change one contact's stage entries at once both go through on
// PostgreSQL, the second after the first, and leave the funnel roll-up exact: each
// rewrites the contact's row from what it sees, taking turns on the row instead of the
// second failing on its primary key. (SQLite has one writer.)
func TestFunnelRollupTakesConcurrentChangesInTurn(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.Postgres {
		t.Skip("SQLite writes one transaction at a time")
	}
	ctx := context.Background()
	out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "turns@example.com", OccurredAt: time.Now().Add(-48 * time.Hour), Touch: true, Channel: "email"}})
	if err != nil {
		t.Fatal(err)
	}
	id := out[0].ContactID
	if _, err := s.SetStage(ctx, id, "mql", "test", "test"); err != nil {
		t.Fatal(err)
	}
	first, err := s.BeginRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback()
	if _, err := first.ExecContext(ctx, `UPDATE contact_stages SET entered_at = entered_at - 1000000 WHERE contact_id = $1 AND stage = 'lead'`, id); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() {
		tx, err := s.BeginRaw(ctx)
		if err != nil {
			second <- err
			return
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `UPDATE contact_stages SET entered_at = entered_at + 1000000 WHERE contact_id = $1 AND stage = 'mql'`, id); err != nil {
			second <- err
			return
		}
		second <- tx.Commit()
	}()
	time.Sleep(300 * time.Millisecond) // the second waits on the first's row of funnel_paths
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatalf("the second change to the contact's stages: %v", err)
	}
	kept, direct, err := s.FunnelPathsCheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) > 0 || len(direct) > 0 {
		t.Fatalf("funnel_paths holds %v, contacts and their stages say %v", kept, direct)
	}
}
