package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/insights"
	"github.com/lodestone-hq/lodestone/internal/money"
)

// periodFrom reads from and to, required UTC dates of the period [from, to).
func periodFrom(v url.Values) (time.Time, time.Time, error) {
	var out [2]time.Time
	for i, name := range []string{"from", "to"} {
		s := v.Get(name)
		if s == "" {
			return out[0], out[1], errs.Field(name, "is required: a date such as 2026-03-01")
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return out[0], out[1], errs.Field(name, "must be a date such as 2026-03-01")
		}
		out[i] = t
	}
	if !out[0].Before(out[1]) {
		return out[0], out[1], errs.Field("to", "must be after from: the period is [from, to)")
	}
	return out[0], out[1], nil
}

// insightQuery is what GET /api/v1/reports/insights asks for.
type insightQuery struct {
	outcome   string
	from, to  time.Time
	attribute string // "" for every attribute
	minSample int64
}

func insightQueryFrom(v url.Values) (insightQuery, error) {
	q := insightQuery{outcome: "customer", minSample: insights.DefaultMinSample}
	var err error
	if q.from, q.to, err = periodFrom(v); err != nil {
		return q, err
	}
	if o := v.Get("outcome"); o != "" {
		if !slices.Contains(insights.Outcomes, o) {
			return q, errs.Field("outcome", "must be one of %s", strings.Join(insights.Outcomes, ", "))
		}
		q.outcome = o
	}
	if a := v.Get("attribute"); a != "" {
		if !insights.ValidAttribute(a) {
			return q, errs.Field("attribute", "is not an attribute; one of %s, or custom.KEY", attributeNames())
		}
		q.attribute = a
	}
	if m := v.Get("min_sample"); m != "" {
		n, err := strconv.ParseInt(m, 10, 64)
		if err != nil || n < 1 || n > 1_000_000 {
			return q, errs.Field("min_sample", "must be a whole number from 1 to 1000000")
		}
		q.minSample = n
	}
	return q, nil
}

func (s *Server) insightReport(r *http.Request, q insightQuery) (insights.Report, error) {
	counts, err := s.store.InsightCounts(r.Context(), q.outcome, q.from, q.to, q.attribute)
	if err != nil {
		return insights.Report{}, err
	}
	return insights.Build(counts, q.minSample), nil
}

