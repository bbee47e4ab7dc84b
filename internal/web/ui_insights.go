package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/insights"
)

// insightsPage is the /insights screen: "where do my best customers come from, and who
// are they", then the quality of each source's clients and leads.
type insightsPage struct {
	Outcome, From, To string // as in the form; To is the last day shown, inclusive
	MinSample         int64
	Outcomes          []string
	MinSamples        []int64
	Problem           string

	Contacts, Converted int64
	Rate                string // "4.1 %", or "" for an empty cohort
	RateCI              string
	CohortURL           string
	ConvertedURL        string

	Sources []insightCard // where they come from
	Traits  []insightCard // who they are

	QualityBy string // channel or campaign
	Quality   []qualityRow
	Total     qualityRow
}

type insightCard struct {
	Attribute string
	Label     string
	Rows      []insightRow
	More      int    // values with the minimum sample beyond the ones shown
	AllURL    string // this page with every value of the card shown
	Hidden    int    // values under the minimum sample
	Scale     string
}

type insightRow struct {
	Label               string
	Contacts, Converted int64
	Rate, RateCI        string
	Lift, LiftCI        string
	Tone                string // up, down or even: does the interval clear the baseline?
	ContactsURL         string
	ConvertedURL        string
	Bar                 ciBar
}

// ciBar is a lift and its interval on a 0..max scale, in SVG user units (0 to 200).
type ciBar struct {
	Low, Width, Dot, Base float64
	Known                 bool
}

const barWidth = 200.0

// maxRowsPerCard keeps a card readable; ?all=ATTRIBUTE shows one card whole.
const maxRowsPerCard = 10

func (u *ui) insightsPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	v := r.URL.Query()
	now := u.s.store.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	page := insightsPage{Outcome: "customer", MinSample: insights.DefaultMinSample, Outcomes: insights.Outcomes,
		MinSamples: []int64{10, 20, 30, 50, 100, 200}, QualityBy: "channel",
		From: today.AddDate(0, -6, 0).Format(time.DateOnly), To: today.Format(time.DateOnly)}
	if v.Get("from") != "" {
		page.From = v.Get("from")
	}
	if v.Get("to") != "" {
		page.To = v.Get("to")
	}
	if v.Get("outcome") != "" {
		page.Outcome = v.Get("outcome")
	}
	if v.Get("min_sample") != "" {
		page.MinSample, _ = strconv.ParseInt(v.Get("min_sample"), 10, 64)
	}
	if v.Get("quality_by") == "campaign" {
		page.QualityBy = "campaign"
	}
	if !slices.Contains(page.MinSamples, page.MinSample) && page.MinSample > 0 {
		page.MinSamples = append(page.MinSamples, page.MinSample)
		slices.Sort(page.MinSamples)
	}
	// The form's "to" is the last day shown; the period ends the day after.
	q := url.Values{"outcome": {page.Outcome}, "from": {page.From}, "min_sample": {v.Get("min_sample")}}
	if to, err := time.Parse(time.DateOnly, page.To); err == nil {
		q.Set("to", to.AddDate(0, 0, 1).Format(time.DateOnly))
	} else {
		q.Set("to", page.To)
	}
	if q.Get("min_sample") == "" {
		q.Del("min_sample")
	}
	iq, err := insightQueryFrom(q)
	var e *errs.Error
	status := http.StatusOK
	switch {
	case errors.As(err, &e) && e.Code == errs.Invalid:
		page.Problem, status = insightFieldLabel(e.Field)+" "+e.Message, http.StatusUnprocessableEntity
	case err != nil:
		return err
	default:
		if err := u.fillInsights(r, &page, iq); err != nil {
			return err
		}
	}
	u.render(w, r, status, "insights", view{Title: "Audience insights", Nav: "insights", User: p, Data: page})
	return nil
}

func insightFieldLabel(field string) string {
	switch field {
	case "from":
		return "From"
	case "to":
		return "To"
	case "min_sample":
		return "Minimum sample"
	case "outcome":
		return "Outcome"
	}
	return field
}

