package scoring

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func ev(id int64, typ string, ago time.Duration, props map[string]any) Event {
	return Event{ID: id, Type: typ, At: t0.Add(-ago), Properties: props}
}

func TestDecay(t *testing.T) {
	for _, c := range []struct {
		age, hl time.Duration
		want    float64
	}{
		{0, 30 * day, 1},
		{30 * day, 30 * day, 0.5},
		{60 * day, 30 * day, 0.25},
		{15 * day, 30 * day, 1 / math.Sqrt2},
		{-5 * day, 30 * day, 1}, // an event dated later than now counts in full
		{14 * day, 7 * day, 0.25},
	} {
		if got := Decay(c.age, c.hl); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("Decay(%v, %v) = %v, want %v", c.age, c.hl, got, c.want)
		}
	}
}

func TestEngagement(t *testing.T) {
	pricing := EngagementRule{ID: 1, EventType: "page_view", Property: "page_url", Op: OpContains, Value: "/pricing", Points: 10}
	click := EngagementRule{ID: 2, EventType: "email_click", Points: 5, HalfLifeDays: 7}
	unsub := EngagementRule{ID: 3, EventType: "unsubscribe", Points: -50}
	demo := EngagementRule{ID: 4, EventType: "demo_request", Points: 30}
	anyView := EngagementRule{ID: 5, EventType: "page_view", Points: 1}
	for _, c := range []struct {
		name   string
		rules  []EngagementRule
		events []Event
		raw    float64 // hand-computed sum before rounding and capping
		score  int
		lines  int
	}{
		{"one fresh pricing view", []EngagementRule{pricing}, []Event{ev(1, "page_view", 0, map[string]any{"page_url": "https://x.io/pricing"})}, 10, 10, 1},
		// 10 + 10·½ + 10·¼ = 17.5, rounded half away from zero to 18.
		{"three views, now, one and two half-lives ago", []EngagementRule{pricing}, []Event{
			ev(1, "page_view", 0, map[string]any{"page_url": "/pricing"}),
			ev(2, "page_view", 30*day, map[string]any{"page_url": "/Pricing?plan=pro"}),
			ev(3, "page_view", 60*day, map[string]any{"page_url": "/pricing"}),
		}, 17.5, 18, 3},
		{"other pages do not count", []EngagementRule{pricing}, []Event{ev(1, "page_view", 0, map[string]any{"page_url": "/blog"}), ev(2, "page_view", 0, nil)}, 0, 0, 0},
		// The rule's own half-life of 7 days: 5·¼ = 1.25 → 1.
		{"own half-life", []EngagementRule{click}, []Event{ev(1, "email_click", 14*day, nil)}, 1.25, 1, 1},
		// 12 demo requests · 30 = 360, capped to 100.
		{"capped at 100", []EngagementRule{demo}, func() []Event {
			var es []Event
			for i := range 12 {
				es = append(es, ev(int64(i+1), "demo_request", 0, nil))
			}
			return es
		}(), 360, 100, 12},
		// 10 − 50 = −40, capped to 0.
		{"negative points floor at 0", []EngagementRule{pricing, unsub}, []Event{
			ev(1, "page_view", 0, map[string]any{"page_url": "/pricing"}), ev(2, "unsubscribe", 0, nil)}, -40, 0, 2},
		// A pricing view matches two rules: 10 + 1 = 11.
		{"two rules count one event", []EngagementRule{pricing, anyView}, []Event{ev(1, "page_view", 0, map[string]any{"page_url": "/pricing"})}, 11, 11, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := Score(Rules{Engagement: c.rules}, nil, c.events, t0, DefaultHalfLife)
			if math.Abs(b.EngagementRaw-c.raw) > 1e-9 || b.Engagement != c.score || len(b.Engaged) != c.lines {
				t.Errorf("raw %v score %d lines %d, want %v %d %d", b.EngagementRaw, b.Engagement, len(b.Engaged), c.raw, c.score, c.lines)
			}
			if tt := Totals(Rules{Engagement: c.rules}, nil, c.events, t0, DefaultHalfLife); tt.Engagement != c.score || math.Abs(tt.EngagementRaw-c.raw) > 1e-9 {
				t.Errorf("totals %+v", tt)
			}
		})
	}
}