func (s *Server) handleInsights(w http.ResponseWriter, r *http.Request) error {
	q, err := insightQueryFrom(r.URL.Query())
	if err != nil {
		return err
	}
	rep, err := s.insightReport(r, q)
	if err != nil {
		return err
	}
	out := insightsJSON{Outcome: q.outcome, From: q.from.Format(time.DateOnly), To: q.to.Format(time.DateOnly), MinSample: rep.MinSample,
		Baseline:   insightBaselineJSON{Contacts: rep.Baseline.Contacts, Converted: rep.Baseline.Converted, Rate: rep.Rate},
		Attributes: make([]insightAttributeJSON, len(rep.Attributes))}
	if rep.RateCI != nil {
		out.Baseline.RateLow, out.Baseline.RateHigh = &rep.RateCI.Low, &rep.RateCI.High
	}
	for i, a := range rep.Attributes {
		ja := insightAttributeJSON{Attribute: a.Attribute, Label: a.Label, Hidden: a.Hidden, Values: make([]insightValueJSON, len(a.Values))}
		for j, v := range a.Values {
			jv := insightValueJSON{Value: v.Value, Label: v.Label, Contacts: v.Contacts, Converted: v.Converted,
				Rate: v.Rate, RateLow: v.RateCI.Low, RateHigh: v.RateCI.High, Lift: v.Lift}
			if v.LiftCI != nil {
				jv.LiftLow, jv.LiftHigh = &v.LiftCI.Low, &v.LiftCI.High
			}
			ja.Values[j] = jv
		}
		out.Attributes[i] = ja
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type insightsJSON struct {
	Outcome    string                 `json:"outcome"`
	From       string                 `json:"from"`
	To         string                 `json:"to"`
	MinSample  int64                  `json:"min_sample"`
	Baseline   insightBaselineJSON    `json:"baseline"`
	Attributes []insightAttributeJSON `json:"attributes"`
}

type insightBaselineJSON struct {
	Contacts  int64    `json:"contacts"`
	Converted int64    `json:"converted"`
	Rate      *float64 `json:"rate"`
	RateLow   *float64 `json:"rate_low"`
	RateHigh  *float64 `json:"rate_high"`
}

type insightAttributeJSON struct {
	Attribute string             `json:"attribute"`
	Label     string             `json:"label"`
	Hidden    int                `json:"hidden"`
	Values    []insightValueJSON `json:"values"`
}

type insightValueJSON struct {
	Value     string   `json:"value"`
	Label     string   `json:"label"`
	Contacts  int64    `json:"contacts"`
	Converted int64    `json:"converted"`
	Rate      float64  `json:"rate"`
	RateLow   float64  `json:"rate_low"`
	RateHigh  float64  `json:"rate_high"`
	Lift      *float64 `json:"lift"`
	LiftLow   *float64 `json:"lift_low"`
	LiftHigh  *float64 `json:"lift_high"`
}

// qualityQueryFrom reads the period and group_by (channel or campaign).
func qualityQueryFrom(v url.Values) (from, to time.Time, byCampaign bool, err error) {
	if from, to, err = periodFrom(v); err != nil {
		return
	}
	switch v.Get("group_by") {
	case "", "channel":
	case "campaign":
		byCampaign = true
	default:
		err = errs.Field("group_by", "must be channel or campaign")
	}
	return
}

func (s *Server) handleQuality(w http.ResponseWriter, r *http.Request) error {
	from, to, byCampaign, err := qualityQueryFrom(r.URL.Query())
	if err != nil {
		return err
	}
	rows, err := s.store.Quality(r.Context(), from, to, byCampaign)
	if err != nil {
		return err
	}
	out := qualityReportJSON{Rows: make([]qualityRowJSON, len(rows))}
	cur := s.currency(r.Context())
	var total insights.Quality
	for i, q := range rows {
		out.Rows[i] = toQualityJSON(cur, q)
		if byCampaign {
			c := &reportCampaignJSON{ID: q.CampaignID, Name: q.CampaignName}
			if q.CampaignID == 0 {
				c = nil
			}
			out.Rows[i].Campaign = c
		}
		total.Add(q)
	}
	out.Totals = toQualityJSON(cur, &total)
	writeJSON(w, http.StatusOK, out)
	return nil
}

type qualityReportJSON struct {
	Rows   []qualityRowJSON `json:"rows"`
	Totals qualityRowJSON   `json:"totals"`
}

type qualityRowJSON struct {
	Channel  string              `json:"channel,omitempty"`
	Campaign *reportCampaignJSON `json:"campaign"`

	NewLeads             int64    `json:"new_leads"`
	Customers            int64    `json:"customers"`
	Revenue              string   `json:"revenue"`
	RevenuePerCustomer   *string  `json:"revenue_per_customer"`
	RepeatCustomers      int64    `json:"repeat_customers"`
	RepeatRate           *float64 `json:"repeat_rate"`
	Referrals            int64    `json:"referrals"`
	ReferralsPerCustomer *float64 `json:"referrals_per_customer"`

	SQLs             int64        `json:"sqls"`
	Accepted         int64        `json:"accepted"`
	Rejected         int64        `json:"rejected"`
	Undecided        int64        `json:"undecided"`
	AcceptedRate     *float64     `json:"accepted_rate"`
	RejectedRate     *float64     `json:"rejected_rate"`
	RejectionReasons []reasonJSON `json:"rejection_reasons"`
}

type reasonJSON struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

func toQualityJSON(cur money.Currency, q *insights.Quality) qualityRowJSON {
	out := qualityRowJSON{Channel: q.Channel, NewLeads: q.NewLeads, Customers: q.Customers, Revenue: cur.Format(q.Revenue),
		RepeatCustomers: q.RepeatCustomers, RepeatRate: q.RepeatRate(), Referrals: q.Referrals, ReferralsPerCustomer: q.ReferralsPerCustomer(),
		SQLs: q.SQLs, Accepted: q.Accepted, Rejected: q.Rejected, Undecided: q.Undecided(), AcceptedRate: q.AcceptedRate(), RejectedRate: q.RejectedRate(),
		RejectionReasons: []reasonJSON{}}
	if v := q.RevenuePerCustomer(); v != nil {
		s := cur.Format(*v)
		out.RevenuePerCustomer = &s
	}
	for _, r := range q.TopReasons() {
		out.RejectionReasons = append(out.RejectionReasons, reasonJSON{Reason: r.Reason, Count: r.Count})
	}
	return out
}

func init() {
	num, nnum := obj{"type": "number"}, nullable(obj{"type": "number"})
	integer := obj{"type": "integer"}
	schemas["InsightsReport"] = props(obj{
		"outcome": str("the stage counted as success: customer, opportunity, sql or mql"), "from": str("first day"), "to": str("day after the last"),
		"min_sample": obj{"type": "integer", "description": "values with fewer contacts are left out"},
		"baseline":   props(obj{"contacts": integer, "converted": integer, "rate": nnum, "rate_low": nnum, "rate_high": nnum}),
		"attributes": arr(props(obj{"attribute": str("country, city, industry, company_size, seniority, department, email_type, age_band, channel, campaign, content or custom.KEY"),
			"label": str(""), "hidden": obj{"type": "integer", "description": "values under the minimum sample"},
			"values": arr(props(obj{"value": str("the value; a campaign id for campaign"), "label": str("how to show it"), "contacts": integer, "converted": integer,
				"rate": num, "rate_low": num, "rate_high": num, "lift": nnum, "lift_low": nnum, "lift_high": nnum}))})),
	})
	row := obj{"channel": str("omitted on the totals"), "campaign": nullable(props(obj{"id": integer, "name": str("")})),
		"new_leads": integer, "customers": integer, "revenue": moneyString, "revenue_per_customer": nullable(moneyString),
		"repeat_customers": integer, "repeat_rate": nnum, "referrals": integer, "referrals_per_customer": nnum,
		"sqls": integer, "accepted": integer, "rejected": integer, "undecided": integer, "accepted_rate": nnum, "rejected_rate": nnum,
		"rejection_reasons": arr(props(obj{"reason": str(""), "count": integer}))}
	schemas["QualityReport"] = props(obj{"rows": arr(props(row)), "totals": props(row)})
}
