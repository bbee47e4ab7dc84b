package app

import (
	"testing"
	"time"
)

// SetScorePoll sets how often the scoring loop polls, for the rest of the test; it
// takes effect in loops started after the call.
func SetScorePoll(t *testing.T, d time.Duration) {
	old := scorePoll
	scorePoll = d
	t.Cleanup(func() { scorePoll = old })
}

// SetRetrainCheck sets how often the weekly retraining loop looks at the model's age,
// for the rest of the test; it takes effect in loops started after the call.
func SetRetrainCheck(t *testing.T, d time.Duration) {
	old := retrainCheck
	retrainCheck = d
	t.Cleanup(func() { retrainCheck = old })
}