// A score read later is lower without a new event.
func TestEngagementDecaysWithTime(t *testing.T) {
	rules := Rules{Engagement: []EngagementRule{{ID: 1, EventType: "page_view", Points: 40}}}
	events := []Event{ev(1, "page_view", 0, nil)}
	for _, c := range []struct {
		later time.Duration
		want  int
	}{{0, 40}, {30 * day, 20}, {45 * day, 14}, {90 * day, 5}} { // 40·2^-1.5 = 14.14; 40/8 = 5
		b := Score(rules, nil, events, t0.Add(c.later), DefaultHalfLife)
		if b.Engagement != c.want {
			t.Errorf("after %v: %d, want %d", c.later, b.Engagement, c.want)
		}
	}
	// The workspace default half-life applies to rules without their own: 10 days → 40/8.
	if b := Score(rules, nil, events, t0.Add(30*day), 10*day); b.Engagement != 5 {
		t.Errorf("default half-life 10 days: %d, want 5", b.Engagement)
	}
}

func TestBreakdownNamesEventsAndContributions(t *testing.T) {
	rules := Rules{Engagement: []EngagementRule{{ID: 7, EventType: "page_view", Points: 10, Label: "Any page"}}}
	b := Score(rules, nil, []Event{ev(42, "page_view", 30*day, nil)}, t0, DefaultHalfLife)
	if len(b.Engaged) != 1 {
		t.Fatalf("lines %v", b.Engaged)
	}
	l := b.Engaged[0]
	if l.RuleID != 7 || l.EventID != 42 || l.Points != 10 || l.Contribution != 5 || !l.At.Equal(t0.Add(-30*day)) || l.Label != "Any page" {
		t.Errorf("line %+v", l)
	}
}

func TestFit(t *testing.T) {
	rules := []FitRule{
		{ID: 1, Filter: `seniority in (vp, executive)`, Points: 30},
		{ID: 2, Filter: `company.size = "51-200"`, Points: 25},
		{ID: 3, Filter: `email_type = free`, Points: -10},
		{ID: 4, Filter: `country = DE`, Points: 60},
	}
	for _, c := range []struct {
		matched []int
		raw     int
		score   int
	}{
		{nil, 0, 0},
		{[]int{0, 1}, 55, 55},
		{[]int{0, 1, 2}, 45, 45},
		{[]int{2}, -10, 0},
		{[]int{0, 1, 3}, 115, 100},
	} {
		set := map[int]bool{}
		for _, i := range c.matched {
			set[i] = true
		}
		b := Score(Rules{Fit: rules}, func(i int) bool { return set[i] }, nil, t0, DefaultHalfLife)
		if tt := Totals(Rules{Fit: rules}, func(i int) bool { return set[i] }, nil, t0, DefaultHalfLife); tt.Fit != c.score || tt.FitRaw != c.raw {
			t.Errorf("totals %+v", tt)
		}
		if b.FitRaw != c.raw || b.Fit != c.score || len(b.FitLines) != len(c.matched) {
			t.Errorf("matched %v: raw %d score %d lines %d, want %d %d", c.matched, b.FitRaw, b.Fit, len(b.FitLines), c.raw, c.score)
		}
		for k, l := range b.FitLines {
			if l.RuleID != rules[c.matched[k]].ID || l.Points != rules[c.matched[k]].Points {
				t.Errorf("line %d: %+v", k, l)
			}
		}
	}
}

func TestMatchesOperators(t *testing.T) {
	r := EngagementRule{EventType: "form_submit", Property: "form", Op: OpEquals, Value: "Webinar"}
	for _, c := range []struct {
		props map[string]any
		want  bool
	}{
		{map[string]any{"form": "webinar"}, true},
		{map[string]any{"form": "webinar-2"}, false},
		{map[string]any{}, false},
		{map[string]any{"form": nil}, false},
	} {
		if got := r.Matches(Event{Type: "form_submit", Properties: c.props}); got != c.want {
			t.Errorf("%v: %v", c.props, got)
		}
	}
	n := EngagementRule{EventType: "call", Property: "duration", Value: "12"}
	if !n.Matches(Event{Type: "call", Properties: map[string]any{"duration": float64(120)}}) {
		t.Error("numbers compare by their text")
	}
}

