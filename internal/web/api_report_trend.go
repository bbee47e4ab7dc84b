package web

import (
	"context"
	"net/http"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// maxTrendMonths bounds a trend: one report per month is read.
const maxTrendMonths = 120

// trend reads the sources report of each month of [from, to) under first_touch.
func (s *Server) trend(ctx context.Context, from, to time.Time, g report.Grouping) (report.Trend, error) {
	return s.trendUnder(ctx, from, to, g, attribution.FirstTouch)
}

// trendUnder reads the sources report of each month of [from, to) under the model: the
// customers (and so the conversion) each month's groups are credited with follow it;
// new leads and cost do not depend on it.
func (s *Server) trendUnder(ctx context.Context, from, to time.Time, g report.Grouping, model attribution.Model) (report.Trend, error) {
	months := report.MonthsOf(from, to)
	if len(months) > maxTrendMonths {
		return report.Trend{}, errs.Field("to", "a trend covers at most %d months", maxTrendMonths)
	}
	reports := make([]report.Report, len(months))
	for i, m := range months {
		data, err := s.store.SourcesReport(ctx, m[0], m[1], model)
		if err != nil {
			return report.Trend{}, err
		}
		reports[i] = report.Build(*data, report.Options{Grouping: g, Model: model})
	}
	return report.BuildTrend(months, reports), nil
}

type trendJSON struct {
	Months []string          `json:"months"`
	Series []trendSeriesJSON `json:"series"`
	Totals []trendPointJSON  `json:"totals"`
}

type trendSeriesJSON struct {
	Channel  string              `json:"channel"`
	Campaign *reportCampaignJSON `json:"campaign"`
	Points   []trendPointJSON    `json:"points"`
}

// trendPointJSON is one month of a group: new leads, cost per lead and conversion, and
// what they are computed from.
type trendPointJSON struct {
	Month          string   `json:"month"`
	NewLeads       int64    `json:"new_leads"`
	Customers      float64  `json:"customers"`
	ConversionRate *float64 `json:"conversion_rate"`
	Cost           string   `json:"cost"`
	CPL            *string  `json:"cpl"`
}

func toTrendPoint(cur money.Currency, month time.Time, m *report.Metrics) trendPointJSON {
	c, _ := m.Customers.Float64()
	return trendPointJSON{Month: month.Format("2006-01"), NewLeads: m.NewLeads, Customers: c, ConversionRate: ratioJSON(m.ConversionRate()),
		Cost: cur.Format(m.Cost), CPL: moneyJSON(cur, m.CostPerLead())}
}

func toTrendJSON(cur money.Currency, t report.Trend) trendJSON {
	out := trendJSON{Months: []string{}, Series: []trendSeriesJSON{}, Totals: []trendPointJSON{}}
	for i, m := range t.Months {
		out.Months = append(out.Months, m.Format("2006-01"))
		out.Totals = append(out.Totals, toTrendPoint(cur, m, &t.Totals[i]))
	}
	for _, s := range t.Series {
		js := trendSeriesJSON{Channel: s.Channel, Points: []trendPointJSON{}}
		if s.Campaign != nil {
			js.Campaign = &reportCampaignJSON{ID: s.Campaign.ID, Name: s.Campaign.Name}
		}
		for i := range s.Points {
			js.Points = append(js.Points, toTrendPoint(cur, t.Months[i], &s.Points[i]))
		}
		out.Series = append(out.Series, js)
	}
	return out
}

func (s *Server) handleTrend(w http.ResponseWriter, r *http.Request) error {
	q, err := sourcesQueryFrom(r)
	if err != nil {
		return err
	}
	t, err := s.trendUnder(r.Context(), q.from, q.to, q.grouping, q.model)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toTrendJSON(s.currency(r.Context()), t))
	return nil
}

type funnelJSON struct {
	NewLeads int64             `json:"new_leads"`
	Stages   []funnelStageJSON `json:"stages"`
}

type funnelStageJSON struct {
	Stage   string   `json:"stage"`
	Reached int64    `json:"reached"`
	ToNext  *float64 `json:"conversion_to_next"`
	// MedianSeconds is the median time in the stage of the contacts that moved on.
	MedianSeconds *float64 `json:"median_seconds_in_stage"`
	Timed         int64    `json:"timed"`
}

func (s *Server) funnel(ctx context.Context, from, to time.Time) (int64, []report.FunnelStage, error) {
	return s.store.Funnel(ctx, from, to)
}

func (s *Server) handleFunnel(w http.ResponseWriter, r *http.Request) error {
	q, err := sourcesQueryFrom(r)
	if err != nil {
		return err
	}
	cohort, stages, err := s.funnel(r.Context(), q.from, q.to)
	if err != nil {
		return err
	}
	out := funnelJSON{NewLeads: cohort, Stages: []funnelStageJSON{}}
	for _, st := range stages {
		js := funnelStageJSON{Stage: st.Stage, Reached: st.Reached, ToNext: ratioJSON(st.ToNext), Timed: st.Timed}
		if st.MedianTime != nil {
			sec := st.MedianTime.Seconds()
			js.MedianSeconds = &sec
		}
		out.Stages = append(out.Stages, js)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func init() {
	point := props(obj{"month": str("YYYY-MM"), "new_leads": obj{"type": "integer"}, "customers": obj{"type": "number"},
		"conversion_rate": nullable(obj{"type": "number"}), "cost": moneyString, "cpl": nullable(moneyString)})
	schemas["Trend"] = props(obj{"months": arr(str("YYYY-MM")),
		"series": arr(props(obj{"channel": str(""), "campaign": nullable(props(obj{"id": obj{"type": "integer"}, "name": str("")})), "points": arr(point)})),
		"totals": arr(point)}, "months", "series", "totals")
	schemas["Funnel"] = props(obj{"new_leads": obj{"type": "integer"}, "stages": arr(props(obj{"stage": str(""), "reached": obj{"type": "integer"},
		"conversion_to_next": nullable(obj{"type": "number"}), "median_seconds_in_stage": nullable(obj{"type": "number"}), "timed": obj{"type": "integer"}}))})
}

// The sources report's speed_to_lead is measured now; its description says how.
func init() {
	if m, ok := schemas["SourcesMetrics"].(obj); ok {
		if p, ok := m["properties"].(obj); ok {
			p["speed_to_lead"] = nullable(obj{"type": "number", "description": "median seconds from entering SQL to the first call, booked meeting or email a user sent; null when no member has had one"})
		}
	}
}
