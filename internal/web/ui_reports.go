package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// reportsView is the sources report screen: the choices, the table and its totals,
// then the trend and the funnel of the same period.
type reportsView struct {
	Period, From, To   string // To is the last day, as people pick it
	Grouping, Model    string
	Periods, Groupings []option
	Models             []option
	PeriodLabel        string
	Rows               []reportRowView
	Totals             reportRowView
	ShowChannel        bool
	ShowCampaign       bool
	HasRate            bool
	FirstTouch         bool
	CSVURL             string
	Problem            string
	Trend              trendView
	Funnel             funnelView
}

type option struct{ Value, Label string }

// reportRowView is one row of the table, formatted, with the links to its contacts.
type reportRowView struct {
	Channel, Campaign, CampaignURL string
	NewLeads, MQLs, SQLs           figure
	Customers                      figure
	Conversion, Cost, CPL          string
	Revenue                        figure
	CAC, ROI                       string
	Hours, HoursPerLead            string
	LoadedCost                     string
	SpeedToLead                    string
	HasRate                        bool
}

var reportPeriods = []option{{"this_month", "This month"}, {"last_month", "Last month"}, {"last_90_days", "Last 90 days"},
	{"this_year", "This year"}, {"custom", "Custom"}}

var reportGroupings = []option{{"channel", "Channel"}, {"campaign", "Campaign"}, {"channel,campaign", "Channel and campaign"}}

var modelLabels = map[attribution.Model]string{
	attribution.FirstTouch: "First touch", attribution.LastTouch: "Last touch", attribution.Linear: "Linear",
	attribution.UShaped: "U-shaped", attribution.WShaped: "W-shaped", attribution.FullPath: "Full path",
	attribution.JShaped: "J-shaped", attribution.InverseJ: "Inverse J", attribution.TimeDecay: "Time decay",
}

// reportPeriod turns a preset, or a custom from and to (the last day, inclusive), into
// the period [from, to) of the report, in UTC days.
func reportPeriod(preset, from, to string, now time.Time) (time.Time, time.Time, error) {
	now = now.UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch preset {
	case "", "this_month":
		return month, month.AddDate(0, 1, 0), nil
	case "last_month":
		return month.AddDate(0, -1, 0), month, nil
	case "last_90_days":
		return today.AddDate(0, 0, -89), today.AddDate(0, 0, 1), nil
	case "this_year":
		year := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		return year, year.AddDate(1, 0, 0), nil
	case "custom":
		f, err := time.Parse(time.DateOnly, from)
		if err != nil {
			return f, f, errs.Field("from", "must be a date such as 2026-03-01")
		}
		t, err := time.Parse(time.DateOnly, to)
		if err != nil {
			return f, t, errs.Field("to", "must be a date such as 2026-03-31")
		}
		if t.Before(f) {
			return f, t, errs.Field("to", "is before from")
		}
		if t.Sub(f) > 20*366*24*time.Hour {
			return f, t, errs.Field("to", "is more than twenty years after from")
		}
		return f, t.AddDate(0, 0, 1), nil
	}
	return time.Time{}, time.Time{}, errs.Field("period", "must be this_month, last_month, last_90_days, this_year or custom")
}

func (u *ui) reports(w http.ResponseWriter, r *http.Request, p *Principal) error {
	qv := r.URL.Query()
	v := reportsView{Period: qv.Get("period"), Grouping: qv.Get("group_by"), Model: qv.Get("model"),
		Periods: reportPeriods, Groupings: reportGroupings}
	for _, m := range attribution.Models {
		v.Models = append(v.Models, option{string(m), modelLabels[m]})
	}
	if v.Period == "" {
		v.Period = "this_month"
		if qv.Get("from") != "" || qv.Get("to") != "" {
			v.Period = "custom"
		}
	}
	status := http.StatusOK
	problem := func(err error) error {
		e, ok := err.(*errs.Error)
		if !ok {
			return err
		}
		v.Problem, status = e.Error(), http.StatusUnprocessableEntity
		return nil
	}
	from, to, err := reportPeriod(v.Period, qv.Get("from"), qv.Get("to"), u.s.store.Now())
	if err != nil {
		if err := problem(err); err != nil {
			return err
		}
		v.Period = "this_month"
		from, to, _ = reportPeriod(v.Period, "", "", u.s.store.Now())
	}
	q := sourcesQuery{from: from, to: to, grouping: report.ByChannel, model: attribution.FirstTouch}
	if v.Grouping != "" {
		if q.grouping, err = report.ParseGrouping(v.Grouping); err != nil {
			q.grouping = report.ByChannel
			if err := problem(errs.Field("group_by", "must be channel, campaign or channel,campaign")); err != nil {
				return err
			}
		}
	}
	if v.Model != "" {
		if q.model, err = attribution.ParseModel(v.Model); err != nil {
			q.model = attribution.FirstTouch
			if err := problem(errs.Field("model", "must be one of %s", modelNames())); err != nil {
				return err
			}
		}
	}
	v.Grouping, v.Model = string(q.grouping), string(q.model)
	v.From, v.To = from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly)
	v.PeriodLabel = formatDate(from) + " – " + formatDate(to.AddDate(0, 0, -1))
	v.FirstTouch = q.model == attribution.FirstTouch
	v.ShowChannel = q.grouping != report.ByCampaign
	v.ShowCampaign = q.grouping != report.ByChannel

	rep, err := u.s.sourcesReport(r.Context(), q)
	if err != nil {
		return err
	}
	v.HasRate = rep.Totals.LoadedCost != nil
	link := contactLinks{from: v.From, to: v.To, grouping: q.grouping, model: q.model}
	for i := range rep.Rows {
		row := &rep.Rows[i]
		rv := reportRow(&row.Metrics, link.filter(row))
		rv.Customers.URL, rv.Revenue.URL = link.credited(row, false), link.credited(row, true)
		rv.Channel = channelLabel(row.Channel)
		if row.Campaign != nil {
			rv.Campaign, rv.CampaignURL = row.Campaign.Name, "/campaigns/"+itoa(row.Campaign.ID)
		}
		v.Rows = append(v.Rows, rv)
	}
	// Every customer of the period counts once in the total, whatever the model.
	v.Totals = reportRow(&rep.Totals, link.filter(nil))
	v.Totals.Customers.URL = reachedURL(link.filter(nil), "customer")
	// Under every model the total revenue is all the revenue of the period's customers:
	// the models only share it out between the rows.
	if rep.Totals.Revenue != 0 {
		v.Totals.Revenue.URL = qualityURL(link.filter(nil), store.QualityRevenue)
	}
	api := url.Values{"from": {v.From}, "to": {to.Format(time.DateOnly)}, "group_by": {v.Grouping}, "model": {v.Model}}
	v.CSVURL = "/api/v1/reports/sources.csv?" + api.Encode()

	if v.Trend, err = u.trendSection(r, from, to, q.grouping); err != nil {
		return err
	}
	if v.Funnel, err = u.funnelSection(r, from, to); err != nil {
		return err
	}
	u.render(w, r, status, "reports", view{Title: "Sources report", Nav: "reports", User: p, Data: v})
	return nil
}

