package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// BenchmarkIngestKnownContacts is the store's share of API event ingest of what
// tracking and email send most: batches of 100 page views, opens and clicks about
// 2,000 known contacts. The raw sub-benchmark is the ceiling beside it: the same
// number of event rows in one multi-row insert per batch.
func BenchmarkIngestKnownContacts(b *testing.B) {
	const known = 2000
	s := storetest.Open(b)
	seed := make([]store.Capture, known)
	for i := range seed {
		seed[i] = store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@firm%d.com", i, i%300), Touch: true,
			OccurredAt: time.Unix(1700000000, 0), Fields: store.ContactFields{FirstName: "Pat", LastName: fmt.Sprint("Lee", i)},
			CompanyDomain: fmt.Sprintf("firm%d.com", i%300)}
	}
	for i := 0; i < known; i += 500 {
		if _, err := s.Ingest(ctx, seed[i:i+500]); err != nil {
			b.Fatal(err)
		}
	}
	types := []string{"page_view", "email_open", "email_click", "webinar_attended"}
	b.Run("lodestone", func(b *testing.B) {
		n := 0
		cpu := cpuTime()
		for b.Loop() {
			caps := make([]store.Capture, 100)
			for j := range caps {
				n++
				t := types[n%len(types)]
				props := map[string]any{"page_url": fmt.Sprintf("https://www.example.com/blog/post-%d", n%50)}
				if t == "email_open" || t == "email_click" {
					props = map[string]any{"email": fmt.Sprint("spring-news-", n%4), "page_url": "https://www.example.com/spring?utm_source=newsletter&utm_medium=email"}
				}
				caps[j] = store.Capture{Type: t, Email: fmt.Sprintf("p%d@firm%d.com", (n*7919)%known, ((n*7919)%known)%300),
					OccurredAt: time.Unix(1700003600+int64(n), 0), Properties: props, Touch: t == "email_click"}
			}
			if _, err := s.Ingest(ctx, caps); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*100), "cpu-µs/event")
	})
	b.Run("raw", func(b *testing.B) {
		ids := make([]int64, 100)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		cpu := cpuTime()
		for b.Loop() {
			if err := s.RawInsertEvents(ctx, ids, time.Unix(1700003600, 0)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N*100), "cpu-µs/event")
	})
}

// BenchmarkIngestGroupedForms is the store's share of durable form posts: many
// callers at once, each with one submission that creates a contact, sharing commits.
func BenchmarkIngestGroupedForms(b *testing.B) {
	s := storetest.Open(b)
	var n atomic.Int64
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			c := store.Capture{Type: "form_submit", Email: fmt.Sprintf("f%d@shop%d.com", i, i%400), Touch: true, OccurredAt: time.Unix(1700000000+i, 0),
				Fields:        store.ContactFields{FirstName: "Sam", LastName: fmt.Sprint("Ng", i), CompanyName: "Shop", JobTitle: "Buyer"},
				CompanyDomain: fmt.Sprintf("shop%d.com", i%400), Properties: map[string]any{"page_url": "https://shop.example/offer?utm_source=google&utm_medium=cpc"}}
			if _, err := s.IngestGrouped(ctx, []store.Capture{c}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	// The search words the posts left to the background (SQLite) count too.
	if err := s.IndexSearchWords(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}
