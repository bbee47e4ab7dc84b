// Package lifecycle holds the stages a contact moves through (SPEC section 3) and the
// rules for moving between them without a person's say-so.
package lifecycle

import "fmt"

// The stages, in order; Disqualified stands beside the ladder.
const (
	Subscriber   = "subscriber"
	Lead         = "lead"
	MQL          = "mql"
	SQL          = "sql"
	Opportunity  = "opportunity"
	Customer     = "customer"
	Disqualified = "disqualified"
)

// Stages lists every stage, the ladder first.
var Stages = []string{Subscriber, Lead, MQL, SQL, Opportunity, Customer, Disqualified}

var rank = map[string]int{Subscriber: 1, Lead: 2, MQL: 3, SQL: 4, Opportunity: 5, Customer: 6, Disqualified: 0}

// Valid reports whether s names a stage.
func Valid(s string) bool {
	_, ok := rank[s]
	return ok
}

// Parse checks a stage name.
func Parse(s string) (string, error) {
	if !Valid(s) {
		return "", fmt.Errorf("unknown stage %q; one of subscriber, lead, mql, sql, opportunity, customer, disqualified", s)
	}
	return s, nil
}

// Rank orders the ladder; Disqualified ranks 0 and is never reached automatically.
func Rank(s string) int { return rank[s] }

// AutoAdvance reports whether an automatic move from current to proposed may happen:
// automatic moves only go forward on the ladder, and never touch a disqualified contact,
// whom only a person may bring back.
func AutoAdvance(current, proposed string) bool {
	if proposed == "" || proposed == Disqualified || current == Disqualified {
		return false
	}
	if current == "" {
		return true
	}
	return Rank(proposed) > Rank(current)
}

// ReachedAtLeast reports whether a contact at stage s has reached target on the ladder.
func ReachedAtLeast(s, target string) bool {
	return s != Disqualified && Rank(s) >= Rank(target)
}

// Event types that say something about the stage.
const (
	EventNewsletterSignup = "newsletter_signup"
	EventDemoRequest      = "demo_request"
	EventTrialSignup      = "trial_signup"
	EventDealWon          = "deal_won"
)

// StageForEvent is the stage an event of this type makes, per SPEC section 3: a
// hand-raise makes an SQL at once, a won deal a customer, a newsletter sign-up an MQL
// (or a subscriber when the workspace starts sign-ups there), any other capture a lead.
// Events that do not capture anyone (an email open, a page view) make no stage.
func StageForEvent(eventType string, newsletterStage string, captures bool) string {
	switch eventType {
	case EventDemoRequest, EventTrialSignup:
		return SQL
	case EventDealWon:
		return Customer
	case EventNewsletterSignup:
		if newsletterStage == Subscriber {
			return Subscriber
		}
		return MQL
	}
	if captures {
		return Lead
	}
	return ""
}
