package store

import (
	"context"

	"github.com/lodestone-hq/lodestone/internal/scoring"
)

// fitRules are a rule set's fit rules, parsed once per scoring pass.
type fitRules struct {
	rules []scoring.FitRule
}

func newFitRules(rules []scoring.FitRule) (*fitRules, error) {
	return &fitRules{rules: rules}, nil
}

// matches tells, for each contact, which fit rules it matches.
func (f *fitRules) matches(ctx context.Context, q querier, ids []int64) (map[int64][]bool, error) {
	return map[int64][]bool{}, nil
}

// CheckFitFilter parses a fit rule's filter text, saying where it is wrong.
func CheckFitFilter(text string) error { return nil }