func TestValidateNamesTheField(t *testing.T) {
	bad := func(string) error { return errBadFilter }
	ok := func(string) error { return nil }
	for _, c := range []struct {
		rules Rules
		check func(string) error
		field string
	}{
		{Rules{Fit: []FitRule{{Filter: "x", Points: 5}, {Filter: "", Points: 5}}}, ok, "fit[1].filter"},
		{Rules{Fit: []FitRule{{Filter: "seniority = ", Points: 5}}}, bad, "fit[0].filter"},
		{Rules{Fit: []FitRule{{Filter: "x", Points: 0}}}, ok, "fit[0].points"},
		{Rules{Fit: []FitRule{{Filter: "x", Points: 101}}}, ok, "fit[0].points"},
		{Rules{Engagement: []EngagementRule{{EventType: "Page View", Points: 5}}}, ok, "engagement[0].event_type"},
		{Rules{Engagement: []EngagementRule{{EventType: "page_view", Property: "page_url", Points: 5}}}, ok, "engagement[0].value"},
		{Rules{Engagement: []EngagementRule{{EventType: "page_view", Op: "like", Points: 5}}}, ok, "engagement[0].op"},
		{Rules{Engagement: []EngagementRule{{EventType: "page_view", Points: 5, HalfLifeDays: -1}}}, ok, "engagement[0].half_life_days"},
	} {
		err := c.rules.Validate(c.check)
		var e *errs.Error
		if err == nil || !strings.HasPrefix(err.Error(), c.field+":") {
			t.Errorf("want error on %s, got %v", c.field, err)
		} else if errs.Code(err) != errs.Invalid {
			t.Errorf("%s: code %s (%T %v)", c.field, errs.Code(err), e, err)
		}
	}
	good := Rules{Fit: []FitRule{{Filter: "x", Points: -20}}, Engagement: []EngagementRule{{EventType: "page_view", Property: "page_url", Value: "/pricing", Points: 10, HalfLifeDays: 14}}}
	if err := good.Validate(ok); err != nil {
		t.Error(err)
	}
}

var errBadFilter = errs.E(errs.Invalid, "", "at 13: a value is expected")

func TestSettings(t *testing.T) {
	s := DefaultSettings()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		fit, eng int
		want     string
	}{{39, 100, ""}, {40, 24, ""}, {40, 25, "mql"}, {60, 59, "mql"}, {60, 60, "sql"}, {100, 100, "sql"}} {
		if got := s.StageFor(c.fit, c.eng); got != c.want {
			t.Errorf("StageFor(%d, %d) = %q, want %q", c.fit, c.eng, got, c.want)
		}
	}
	s.SQLFit = 30
	if err := s.Validate(); err == nil || !strings.HasPrefix(err.Error(), "sql_fit") {
		t.Errorf("SQL below MQL: %v", err)
	}
	s = DefaultSettings()
	s.DisqualifyReason = append(s.DisqualifyReason, "no budget")
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "disqualify_reasons[6]") {
		t.Errorf("duplicate reason: %v", err)
	}
}

func TestHorizonAndEventTypes(t *testing.T) {
	r := Rules{Engagement: []EngagementRule{{EventType: "page_view", HalfLifeDays: 7}, {EventType: "email_click"}, {EventType: "page_view", HalfLifeDays: 60}}}
	if got := r.Horizon(DefaultHalfLife); got != 600*day {
		t.Errorf("horizon %v", got)
	}
	if got := strings.Join(r.EventTypes(), ","); got != "page_view,email_click" {
		t.Errorf("types %s", got)
	}
}

// BenchmarkScore scores one contact with 6 fit rules and 4 engagement rules over 200
// events.
func BenchmarkScore(b *testing.B) {
	rules := Rules{
		Fit: make([]FitRule, 6),
		Engagement: []EngagementRule{
			{ID: 1, EventType: "page_view", Property: "page_url", Op: OpContains, Value: "/pricing", Points: 10},
			{ID: 2, EventType: "page_view", Points: 1, HalfLifeDays: 14},
			{ID: 3, EventType: "email_click", Points: 5},
			{ID: 4, EventType: "demo_request", Points: 40},
		},
	}
	for i := range rules.Fit {
		rules.Fit[i] = FitRule{ID: i + 1, Points: 10}
	}
	var events []Event
	for i := range 200 {
		typ, props := "page_view", map[string]any{"page_url": "https://site.example/blog/post"}
		if i%3 == 0 {
			props = map[string]any{"page_url": "https://site.example/pricing"}
		}
		if i%5 == 0 {
			typ, props = "email_click", nil
		}
		events = append(events, ev(int64(i), typ, time.Duration(i)*12*time.Hour, props))
	}
	matched := func(i int) bool { return i%2 == 0 }
	b.ReportAllocs()
	for b.Loop() {
		Score(rules, matched, events, t0, DefaultHalfLife)
	}
}
