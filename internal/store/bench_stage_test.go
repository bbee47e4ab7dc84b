package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// BenchmarkSetStage is a person's stage move, one transaction each: the contact's
// stage, the stage entries it passes, its stage_changed event, and the roll-ups and
// report marks their triggers keep.
func BenchmarkSetStage(b *testing.B) {
	const known = 500
	s := storetest.Open(b)
	seed := make([]store.Capture, known)
	for i := range seed {
		seed[i] = store.Capture{Type: "form_submit", Email: fmt.Sprintf("s%d@firm%d.com", i, i%50), Touch: true,
			OccurredAt: time.Unix(1700000000+int64(i)*3600, 0), Channel: "email"}
	}
	out, err := s.Ingest(ctx, seed)
	if err != nil {
		b.Fatal(err)
	}
	stages := []string{"mql", "sql", "lead", "customer", "mql"}
	n := 0
	for b.Loop() {
		c := out[n%known].ContactID
		if _, err := s.SetStage(ctx, c, stages[(n/known)%len(stages)], "bench", "bench"); err != nil {
			b.Fatal(err)
		}
		n++
	}
}
