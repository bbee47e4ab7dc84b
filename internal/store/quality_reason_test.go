package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// A rejection reason's figure in the quality table and the list its link opens agree,
// whatever whitespace the reason came with: a reason sent with a line break is its own
// reason in both, and sales' own rejections are stored trimmed.
func TestQualityReasonFigureMatchesItsList(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	s.Now = func() time.Time { return day(20) }
	ids := map[string]int64{}
	for i, who := range []string{"ann", "ben", "cat"} {
		out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: who + "@example.com", OccurredAt: day(2 + i), Touch: true, Channel: "paid_search"}})
		if err != nil {
			t.Fatal(err)
		}
		ids[who] = out[0].ContactID
		if _, err := s.SetStage(ctx, ids[who], "sql", "asked for a quote", "test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "sql_rejected", ContactID: ids["ann"], OccurredAt: day(10),
		Properties: map[string]any{"reason": "student\n"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "sql_rejected", ContactID: ids["ben"], OccurredAt: day(10),
		Properties: map[string]any{"reason": "  student "}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RejectSQL(ctx, ids["cat"], " student\t", "test"); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Quality(ctx, day(1), day(31), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 {
		t.Fatalf("%d quality rows, want 1", len(rows))
	}
	reasons := rows[0].Reasons
	if reasons["student"] != 2 || reasons["student\n"] != 1 || len(reasons) != 2 {
		t.Errorf("reasons %v, want student twice (ben as typed, cat stored trimmed) and student with its line break once (ann)", reasons)
	}
	for reason, n := range reasons {
		r := store.TrimReason(reason)
		page, err := s.Contacts(ctx, store.ContactFilter{Limit: 50, CreatedFrom: day(1), CreatedTo: day(31),
			Quality: &store.QualityFilter{Figure: store.QualityRejected, Reason: &r}})
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(page.Contacts)) != n {
			t.Errorf("reason %q counts %d, its list holds %d", reason, n, len(page.Contacts))
		}
	}
}
