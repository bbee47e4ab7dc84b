package lifecycle

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// Qualification is what an agent or a rep learned in a qualifying conversation
// (budget, authority, need, timeline and product fit), recorded as a qualified event.
type Qualification struct {
	Budget     string `json:"budget"`
	Authority  string `json:"authority"`
	Need       string `json:"need"`
	Timeline   string `json:"timeline"`
	ProductFit string `json:"product_fit"`
	Notes      string `json:"notes"`
}

// The answers each question accepts, from best to worst; "unknown" when it was not
// asked or not answered.
var (
	BudgetAnswers     = []string{"approved", "planned", "none", "unknown"}
	AuthorityAnswers  = []string{"decision_maker", "influencer", "user", "unknown"}
	NeedAnswers       = []string{"urgent", "clear", "vague", "none", "unknown"}
	TimelineAnswers   = []string{"this_month", "this_quarter", "this_year", "later", "unknown"}
	ProductFitAnswers = []string{"good", "partial", "poor", "unknown"}
)

// Validate checks the answers, naming the field at fault; an empty answer is unknown.
func (q *Qualification) Validate() error {
	for _, f := range []struct {
		name    string
		v       *string
		answers []string
	}{
		{"budget", &q.Budget, BudgetAnswers}, {"authority", &q.Authority, AuthorityAnswers}, {"need", &q.Need, NeedAnswers},
		{"timeline", &q.Timeline, TimelineAnswers}, {"product_fit", &q.ProductFit, ProductFitAnswers},
	} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" {
			*f.v = "unknown"
		}
		if !slices.Contains(f.answers, *f.v) {
			return errs.Field(f.name, "must be one of %s", strings.Join(f.answers, ", "))
		}
	}
	q.Notes = strings.TrimSpace(q.Notes)
	if len(q.Notes) > 10000 || strings.ContainsRune(q.Notes, 0) || !utf8.ValidString(q.Notes) {
		return errs.Field("notes", "must be valid text of at most 10000 bytes")
	}
	if q.Budget == "unknown" && q.Authority == "unknown" && q.Need == "unknown" && q.Timeline == "unknown" && q.ProductFit == "unknown" && q.Notes == "" {
		return errs.Field("budget", "answer at least one question, or write a note")
	}
	return nil
}

// Properties are the qualified event's properties.
func (q *Qualification) Properties() map[string]any {
	return map[string]any{"budget": q.Budget, "authority": q.Authority, "need": q.Need, "timeline": q.Timeline,
		"product_fit": q.ProductFit, "notes": q.Notes}
}
