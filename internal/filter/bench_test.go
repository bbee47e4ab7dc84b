package filter

import (
	"testing"
	"time"
)

// BenchmarkEval is a typical fit rule and a behaviour condition over one contact.
func BenchmarkEval(b *testing.B) {
	e, err := ParseText(`seniority in ("director", "vp", "executive") and company.size in ("51-200", "201-500") and country in ("DE", "AT", "CH")
		and not (email_type = "free") and count(page_view where page_url contains "/pricing" in last 14 days) >= 2`)
	if err != nil {
		b.Fatal(err)
	}
	r := sample()
	for i := range 20 {
		r.Events = append(r.Events, Event{Type: "page_view", OccurredAt: testNow.Add(-time.Duration(i) * 24 * time.Hour), Properties: map[string]any{"page_url": "https://x.com/blog"}})
	}
	b.ReportAllocs()
	for b.Loop() {
		Eval(e, r, testNow)
	}
}

// BenchmarkParseText reads a filter of five conditions.
func BenchmarkParseText(b *testing.B) {
	src := `stage in ("mql", "sql") and fit_score >= 40 and job_title contains "market" or count(email_open in last 60 days) = 0`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseText(src); err != nil {
			b.Fatal(err)
		}
	}
}
