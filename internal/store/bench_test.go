package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// BenchmarkIngestNewContacts is the store's share of API event ingest: batches of 100
// captures, each creating a contact with a company.
func BenchmarkIngestNewContacts(b *testing.B) {
	s := storetest.Open(b)
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		caps := make([]store.Capture, 100)
		for j := range caps {
			n++
			caps[j] = store.Capture{Type: "form_submit", Email: fmt.Sprintf("u%d@corp%d.com", n, n%500), OccurredAt: time.Unix(1700000000+int64(n), 0), Touch: true, Stage: "lead",
				Fields: store.ContactFields{FirstName: "Ann", LastName: fmt.Sprintf("Smith%d", n), CompanyName: "Corp"}, CompanyDomain: fmt.Sprintf("corp%d.com", n%500)}
		}
		if _, err := s.Ingest(ctx, caps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}
