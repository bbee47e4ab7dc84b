package insights

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 5e-5 }

// Wilson intervals worked out by hand with z = 1.96:
//
//	5 of 10:  z²/n = 0.38415; centre (0.5 + 0.19207) / 1.38415 = 0.5;
//	          half 1.96 / 1.38415 × √(0.025 + 0.0096037) = 0.26341 → [0.23659, 0.76341]
//	0 of 100: centre = half = (0.019207) / 1.038415 = 0.018497 → [0, 0.036994]
//	10 of 10: the mirror image of 0 of 10 → [0.72246, 1]
//	3 of 40:  p = 0.075, z²/n = 0.096037; centre (0.075 + 0.048018) / 1.096037 = 0.11224;
//	          half 1.78823 × √(0.00173438 + 0.00060023) = 0.08640 → [0.02584, 0.19864]
func TestWilson(t *testing.T) {
	for _, c := range []struct {
		k, n      int64
		low, high float64
	}{
		{5, 10, 0.23659, 0.76341},
		{0, 100, 0, 0.036994},
		{10, 10, 0.72246, 1},
		{3, 40, 0.02584, 0.19864},
	} {
		got, ok := Wilson(c.k, c.n)
		if !ok || !near(got.Low, c.low) || !near(got.High, c.high) {
			t.Errorf("Wilson(%d, %d) = %+v %v, want [%v, %v]", c.k, c.n, got, ok, c.low, c.high)
		}
	}
	if _, ok := Wilson(0, 0); ok {
		t.Error("Wilson of no trials has an interval")
	}
}

// Lift: a rate of 0.5 [0.23659, 0.76341] over a baseline of 0.25 is 2 [0.94636, 3.05364].
func TestLift(t *testing.T) {
	l, ci, ok := Lift(0.5, Interval{0.23659, 0.76341}, 0.25)
	if !ok || !near(l, 2) || !near(ci.Low, 0.94636) || !near(ci.High, 3.05364) {
		t.Errorf("Lift = %v %+v %v", l, ci, ok)
	}
	if _, _, ok := Lift(0.5, Interval{}, 0); ok {
		t.Error("a zero baseline gave a lift")
	}
}

// A cohort of 100 with 10 customers: DE 40 contacts and 3 customers, GB 10 with 5,
// FR 29 (under the minimum of 30) with 2; campaign 7 is labelled by its name.
func TestBuild(t *testing.T) {
	c := NewCounts()
	c.Baseline = Count{Contacts: 100, Converted: 10}
	add := func(attr, v string, n, k int) {
		for i := range n {
			c.Add(attr, v, i < k)
		}
	}
	add("country", "DE", 40, 3)
	add("country", "GB", 10, 5)
	add("country", "FR", 29, 2)
	add("campaign", "7", 30, 6)
	c.Label("campaign", "7", "Spring search")
	add("custom.interest", "routing", 30, 0)

	rep := Build(c, 10)
	if rep.Rate == nil || *rep.Rate != 0.1 || rep.MinSample != 10 {
		t.Fatalf("baseline %v, min %d", rep.Rate, rep.MinSample)
	}
	if len(rep.Attributes) != 3 || rep.Attributes[0].Attribute != "campaign" || rep.Attributes[1].Attribute != "country" || rep.Attributes[2].Attribute != "custom.interest" {
		t.Fatalf("attributes %+v", rep.Attributes)
	}
	camp := rep.Attributes[0].Values[0]
	if camp.Label != "Spring search" || camp.Value != "7" || !near(*camp.Lift, 2) {
		t.Errorf("campaign %+v", camp)
	}
	// Ranked by lift: GB 0.5 (lift 5), FR 0.069 (hidden at min 30 only), DE 0.075.
	cs := rep.Attributes[1].Values
	if len(cs) != 3 || cs[0].Value != "GB" || cs[1].Value != "DE" || cs[2].Value != "FR" {
		t.Fatalf("countries %+v", cs)
	}
	gb := cs[0]
	if !near(gb.Rate, 0.5) || !near(*gb.Lift, 5) || !near(gb.LiftCI.Low, 2.3659) || !near(gb.LiftCI.High, 7.6341) {
		t.Errorf("GB %+v lift %v %+v", gb, *gb.Lift, *gb.LiftCI)
	}
	de := cs[1]
	if !near(*de.Lift, 0.75) || !near(de.LiftCI.Low, 0.25836) || !near(de.LiftCI.High, 1.98642) {
		t.Errorf("DE lift %v %+v", *de.Lift, *de.LiftCI)
	}
	if r := rep.Attributes[2]; r.Label != "Interest (custom field)" || *r.Values[0].Lift != 0 {
		t.Errorf("custom %+v", r)
	}

	rep = Build(c, 0) // the default, 30
	if got := rep.Attributes[1]; len(got.Values) != 1 || got.Values[0].Value != "DE" || got.Hidden != 2 {
		t.Errorf("at the default minimum: %+v", got)
	}
}

// An empty cohort, and a cohort nobody converted in: rates exist, lifts are null.
func TestBuildZeroDenominators(t *testing.T) {
	rep := Build(NewCounts(), 1)
	if rep.Rate != nil || rep.RateCI != nil || len(rep.Attributes) != 0 {
		t.Errorf("empty cohort: %+v", rep)
	}
	c := NewCounts()
	c.Baseline = Count{Contacts: 2}
	c.Add("country", "DE", false)
	c.Add("country", "DE", false)
	rep = Build(c, 1)
	v := rep.Attributes[0].Values[0]
	if *rep.Rate != 0 || v.Rate != 0 || v.Lift != nil || v.LiftCI != nil {
		t.Errorf("nobody converted: %+v", v)
	}
}

func TestValidAttribute(t *testing.T) {
	for name, want := range map[string]bool{"country": true, "content": true, "age_band": true, "custom.interest": true, "custom.": false,
		"custom.a b": false, "custom.x'); DROP": false, "age": false, "": false} {
		if got := ValidAttribute(name); got != want {
			t.Errorf("ValidAttribute(%q) = %v", name, got)
		}
	}
}
