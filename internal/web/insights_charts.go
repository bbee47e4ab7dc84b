package web

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The dashboard's charts, laid out here as numbers for SVG templates: the page's
// Content-Security-Policy allows no scripts or inline styles, so the server draws.

// chartWidth and chartHeight are the SVG user units of the weekly chart.
const (
	chartWidth, chartHeight = 760.0, 250.0
	plotLeft, plotRight     = 44.0, 752.0
	plotTop, plotBottom     = 12.0, 212.0
)

type weeklyChart struct {
	Width, Height float64
	Bars          []weekBar
	Grid          []gridLine
	Labels        []axisLabel
	Legend        []legendItem
	Total         int64
}

type weekBar struct {
	Segments []barSegment
}

type barSegment struct {
	X, Y, W, H float64
	Channel    string
	Title      string
	URL        string
}

type gridLine struct {
	Y     float64
	Label string
}

type axisLabel struct {
	X     float64
	Label string
}

type legendItem struct {
	Channel, Label string
	Leads          int64
	URL            string
}

// niceCeiling rounds up to 1, 2 or 5 times a power of ten, so grid lines fall on round numbers.
func niceCeiling(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// contactsURL links to the contacts list of the created days [from, to) (the list's
// created_to is the last day, inclusive) with more filters.
func contactsURL(from, to time.Time, more ...string) string {
	v := url.Values{"created_from": {from.Format(time.DateOnly)}, "created_to": {to.AddDate(0, 0, -1).Format(time.DateOnly)}}
	for i := 0; i+1 < len(more); i += 2 {
		v.Set(more[i], more[i+1])
	}
	return "/contacts?" + v.Encode()
}

// buildWeekly stacks each week's new leads by channel, in the order of SPEC section 2.
func buildWeekly(rows []store.WeekLeads, from time.Time, weeks int) weeklyChart {
	c := weeklyChart{Width: chartWidth, Height: chartHeight}
	perWeek := make([]map[string]int64, weeks)
	for i := range perWeek {
		perWeek[i] = map[string]int64{}
	}
	byChannel := map[string]int64{}
	for _, r := range rows {
		if r.Week >= 0 && r.Week < weeks {
			perWeek[r.Week][r.Channel] += r.Leads
			byChannel[r.Channel] += r.Leads
			c.Total += r.Leads
		}
	}
	channels := chartChannels(byChannel)
	var most int64
	for _, w := range perWeek {
		var sum int64
		for _, n := range w {
			sum += n
		}
		most = max(most, sum)
	}
	top := niceCeiling(float64(most))
	scale := (plotBottom - plotTop) / top
	for i := 0; i <= 4; i++ {
		v := top * float64(i) / 4
		c.Grid = append(c.Grid, gridLine{Y: round1(plotBottom - v*scale), Label: formatCount(int64(v))})
	}
	slot := (plotRight - plotLeft) / float64(weeks)
	for i, w := range perWeek {
		start := from.AddDate(0, 0, 7*i)
		x := plotLeft + float64(i)*slot + slot*0.15
		y := plotBottom
		var bar weekBar
		for _, ch := range channels {
			n := w[ch]
			if n == 0 {
				continue
			}
			h := float64(n) * scale
			y -= h
			bar.Segments = append(bar.Segments, barSegment{X: round1(x), Y: round1(y), W: round1(slot * 0.7), H: round1(math.Max(h, 0.5)), Channel: ch,
				Title: fmt.Sprintf("%s, week of %s: %s new leads", channelLabel(ch), start.Format("Jan 2"), formatCount(n)),
				URL:   contactsURL(start, start.AddDate(0, 0, 7), "channel", ch)})
		}
		c.Bars = append(c.Bars, bar)
		if i%4 == 0 {
			c.Labels = append(c.Labels, axisLabel{X: round1(x + slot*0.35), Label: start.Format("Jan 2")})
		}
	}
	end := from.AddDate(0, 0, 7*weeks)
	for _, ch := range channels {
		c.Legend = append(c.Legend, legendItem{Channel: ch, Label: channelLabel(ch), Leads: byChannel[ch], URL: contactsURL(from, end, "channel", ch)})
	}
	return c
}

// chartChannels orders the channels present as SPEC section 2 lists them.
func chartChannels(present map[string]int64) []string {
	var out []string
	for _, ch := range attribution.Channels {
		if present[string(ch)] > 0 {
			out = append(out, string(ch))
		}
	}
	var other []string
	for ch, n := range present {
		if n > 0 && !attribution.Channel(ch).Valid() {
			other = append(other, ch)
		}
	}
	slices.Sort(other)
	return append(out, other...)
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// hbar is one row of a horizontal bar chart: a label, a value and a bar 0..100 wide.
type hbar struct {
	Label, Value, Note string
	Y, W, ValueX       float64
	URL                string
	Class              string
}

// hbarChart lays rows out hbarRow units apart in a 440-unit-wide SVG.
type hbarChart struct {
	Height float64
	Rows   []hbar
}

const hbarLeft, hbarWidth, hbarRow = 112.0, 240.0, 46.0

func layoutHbars(rows []hbar, values []float64) hbarChart {
	var most float64
	for _, v := range values {
		most = math.Max(most, v)
	}
	for i := range rows {
		rows[i].Y = float64(i) * hbarRow
		if most > 0 {
			rows[i].W = round1(math.Max(values[i]/most*hbarWidth, 1))
		}
		if values[i] <= 0 {
			rows[i].W = 0
		}
		rows[i].ValueX = hbarLeft + rows[i].W + 8
	}
	return hbarChart{Height: float64(len(rows)) * hbarRow, Rows: rows}
}
