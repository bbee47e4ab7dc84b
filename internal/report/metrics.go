package report

import (
	"math/big"
	"slices"
)

// Metrics are the figures of one row, or of the totals. Money is in integer minor units;
// derived money and ratios are computed exactly on demand and are nil where SPEC section 8
// says null (a zero denominator).
type Metrics struct {
	NewLeads int64
	MQLs     int64
	SQLs     int64
	// Customers is exact: a multi-touch model can credit a group with part of a customer.
	Customers       *big.Rat
	Cost            int64
	HoursHundredths int64
	Revenue         int64
	// LoadedCost is cost + hours × the hourly rate, rounded to the minor unit; nil without a rate.
	LoadedCost *big.Int
	// SpeedSamples are, for each member that entered SQL and has had a sales touch since,
	// the time between the two, in microseconds as times are stored.
	SpeedSamples []int64
}

// add adds o's figures to m's, all but Customers, which Build adds up with SumRats.
func (m *Metrics) add(o *Metrics) {
	m.NewLeads += o.NewLeads
	m.MQLs += o.MQLs
	m.SQLs += o.SQLs
	m.Cost += o.Cost
	m.HoursHundredths += o.HoursHundredths
	m.Revenue += o.Revenue
	m.SpeedSamples = append(m.SpeedSamples, o.SpeedSamples...)
}

// price sets the loaded cost from the hourly rate, in minor units per hour.
func (m *Metrics) price(rate *int64) {
	if rate == nil {
		m.LoadedCost = nil
		return
	}
	hours := new(big.Rat).SetFrac(big.NewInt(m.HoursHundredths), big.NewInt(100))
	v := hours.Mul(hours, new(big.Rat).SetInt64(*rate))
	v.Add(v, new(big.Rat).SetInt64(m.Cost))
	m.LoadedCost = RoundMinor(v)
}

// ConversionRate is customers / new_leads.
func (m *Metrics) ConversionRate() *big.Rat {
	return ratio(m.Customers, new(big.Rat).SetInt64(m.NewLeads))
}

// CostPerLead is cost / new_leads in minor units.
func (m *Metrics) CostPerLead() *big.Int {
	return roundRatio(new(big.Rat).SetInt64(m.Cost), new(big.Rat).SetInt64(m.NewLeads))
}

// CAC is cost / customers in minor units; customers may be fractional.
func (m *Metrics) CAC() *big.Int {
	return roundRatio(new(big.Rat).SetInt64(m.Cost), m.Customers)
}

// ROI is (revenue − cost) / cost.
func (m *Metrics) ROI() *big.Rat {
	cost := new(big.Rat).SetInt64(m.Cost)
	gain := new(big.Rat).SetInt64(m.Revenue)
	return ratio(gain.Sub(gain, cost), cost)
}

// Hours is the hours spent, exactly.
func (m *Metrics) Hours() *big.Rat {
	return big.NewRat(m.HoursHundredths, 100)
}

// HoursPerLead is hours / new_leads.
func (m *Metrics) HoursPerLead() *big.Rat {
	return ratio(m.Hours(), new(big.Rat).SetInt64(m.NewLeads))
}

// SpeedToLead is the median time, in seconds, from entering SQL to the first sales touch,
// over the members that have had one; the mean of the two middle times for an even count.
// Nil when no member has had a sales touch after entering SQL.
func (m *Metrics) SpeedToLead() *big.Rat {
	n := len(m.SpeedSamples)
	if n == 0 {
		return nil
	}
	s := slices.Clone(m.SpeedSamples)
	slices.Sort(s)
	mid := big.NewRat(s[n/2], 1_000_000)
	if n%2 == 0 {
		mid.Add(mid, big.NewRat(s[n/2-1], 1_000_000))
		mid.Quo(mid, big.NewRat(2, 1))
	}
	return mid
}

// ratio is num / den, or nil when den is zero.
func ratio(num, den *big.Rat) *big.Rat {
	if den == nil || den.Sign() == 0 {
		return nil
	}
	return new(big.Rat).Quo(num, den)
}

func roundRatio(num, den *big.Rat) *big.Int {
	r := ratio(num, den)
	if r == nil {
		return nil
	}
	return RoundMinor(r)
}

// RoundMinor rounds an exact amount of minor units to a whole one, half away from zero.
// It returns a big.Int because a cost divided by a tiny fraction of a customer can
// exceed int64.
func RoundMinor(r *big.Rat) *big.Int {
	q, rem := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	// |rem| / den ≥ 1/2 ⇔ 2|rem| ≥ den; QuoRem truncates, so rem has the sign of num.
	if rem.Abs(rem).Lsh(rem, 1).Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(r.Sign())))
	}
	return q
}
