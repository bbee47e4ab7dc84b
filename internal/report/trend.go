package report

import (
	"math/big"
	"slices"
	"time"
)

// MonthsOf splits [from, to) at the first of each month (UTC): the periods of the trend.
// The first and last may be parts of a month, so the months add up to the period.
func MonthsOf(from, to time.Time) [][2]time.Time {
	var out [][2]time.Time
	for start := from; start.Before(to); {
		next := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
		out = append(out, [2]time.Time{start, earlier(next, to)})
		start = next
	}
	return out
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Trend is the sources report month by month under first_touch: one series per group,
// with a point for every month (empty months count zero), and the totals per month.
type Trend struct {
	Months []time.Time // the first day of each month's period
	Series []Series
	Totals []Metrics
}

// Series is one group's figures month by month.
type Series struct {
	Channel  string
	Campaign *Campaign
	Points   []Metrics
}

// BuildTrend puts the monthly reports side by side; reports[i] is the report of month i.
func BuildTrend(months [][2]time.Time, reports []Report) Trend {
	t := Trend{Totals: make([]Metrics, len(reports))}
	index := map[key]int{}
	for i, rep := range reports {
		t.Months = append(t.Months, months[i][0])
		t.Totals[i] = rep.Totals
		for _, r := range rep.Rows {
			k := key{channel: r.Channel}
			if r.Campaign != nil {
				k.campaignID = r.Campaign.ID
			}
			j, ok := index[k]
			if !ok {
				j = len(t.Series)
				index[k] = j
				t.Series = append(t.Series, Series{Channel: r.Channel, Campaign: r.Campaign, Points: make([]Metrics, len(reports))})
			}
			t.Series[j].Points[i] = r.Metrics
		}
	}
	for i := range t.Series {
		for j := range t.Series[i].Points {
			if t.Series[i].Points[j].Customers == nil {
				t.Series[i].Points[j] = zeroMetrics()
			}
		}
	}
	slices.SortStableFunc(t.Series, func(a, b Series) int {
		return compareRows(Row{Channel: a.Channel, Campaign: a.Campaign}, Row{Channel: b.Channel, Campaign: b.Campaign})
	})
	return t
}

func zeroMetrics() Metrics { return Metrics{Customers: new(big.Rat)} }
