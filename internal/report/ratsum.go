package report

import "math/big"

// SumRats adds exact fractions up, pairwise and without reducing until the end: adding
// fractions one by one reduces after every step, which costs the square of the
// denominator's size each time. Two partial sums with small denominators are put over
// their least common multiple, so shares over one grid (time_decay's 2^-62, or any
// power of two) and the few small denominators of the positional models stay small
// however many are added; large unrelated denominators are multiplied, as finding
// their common factors would cost more than it saves. The sum is the same exact number
// either way.
func SumRats(rs []*big.Rat) *big.Rat {
	if len(rs) == 0 {
		return new(big.Rat)
	}
	n, d := sumFracs(rs)
	return new(big.Rat).SetFrac(n, d)
}

// smallDenominator is the size up to which sumFracs puts two sums over their least
// common multiple.
const smallDenominator = 256

func sumFracs(rs []*big.Rat) (num, den *big.Int) {
	if len(rs) == 1 {
		return new(big.Int).Set(rs[0].Num()), new(big.Int).Set(rs[0].Denom())
	}
	n1, d1 := sumFracs(rs[:len(rs)/2])
	n2, d2 := sumFracs(rs[len(rs)/2:])
	if d1.Cmp(d2) == 0 {
		return n1.Add(n1, n2), d1
	}
	if d1.BitLen() <= smallDenominator && d2.BitLen() <= smallDenominator {
		g := new(big.Int).GCD(nil, nil, d1, d2)
		f1, f2 := new(big.Int).Quo(d2, g), new(big.Int).Quo(d1, g)
		n1.Mul(n1, f1)
		n2.Mul(n2, f2)
		return n1.Add(n1, n2), d1.Mul(d1, f1)
	}
	n1.Mul(n1, d2)
	n2.Mul(n2, d1)
	return n1.Add(n1, n2), d1.Mul(d1, d2)
}
