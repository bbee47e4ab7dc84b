// Package scoring computes the fit and engagement scores of SPEC section 4: fit from
// rules on who the contact is, engagement from what they did, each point decaying with
// a half-life. It is pure: the store hands it the rules, the profile matches and the
// events, and it returns the scores with the lines that explain them.
package scoring

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// DefaultHalfLife is how long an engagement point keeps half its weight when a rule
// gives no half-life of its own.
const DefaultHalfLife = 30 * 24 * time.Hour

// Scores are capped to 0..100.
const (
	MinScore = 0
	MaxScore = 100
)

// FitRule gives points to contacts that match a filter of the filter language.
type FitRule struct {
	ID     int    `json:"id"`
	Filter string `json:"filter"` // text form of the filter
	Points int    `json:"points"`
	Label  string `json:"label,omitempty"`
}

// Property match operators of an engagement rule.
const (
	OpContains = "contains"
	OpEquals   = "equals"
)

// EngagementRule gives points for each event of a type, optionally only when one of
// its properties contains or equals a value (a page path containing /pricing).
type EngagementRule struct {
	ID        int    `json:"id"`
	EventType string `json:"event_type"`
	Property  string `json:"property,omitempty"`
	Op        string `json:"op,omitempty"` // contains (default) or equals
	Value     string `json:"value,omitempty"`
	Points    int    `json:"points"`
	// HalfLifeDays is the half-life of the points; 0 takes the workspace default.
	HalfLifeDays float64 `json:"half_life_days,omitempty"`
	Label        string  `json:"label,omitempty"`
}

// Event is what an engagement rule looks at.
type Event struct {
	ID         int64
	Type       string
	At         time.Time
	Properties map[string]any
}

// Matches reports whether the rule counts the event. Property values are compared
// case-insensitively; a number or boolean is compared by its text.
func (r EngagementRule) Matches(e Event) bool {
	if e.Type != r.EventType {
		return false
	}
	if r.Property == "" {
		return true
	}
	v, ok := e.Properties[r.Property]
	if !ok || v == nil {
		return false
	}
	got, isText := v.(string)
	if !isText {
		got = fmt.Sprint(v)
	}
	if r.Op == OpEquals {
		return strings.EqualFold(got, r.Value)
	}
	return containsFold(got, r.Value)
}

