// Package insights is the audience insights of SPEC section 8: for an outcome (a stage
// such as customer or SQL) over a cohort of contacts, each attribute value's conversion
// rate and its lift over the cohort's rate, with a 95 % Wilson score interval and a
// minimum sample below which a value is not shown. It is pure: the store counts, this
// package judges the counts.
package insights

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Attribute is something a contact can be described by.
type Attribute struct {
	Name  string // the API name
	Label string // how the screen names it
}

// The built-in attributes; custom fields are named CustomPrefix + their key.
var Attributes = []Attribute{
	{"channel", "First-touch channel"},
	{"campaign", "First-touch campaign"},
	{"country", "Country"},
	{"city", "City"},
	{"industry", "Industry"},
	{"company_size", "Company size"},
	{"seniority", "Seniority"},
	{"department", "Department"},
	{"email_type", "Email type"},
	{"age_band", "Age band"},
	{"content", "Pages seen"},
}

// CustomPrefix names a custom field as an attribute: custom.interest.
const CustomPrefix = "custom."

// Outcomes are the stages an insight can be asked about, from the most to the least
// demanding.
var Outcomes = []string{"customer", "opportunity", "sql", "mql"}

// DefaultMinSample is the smallest group shown unless the caller asks otherwise: below
// it, a rate says more about chance than about the audience.
const DefaultMinSample = 30

// ValidAttribute reports whether name is a built-in attribute or a custom field.
func ValidAttribute(name string) bool {
	if key, ok := strings.CutPrefix(name, CustomPrefix); ok {
		return ValidCustomKey(key)
	}
	return slices.ContainsFunc(Attributes, func(a Attribute) bool { return a.Name == name })
}

// ValidCustomKey accepts the keys forms and imports write: letters, digits, _ and -.
func ValidCustomKey(key string) bool {
	if key == "" || len(key) > 64 {
		return false
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// LabelOf is the screen name of an attribute.
func LabelOf(name string) string {
	if key, ok := strings.CutPrefix(name, CustomPrefix); ok {
		words := strings.ReplaceAll(key, "_", " ")
		return strings.ToUpper(words[:1]) + words[1:] + " (custom field)"
	}
	for _, a := range Attributes {
		if a.Name == name {
			return a.Label
		}
	}
	return name
}

// Count is how many contacts of the cohort hold a value, and how many of them reached
// the outcome.
type Count struct {
	Contacts  int64
	Converted int64
}

// Counts is what the store counted for one cohort and outcome.
type Counts struct {
	Baseline Count
	// Values holds, per attribute, the counts per value. A contact without a value is
	// in no value; a contact with several (pages seen, a list custom field) is in each.
	Values map[string]map[string]Count
	// Labels names values that are ids (campaigns): attribute → value → label.
	Labels map[string]map[string]string
}

// NewCounts returns empty counts ready for Add.
func NewCounts() *Counts {
	return &Counts{Values: map[string]map[string]Count{}, Labels: map[string]map[string]string{}}
}

// Add counts one contact holding value of attribute.
func (c *Counts) Add(attribute, value string, converted bool) {
	m := c.Values[attribute]
	if m == nil {
		m = map[string]Count{}
		c.Values[attribute] = m
	}
	n := m[value]
	n.Contacts++
	if converted {
		n.Converted++
	}
	m[value] = n
}

// Label names a value that is an id.
func (c *Counts) Label(attribute, value, label string) {
	m := c.Labels[attribute]
	if m == nil {
		m = map[string]string{}
		c.Labels[attribute] = m
	}
	m[value] = label
}

// Interval is a closed range of a ratio.
type Interval struct {
	Low, High float64
}

// Value is one attribute value's conversion rate with its 95 % Wilson interval, and
// its lift over the baseline.
type Value struct {
	Value     string
	Label     string
	Contacts  int64
	Converted int64
	Rate      float64
	RateCI    Interval
	// Lift is rate / baseline rate; nil when the baseline rate is zero.
	Lift   *float64
	LiftCI *Interval
}

// Result is one attribute's values that have the minimum sample, best lift first.
type Result struct {
	Attribute string
	Label     string
	Values    []Value
	// Hidden counts the values left out for a sample under the minimum.
	Hidden int
}

// Report is the audience insights of one cohort and outcome.
type Report struct {
	Baseline   Count
	Rate       *float64 // nil for an empty cohort
	RateCI     *Interval
	MinSample  int64
	Attributes []Result
}

// Z95 is the standard normal quantile of a two-sided 95 % interval.
const Z95 = 1.959963984540054

// Wilson is the 95 % Wilson score interval of k successes in n trials; ok is false
// when n is zero.
func Wilson(k, n int64) (Interval, bool) {
	if n <= 0 {
		return Interval{}, false
	}
	p, nf, z2 := float64(k)/float64(n), float64(n), Z95*Z95
	den := 1 + z2/nf
	center := (p + z2/(2*nf)) / den
	half := Z95 / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return Interval{Low: math.Max(0, center-half), High: math.Min(1, center+half)}, true
}

// Lift is rate / baseline with the interval of the rate divided by the baseline; ok
// is false when the baseline is zero.
func Lift(rate float64, ci Interval, baseline float64) (float64, Interval, bool) {
	if baseline <= 0 {
		return 0, Interval{}, false
	}
	return rate / baseline, Interval{Low: ci.Low / baseline, High: ci.High / baseline}, true
}

// Build judges the counts: every attribute present in order (built-ins first, then
// custom fields by name), each with the values that have at least minSample contacts,
// ranked by lift, then by size. minSample below 1 means DefaultMinSample.
func Build(c *Counts, minSample int64) Report {
	if minSample < 1 {
		minSample = DefaultMinSample
	}
	rep := Report{Baseline: c.Baseline, MinSample: minSample}
	var base float64
	if ci, ok := Wilson(c.Baseline.Converted, c.Baseline.Contacts); ok {
		base = float64(c.Baseline.Converted) / float64(c.Baseline.Contacts)
		rep.Rate, rep.RateCI = &base, &ci
	}
	var names []string
	for _, a := range Attributes {
		if _, ok := c.Values[a.Name]; ok {
			names = append(names, a.Name)
		}
	}
	var custom []string
	for name := range c.Values {
		if strings.HasPrefix(name, CustomPrefix) {
			custom = append(custom, name)
		}
	}
	slices.Sort(custom)
	for _, name := range append(names, custom...) {
		res := Result{Attribute: name, Label: LabelOf(name)}
		for v, n := range c.Values[name] {
			if n.Contacts < minSample {
				res.Hidden++
				continue
			}
			ci, _ := Wilson(n.Converted, n.Contacts)
			val := Value{Value: v, Label: cmp.Or(c.Labels[name][v], v), Contacts: n.Contacts, Converted: n.Converted,
				Rate: float64(n.Converted) / float64(n.Contacts), RateCI: ci}
			if lift, lci, ok := Lift(val.Rate, ci, base); ok {
				val.Lift, val.LiftCI = &lift, &lci
			}
			res.Values = append(res.Values, val)
		}
		slices.SortFunc(res.Values, func(a, b Value) int {
			return cmp.Or(cmp.Compare(b.Rate, a.Rate), cmp.Compare(b.Contacts, a.Contacts), strings.Compare(a.Value, b.Value))
		})
		rep.Attributes = append(rep.Attributes, res)
	}
	return rep
}
