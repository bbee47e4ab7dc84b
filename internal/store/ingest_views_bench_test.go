package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// BenchmarkTrackingWriter is the tracker's writer: batches of 500 page views as the
// harness's collect phase sends them (three in ten from a new visitor, the rest from
// 3,000 returning ones; one in five from a campaign link, one in four from a search
// engine or social site), recorded by IngestEach ("each", one capture at a time) and
// by IngestViews ("views", set-based), each on its own database that starts with
// 20,000 page views stored. Run the two alternately (-count 1) to compare them.
func BenchmarkTrackingWriter(b *testing.B) {
	for _, bench := range []struct {
		name   string
		ingest func(*store.Store, []store.Capture) []error
	}{
		{"each", func(s *store.Store, caps []store.Capture) []error { return s.IngestEach(ctx, caps) }},
		{"views", func(s *store.Store, caps []store.Capture) []error { return s.IngestViews(ctx, caps) }},
	} {
		b.Run(bench.name, func(b *testing.B) {
			s := storetest.Open(b)
			if _, err := s.CreateCampaign(ctx, store.Campaign{Name: "Brand Q4", Channel: "paid_search", UTMCampaign: "brand-q4"}, "test"); err != nil {
				b.Fatal(err)
			}
			n := 0
			at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
			batch := func() []store.Capture {
				caps := make([]store.Capture, 500)
				for i := range caps {
					n++
					at = at.Add(3 * time.Millisecond)
					caps[i] = collectHit(n, at)
				}
				return caps
			}
			for range 40 {
				for _, err := range bench.ingest(s, batch()) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			before := cpuTime()
			for b.Loop() {
				for _, err := range bench.ingest(s, batch()) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "hits/s")
			// CPU time is steadier than the rate on a shared machine; SQLite's share is
			// in it (cgo), PostgreSQL's is not.
			b.ReportMetric(float64((cpuTime()-before).Microseconds())/float64(b.N*500), "cpu-µs/hit")
		})
	}
}

var (
	benchPages     = []string{"/", "/pricing", "/features/forms", "/features/scoring", "/blog/2026/lead-scoring-basics", "/docs/getting-started", "/contact"}
	benchUTMs      = []string{"utm_source=google&utm_medium=cpc&utm_campaign=brand-q4", "utm_source=linkedin&utm_medium=paid_social&utm_campaign=webinar-q4", "utm_source=newsletter&utm_medium=email&utm_campaign=nov-digest"}
	benchReferrers = []string{"https://www.google.com/", "https://www.bing.com/search?q=lead+management", "https://www.linkedin.com/feed/", "https://t.co/abc123"}
)

// collectHit is the n-th hit of bench/collect.lua, as the handler makes it.
func collectHit(n int, at time.Time) store.Capture {
	v := (n * 7919) % 3000
	if n%10 < 3 {
		v = 3000 + n
	}
	url := "https://www.example-shop.com" + benchPages[(n*31)%len(benchPages)]
	ref := ""
	switch r := n % 20; {
	case r < 4:
		url += "?" + benchUTMs[(n/20)%len(benchUTMs)]
		if r < 2 {
			ref = benchReferrers[(n/20)%len(benchReferrers)]
		}
	case r < 9:
		ref = benchReferrers[n%len(benchReferrers)]
	case r < 17:
		ref = "https://www.example-shop.com" + benchPages[(n*7)%len(benchPages)]
	}
	return store.Capture{Type: "page_view", VisitorID: fmt.Sprintf("v%08x", v), OccurredAt: at, Actor: "tracking",
		Web:        attribution.FromProperties(map[string]string{"page_url": url, "referrer": ref}),
		Properties: map[string]any{"title": "Page", "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}}
}