// containsFold reports whether sub is in s, ignoring case, without allocating for
// ASCII text.
func containsFold(s, sub string) bool {
	if !isASCII(s) || !isASCII(sub) {
		return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// HalfLife is the rule's half-life, or def when the rule has none.
func (r EngagementRule) HalfLife(def time.Duration) time.Duration {
	if r.HalfLifeDays > 0 {
		return time.Duration(r.HalfLifeDays * float64(24*time.Hour))
	}
	if def <= 0 {
		return DefaultHalfLife
	}
	return def
}

// Contribution is what the rule gives an event that happened at at, scored at now:
// its points decayed by the event's age. Every engagement sum adds these, in the
// same order, so that every way of scoring gives the same sum to the last bit; the
// conversion rounds the product, so no compiler fuses it with the sum's addition.
func (r EngagementRule) Contribution(at, now time.Time, defHalfLife time.Duration) float64 {
	return float64(float64(r.Points) * Decay(now.Sub(at), r.HalfLife(defHalfLife)))
}

// Decay is the weight left of a point after age with the given half-life:
// 2^(-age/halfLife). An event dated in the future counts in full.
func Decay(age, halfLife time.Duration) float64 {
	if age <= 0 {
		return 1
	}
	return math.Exp2(-age.Seconds() / halfLife.Seconds())
}

// FitLine is a fit rule that matched, in a breakdown.
type FitLine struct {
	RuleID int    `json:"rule_id"`
	Filter string `json:"filter"`
	Label  string `json:"label,omitempty"`
	Points int    `json:"points"`
}

// EngagementLine is one event counted by one engagement rule, with what is left of its
// points at the time of scoring.
type EngagementLine struct {
	RuleID       int       `json:"rule_id"`
	Label        string    `json:"label,omitempty"`
	EventID      int64     `json:"event_id"`
	EventType    string    `json:"event_type"`
	At           time.Time `json:"at"`
	Points       int       `json:"points"`
	Contribution float64   `json:"contribution"`
}

// Breakdown explains a contact's scores.
type Breakdown struct {
	Fit        int              `json:"fit"`
	Engagement int              `json:"engagement"`
	FitLines   []FitLine        `json:"fit_rules"`
	Engaged    []EngagementLine `json:"engagement_events"`
	// FitRaw and EngagementRaw are the sums before capping to 0..100.
	FitRaw        int       `json:"fit_raw"`
	EngagementRaw float64   `json:"engagement_raw"`
	At            time.Time `json:"at"`
}

// Clamp caps a score to 0..100.
func Clamp(v int) int { return min(MaxScore, max(MinScore, v)) }

// Fit adds the points of the rules the contact matches; matched says whether the
// rule at index i matches. The sum is capped to 0..100.
func Fit(rules []FitRule, matched func(i int) bool) (int, []FitLine) {
	sum := 0
	lines := []FitLine{}
	for i, r := range rules {
		if matched == nil || !matched(i) {
			continue
		}
		sum += r.Points
		lines = append(lines, FitLine{RuleID: r.ID, Filter: r.Filter, Label: r.Label, Points: r.Points})
	}
	return sum, lines
}

// Engagement adds, for every event and every rule that counts it, the rule's points
// decayed by the event's age at now. The sum is rounded to the nearest integer and
// capped to 0..100 by the caller (see Score). An event counted by two rules earns both.
func Engagement(rules []EngagementRule, events []Event, now time.Time, defHalfLife time.Duration) (float64, []EngagementLine) {
	return engagement(rules, events, now, defHalfLife, true)
}

func engagement(rules []EngagementRule, events []Event, now time.Time, defHalfLife time.Duration, explain bool) (float64, []EngagementLine) {
	sum := 0.0
	var lines []EngagementLine
	if explain {
		lines = []EngagementLine{}
	}
	for _, e := range events {
		for _, r := range rules {
			if !r.Matches(e) {
				continue
			}
			c := r.Contribution(e.At, now, defHalfLife)
			sum += c
			if !explain {
				continue
			}
			lines = append(lines, EngagementLine{RuleID: r.ID, Label: r.Label, EventID: e.ID, EventType: e.Type, At: e.At,
				Points: r.Points, Contribution: math.Round(c*100) / 100})
		}
	}
	return sum, lines
}

// Rules are a workspace's scoring rules.
type Rules struct {
	Fit        []FitRule        `json:"fit"`
	Engagement []EngagementRule `json:"engagement"`
}

// Score computes both scores of a contact at now, with their breakdown.
func Score(rules Rules, fitMatched func(i int) bool, events []Event, now time.Time, defHalfLife time.Duration) Breakdown {
	fitRaw, fl := Fit(rules.Fit, fitMatched)
	engRaw, el := Engagement(rules.Engagement, events, now, defHalfLife)
	return Breakdown{
		Fit: Clamp(fitRaw), Engagement: Clamp(int(math.Round(engRaw))),
		FitLines: fl, Engaged: el, FitRaw: fitRaw, EngagementRaw: math.Round(engRaw*100) / 100, At: now,
	}
}

// Totals computes both scores like Score, without the breakdown's lines: the fast
// path of a full rescore.
func Totals(rules Rules, fitMatched func(i int) bool, events []Event, now time.Time, defHalfLife time.Duration) Breakdown {
	fitRaw := 0
	for i, r := range rules.Fit {
		if fitMatched != nil && fitMatched(i) {
			fitRaw += r.Points
		}
	}
	engRaw, _ := engagement(rules.Engagement, events, now, defHalfLife, false)
	return Breakdown{Fit: Clamp(fitRaw), Engagement: Clamp(int(math.Round(engRaw))), FitRaw: fitRaw, EngagementRaw: math.Round(engRaw*100) / 100, At: now}
}

// Horizon is how far back events still matter to the rules: ten half-lives of the
// longest, after which a point keeps less than a thousandth of its weight.
func (r Rules) Horizon(defHalfLife time.Duration) time.Duration {
	longest := time.Duration(0)
	for _, e := range r.Engagement {
		longest = max(longest, e.HalfLife(defHalfLife))
	}
	return 10 * longest
}

// EventTypes lists the event types the engagement rules count, once each.
func (r Rules) EventTypes() []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range r.Engagement {
		if !seen[e.EventType] {
			seen[e.EventType] = true
			out = append(out, e.EventType)
		}
	}
	return out
}
