package web

import (
	"fmt"
	"math"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/report"
)

// trendView is the trend section of /reports: three line charts drawn here as SVG
// (new leads, cost per lead and conversion, month by month per group) and the monthly totals.
type trendView struct {
	Label  string
	Charts []lineChart
	Legend []reportLegendItem
	Hidden int // groups left out of the charts (the table has all)
	Totals []trendTotal
	Empty  bool
}

type reportLegendItem struct{ Class, Label string }

type trendTotal struct {
	Month, NewLeads, Cost, CPL, Conversion string
	Short                                  string // the month as the charts' axis names it
	Customers                              string
	LeadsURL, CustomersURL                 string
	ConversionTitle                        string
}

// lineChart is an SVG chart, with every coordinate computed on the server.
type lineChart struct {
	Title         string
	Width, Height int
	Left, Bottom  int
	Right         int
	YTicks        []tick
	XTicks        []tick
	Lines         []chartLine
}

type tick struct {
	Pos   float64
	Label string
}

type chartLine struct {
	Class    string
	Label    string
	Segments []string // polyline points; a month without a value breaks the line
	Dots     []dot
}

// dot is a point of a line, and the link to the contacts behind it: the new leads of
// its group and month, or, for a ratio, its numerator's contacts (Note says so).
type dot struct {
	X, Y  float64
	Title string
	URL   string
}

const maxChartLines = 8

// trendSection shows at least the six months up to the end of the period, so a
// one-month report still has a trend to read.
func (u *ui) trendSection(r *http.Request, from, to time.Time, g report.Grouping) (trendView, error) {
	last := to.AddDate(0, 0, -1)
	start := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -5, 0)
	if from.Before(start) {
		start = from
	}
	if n := len(report.MonthsOf(start, to)); n > maxTrendMonths {
		start = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(maxTrendMonths - 1), 0)
	}
	t, err := u.s.trend(r.Context(), start, to, g)
	if err != nil {
		return trendView{}, err
	}
	now := u.s.store.Now().UTC()
	v := trendView{Label: formatDate(start) + " – " + formatDate(last)}
	if now.Before(last) {
		v.Label = formatDate(start) + " – today"
	}
	months := make([]string, len(t.Months))
	for i, m := range t.Months {
		months[i] = m.Format("Jan 2006")
		if len(t.Months) > 12 {
			months[i] = m.Format("Jan 06")
		}
		mt := &t.Totals[i]
		mEnd := to
		if i+1 < len(t.Months) {
			mEnd = t.Months[i+1]
		}
		name := m.Format("January 2006")
		// The month under way is not a month yet: its fall is the calendar's, not the leads'.
		if !now.Before(m) && now.Before(mEnd) {
			months[i] = m.Format("Jan") + " so far"
			name += " so far"
		}
		links := url.Values{"created_from": {m.Format(time.DateOnly)}, "created_to": {mEnd.AddDate(0, 0, -1).Format(time.DateOnly)}}
		customers := formatCustomers(mt.Customers)
		v.Totals = append(v.Totals, trendTotal{Month: name, Short: months[i], NewLeads: formatCount(mt.NewLeads), Cost: formatMoney(mt.Cost),
			CPL: formatBigMoney(mt.CostPerLead()), Conversion: formatPercent(mt.ConversionRate()), LeadsURL: "/contacts?" + links.Encode(),
			Customers: customers, CustomersURL: reachedURL(links, "customer"),
			ConversionTitle: "Customers ÷ new leads: opens the " + customers + " customers of " + formatCount(mt.NewLeads) + " new leads"})
	}
	// The groups with the most new leads get the lines.
	series := slices.Clone(t.Series)
	total := func(s report.Series) (n int64) {
		for _, p := range s.Points {
			n += p.NewLeads
		}
		return n
	}
	slices.SortStableFunc(series, func(a, b report.Series) int { return int(total(b) - total(a)) })
	for len(series) > 0 && total(series[len(series)-1]) == 0 {
		series = series[:len(series)-1]
	}
	if len(series) > maxChartLines {
		v.Hidden = len(series) - maxChartLines
		series = series[:maxChartLines]
	}
	if len(series) == 0 {
		v.Empty = true
		return v, nil
	}
	for i, s := range series {
		v.Legend = append(v.Legend, reportLegendItem{Class: "s" + strconv.Itoa(i), Label: seriesLabel(s)})
	}
	// Each point links to the contacts of its group and month, by first touch.
	pointFilter := func(s report.Series, i int) url.Values {
		mEnd := to
		if i+1 < len(t.Months) {
			mEnd = t.Months[i+1]
		}
		l := contactLinks{from: t.Months[i].Format(time.DateOnly), to: mEnd.AddDate(0, 0, -1).Format(time.DateOnly), grouping: g}
		return l.filter(&report.Row{Channel: s.Channel, Campaign: s.Campaign})
	}
	leadsOf := func(s report.Series, i int) (string, string) {
		return reachedURL(pointFilter(s, i), ""), "opens its " + formatCount(s.Points[i].NewLeads) + " new leads"
	}
	cplOf := func(s report.Series, i int) (string, string) {
		return reachedURL(pointFilter(s, i), ""), "cost ÷ new leads; opens the " + formatCount(s.Points[i].NewLeads) + " new leads"
	}
	customersOf := func(s report.Series, i int) (string, string) {
		return reachedURL(pointFilter(s, i), "customer"), "customers ÷ new leads; opens the " + formatCustomers(s.Points[i].Customers) + " customers"
	}
	leads := func(m *report.Metrics) (float64, bool) { return float64(m.NewLeads), true }
	cpl := func(m *report.Metrics) (float64, bool) {
		c := m.CostPerLead()
		if c == nil {
			return 0, false
		}
		f, _ := new(big.Rat).SetInt(c).Float64() // minor units, labelled by formatAxisMoney
		return f, true
	}
	conv := func(m *report.Metrics) (float64, bool) {
		c := m.ConversionRate()
		if c == nil {
			return 0, false
		}
		f, _ := c.Float64()
		return f * 100, true
	}
	v.Charts = []lineChart{
		drawChart("New leads", months, series, leads, formatAxisCount, leadsOf),
		drawChart("Cost per lead", months, series, cpl, formatAxisMoney, cplOf),
		drawChart("Conversion to customer", months, series, conv, func(f float64) string { return formatAxisCount(f) + " %" }, customersOf),
	}
	return v, nil
}

