package report

import "math/big"

// SumRats adds exact fractions up, pairwise and without reducing until the end: adding
// fractions one by one reduces after every step, which costs the square of the
// denominator's size each time, and time_decay's shares have large, mostly coprime
// denominators whose exact sum over thousands of customers is a very large fraction.
// The sum is the same exact number either way.
func SumRats(rs []*big.Rat) *big.Rat {
	if len(rs) == 0 {
		return new(big.Rat)
	}
	n, d := sumFracs(rs)
	return new(big.Rat).SetFrac(n, d)
}

func sumFracs(rs []*big.Rat) (num, den *big.Int) {
	if len(rs) == 1 {
		return new(big.Int).Set(rs[0].Num()), new(big.Int).Set(rs[0].Denom())
	}
	n1, d1 := sumFracs(rs[:len(rs)/2])
	n2, d2 := sumFracs(rs[len(rs)/2:])
	if d1.Cmp(d2) == 0 {
		return n1.Add(n1, n2), d1
	}
	n1.Mul(n1, d2)
	n2.Mul(n2, d1)
	return n1.Add(n1, n2), d1.Mul(d1, d2)
}