// contactLinks builds the links from a report's numbers to the contacts list, with the
// filters that select exactly the contacts counted: created in the period (the list
// takes the last day, inclusive), by first-touch channel and campaign, and the stage
// reached. A row's customers and revenue follow the model: under first_touch its
// customers are the cohort's own; under the others, and for revenue, the customers the
// model credits the row with (creditedFilterFrom).
type contactLinks struct {
	from, to string
	grouping report.Grouping
	model    attribution.Model
}

// credited is the link from a row's customers, or its revenue, to their contacts.
func (l contactLinks) credited(row *report.Row, revenue bool) string {
	if l.model == attribution.FirstTouch && !revenue {
		return reachedURL(l.filter(row), "customer")
	}
	if revenue && row.Revenue == 0 {
		return ""
	}
	return "/contacts?" + creditedLink(l.model, l.grouping, row, revenue, l.from, l.to).Encode()
}

func (l contactLinks) filter(row *report.Row) url.Values {
	v := url.Values{"created_from": {l.from}, "created_to": {l.to}}
	if row == nil {
		return v
	}
	if l.grouping != report.ByCampaign || row.Campaign == nil {
		// By campaign, a row's channel is the campaign's own, not the leads' first touch.
		v.Set("channel", row.Channel)
	}
	if l.grouping != report.ByChannel {
		if row.Campaign != nil {
			v.Set("campaign", itoa(row.Campaign.ID))
		} else {
			v.Set("campaign", "none")
		}
	}
	return v
}

// reachedURL is the contacts list under the filter, of those that reached the stage ("": any).
func reachedURL(filter url.Values, stage string) string {
	f := url.Values{}
	for k, vs := range filter {
		f[k] = vs
	}
	if stage != "" {
		f.Set("reached", stage)
	}
	return "/contacts?" + f.Encode()
}

func reportRow(m *report.Metrics, filter url.Values) reportRowView {
	link := func(stage string) string { return reachedURL(filter, stage) }
	rv := reportRowView{
		NewLeads: figure{formatCount(m.NewLeads), link("")}, MQLs: figure{formatCount(m.MQLs), link("mql")},
		SQLs: figure{formatCount(m.SQLs), link("sql")}, Customers: figure{Text: formatCustomers(m.Customers)},
		Conversion: formatPercent(m.ConversionRate()), Cost: formatMoney(m.Cost), CPL: formatBigMoney(m.CostPerLead()),
		Revenue: figure{Text: formatMoney(m.Revenue)}, CAC: formatBigMoney(m.CAC()), ROI: formatPercent(m.ROI()),
		Hours: tableHours(m.HoursHundredths), HoursPerLead: formatRatio(m.HoursPerLead()), LoadedCost: formatBigMoney(m.LoadedCost),
		HasRate: m.LoadedCost != nil, SpeedToLead: dash,
	}
	if sp := m.SpeedToLead(); sp != nil {
		secs, _ := sp.Float64()
		rv.SpeedToLead = formatDuration(time.Duration(secs * float64(time.Second)))
	}
	return rv
}

// tableHours shows hours with two decimals, as a column of figures lines up: "16.00".
func tableHours(hundredths int64) string {
	sign := ""
	if hundredths < 0 {
		sign, hundredths = "-", -hundredths
	}
	return sign + formatCount(hundredths/100) + "." + fmt.Sprintf("%02d", hundredths%100)
}
