package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

const day = 24 * time.Hour

// clock is a settable clock for a store.
type scoreClock struct{ t time.Time }

func (c *scoreClock) now() time.Time { return c.t }

func scoringStore(t *testing.T) (*store.Store, *scoreClock) {
	s := storetest.Open(t)
	c := &scoreClock{time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	s.Now = c.now
	return s, c
}

func finishRecompute(t *testing.T, s *store.Store, rc *store.Recompute, batch int) {
	t.Helper()
	for range 1000 {
		done, err := s.RecomputeStep(ctx, rc.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
	}
	t.Fatal("recompute never finished")
}

func scoresOf(t *testing.T, s *store.Store, id int64) (int, int, string) {
	t.Helper()
	c := mustContact(t, s, id)
	return c.FitScore, c.EngagementScore, c.Stage
}

var testRules = scoring.Rules{
	Fit: []scoring.FitRule{
		{Filter: `country = "DE"`, Points: 30},
		{Filter: `job_title contains "head"`, Points: 35},
		{Filter: `company.domain = "acme.example"`, Points: 10},
	},
	Engagement: []scoring.EngagementRule{
		{EventType: "page_view", Property: "page_url", Value: "/pricing", Points: 20},
		{EventType: "email_click", Points: 10, HalfLifeDays: 10},
	},
}

func pageView(email, path string, at time.Time) store.Capture {
	return store.Capture{Type: "page_view", Email: email, OccurredAt: at, Properties: map[string]any{"page_url": "https://site.example" + path}}
}

func TestScoringFollowsRulesEventsAndTime(t *testing.T) {
	s, clk := scoringStore(t)
	start := clk.t
	// Ada: DE, head of ops at acme → fit 30 + 35 + 10 = 75. Bob: DE only → 30. Cy: nothing → 0.
	r := mustIngest(t, s,
		store.Capture{Type: "form_submit", Email: "ada@acme.example", OccurredAt: start, CompanyDomain: "acme.example",
			Fields: store.ContactFields{JobTitle: "Head of Operations", Country: "DE"}, Stage: lifecycle.Lead},
		store.Capture{Type: "form_submit", Email: "bob@other.example", OccurredAt: start, Fields: store.ContactFields{Country: "DE"}, Stage: lifecycle.Lead},
		store.Capture{Type: "form_submit", Email: "cy@third.example", OccurredAt: start, Stage: lifecycle.Lead},
		pageView("ada@acme.example", "/pricing", start), // 20 at start
		pageView("bob@other.example", "/blog", start),   // no rule
	)
	ada, bob, cy := r[0].ContactID, r[1].ContactID, r[2].ContactID

	_, rc, err := s.PutScoringRules(ctx, testRules, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	if rc.Total != 3 || rc.State != store.RecomputeRunning {
		t.Fatalf("recompute %+v", rc)
	}
	// One contact staged: nobody's stored score changes yet.
	if done, err := s.RecomputeStep(ctx, rc.ID, 1); err != nil || done {
		t.Fatal(done, err)
	}
	if f, e, _ := scoresOf(t, s, ada); f != 0 || e != 0 {
		t.Fatalf("staged scores leaked before the recompute finished: %d %d", f, e)
	}
	if p, _ := s.Recompute(ctx, rc.ID); p.Done != 1 || p.Percent() != 33 {
		t.Fatalf("progress %+v %d", p, p.Percent())
	}
	finishRecompute(t, s, rc, 1)
	for _, c := range []struct {
		id       int64
		fit, eng int
		stage    string
	}{{ada, 75, 20, lifecycle.Lead}, {bob, 30, 0, lifecycle.Lead}, {cy, 0, 0, lifecycle.Lead}} {
		if f, e, st := scoresOf(t, s, c.id); f != c.fit || e != c.eng || st != c.stage {
			t.Errorf("contact %d: fit %d engagement %d %s, want %d %d %s", c.id, f, e, st, c.fit, c.eng, c.stage)
		}
	}
	latest, active, err := s.ScoringRules(ctx)
	if err != nil || latest.Version != active.Version || active.State != store.RulesActive {
		t.Fatalf("rules %+v %+v %v", latest, active, err)
	}

	// A second pricing view 1 day later: 20·2^(-1/30) + 20 = 39.54 → 40, with fit 75:
	// MQL (fit ≥ 40, engagement ≥ 25), not yet SQL (engagement < 60).
	clk.t = start.Add(day)
	mustIngest(t, s, pageView("ada@acme.example", "/pricing?x=1", clk.t))
	if n, err := s.ScoreNewEvents(ctx, 100); err != nil || n == 0 {
		t.Fatal(n, err)
	}
	if f, e, st := scoresOf(t, s, ada); f != 75 || e != 40 || st != lifecycle.MQL {
		t.Fatalf("after the second view: %d %d %s", f, e, st)
	}
	sc, err := s.ContactScores(ctx, ada, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Breakdown.FitLines) != 3 || len(sc.Breakdown.Engaged) != 2 || sc.Breakdown.Engaged[1].Contribution != 20 {
		t.Fatalf("breakdown %+v", sc.Breakdown)
	}
	if len(sc.History) != 2 || sc.History[0].EngagementOld != 20 || sc.History[0].EngagementNew != 40 || !strings.HasPrefix(sc.History[0].Reason, "event #") ||
		sc.History[1].FitNew != 75 || sc.History[1].Reason != "rules version 1" {
		t.Fatalf("history %+v", sc.History)
	}
	tl, _ := s.Timeline(ctx, ada, store.TimelineOptions{})
	var move *store.Event
	for _, e := range tl {
		if e.Type == "stage_changed" && e.Properties["to"] == "mql" {
			move = e
		}
	}
	if move == nil || move.Actor != store.ActorScoring || !strings.Contains(move.Properties["reason"].(string), "MQL thresholds") {
		t.Fatalf("no stage_changed event by scoring: %+v", move)
	}

	// Read 30 days later without a new event: the breakdown decays; the stored score
	// follows once the decay refresh runs. 20·2^(-31/30) + 20·2^(-1) = 9.77 + 10 = 19.77 → 20.
	clk.t = start.Add(31 * day)
	if sc, _ := s.ContactScores(ctx, ada, 10); sc.Breakdown.Engagement != 20 || sc.Engagement != 40 {
		t.Fatalf("read later: breakdown %d, stored %d", sc.Breakdown.Engagement, sc.Engagement)
	}
	if n, err := s.RefreshDecay(ctx, time.Hour, 100); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if f, e, st := scoresOf(t, s, ada); f != 75 || e != 20 || st != lifecycle.MQL {
		t.Fatalf("after decay: %d %d %s (stages never move back by themselves)", f, e, st)
	}
	if n, _ := s.RefreshDecay(ctx, time.Hour, 100); n != 0 {
		t.Errorf("a fresh score was refreshed again: %d", n)
	}
}

// adaAtSQL captures Ada (fit 75) under testRules and scores four pricing views
// (engagement 80), which make her an SQL by score.
func adaAtSQL(t *testing.T, s *store.Store, start time.Time) int64 {
	t.Helper()
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@acme.example", OccurredAt: start, CompanyDomain: "acme.example",
		Fields: store.ContactFields{JobTitle: "Head of Operations", Country: "DE"}, Stage: lifecycle.Lead})
	ada := r[0].ContactID
	_, rc, err := s.PutScoringRules(ctx, testRules, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 100)
	for range 4 {
		mustIngest(t, s, pageView("ada@acme.example", "/pricing", start))
	}
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, e, st := scoresOf(t, s, ada); e != 80 || st != lifecycle.SQL {
		t.Fatalf("engagement %d stage %s", e, st)
	}
	return ada
}

func TestHandRaiseRejectRecycleAndDisqualify(t *testing.T) {
	s, clk := scoringStore(t)
	start := clk.t
	ada := adaAtSQL(t, s, start)
	if _, err := s.RejectSQL(ctx, ada, "", "user:2"); errs.Code(err) != errs.Invalid {
		t.Fatalf("reject without reason: %v", err)
	}
	clk.t = start.Add(time.Hour)
	if _, err := s.RejectSQL(ctx, ada, "Only wants a free tool", "user:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RejectSQL(ctx, ada, "again", "user:2"); errs.Code(err) != errs.Conflict {
		t.Fatalf("rejecting a lead: %v", err)
	}
	// The rejection's own events are read by the poller: old engagement does not
	// bring the recycled lead back.
	clk.t = start.Add(2 * time.Hour)
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, e, st := scoresOf(t, s, ada); st != lifecycle.Lead || e != 80 {
		t.Fatalf("after rejection: engagement %d stage %s", e, st)
	}
	// Two new pricing views earn 40 since the rejection: MQL again, not SQL.
	mustIngest(t, s, pageView("ada@acme.example", "/pricing", clk.t), pageView("ada@acme.example", "/pricing", clk.t))
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, _, st := scoresOf(t, s, ada); st != lifecycle.MQL {
		t.Fatalf("after new engagement: %s", st)
	}
	// A demo request is a hand-raise: SQL at once, whatever the scores.
	r2 := mustIngest(t, s, store.Capture{Type: "demo_request", Email: "new@x.example", OccurredAt: clk.t, Stage: lifecycle.StageForEvent("demo_request", "", true)})
	if _, _, st := scoresOf(t, s, r2[0].ContactID); st != lifecycle.SQL {
		t.Fatalf("demo request: %s", st)
	}
	if _, err := s.AcceptSQL(ctx, r2[0].ContactID, "", "user:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptSQL(ctx, ada, "", "user:2"); errs.Code(err) != errs.Conflict {
		t.Fatalf("accepting an MQL: %v", err)
	}

	if _, err := s.Disqualify(ctx, ada, "Too expensive", "user:2"); err == nil || !strings.HasPrefix(err.Error(), "reason:") {
		t.Fatalf("unknown reason: %v", err)
	}
	if _, err := s.Disqualify(ctx, ada, "no budget", "user:2"); err != nil {
		t.Fatal(err)
	}
	tl, _ := s.Timeline(ctx, ada, store.TimelineOptions{})
	want := map[string]bool{}
	for _, e := range tl {
		switch {
		case e.Type == "sql_rejected" && e.Properties["reason"] == "Only wants a free tool" && e.Actor == "user:2":
			want["rejected"] = true
		case e.Type == "stage_changed" && e.Properties["to"] == "lead" && e.Properties["from"] == "sql":
			want["recycled"] = true
		case e.Type == "stage_changed" && e.Properties["to"] == "disqualified" && e.Properties["reason"] == "No budget":
			want["disqualified"] = true
		}
	}
	if len(want) != 3 {
		t.Fatalf("timeline lacks %v", want)
	}
	// Disqualified contacts never move by score.
	mustIngest(t, s, pageView("ada@acme.example", "/pricing", clk.t), pageView("ada@acme.example", "/pricing", clk.t))
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, _, st := scoresOf(t, s, ada); st != lifecycle.Disqualified {
		t.Fatalf("disqualified contact moved to %s", st)
	}
}

func TestQualify(t *testing.T) {
	s, _ := scoringStore(t)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@acme.example", Stage: lifecycle.Lead})
	if _, err := s.Qualify(ctx, r[0].ContactID, lifecycle.Qualification{Budget: "lots"}, "user:3"); err == nil || !strings.HasPrefix(err.Error(), "budget:") {
		t.Fatalf("bad budget: %v", err)
	}
	if _, err := s.Qualify(ctx, r[0].ContactID, lifecycle.Qualification{}, "user:3"); errs.Code(err) != errs.Invalid {
		t.Fatalf("empty qualification: %v", err)
	}
	q := lifecycle.Qualification{Budget: "approved", Authority: "decision_maker", Need: "urgent", Timeline: "this_quarter", ProductFit: "good", Notes: "Replacing spreadsheets"}
	if _, err := s.Qualify(ctx, r[0].ContactID, q, "user:3"); err != nil {
		t.Fatal(err)
	}
	tl, _ := s.Timeline(ctx, r[0].ContactID, store.TimelineOptions{})
	if tl[0].Type != "qualified" || tl[0].Properties["budget"] != "approved" || tl[0].Properties["product_fit"] != "good" || tl[0].Actor != "user:3" {
		t.Fatalf("timeline %+v", tl[0])
	}
	if _, err := s.Qualify(ctx, 99999, q, "user:3"); errs.Code(err) != errs.NotFound {
		t.Fatalf("unknown contact: %v", err)
	}
}

func TestRulesAndSettingsAreValidatedAndAudited(t *testing.T) {
	s, _ := scoringStore(t)
	_, _, err := s.PutScoringRules(ctx, scoring.Rules{Fit: []scoring.FitRule{{Filter: `country = "DE"`, Points: 5}, {Filter: `countr = "DE"`, Points: 5}}}, "user:1")
	if err == nil || !strings.HasPrefix(err.Error(), "fit[1].filter:") || !strings.Contains(err.Error(), "position") {
		t.Fatalf("bad filter: %v", err)
	}
	_, _, err = s.PutScoringRules(ctx, scoring.Rules{Fit: []scoring.FitRule{{Filter: `fit_score > 3`, Points: 5}}}, "user:1")
	if err == nil || !strings.HasPrefix(err.Error(), "fit[0].filter:") {
		t.Fatalf("self-referring rule: %v", err)
	}
	if latest, _, _ := s.ScoringRules(ctx); latest.Version != 0 {
		t.Fatal("a refused edit saved rules")
	}
	set := scoring.DefaultSettings()
	set.MQLFit = 50
	set.DisqualifyReason = []string{"Wrong country"}
	if _, err := s.PutScoringSettings(ctx, set, "user:1"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.ScoringSettings(ctx)
	if got.MQLFit != 50 || got.DisqualifyReason[0] != "Wrong country" || got.SQLFit != 60 {
		t.Fatalf("settings %+v", got)
	}
	set.SQLEngagement = 10
	if _, err := s.PutScoringSettings(ctx, set, "user:1"); err == nil || !strings.HasPrefix(err.Error(), "sql_engagement:") {
		t.Fatal(err)
	}
	if _, _, err := s.PutScoringRules(ctx, testRules, "user:1"); err != nil {
		t.Fatal(err)
	}
	before, _ := s.LatestRecompute(ctx)
	set.SQLEngagement = 60
	set.DisqualifyReason = []string{"Wrong country", "Bought elsewhere"}
	if rc, err := s.PutScoringSettings(ctx, set, "user:1"); err != nil || rc != nil {
		t.Fatalf("new reasons alone started a recompute: %+v %v", rc, err)
	}
	if after, _ := s.LatestRecompute(ctx); after.ID != before.ID {
		t.Fatal("a recompute started")
	}
	set.HalfLifeDays = 14
	if rc, err := s.PutScoringSettings(ctx, set, "user:1"); err != nil || rc == nil || rc.ID == before.ID {
		t.Fatalf("a new half-life did not rescore: %+v %v", rc, err)
	}
	log, _ := s.Audit(ctx, 2)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, ",") != "scoring.settings.set,scoring.settings.set" {
		t.Fatalf("audit %v", actions)
	}
}

// A rule change made while a recompute runs supersedes it; the events that arrive
// during a recompute are scored under the new rules when it finishes.
func TestRecomputeSupersededAndLateEvents(t *testing.T) {
	s, clk := scoringStore(t)
	var emails []string
	for i := range 5 {
		e := string(rune('a'+i)) + "@acme.example"
		emails = append(emails, e)
		mustIngest(t, s, store.Capture{Type: "form_submit", Email: e, OccurredAt: clk.t, Fields: store.ContactFields{Country: "DE"}, Stage: lifecycle.Lead})
	}
	_, first, err := s.PutScoringRules(ctx, scoring.Rules{Fit: []scoring.FitRule{{Filter: `country = "DE"`, Points: 10}}}, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	if done, err := s.RecomputeStep(ctx, first.ID, 2); err != nil || done {
		t.Fatal(done, err)
	}
	_, second, err := s.PutScoringRules(ctx, testRules, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	if done, err := s.RecomputeStep(ctx, first.ID, 2); err != nil || !done {
		t.Fatal("the superseded recompute went on", done, err)
	}
	if p, _ := s.Recompute(ctx, first.ID); p.State != store.RecomputeSuperseded {
		t.Fatalf("first %+v", p)
	}
	if done, err := s.RecomputeStep(ctx, second.ID, 2); err != nil || done {
		t.Fatal(done, err)
	}
	// A pricing view of an already staged contact while the recompute runs.
	mustIngest(t, s, pageView(emails[0], "/pricing", clk.t))
	finishRecompute(t, s, second, 2)
	first0 := mustIngest(t, s, store.Capture{Type: "form_submit", Email: emails[0]})[0].ContactID
	if f, e, _ := scoresOf(t, s, first0); f != 30 || e != 20 {
		t.Fatalf("late event under new rules: fit %d engagement %d", f, e)
	}
	rc, _ := s.LatestRecompute(ctx)
	if rc.ID != second.ID || rc.State != store.RecomputeDone || rc.Done != 5 || rc.Percent() != 100 {
		t.Fatalf("latest %+v", rc)
	}
}

func clickRules(points int) scoring.Rules {
	return scoring.Rules{Engagement: []scoring.EngagementRule{{EventType: "email_click", Points: points}}}
}

// clickScoring opens a store with one lead, ada, under rules that give an email
// click 10 points, every contact rescored and the event scorer caught up.
func clickScoring(t *testing.T) (*store.Store, *scoreClock, []store.Captured) {
	t.Helper()
	s, clk := scoringStore(t)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@acme.example", OccurredAt: clk.t, Stage: lifecycle.Lead})
	_, rc, err := s.PutScoringRules(ctx, clickRules(10), "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 10)
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	return s, clk, r
}

// An event id committed after a higher one is still scored.
func TestWatermarkWaitsForLateCommits(t *testing.T) {
	s, clk, r := clickScoring(t)
	base := r[0].EventID + 100
	if err := s.InsertEventWithID(ctx, base+2, r[0].ContactID, "email_click", clk.t); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, e, _ := scoresOf(t, s, r[0].ContactID); e != 10 {
		t.Fatalf("engagement %d", e)
	}
	// The lower id commits later.
	if err := s.InsertEventWithID(ctx, base+1, r[0].ContactID, "email_click", clk.t); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, e, _ := scoresOf(t, s, r[0].ContactID); e != 20 {
		t.Fatalf("the late id was missed: engagement %d", e)
	}
}

// Enrichment that lands on a contact after it was merged away (a job queued before
// the merge) does not rescore it: only live contacts are scored, and the watermark
// still moves past it.
func TestEnrichmentSkipsMergedContacts(t *testing.T) {
	s, clk := scoringStore(t)
	r := mustIngest(t, s,
		store.Capture{Type: "form_submit", Email: "ada@acme.example", OccurredAt: clk.t, Stage: lifecycle.Lead},
		store.Capture{Type: "form_submit", Email: "ada.l@acme.example", OccurredAt: clk.t, Stage: lifecycle.Lead})
	winner, loser := r[0].ContactID, r[1].ContactID
	_, rc, err := s.PutScoringRules(ctx, scoring.Rules{Fit: []scoring.FitRule{{Filter: `seniority = "vp"`, Points: 40}}}, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 10)
	if _, err := s.MergeContacts(ctx, winner, loser, "user:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.EnrichForTest(ctx, loser, "vp", 0, ""); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(3 * time.Second)
	// A limit of one: a batch of merged contacts only must still move the watermark,
	// or the scorer would read the same merged contacts at every poll and never reach
	// the live ones behind them.
	if n, err := s.ScoreEnriched(ctx, 1); err != nil || n != 0 {
		t.Fatalf("rescored %d contacts (%v), want none: the only one enriched was merged away", n, err)
	}
	if f, _, _ := scoresOf(t, s, loser); f != 0 {
		t.Errorf("merged-away contact scored: fit %d", f)
	}
	// The watermark moved past it: a live contact enriched later is still found.
	if err := s.EnrichForTest(ctx, winner, "vp", 0, ""); err != nil {
		t.Fatal(err)
	}
	clk.t = clk.t.Add(3 * time.Second)
	if n, err := s.ScoreEnriched(ctx, 1); err != nil || n != 1 {
		t.Fatalf("rescored %d, %v; want the winner", n, err)
	}
	if f, _, _ := scoresOf(t, s, winner); f != 40 {
		t.Errorf("winner fit %d, want 40", f)
	}
}

// Enrichment changes the fit without an event: the scorer follows it.
func TestEnrichmentRescoresFit(t *testing.T) {
	s, clk := scoringStore(t)
	r := mustIngest(t, s,
		store.Capture{Type: "form_submit", Email: "ada@acme.example", OccurredAt: clk.t, CompanyDomain: "acme.example", Stage: lifecycle.Lead},
		store.Capture{Type: "form_submit", Email: "bob@acme.example", OccurredAt: clk.t, CompanyDomain: "acme.example", Stage: lifecycle.Lead})
	ada, bob := r[0].ContactID, r[1].ContactID
	_, rc, err := s.PutScoringRules(ctx, scoring.Rules{Fit: []scoring.FitRule{
		{Filter: `seniority = "vp"`, Points: 40}, {Filter: `company.industry = "software"`, Points: 25}}}, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 10)
	company := mustContact(t, s, ada).Company.ID
	if err := s.EnrichForTest(ctx, ada, "vp", company, "software"); err != nil {
		t.Fatal(err)
	}
	// Read only once the lag has passed, so a late commit is not missed.
	if n, err := s.ScoreEnriched(ctx, 100); err != nil || n != 0 {
		t.Fatalf("inside the lag: %d %v", n, err)
	}
	clk.t = clk.t.Add(3 * time.Second)
	if n, err := s.ScoreEnriched(ctx, 100); err != nil || n != 2 {
		t.Fatalf("rescored %d, %v", n, err)
	}
	if f, _, _ := scoresOf(t, s, ada); f != 65 {
		t.Errorf("ada fit %d, want 40 + 25", f)
	}
	if f, _, _ := scoresOf(t, s, bob); f != 25 {
		t.Errorf("bob fit %d, want 25 from the company", f)
	}
	if n, _ := s.ScoreEnriched(ctx, 100); n != 0 {
		t.Errorf("rescored again: %d", n)
	}
	sc, _ := s.ContactScores(ctx, bob, 5)
	if len(sc.History) == 0 || sc.History[0].Reason != "profile enriched" {
		t.Errorf("history %+v", sc.History)
	}
}

// An event that leaves a contact's scores as stored (engagement at its cap) does not
// rewrite the contact: no new scored_at, no history row. The decay refresh still
// stamps every contact it looked at, so it moves on to the next ones instead of
// finding the same contacts again.
func TestUnchangedScoresAreNotRewritten(t *testing.T) {
	s, clk := scoringStore(t)
	start := clk.t
	caps := []store.Capture{{Type: "form_submit", Email: "ada@acme.example", OccurredAt: start, Stage: lifecycle.Lead}}
	for i := range 6 { // 6 × 20 = 120: capped at 100
		caps = append(caps, pageView("ada@acme.example", "/pricing", start.Add(time.Duration(i)*time.Minute)))
	}
	ada := mustIngest(t, s, caps...)[0].ContactID
	_, rc, err := s.PutScoringRules(ctx, testRules, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 10)
	if _, err := s.ScoreNewEvents(ctx, 1000); err != nil {
		t.Fatal(err)
	}
	before, err := s.ContactScores(ctx, ada, 100)
	if err != nil || before.Engagement != 100 {
		t.Fatalf("scores %+v, %v", before, err)
	}
	clk.t = start.Add(10 * time.Minute)
	mustIngest(t, s, pageView("ada@acme.example", "/pricing", clk.t))
	if n, err := s.ScoreNewEvents(ctx, 1000); err != nil || n != 1 {
		t.Fatalf("scored %d events: %v", n, err)
	}
	after, err := s.ContactScores(ctx, ada, 100)
	if err != nil {
		t.Fatal(err)
	}
	if after.Engagement != 100 || !after.ScoredAt.Equal(before.ScoredAt) || len(after.History) != len(before.History) {
		t.Fatalf("an event that changed no score rewrote the contact: scored at %v then %v, history %d then %d rows",
			before.ScoredAt, after.ScoredAt, len(before.History), len(after.History))
	}
	// Two hours on, ada's engagement is still over the cap and her stored value is
	// stale by its stamp: the refresh rescores her once and stamps her.
	clk.t = start.Add(2 * time.Hour)
	if n, err := s.RefreshDecay(ctx, time.Hour, 10); err != nil || n != 1 {
		t.Fatalf("first refresh: %d, %v", n, err)
	}
	if n, err := s.RefreshDecay(ctx, time.Hour, 10); err != nil || n != 0 {
		t.Fatalf("second refresh found the same contact again: %d, %v", n, err)
	}
}

// TestScoresReadBeforeARejectionDoNotUndoIt: the event scorer reads a batch's
// events, then writes their scores; on PostgreSQL sales can reject a contact in
// between. The scores read before the rejection would move the recycled lead
// straight back to SQL; the scorer leaves that contact to its next poll instead,
// which reads the rejection. SQLite's single writer lets nobody commit while the
// scorer's transaction is open.
func TestScoresReadBeforeARejectionDoNotUndoIt(t *testing.T) {
	s, clk := scoringStore(t)
	if s.Engine() == store.SQLite {
		t.Skip("SQLite's single writer: nothing commits inside the scorer's transaction")
	}
	start := clk.t
	ada := adaAtSQL(t, s, start)
	// One more view to score; sales rejects ada while the scorer holds her scores.
	clk.t = start.Add(time.Hour)
	mustIngest(t, s, pageView("ada@acme.example", "/pricing", start))
	rejected := false
	store.AfterScoreReadForTest(s, func() {
		if !rejected {
			rejected = true
			if _, err := s.RejectSQL(ctx, ada, "No budget this year", "user:2"); err != nil {
				t.Error(err)
			}
		}
	})
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	store.AfterScoreReadForTest(s, nil)
	if !rejected {
		t.Fatal("the scorer read no batch")
	}
	if _, _, st := scoresOf(t, s, ada); st != lifecycle.Lead {
		t.Fatalf("the scorer moved the rejected lead to %s with scores read before the rejection", st)
	}
	clk.t = start.Add(2 * time.Hour)
	if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, e, st := scoresOf(t, s, ada); st != lifecycle.Lead || e != 100 {
		t.Fatalf("after the next poll: engagement %d, stage %s; want 100 and lead", e, st)
	}
}

// TestEventScorerNeverWaitsForAConnectionItHolds: the event scorer reads batches
// ahead on reader connections while its transaction holds one; on PostgreSQL both
// come from one pool. With the pool down to a single connection, the transaction's,
// the scorer must read in its transaction instead of waiting for ever.
func TestEventScorerNeverWaitsForAConnectionItHolds(t *testing.T) {
	s, clk := scoringStore(t)
	start := clk.t
	var caps []store.Capture
	for i := range 1200 {
		caps = append(caps, store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@acme.example", i), OccurredAt: start, Stage: lifecycle.Lead})
	}
	mustIngest(t, s, caps...)
	_, rc, err := s.PutScoringRules(ctx, testRules, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finishRecompute(t, s, rc, 1000)
	if _, err := s.ScoreNewEvents(ctx, 5000); err != nil {
		t.Fatal(err)
	}
	caps = caps[:0]
	for i := range 1200 {
		caps = append(caps, pageView(fmt.Sprintf("p%d@acme.example", i), "/pricing", start))
	}
	mustIngest(t, s, caps...)
	store.LimitReadersForTest(s, 1)
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n, err := s.ScoreNewEvents(wait, 5000)
	if err != nil {
		t.Fatalf("scoring 1,200 contacts with one connection: %v", err)
	}
	if n != 1200 {
		t.Fatalf("scored %d events, want 1200", n)
	}
	if _, e, _ := scoresOf(t, s, mustIngest(t, s, pageView("p7@acme.example", "/blog", start))[0].ContactID); e != 20 {
		t.Fatalf("engagement %d, want 20", e)
	}
}

// An event whose id is below the newest when a recompute started but which commits
// later (PostgreSQL draws ids before commit), and which the event scorer scores under
// the old rules before the swap, counts in the contact's new scores: whether the
// scorer had read past its id when the recompute started (it then waits for it as a
// gap) or not.
func TestRecomputeCountsEventsCommittedLate(t *testing.T) {
	for _, scorerAhead := range []bool{true, false} {
		t.Run(fmt.Sprintf("scorer_ahead=%v", scorerAhead), func(t *testing.T) {
			s, clk, r := clickScoring(t)
			if s.Engine() != store.Postgres {
				t.Skip("SQLite commits one writer at a time: an event never commits below a visible id")
			}
			base := r[0].EventID + 100
			if err := s.InsertEventWithID(ctx, base+2, r[0].ContactID, "email_click", clk.t); err != nil {
				t.Fatal(err)
			}
			if scorerAhead {
				if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
					t.Fatal(err)
				}
			}
			_, rc, err := s.PutScoringRules(ctx, clickRules(25), "user:1")
			if err != nil {
				t.Fatal(err)
			}
			if done, err := s.RecomputeStep(ctx, rc.ID, 1000); err != nil || done {
				t.Fatal("staging", done, err)
			}
			// The lower id commits after the contact was staged with one click, and the
			// scorer scores both clicks under the rules still in force.
			if err := s.InsertEventWithID(ctx, base+1, r[0].ContactID, "email_click", clk.t); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ScoreNewEvents(ctx, 100); err != nil {
				t.Fatal(err)
			}
			if _, e, _ := scoresOf(t, s, r[0].ContactID); e != 20 {
				t.Fatalf("engagement under the old rules %d, want 20", e)
			}
			finishRecompute(t, s, rc, 1000)
			if _, e, _ := scoresOf(t, s, r[0].ContactID); e != 50 {
				t.Fatalf("engagement after the recompute %d, want 50 (two clicks of 25)", e)
			}
		})
	}
}
