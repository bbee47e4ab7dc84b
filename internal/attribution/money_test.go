package attribution

import (
	"math"
	"math/big"
	"slices"
	"testing"
)

func TestSplitMoney(t *testing.T) {
	tests := []struct {
		name    string
		amount  int64
		weights string
		want    []int64
	}{
		{"thirds: remainder to the first", 100, "1/3 1/3 1/3", []int64{34, 33, 33}},
		{"negative mirrors positive", -100, "1/3 1/3 1/3", []int64{-34, -33, -33}},
		{"zero", 0, "1/3 1/3 1/3", []int64{0, 0, 0}},
		{"one cent in halves", 1, "1/2 1/2", []int64{1, 0}},
		{"last touch only", 12345, "0 0 1", []int64{0, 0, 12345}},
		{"remainder to the first even with no weight", 10, "0 1/3 2/3", []int64{1, 3, 6}},
		{"u shaped", 999, "2/5 1/10 2/5 1/10", []int64{402, 99, 399, 99}},
		{"time decay grid", 100_00, "333333333334/1000000000000 666666666666/1000000000000", []int64{3334, 6666}},
		{"largest amount", math.MaxInt64, "1/2 1/2", []int64{math.MaxInt64/2 + 1, math.MaxInt64 / 2}},
		{"smallest amount", math.MinInt64, "1/3 2/3", []int64{-3074457345618258603, -6148914691236517205}},
		{"smallest amount, one touch", math.MinInt64, "1", []int64{math.MinInt64}},
		{"single touch", 4999, "1", []int64{4999}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitMoney(tt.amount, fracs(t, tt.weights))
			if !slices.Equal(got, tt.want) {
				t.Errorf("SplitMoney(%d, %s) = %v, want %v", tt.amount, tt.weights, got, tt.want)
			}
		})
	}
}

func TestSplitMoneyOddWeights(t *testing.T) {
	if got := SplitMoney(100, nil); got != nil {
		t.Errorf("no weights: %v, want nil", got)
	}
	if got := SplitMoney(100, []*big.Rat{}); got != nil {
		t.Errorf("empty weights: %v, want nil", got)
	}
	// nil and negative weights get nothing; the first touch still closes the sum.
	got := SplitMoney(100, []*big.Rat{nil, big.NewRat(-1, 2), big.NewRat(1, 4)})
	if !slices.Equal(got, []int64{75, 0, 25}) {
		t.Errorf("odd weights: %v", got)
	}
}

func TestShareSumTally(t *testing.T) {
	w := big.NewRat(3, 10)
	if got := Share(w, 3); got.Cmp(big.NewRat(9, 10)) != 0 {
		t.Errorf("Share = %s", got.RatString())
	}
	if got := Share(nil, 3); got.Sign() != 0 {
		t.Errorf("Share(nil) = %s", got.RatString())
	}
	if got := Sum(big.NewRat(1, 3), nil, big.NewRat(2, 3)); got.Cmp(big.NewRat(1, 1)) != 0 {
		t.Errorf("Sum = %s", got.RatString())
	}
	if got := Sum(); got.Sign() != 0 {
		t.Errorf("Sum() = %s", got.RatString())
	}

	// Ten conversions split three ways add up to exactly ten customers.
	tally := Tally[Channel]{}
	for range 10 {
		for i, c := range Credits(Linear, journey(3, -1, -1), win) {
			tally.Add([]Channel{Email, Social, Direct}[i], c)
		}
	}
	tally.Add(Other, nil)
	if len(tally) != 3 {
		t.Fatalf("tally groups: %v", tally)
	}
	if got := Sum(tally[Email], tally[Social], tally[Direct]); got.Cmp(big.NewRat(10, 1)) != 0 {
		t.Errorf("tally total = %s", got.RatString())
	}
	c := big.NewRat(1, 2)
	tally.Add(Event, c)
	c.SetInt64(5)
	if tally[Event].Cmp(big.NewRat(1, 2)) != 0 {
		t.Errorf("tally kept the caller's value: %s", tally[Event].RatString())
	}
}