func (u *ui) fillInsights(r *http.Request, page *insightsPage, q insightQuery) error {
	rep, err := u.s.insightReport(r, q)
	if err != nil {
		return err
	}
	cohort := url.Values{"created_from": {page.From}, "created_to": {page.To}} // the list reads created_to as a whole day
	page.Contacts, page.Converted = rep.Baseline.Contacts, rep.Baseline.Converted
	page.CohortURL = "/contacts?" + cohort.Encode()
	withOutcome := func(v url.Values) string {
		v.Set("reached", q.outcome)
		return "/contacts?" + v.Encode()
	}
	page.ConvertedURL = withOutcome(cloneValues(cohort))
	if rep.Rate != nil {
		page.Rate, page.RateCI = percent(*rep.Rate), percent(rep.RateCI.Low)+" – "+percent(rep.RateCI.High)
	}
	for _, a := range rep.Attributes {
		card := insightCard{Attribute: a.Attribute, Label: a.Label, Hidden: a.Hidden}
		whole := cloneValues(r.URL.Query())
		whole.Set("all", a.Attribute)
		card.AllURL = "/insights?" + whole.Encode() + "#insight-" + a.Attribute
		top := 2.0 // the scale reaches at least twice the baseline, so 1 sits mid-way or lower
		for _, val := range a.Values {
			if val.LiftCI != nil {
				top = math.Max(top, val.LiftCI.High)
			}
		}
		top = math.Ceil(top)
		card.Scale = fmt.Sprintf("0 to %g× the baseline", top)
		for i, val := range a.Values {
			if i == maxRowsPerCard && r.URL.Query().Get("all") != a.Attribute {
				card.More = len(a.Values) - i
				break
			}
			link := cloneValues(cohort)
			link.Set("attribute", a.Attribute)
			link.Set("value", val.Value)
			link.Set("outcome", q.outcome) // pages count when seen before the outcome
			row := insightRow{Label: valueLabel(a.Attribute, val.Label), Contacts: val.Contacts, Converted: val.Converted,
				Rate: percent(val.Rate), RateCI: percent(val.RateCI.Low) + " – " + percent(val.RateCI.High),
				ContactsURL: "/contacts?" + link.Encode(), ConvertedURL: withOutcome(link), Tone: "even"}
			if val.Lift != nil {
				row.Lift = fmt.Sprintf("%.2f×", *val.Lift)
				row.LiftCI = fmt.Sprintf("%.2f – %.2f", val.LiftCI.Low, val.LiftCI.High)
				switch {
				case val.LiftCI.Low > 1:
					row.Tone = "up"
				case val.LiftCI.High < 1:
					row.Tone = "down"
				}
				scale := func(x float64) float64 { return math.Round(math.Min(x, top)/top*barWidth*10) / 10 }
				row.Bar = ciBar{Known: true, Low: scale(val.LiftCI.Low), Width: math.Max(scale(val.LiftCI.High)-scale(val.LiftCI.Low), 1),
					Dot: scale(*val.Lift), Base: scale(1)}
			}
			card.Rows = append(card.Rows, row)
		}
		switch a.Attribute {
		case "channel", "campaign", "content":
			page.Sources = append(page.Sources, card)
		default:
			page.Traits = append(page.Traits, card)
		}
	}
	return u.fillQuality(r, page, q)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// valueLabel shows a value as people read it.
func valueLabel(attribute, label string) string {
	switch attribute {
	case "channel":
		return channelLabel(label)
	case "seniority", "department", "email_type":
		switch label {
		case "vp":
			return "VP"
		case "hr":
			return "HR"
		case "it":
			return "IT"
		}
		return humanize(label)
	case "phone_type":
		switch label {
		case "fixed_line":
			return "Landline"
		case "fixed_line_or_mobile":
			return "Landline or mobile"
		case "voip":
			return "VoIP"
		case "toll_free":
			return "Toll-free"
		}
		return humanize(label)
	}
	return label
}

// percent shows a ratio as a percentage with one decimal, or none from 100 % up.
func percent(f float64) string {
	if math.Abs(f) >= 1 {
		n := int64(math.Round(f * 100))
		return formatCount(n) + " %"
	}
	return strings.Replace(fmt.Sprintf("%.1f %%", f*100), ".0 %", " %", 1)
}