func seriesLabel(s report.Series) string {
	if s.Campaign != nil {
		return s.Campaign.Name
	}
	return channelLabel(s.Channel)
}

// drawChart lays out one line per series over the months. The figures are shown, not
// computed with: floats are fine for drawing.
// href gives a point's link to its contacts and the words that say who they are.
func drawChart(title string, months []string, series []report.Series, value func(*report.Metrics) (float64, bool), label func(float64) string,
	href func(s report.Series, i int) (string, string)) lineChart {
	c := lineChart{Title: title, Width: 560, Height: 240, Left: 56, Bottom: 212, Right: 524}
	top := 12.0
	maxV := 0.0
	for _, s := range series {
		for i := range s.Points {
			if f, ok := value(&s.Points[i]); ok {
				maxV = math.Max(maxV, f)
			}
		}
	}
	step := niceStep(maxV / 4)
	maxV = step * 4
	y := func(f float64) float64 { return float64(c.Bottom) - f/maxV*(float64(c.Bottom)-top) }
	x := func(i int) float64 {
		if len(months) == 1 {
			return float64(c.Left+c.Right) / 2
		}
		return float64(c.Left) + 10 + float64(i)*float64(c.Right-c.Left-20)/float64(len(months)-1)
	}
	for k := 0; k <= 4; k++ {
		c.YTicks = append(c.YTicks, tick{Pos: reportRound1(y(step * float64(k))), Label: label(step * float64(k))})
	}
	every := max(1, (len(months)+7)/8)
	for i, m := range months {
		if i%every == 0 || i == len(months)-1 {
			c.XTicks = append(c.XTicks, tick{Pos: reportRound1(x(i)), Label: m})
		}
	}
	for k, s := range series {
		line := chartLine{Class: "s" + strconv.Itoa(k), Label: seriesLabel(s)}
		var seg []string
		for i := range s.Points {
			f, ok := value(&s.Points[i])
			if !ok {
				if len(seg) > 0 {
					line.Segments = append(line.Segments, strings.Join(seg, " "))
				}
				seg = nil
				continue
			}
			px, py := reportRound1(x(i)), reportRound1(y(f))
			seg = append(seg, fmt.Sprintf("%g,%g", px, py))
			d := dot{X: px, Y: py, Title: line.Label + ", " + months[i] + ": " + label(f)}
			if href != nil {
				var note string
				d.URL, note = href(s, i)
				d.Title += " (" + note + ")"
			}
			line.Dots = append(line.Dots, d)
		}
		if len(seg) > 0 {
			line.Segments = append(line.Segments, strings.Join(seg, " "))
		}
		c.Lines = append(c.Lines, line)
	}
	return c
}

// niceStep rounds a raw axis step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func reportRound1(f float64) float64 { return math.Round(f*10) / 10 }

func formatAxisCount(f float64) string {
	if f == math.Trunc(f) {
		return formatCount(int64(f))
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// formatAxisMoney labels an axis of minor units in the workspace's currency.
func formatAxisMoney(f float64) string {
	return formatMoney(int64(math.Round(f)))
}

// funnelView is the funnel section of /reports.
type funnelView struct {
	NewLeads figure
	Stages   []funnelRow
}

type funnelRow struct {
	Stage      string
	Reached    figure
	Width      string // of the bar, in percent of the cohort
	ToNext     string
	NextStage  string
	Median     string
	Timed      int64
	Unmeasured bool
}

func (u *ui) funnelSection(r *http.Request, from, to time.Time) (funnelView, error) {
	cohort, stages, err := u.s.funnel(r.Context(), from, to)
	if err != nil {
		return funnelView{}, err
	}
	base := url.Values{"created_from": {from.Format(time.DateOnly)}, "created_to": {to.AddDate(0, 0, -1).Format(time.DateOnly)}}
	v := funnelView{NewLeads: figure{formatCount(cohort), "/contacts?" + base.Encode()}}
	for i, st := range stages {
		f := url.Values{"reached": {st.Stage}}
		for k, vs := range base {
			f[k] = vs
		}
		row := funnelRow{Stage: stageLabel(st.Stage), Reached: figure{formatCount(st.Reached), "/contacts?" + f.Encode()},
			ToNext: formatPercent(st.ToNext), Median: dash, Timed: st.Timed, Width: "0"}
		if cohort > 0 {
			row.Width = strconv.FormatFloat(math.Round(float64(st.Reached)/float64(cohort)*1000)/10, 'f', -1, 64)
		}
		if i+1 < len(stages) {
			row.NextStage = stageLabel(stages[i+1].Stage)
		}
		if st.MedianTime != nil {
			row.Median = formatDuration(*st.MedianTime)
		}
		v.Stages = append(v.Stages, row)
	}
	return v, nil
}

// formatDuration says a time span in the largest unit that keeps it readable.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + " h"
	}
	return strconv.FormatFloat(d.Hours()/24, 'f', 1, 64) + " days"
}
