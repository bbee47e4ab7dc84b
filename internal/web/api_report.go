package web

import (
	"context"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// sourcesQuery is what GET /api/v1/reports/sources asks for.
type sourcesQuery struct {
	from, to time.Time
	grouping report.Grouping
	model    attribution.Model
}

// sourcesQueryFrom reads and checks the query; from and to are required UTC dates,
// group_by defaults to channel and model to first_touch.
func sourcesQueryFrom(r *http.Request) (sourcesQuery, error) {
	v := r.URL.Query()
	var q sourcesQuery
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.from}, {"to", &q.to}} {
		s := v.Get(p.name)
		if s == "" {
			return q, errs.Field(p.name, "is required: a date such as 2026-03-01")
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return q, errs.Field(p.name, "must be a date such as 2026-03-01")
		}
		*p.dst = t
	}
	if !q.from.Before(q.to) {
		return q, errs.Field("to", "must be after from: the period is [from, to)")
	}
	q.grouping, q.model = report.ByChannel, attribution.FirstTouch
	if g := v.Get("group_by"); g != "" {
		var err error
		if q.grouping, err = report.ParseGrouping(g); err != nil {
			return q, errs.Field("group_by", "must be channel, campaign or channel,campaign")
		}
	}
	if m := v.Get("model"); m != "" {
		var err error
		if q.model, err = attribution.ParseModel(m); err != nil {
			return q, errs.Field("model", "must be one of %s", modelNames())
		}
	}
	return q, nil
}

func modelNames() string {
	names := make([]string, len(attribution.Models))
	for i, m := range attribution.Models {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}

func (s *Server) handleSourcesReport(w http.ResponseWriter, r *http.Request) error {
	q, err := sourcesQueryFrom(r)
	if err != nil {
		return err
	}
	rep, err := s.sourcesReport(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toSourcesJSON(s.currency(r.Context()), rep))
	return nil
}

// sourcesReport reads and computes the sources report the query asks for.
func (s *Server) sourcesReport(ctx context.Context, q sourcesQuery) (report.Report, error) {
	data, err := s.store.SourcesReport(ctx, q.from, q.to, q.model)
	if err != nil {
		return report.Report{}, err
	}
	opt := report.Options{Grouping: q.grouping, Model: q.model}
	if opt.HourlyRate, err = s.hourlyRate(ctx); err != nil {
		return report.Report{}, err
	}
	return report.Build(*data, opt), nil
}

// hourlyRate is the workspace's hourly rate in minor units, or nil when none is set.
func (s *Server) hourlyRate(ctx context.Context) (*int64, error) {
	rate, err := s.store.Setting(ctx, "hourly_rate")
	if err != nil || rate == "" {
		return nil, err
	}
	// Read beside the rate, not from the cache: the rate is written in the currency.
	cur, err := s.store.Currency(ctx)
	if err != nil {
		return nil, err
	}
	// A rate that does not read as money is left out rather than failing the report.
	n, err := cur.Parse(rate)
	if err != nil || n < 0 {
		s.log.WarnContext(ctx, "the hourly_rate setting is not a decimal amount; loaded cost left out", "value", rate)
		return nil, nil
	}
	return &n, nil
}

// sourcesJSON is the answer of SPEC section 11: money as decimal strings, ratios and
// counts as numbers, null where a denominator is zero.
type sourcesJSON struct {
	Rows   []sourcesRowJSON `json:"rows"`
	Totals metricsJSON      `json:"totals"`
}

type sourcesRowJSON struct {
	Channel string `json:"channel"`
	// Campaign is null on a row of touches without one.
	Campaign *reportCampaignJSON `json:"campaign"`
	metricsJSON
}

type reportCampaignJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type metricsJSON struct {
	NewLeads int64 `json:"new_leads"`
	MQLs     int64 `json:"mqls"`
	SQLs     int64 `json:"sqls"`
	// Customers is a number: multi-touch models credit parts of a customer.
	Customers      float64  `json:"customers"`
	ConversionRate *float64 `json:"conversion_rate"`
	Cost           string   `json:"cost"`
	CPL            *string  `json:"cpl"`
	Hours          float64  `json:"hours"`
	HoursPerLead   *float64 `json:"hours_per_lead"`
	LoadedCost     *string  `json:"loaded_cost"`
	Revenue        string   `json:"revenue"`
	CAC            *string  `json:"cac"`
	ROI            *float64 `json:"roi"`
	// SpeedToLead is the median seconds from entering SQL to the first sales touch.
	SpeedToLead *float64 `json:"speed_to_lead"`
}

func toSourcesJSON(cur money.Currency, rep report.Report) sourcesJSON {
	out := sourcesJSON{Rows: make([]sourcesRowJSON, len(rep.Rows)), Totals: toMetricsJSON(cur, &rep.Totals)}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		out.Rows[i] = sourcesRowJSON{Channel: r.Channel, metricsJSON: toMetricsJSON(cur, &r.Metrics)}
		if r.Campaign != nil {
			out.Rows[i].Campaign = &reportCampaignJSON{ID: r.Campaign.ID, Name: r.Campaign.Name}
		}
	}
	return out
}

func toMetricsJSON(cur money.Currency, m *report.Metrics) metricsJSON {
	customers, _ := m.Customers.Float64()
	hours, _ := m.Hours().Float64()
	return metricsJSON{
		NewLeads: m.NewLeads, MQLs: m.MQLs, SQLs: m.SQLs, Customers: customers,
		ConversionRate: ratioJSON(m.ConversionRate()),
		Cost:           cur.Format(m.Cost), CPL: moneyJSON(cur, m.CostPerLead()),
		Hours: hours, HoursPerLead: ratioJSON(m.HoursPerLead()), LoadedCost: moneyJSON(cur, m.LoadedCost),
		Revenue: cur.Format(m.Revenue), CAC: moneyJSON(cur, m.CAC()), ROI: ratioJSON(m.ROI()),
		SpeedToLead: ratioJSON(m.SpeedToLead()),
	}
}

// ratioJSON is the float64 nearest the exact ratio, or null.
func ratioJSON(r *big.Rat) *float64 {
	if r == nil {
		return nil
	}
	f, _ := r.Float64()
	return &f
}

// moneyJSON prints minor units as cur.Format does, also beyond int64, or null.
func moneyJSON(cur money.Currency, n *big.Int) *string {
	if n == nil {
		return nil
	}
	s := cur.FormatDigits(n.Sign() < 0, new(big.Int).Abs(n).String())
	return &s
}
