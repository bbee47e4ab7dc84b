package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// seedCountries lays down contacts 1..n, the even ones in DE and the odd ones in FR.
func seedCountries(t *testing.T, s *store.Store, n int) {
	t.Helper()
	for id := 1; id <= n; id++ {
		country := "FR"
		if id%2 == 0 {
			country = "DE"
		}
		if err := store.ExecForTest(ctx, s, `INSERT INTO contacts (id, email, country, stage, created_at, updated_at) VALUES (?, ?, ?, 'lead', ?, 0)`,
			id, fmt.Sprintf("p%d@x.com", id), country, filterNow.UnixMicro()); err != nil {
			t.Fatal(err)
		}
	}
}

func memberIDs(t *testing.T, s *store.Store, g *store.Segment, limit int) []int64 {
	t.Helper()
	var ids []int64
	cursor := ""
	for {
		page, err := s.SegmentMembers(ctx, g, limit, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Contacts {
			ids = append(ids, c.ID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
}

func TestSegmentDynamic(t *testing.T) {
	s := storetest.Open(t)
	s.Now = func() time.Time { return filterNow }
	seedCountries(t, s, 7)
	f, err := filter.Parse(`country = "DE"`)
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.CreateSegment(ctx, store.Segment{Name: " Germany ", Kind: store.SegmentDynamic, Filter: f}, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "Germany" {
		t.Errorf("name %q", g.Name)
	}
	if _, err := s.CreateSegment(ctx, store.Segment{Name: "Germany", Kind: store.SegmentDynamic, Filter: f}, "user:1"); !errs.Is(err, errs.Conflict) {
		t.Errorf("a second segment of the same name: %v", err)
	}
	got, err := s.Segment(ctx, g.ID)
	if err != nil || got.Filter.String() != `country = "DE"` {
		t.Fatalf("read back %v %v", got, err)
	}
	if n, err := s.SegmentCount(ctx, got); err != nil || n != 3 {
		t.Errorf("count %d %v, want 3", n, err)
	}
	// Two to a page: pages of 2, 2 and none left, newest first.
	if ids := memberIDs(t, s, got, 2); !reflect.DeepEqual(ids, []int64{6, 4, 2}) {
		t.Errorf("members %v", ids)
	}
	// A merged contact leaves the segment.
	if err := store.ExecForTest(ctx, s, `UPDATE contacts SET merged_into_id = 1 WHERE id = 4`); err != nil {
		t.Fatal(err)
	}
	if ids := memberIDs(t, s, got, 50); !reflect.DeepEqual(ids, []int64{6, 2}) {
		t.Errorf("members after a merge %v", ids)
	}
	f2, _ := filter.Parse(`country = "FR"`)
	got.Filter = f2
	if _, err := s.UpdateSegment(ctx, *got, "user:2"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Segment(ctx, g.ID)
	if n, _ := s.SegmentCount(ctx, got); n != 4 {
		t.Errorf("count after the filter changed %d, want 4", n)
	}
	got.Kind = store.SegmentStatic
	if _, err := s.UpdateSegment(ctx, *got, "user:2"); !errs.Is(err, errs.Invalid) {
		t.Errorf("changing the kind: %v", err)
	}
	if _, err := s.AddSegmentMembers(ctx, g.ID, []int64{1}, "user:2"); !errs.Is(err, errs.Invalid) {
		t.Errorf("adding to a dynamic segment: %v", err)
	}
	if err := s.DeleteSegment(ctx, g.ID, "user:3"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Segment(ctx, g.ID); !errs.Is(err, errs.NotFound) {
		t.Errorf("deleted segment: %v", err)
	}
	log, _ := s.Audit(ctx, 10)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action+" "+e.Actor)
	}
	want := []string{"segment.delete user:3", "segment.update user:2", "segment.create user:1"}
	if !reflect.DeepEqual(actions, want) {
		t.Errorf("audit %v, want %v", actions, want)
	}
}

func TestSegmentStatic(t *testing.T) {
	s := storetest.Open(t)
	seedCountries(t, s, 5)
	g, err := s.CreateSegment(ctx, store.Segment{Name: "Fair leads", Kind: store.SegmentStatic}, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.AddSegmentMembers(ctx, g.ID, []int64{1, 3, 3, 5}, "user:1"); err != nil || n != 3 {
		t.Fatalf("added %d %v, want 3", n, err)
	}
	if n, err := s.AddSegmentMembers(ctx, g.ID, []int64{2, 99}, "user:1"); !errs.Is(err, errs.Invalid) || n != 0 {
		t.Fatalf("adding an unknown contact: %d %v", n, err)
	} else if e, _ := err.(*errs.Error); e.Field != "contact_ids[1]" {
		t.Errorf("error names %q", e.Field)
	}
	if n, err := s.RemoveSegmentMembers(ctx, g.ID, []int64{3, 4}, "user:1"); err != nil || n != 1 {
		t.Fatalf("removed %d %v, want 1", n, err)
	}
	if ids := memberIDs(t, s, g, 50); !reflect.DeepEqual(ids, []int64{5, 1}) {
		t.Errorf("members %v", ids)
	}
	// A member merged into another contact counts as that contact.
	if err := store.ExecForTest(ctx, s, `UPDATE contacts SET merged_into_id = 2 WHERE id = 5`); err != nil {
		t.Fatal(err)
	}
	if ids := memberIDs(t, s, g, 50); !reflect.DeepEqual(ids, []int64{2, 1}) {
		t.Errorf("members after a merge %v", ids)
	}
	if n, _ := s.SegmentCount(ctx, g); n != 2 {
		t.Errorf("count %d, want 2", n)
	}
	f, _ := filter.Parse(`country = "DE"`)
	if _, err := s.CreateSegment(ctx, store.Segment{Name: "x", Kind: store.SegmentStatic, Filter: f}, "user:1"); !errs.Is(err, errs.Invalid) {
		t.Errorf("a static segment with a filter: %v", err)
	}
}

// TestSegmentTextRefusedByName proves that a segment's name and description are
// checked for what neither engine stores faithfully: a NUL byte was stored by SQLite
// and a 500 on PostgreSQL, and invalid UTF-8 (from a URL-encoded screen post) the same.
// Both are refused by field, on creation and on change, and nothing is written.
func TestSegmentTextRefusedByName(t *testing.T) {
	s := storetest.Open(t)
	for _, tt := range []struct {
		g     store.Segment
		field string
	}{
		{store.Segment{Name: "Fair\x00", Kind: store.SegmentStatic}, "name"},
		{store.Segment{Name: "Fair \xff", Kind: store.SegmentStatic}, "name"},
		{store.Segment{Name: "Fair", Description: "met at the \x00 booth", Kind: store.SegmentStatic}, "description"},
		{store.Segment{Name: "Fair", Description: "\xc0\xaf", Kind: store.SegmentStatic}, "description"},
	} {
		_, err := s.CreateSegment(ctx, tt.g, "user:1")
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != tt.field {
			t.Errorf("create %q / %q: %v, want invalid %s", tt.g.Name, tt.g.Description, err, tt.field)
		}
	}
	if list, err := s.Segments(ctx); err != nil || len(list) != 0 {
		t.Fatalf("segments after refusals: %d %v", len(list), err)
	}
	g, err := s.CreateSegment(ctx, store.Segment{Name: "Fair", Kind: store.SegmentStatic}, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	bad := *g
	bad.Description = "a\x00"
	if _, err := s.UpdateSegment(ctx, bad, "user:1"); !errs.Is(err, errs.Invalid) {
		t.Errorf("update with a NUL: %v, want invalid", err)
	}
}

// TestSegmentDeletedWhileMembersAreAdded adds contacts to a static segment while it is
// deleted. The adding read the segment before its transaction, so a delete in between
// made its inserts fail on the foreign key: a 500 on both engines. Now the add either
// goes first (and its members go with the segment) or finds no segment.
func TestSegmentDeletedWhileMembersAreAdded(t *testing.T) {
	s := storetest.Open(t)
	id := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "member@example.com", Touch: true})[0].ContactID
	for round := range 20 {
		g, err := s.CreateSegment(ctx, store.Segment{Name: fmt.Sprintf("Fair %d", round), Kind: store.SegmentStatic}, "user:1")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var addErr, delErr error
		wg.Add(2)
		go func() { defer wg.Done(); _, addErr = s.AddSegmentMembers(ctx, g.ID, []int64{id}, "user:1") }()
		go func() { defer wg.Done(); delErr = s.DeleteSegment(ctx, g.ID, "user:1") }()
		wg.Wait()
		if delErr != nil {
			t.Fatalf("round %d: delete: %v", round, delErr)
		}
		if addErr != nil && !errs.Is(addErr, errs.NotFound) {
			t.Fatalf("round %d: adding to a segment being deleted: %v, want done or not found", round, addErr)
		}
	}
}
