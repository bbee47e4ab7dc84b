package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestConcurrentCreatesOfOneNameConflict creates campaigns with one name or one UTM
// key, forms with one slug, segments with one name, and company lists with one new
// domain, eight at a time, as a double-clicked button or a retrying client does. On
// PostgreSQL all eight passed the "is it taken?" check before any committed, and the
// losers' inserts failed on the unique constraint: a 500. Now exactly one of each is
// created and the others are conflicts naming the field (the company lists all go
// through, the later ones updating the company the first created).
func TestConcurrentCreatesOfOneNameConflict(t *testing.T) {
	s := storetest.Open(t)
	all := func(what string, field string, f func(i int) error) {
		t.Helper()
		errsOut := make([]error, 8)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range errsOut {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errsOut[i] = f(i)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errsOut {
			var e *errs.Error
			switch {
			case err == nil:
				ok++
			case !errs.Is(err, errs.Conflict):
				t.Errorf("%s: %v, want a conflict", what, err)
			case errors.As(err, &e) && e.Field != field:
				t.Errorf("%s: conflict on %q, want %q", what, e.Field, field)
			}
		}
		if ok != 1 {
			t.Errorf("%s: %d of 8 created, want 1", what, ok)
		}
	}
	germany, err := filter.Parse(`country = "DE"`)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		name := fmt.Sprintf("Fair %d", round)
		all("campaigns of one name", "name", func(int) error {
			_, err := s.CreateCampaign(ctx, store.Campaign{Name: name, Channel: "event"}, "user:1")
			return err
		})
		key := fmt.Sprintf("fair-%d", round)
		all("campaigns of one UTM key", "utm_campaign", func(i int) error {
			_, err := s.CreateCampaign(ctx, store.Campaign{Name: fmt.Sprintf("%s/%d", key, i), Channel: "event", UTMCampaign: key}, "user:1")
			return err
		})
		all("forms of one slug", "slug", func(int) error {
			_, err := s.SaveForm(ctx, store.Form{Slug: key, Name: "Fair", Kind: "lead", Definition: json.RawMessage(`{}`)}, "user:1")
			return err
		})
		all("segments of one name", "name", func(int) error {
			_, err := s.CreateSegment(ctx, store.Segment{Name: name, Kind: store.SegmentDynamic, Filter: germany}, "user:1")
			return err
		})
		domain := fmt.Sprintf("fair%d.example", round)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := s.ImportCompanies(ctx, []store.CompanyData{{Domain: domain, Name: "Fair", Industry: "Events"}}, "user:1"); err != nil {
					t.Errorf("company list with one new domain: %v", err)
				}
			}()
		}
		wg.Wait()
	}
}
