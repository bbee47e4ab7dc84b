package report

import (
	"math/big"
	"math/rand"
	"testing"
)

// TestSumRats holds the pairwise sum to adding one by one, over shares like the reports
// add: whole numbers, positional fractions, time_decay's simple fractions and its shares
// over the 2^-62 grid, and large unrelated denominators.
func TestSumRats(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	grid := new(big.Int).Lsh(big.NewInt(1), 62)
	for round := range 200 {
		n := r.Intn(300)
		rs := make([]*big.Rat, n)
		want := new(big.Rat)
		for i := range rs {
			switch r.Intn(5) {
			case 0:
				rs[i] = big.NewRat(r.Int63n(5), 1)
			case 1:
				rs[i] = big.NewRat(r.Int63n(40), 40*(1+r.Int63n(6)))
			case 2:
				rs[i] = big.NewRat(1+r.Int63n(6), 7)
			case 3:
				rs[i] = new(big.Rat).SetFrac(new(big.Int).Rand(r, grid), grid)
			default:
				if round%4 == 0 {
					rs[i] = new(big.Rat).SetFrac64(r.Int63n(1<<60), 1+r.Int63n(1<<60))
				} else {
					rs[i] = big.NewRat(-r.Int63n(9), 3)
				}
			}
			want.Add(want, rs[i])
		}
		if got := SumRats(rs); got.Cmp(want) != 0 {
			t.Fatalf("round %d: SumRats = %s, want %s", round, got.RatString(), want.RatString())
		}
	}
}

// TestSumRatsGridStaysSmall: shares over the time_decay grid, reduced to different
// powers of two, add up over that grid rather than over the product of their denominators.
func TestSumRatsGridStaysSmall(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	grid := new(big.Int).Lsh(big.NewInt(1), 62)
	rs := make([]*big.Rat, 10_000)
	for i := range rs {
		rs[i] = new(big.Rat).SetFrac(new(big.Int).Rand(r, grid), grid)
		rs[i].Add(rs[i], big.NewRat(1, 3)) // and a positional third
	}
	_, den := sumFracs(rs)
	if den.BitLen() > 64 {
		t.Fatalf("the sum's denominator has %d bits, want at most 64", den.BitLen())
	}
}
