package attribution

import "math/big"

// SplitMoney shares an amount in integer minor units by the weights (SPEC section 8: money
// is exact). Each part is the amount times its weight rounded toward zero to the minor unit,
// and what is left over goes to the first touch (index 0), so the parts add up to the amount
// exactly. A negative amount, such as a refund, splits as the mirror image of its positive
// amount, so a deal and its reversal cancel touch by touch. Weights are expected as Credits
// returns them; a nil or negative weight gets nothing. No weights give nil.
func SplitMoney(amount int64, weights []*big.Rat) []int64 {
	if len(weights) == 0 {
		return nil
	}
	// big.Int because amount × numerator overflows int64 long before money does, and the
	// magnitude of math.MinInt64 does not fit in an int64 at all.
	whole := new(big.Int).Abs(big.NewInt(amount))
	parts := make([]int64, len(weights))
	left := new(big.Int).Set(whole)
	part := new(big.Int)
	for i, w := range weights {
		if w == nil || w.Sign() <= 0 {
			continue
		}
		part.Mul(whole, w.Num())
		part.Quo(part, w.Denom())
		left.Sub(left, part)
		if amount < 0 {
			part.Neg(part)
		}
		parts[i] = part.Int64()
	}
	if amount < 0 {
		left.Neg(left)
	}
	left.Add(left, big.NewInt(parts[0]))
	parts[0] = left.Int64()
	return parts
}

// Share is a count credited by a weight: weight × count, such as the fraction of one
// customer, or of several, that a touch earned. Reports add these up with Sum or a Tally.
func Share(weight *big.Rat, count int64) *big.Rat {
	if weight == nil {
		return new(big.Rat)
	}
	return new(big.Rat).Mul(weight, new(big.Rat).SetInt64(count))
}

// Sum adds credits exactly; a nil credit counts as zero. A report's fractional customers
// summed this way still total the number of conversions, with no float drift.
func Sum(credits ...*big.Rat) *big.Rat {
	total := new(big.Rat)
	for _, c := range credits {
		if c != nil {
			total.Add(total, c)
		}
	}
	return total
}

// Tally adds credits up per group, such as a channel or a campaign, exactly.
type Tally[K comparable] map[K]*big.Rat

// Add adds credit to the group's total. The tally keeps its own copy, so the caller may reuse credit.
func (t Tally[K]) Add(group K, credit *big.Rat) {
	if credit == nil {
		return
	}
	if total, ok := t[group]; ok {
		total.Add(total, credit)
		return
	}
	t[group] = new(big.Rat).Set(credit)
}
