package web

import (
	"math/big"

	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// The report screens format exact figures here, so the templates only show text.
// A nil ratio or amount (a zero denominator) shows as "—".

const dash = "—"

// formatPercent shows a ratio as a percentage with one decimal: 1/3 → "33.3 %".
func formatPercent(r *big.Rat) string {
	if r == nil {
		return dash
	}
	v := new(big.Rat).Mul(r, big.NewRat(1000, 1))
	tenths := report.RoundMinor(v) // half away from zero, in tenths of a percent
	neg := tenths.Sign() < 0
	digits := new(big.Int).Abs(tenths).String()
	if len(digits) < 2 {
		digits = "0" + digits
	}
	s := money.Group(digits[:len(digits)-1]) + "." + digits[len(digits)-1:] + " %"
	if neg {
		s = "-" + s
	}
	return s
}

// formatBigMoney shows an amount of minor units that may exceed int64, or "—".
func formatBigMoney(n *big.Int) string {
	if n == nil {
		return dash
	}
	return moneyMarkDigits(n.Sign() < 0, new(big.Int).Abs(n).String())
}

// formatCustomers shows a count that a multi-touch model may have split: whole numbers
// as they are, parts with two decimals.
func formatCustomers(r *big.Rat) string {
	if r.IsInt() {
		return formatCount(r.Num().Int64())
	}
	return r.FloatString(2)
}

// formatRatio shows a plain ratio, such as hours per lead, with two decimals, or "—".
func formatRatio(r *big.Rat) string {
	if r == nil {
		return dash
	}
	return r.FloatString(2)
}
