package insights

import (
	"cmp"
	"math/big"
	"slices"
	"strings"
)

// Quality is how good one source's leads turned out, for the cohort of new leads whose
// first touch it was: as clients (revenue, repeat purchases, referrals) and as leads in
// sales' eyes (SQLs accepted or rejected, and why).
type Quality struct {
	Channel      string
	CampaignID   int64 // 0: the row of first touches without a campaign, or a channel row
	CampaignName string

	NewLeads  int64
	Customers int64
	// Revenue is the won deals of those customers, in minor units.
	Revenue int64
	// RepeatCustomers won more than one deal.
	RepeatCustomers int64
	// Referrals counts the referral events of those customers.
	Referrals int64

	SQLs int64
	// Accepted and Rejected count the SQLs whose latest sales decision was to accept or
	// to reject them.
	Accepted, Rejected int64
	// Reasons counts the rejections by reason ("" when none was given).
	Reasons map[string]int64
}

// RevenuePerCustomer is revenue / customers, rounded to the minor unit half away from
// zero; nil without customers.
func (q *Quality) RevenuePerCustomer() *int64 {
	if q.Customers == 0 {
		return nil
	}
	n := big.NewRat(q.Revenue, q.Customers)
	whole, rem := new(big.Int).QuoRem(n.Num(), n.Denom(), new(big.Int))
	if rem.Abs(rem).Lsh(rem, 1).Cmp(n.Denom()) >= 0 {
		whole.Add(whole, big.NewInt(int64(n.Sign())))
	}
	v := whole.Int64()
	return &v
}

// RepeatRate is repeat customers / customers; nil without customers.
func (q *Quality) RepeatRate() *float64 { return share(q.RepeatCustomers, q.Customers) }

// ReferralsPerCustomer is referrals / customers; nil without customers.
func (q *Quality) ReferralsPerCustomer() *float64 { return share(q.Referrals, q.Customers) }

// AcceptedRate is accepted / SQLs; nil without SQLs.
func (q *Quality) AcceptedRate() *float64 { return share(q.Accepted, q.SQLs) }

// RejectedRate is rejected / SQLs; nil without SQLs.
func (q *Quality) RejectedRate() *float64 { return share(q.Rejected, q.SQLs) }

// Undecided counts the SQLs sales has neither accepted nor rejected.
func (q *Quality) Undecided() int64 { return q.SQLs - q.Accepted - q.Rejected }

// Reason is one rejection reason and how often sales gave it.
type Reason struct {
	Reason string
	Count  int64
}

// TopReasons lists the rejection reasons, most frequent first.
func (q *Quality) TopReasons() []Reason {
	out := make([]Reason, 0, len(q.Reasons))
	for r, n := range q.Reasons {
		out = append(out, Reason{r, n})
	}
	slices.SortFunc(out, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

// Add adds o's counts to q.
func (q *Quality) Add(o *Quality) {
	q.NewLeads += o.NewLeads
	q.Customers += o.Customers
	q.Revenue += o.Revenue
	q.RepeatCustomers += o.RepeatCustomers
	q.Referrals += o.Referrals
	q.SQLs += o.SQLs
	q.Accepted += o.Accepted
	q.Rejected += o.Rejected
	for r, n := range o.Reasons {
		if q.Reasons == nil {
			q.Reasons = map[string]int64{}
		}
		q.Reasons[r] += n
	}
}

func share(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	f := float64(n) / float64(d)
	return &f
}
