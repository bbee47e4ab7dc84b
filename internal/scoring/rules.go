package scoring

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// Limits on a rule set, so one edit cannot make every rescore slow.
const (
	MaxRules     = 200
	MaxPoints    = 100
	MaxHalfLife  = 3650 // days
	maxTextBytes = 2000
)

var eventTypeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Validate checks a rule set; checkFilter parses a fit rule's filter text and returns
// the problem, with where in the text it is. The error names the rule's field, as in
// fit[2].filter.
func (r Rules) Validate(checkFilter func(string) error) error {
	if len(r.Fit) > MaxRules {
		return errs.Field("fit", "at most %d fit rules", MaxRules)
	}
	if len(r.Engagement) > MaxRules {
		return errs.Field("engagement", "at most %d engagement rules", MaxRules)
	}
	for i, f := range r.Fit {
		at := fmt.Sprintf("fit[%d]", i)
		if strings.TrimSpace(f.Filter) == "" {
			return errs.Field(at+".filter", "is required: the filter a contact must match")
		}
		if err := text(at+".filter", f.Filter); err != nil {
			return err
		}
		if err := checkFilter(f.Filter); err != nil {
			return errs.Field(at+".filter", "%v", err)
		}
		if err := points(at, f.Points); err != nil {
			return err
		}
		if err := text(at+".label", f.Label); err != nil {
			return err
		}
	}
	for i, e := range r.Engagement {
		at := fmt.Sprintf("engagement[%d]", i)
		if !eventTypeRE.MatchString(e.EventType) {
			return errs.Field(at+".event_type", "must be an event type such as page_view or email_click (lower-case letters, digits and _)")
		}
		switch e.Op {
		case "", OpContains, OpEquals:
		default:
			return errs.Field(at+".op", "must be contains or equals")
		}
		if e.Property == "" && e.Value != "" {
			return errs.Field(at+".property", "is required when a value is given: the event property to look at, such as page_url")
		}
		if e.Property != "" && e.Value == "" {
			return errs.Field(at+".value", "is required when a property is given")
		}
		for _, f := range []struct{ name, v string }{{"property", e.Property}, {"value", e.Value}, {"label", e.Label}} {
			if err := text(at+"."+f.name, f.v); err != nil {
				return err
			}
		}
		if err := points(at, e.Points); err != nil {
			return err
		}
		if math.IsNaN(e.HalfLifeDays) || e.HalfLifeDays < 0 || e.HalfLifeDays > MaxHalfLife {
			return errs.Field(at+".half_life_days", "must be between 0 (the workspace default) and %d days", MaxHalfLife)
		}
	}
	return nil
}

func points(at string, p int) error {
	if p == 0 || p < -MaxPoints || p > MaxPoints {
		return errs.Field(at+".points", "must be between -%d and %d, and not 0", MaxPoints, MaxPoints)
	}
	return nil
}

func text(field, v string) error {
	if len(v) > maxTextBytes {
		return errs.Field(field, "must be at most %d bytes", maxTextBytes)
	}
	if strings.ContainsRune(v, 0) || !utf8.ValidString(v) {
		return errs.Field(field, "must be valid UTF-8 text without NUL characters")
	}
	return nil
}

// Normalize numbers the rules 1, 2, … in order and fills the default operator, so a
// breakdown can name each rule.
func (r *Rules) Normalize() {
	for i := range r.Fit {
		r.Fit[i].ID = i + 1
		r.Fit[i].Filter = strings.TrimSpace(r.Fit[i].Filter)
	}
	for i := range r.Engagement {
		r.Engagement[i].ID = i + 1
		if r.Engagement[i].Property != "" && r.Engagement[i].Op == "" {
			r.Engagement[i].Op = OpContains
		}
	}
	if r.Fit == nil {
		r.Fit = []FitRule{}
	}
	if r.Engagement == nil {
		r.Engagement = []EngagementRule{}
	}
}

// Settings are the workspace's scoring and qualification settings.
type Settings struct {
	MQLFit           int      `json:"mql_fit"`
	MQLEngagement    int      `json:"mql_engagement"`
	SQLFit           int      `json:"sql_fit"`
	SQLEngagement    int      `json:"sql_engagement"`
	HalfLifeDays     float64  `json:"half_life_days"`
	DisqualifyReason []string `json:"disqualify_reasons"`
}

// DefaultSettings are SPEC section 4's thresholds and a 30-day half-life.
func DefaultSettings() Settings {
	return Settings{MQLFit: 40, MQLEngagement: 25, SQLFit: 60, SQLEngagement: 60, HalfLifeDays: 30,
		DisqualifyReason: []string{"No budget", "Not the decision maker", "No need", "Competitor", "Student or job seeker", "Spam or fake"}}
}

// HalfLife is the default half-life as a duration.
func (s Settings) HalfLife() time.Duration {
	if s.HalfLifeDays <= 0 {
		return DefaultHalfLife
	}
	return time.Duration(s.HalfLifeDays * float64(24*time.Hour))
}

// Validate checks settings, naming the field at fault.
func (s Settings) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"mql_fit", s.MQLFit}, {"mql_engagement", s.MQLEngagement}, {"sql_fit", s.SQLFit}, {"sql_engagement", s.SQLEngagement}} {
		if f.v < 0 || f.v > MaxScore {
			return errs.Field(f.name, "must be between 0 and 100")
		}
	}
	if s.SQLFit < s.MQLFit {
		return errs.Field("sql_fit", "must be at least the MQL fit threshold (%d)", s.MQLFit)
	}
	if s.SQLEngagement < s.MQLEngagement {
		return errs.Field("sql_engagement", "must be at least the MQL engagement threshold (%d)", s.MQLEngagement)
	}
	if math.IsNaN(s.HalfLifeDays) || s.HalfLifeDays < 1 || s.HalfLifeDays > MaxHalfLife {
		return errs.Field("half_life_days", "must be between 1 and %d days", MaxHalfLife)
	}
	if len(s.DisqualifyReason) == 0 {
		return errs.Field("disqualify_reasons", "give at least one reason")
	}
	if len(s.DisqualifyReason) > 50 {
		return errs.Field("disqualify_reasons", "at most 50 reasons")
	}
	seen := map[string]bool{}
	for i, r := range s.DisqualifyReason {
		f := fmt.Sprintf("disqualify_reasons[%d]", i)
		if strings.TrimSpace(r) == "" || len(r) > 200 {
			return errs.Field(f, "must be 1 to 200 bytes")
		}
		if err := text(f, r); err != nil {
			return err
		}
		if seen[strings.ToLower(r)] {
			return errs.Field(f, "%q is listed twice", r)
		}
		seen[strings.ToLower(r)] = true
	}
	return nil
}

// StageFor is the stage the scores earn under the thresholds: sql, mql or "" for
// neither.
func (s Settings) StageFor(fit, engagement int) string {
	switch {
	case fit >= s.SQLFit && engagement >= s.SQLEngagement:
		return lifecycle.SQL
	case fit >= s.MQLFit && engagement >= s.MQLEngagement:
		return lifecycle.MQL
	}
	return ""
}
