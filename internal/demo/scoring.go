package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// rules are the demo workspace's scoring rules: an ideal customer profile of the
// demo's own market (decision makers in sales and marketing at companies of 11 to 500
// people in the German-speaking countries and western Europe; free-mail addresses
// count against) and the signals of intent the demo's people leave (pricing views,
// demo and trial requests, email clicks, form submissions).
var rules = scoring.Rules{
	Fit: []scoring.FitRule{
		{Filter: `seniority in ("executive", "vp", "director")`, Points: 30, Label: "decision maker"},
		{Filter: `seniority = "manager"`, Points: 15, Label: "manager"},
		{Filter: `department in ("sales", "marketing")`, Points: 20, Label: "sales or marketing"},
		{Filter: `company.size in ("11-50", "51-200", "201-500")`, Points: 20, Label: "company of 11 to 500"},
		{Filter: `country in ("DE", "AT", "CH")`, Points: 15, Label: "DACH"},
		{Filter: `country in ("GB", "NL", "FR")`, Points: 5, Label: "western Europe"},
		{Filter: `email_type = "free"`, Points: -15, Label: "free-mail address"},
	},
	Engagement: []scoring.EngagementRule{
		{EventType: "page_view", Property: "page_url", Value: "/pricing", Points: 15, HalfLifeDays: 14, Label: "viewed pricing"},
		{EventType: "demo_request", Points: 40, Label: "asked for a demo"},
		{EventType: "trial_signup", Points: 35, Label: "started a trial"},
		{EventType: "form_submit", Points: 10, Label: "submitted a form"},
		{EventType: "email_click", Points: 5, HalfLifeDays: 21, Label: "clicked an email"},
		{EventType: "page_view", Points: 1, HalfLifeDays: 7, Label: "any page view"},
	},
}

// score puts the demo's scoring rules in force and runs the recompute they start to
// its end, so the workspace opens with every contact scored and explained.
func score(ctx context.Context, s *store.Store) error {
	_, rc, err := s.PutScoringRules(ctx, rules, actor)
	if err != nil {
		return fmt.Errorf("demo: scoring rules: %w", err)
	}
	for {
		done, err := s.RecomputeRun(ctx, rc.ID, 5000, time.Now().Add(time.Minute))
		if err != nil {
			return fmt.Errorf("demo: scoring: %w", err)
		}
		if done {
			return nil
		}
	}
}
