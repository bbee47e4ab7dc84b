package web

import (
	"fmt"
	"math"
	"math/big"
	"net/http"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// dashboard is the home page: this month against last, the charts of the last six
// months, and where the leads stand today. Every number links to its contacts.
type dashboard struct {
	MonthName, LastMonthName string
	KPIs                     []kpi
	Weekly                   weeklyChart
	WindowText, WindowURL    string
	CPL                      hbarChart
	Funnel                   hbarChart
	FunnelURL                string
	Total                    int64
	Stages                   []funnelStep
	Newest                   []*store.Contact
}

// kpi is one figure of this month beside last month's, each with the link to its
// contacts (for a ratio, those of its numerator, or of its denominator when the
// numerator is money spent; Help says which).
type kpi struct {
	Label, Value, Before, Change string
	Tone                         string // good, bad or flat
	URL, BeforeURL               string
	Help                         string
}

// funnelStep is one bar of the stage chart; Width is a CSS class, since the
// Content-Security-Policy allows no inline styles.
type funnelStep struct {
	Stage string
	Count int64
	Width string
}

// dashboardWeeks is how far back the charts look.
const dashboardWeeks = 26

func (u *ui) dashboard(w http.ResponseWriter, r *http.Request, p *Principal) error {
	ctx := r.Context()
	st := u.s.store
	var d dashboard
	var err error
	now := st.Now().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	last, next := month.AddDate(0, -1, 0), month.AddDate(0, 1, 0)
	// A month under way is measured against the same days of the last one: six days of
	// December against the whole of November would always look like a collapse. Both
	// sides end with today's day of the month, so a cost entry dated later this month
	// (a booked fair, a prepaid ad) counts once its day has come, as last month's did.
	thisTo, lastTo := month.AddDate(0, 0, now.Day()), last.AddDate(0, 0, now.Day())
	if lastTo.After(month) {
		lastTo = month
	}
	d.MonthName = month.Format("January")
	d.LastMonthName = sameDays(last, lastTo)
	this, err := u.monthMetrics(r, month, thisTo)
	if err != nil {
		return err
	}
	before, err := u.monthMetrics(r, last, lastTo)
	if err != nil {
		return err
	}
	d.KPIs = compareMonths(this, before, month, next, last, lastTo)

	// The charts cover whole weeks from Monday, ending with the current one.
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	from := monday.AddDate(0, 0, -7*(dashboardWeeks-1))
	to := from.AddDate(0, 0, 7*dashboardWeeks)
	d.WindowText = from.Format("Jan 2, 2006") + " to today"
	d.WindowURL = contactsURL(from, to)
	weeks, err := st.LeadsByWeek(ctx, from, to)
	if err != nil {
		return err
	}
	d.Weekly = buildWeekly(weeks, from, dashboardWeeks)
	costs, err := st.CostByChannel(ctx, from, to)
	if err != nil {
		return err
	}
	d.CPL = costPerLeadChart(weeks, costs, from, to)
	cohort, reachedCounts, err := st.FunnelCounts(ctx, from, to)
	if err != nil {
		return err
	}
	d.Funnel = funnelChart(cohort, reachedCounts, from, to)

	counts, err := st.CurrentStages(ctx)
	if err != nil {
		return err
	}
	var most int64
	for _, n := range counts {
		most = max(most, n)
		d.Total += n
	}
	for _, stage := range lifecycle.Stages {
		d.Stages = append(d.Stages, funnelStep{Stage: stage, Count: counts[stage], Width: widthClass(counts[stage], most)})
	}
	page, err := st.Contacts(ctx, store.ContactFilter{Limit: 8})
	if err != nil {
		return err
	}
	d.Newest = page.Contacts
	u.render(w, r, http.StatusOK, "dashboard", view{Title: "Dashboard", Nav: "dashboard", User: p, Data: d})
	return nil
}

// sameDays names the days [from, to) of one month: "Nov 1–6", or "November" when they
// are all of it.
func sameDays(from, to time.Time) string {
	if to.Equal(from.AddDate(0, 1, 0)) {
		return from.Format("January")
	}
	last := to.AddDate(0, 0, -1)
	if last.Day() == 1 {
		return from.Format("Jan 2")
	}
	return fmt.Sprintf("%s–%d", from.Format("Jan 2"), last.Day())
}

// monthMetrics are the sources report's totals for the contacts created in [from, to)
// and the costs dated in it, under first-touch attribution, read from the store's
// roll-ups rather than contact by contact.
func (u *ui) monthMetrics(r *http.Request, from, to time.Time) (report.Metrics, error) {
	f, err := u.s.store.DashboardFigures(r.Context(), from, to)
	if err != nil {
		return report.Metrics{}, err
	}
	return report.Metrics{NewLeads: f.NewLeads, Customers: big.NewRat(f.Customers, 1), Cost: f.Cost, Revenue: f.Revenue}, nil
}

// compareMonths makes the four headline figures of this month, [month, next), against the
// same days of last month, [last, lastTo). A change is relative for counts and money, in
// percentage points for rates; a figure without a value shows "—".
func compareMonths(this, before report.Metrics, month, next, last, lastTo time.Time) []kpi {
	both := func(k kpi, more ...string) kpi {
		k.URL, k.BeforeURL = contactsURL(month, next, more...), contactsURL(last, lastTo, more...)
		return k
	}
	leads := both(kpi{Label: "New leads", Value: formatCount(this.NewLeads), Before: formatCount(before.NewLeads),
		Help: "contacts created this month"})
	leads.Change, leads.Tone = relativeChange(big.NewRat(this.NewLeads, 1), big.NewRat(before.NewLeads, 1), true)

	cpl := both(kpi{Label: "Cost per lead", Value: moneyOrDash(this.CostPerLead()), Before: moneyOrDash(before.CostPerLead()),
		Help: "costs dated this month up to today ÷ new leads; opens the leads (the costs are on Campaigns)"})
	if a, b := this.CostPerLead(), before.CostPerLead(); a != nil && b != nil {
		cpl.Change, cpl.Tone = relativeChange(new(big.Rat).SetInt(a), new(big.Rat).SetInt(b), false)
	}

	conv := both(kpi{Label: "Conversion rate", Value: ratePercent(this.ConversionRate()), Before: ratePercent(before.ConversionRate()),
		Help: "of this month's new leads, the share that became customers so far; opens those customers"}, "reached", lifecycle.Customer)
	conv.Change, conv.Tone = pointChange(this.ConversionRate(), before.ConversionRate())

	roi := both(kpi{Label: "ROI", Value: ratePercent(this.ROI()), Before: ratePercent(before.ROI()),
		Help: "(revenue − cost) ÷ cost of this month's new leads, who have had little time to buy; opens the customers with revenue"},
		"quality", store.QualityRevenue)
	roi.Change, roi.Tone = pointChange(this.ROI(), before.ROI())
	return []kpi{leads, cpl, conv, roi}
}

func moneyOrDash(n *big.Int) string {
	if n == nil || !n.IsInt64() {
		return "—"
	}
	return formatMoney(n.Int64())
}

func ratePercent(r *big.Rat) string {
	if r == nil {
		return "—"
	}
	f, _ := r.Float64()
	return percent(f)
}

// relativeChange is "+12 %" of now against before; higherIsBetter picks the tone.
func relativeChange(now, before *big.Rat, higherIsBetter bool) (string, string) {
	if before.Sign() == 0 {
		if now.Sign() == 0 {
			return "no change", "flat"
		}
		return "none before", tone(true, higherIsBetter)
	}
	ch := new(big.Rat).Quo(new(big.Rat).Sub(now, before), before)
	f, _ := ch.Float64()
	if f > -0.0005 && f < 0.0005 {
		return "no change", "flat"
	}
	return fmt.Sprintf("%+.0f %%", f*100), tone(f > 0, higherIsBetter)
}

// pointChange is the change of a rate in percentage points.
func pointChange(now, before *big.Rat) (string, string) {
	if now == nil || before == nil {
		return "", "flat"
	}
	d := new(big.Rat).Sub(now, before)
	f, _ := d.Float64()
	if f > -0.0005 && f < 0.0005 {
		return "no change", "flat"
	}
	if math.Abs(f) >= 1 {
		return fmt.Sprintf("%+.0f pts", f*100), tone(f > 0, true)
	}
	return fmt.Sprintf("%+.1f pts", f*100), tone(f > 0, true)
}

func tone(up, higherIsBetter bool) string {
	if up == higherIsBetter {
		return "good"
	}
	return "bad"
}

// costPerLeadChart is the cost per lead of each channel that had costs or leads in the
// window: cost entries dated in it ÷ contacts created in it.
func costPerLeadChart(weeks []store.WeekLeads, costs map[string]int64, from, to time.Time) hbarChart {
	leads := map[string]int64{}
	for _, w := range weeks {
		leads[w.Channel] += w.Leads
	}
	present := map[string]int64{}
	for ch, n := range costs {
		if n > 0 {
			present[ch] = 1
		}
	}
	var rows []hbar
	var values []float64
	for _, ch := range chartChannels(present) {
		row := hbar{Label: channelLabel(ch), URL: contactsURL(from, to, "channel", ch), Class: "ch-" + ch}
		cost := costs[ch]
		if leads[ch] == 0 {
			row.Value, row.Note = "—", formatMoney(cost)+" spent, no leads"
			values = append(values, 0)
		} else {
			cpl := report.RoundMinor(big.NewRat(cost, leads[ch])).Int64()
			row.Value = formatMoney(cpl)
			row.Note = formatCount(leads[ch]) + " leads, " + formatMoney(cost) + " spent"
			values = append(values, float64(cpl))
		}
		rows = append(rows, row)
	}
	return layoutHbars(rows, values)
}

// funnelChart is the cohort of the window through the stages, each with the share of
// the step before it.
func funnelChart(cohort int64, reached map[string]int64, from, to time.Time) hbarChart {
	steps := []struct{ stage, label string }{{"", "New leads"}, {lifecycle.MQL, "MQL"}, {lifecycle.SQL, "SQL"},
		{lifecycle.Opportunity, "Opportunity"}, {lifecycle.Customer, "Customer"}}
	var rows []hbar
	var values []float64
	prev := int64(-1)
	for _, s := range steps {
		n := cohort
		url := contactsURL(from, to)
		class := "funnel-new"
		if s.stage != "" {
			n, url, class = reached[s.stage], contactsURL(from, to, "reached", s.stage), "bar-"+s.stage
		}
		row := hbar{Label: s.label, Value: formatCount(n), URL: url, Class: class}
		if prev >= 0 {
			if prev == 0 {
				row.Note = "— of the step before"
			} else {
				row.Note = percent(float64(n)/float64(prev)) + " of the step before"
			}
		}
		prev = n
		rows = append(rows, row)
		values = append(values, float64(n))
	}
	return layoutHbars(rows, values)
}

// widthClass is the bar width of n against the largest count, in steps of 5 %.
// A stage with anyone in it always shows a sliver.
func widthClass(n, most int64) string {
	if n <= 0 || most <= 0 {
		return "w-0"
	}
	step := (n*20 + most - 1) / most // round up to the next 5 %
	return "w-" + itoa(step*5)
}
