package store_test

import (
	"context"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// creditedWorld is reportWorld with two more journeys: Dan, who has no touch, wins
// 70.00 on 03-18 (direct under every model); Cleo clicks a paid social ad on 03-20,
// after her win, and wins 20.00 more on 04-05, after the period: that deal's revenue
// goes to the ad under the models that credit the last touch, her conversion does not.
// Eve clicks a social post of the Spring search campaign on 03-12 10:00, before her
// win: in every grouping, that touch falls in the row of the campaign's own channel.
func creditedWorld(t *testing.T) *store.Store {
	t.Helper()
	s := reportWorld(t)
	ctx := context.Background()
	id := func(email string) int64 {
		t.Helper()
		page, err := s.Contacts(ctx, store.ContactFilter{Email: email})
		if err != nil || len(page.Contacts) != 1 {
			t.Fatalf("%s: %v %v", email, page, err)
		}
		return page.Contacts[0].ID
	}
	won := func(contact, amount int64, closed time.Time) {
		t.Helper()
		if _, err := s.CreateDeal(ctx, store.Deal{ContactID: contact, Amount: amount, Status: store.DealWon, ClosedAt: closed}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	won(id("dan@example.com"), 7000, mar(18, 9))
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "ad_click", Email: "cleo@example.com", OccurredAt: mar(20, 9), Channel: "paid_social", Touch: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "ad_click", Email: "eve@example.com", OccurredAt: mar(12, 10), Channel: "social", CampaignID: 1, Touch: true}}); err != nil {
		t.Fatal(err)
	}
	won(id("cleo@example.com"), 2000, time.Date(2026, 4, 5, 9, 0, 0, 0, time.UTC))
	return s
}

// share is what one row of the report gives one customer.
type share struct {
	customers *big.Rat
	revenue   int64
}

// creditedByRow works out, from the journeys read straight from events and deals, who
// each row of the report credits: report.Build over one customer at a time.
func creditedByRow(d *report.Data, opt report.Options) map[string]map[int64]share {
	out := map[string]map[int64]share{}
	for _, c := range d.Customers {
		one := report.Data{Campaigns: d.Campaigns}
		if opt.Model == attribution.FirstTouch {
			var revenue int64
			for _, dl := range c.Deals {
				revenue += dl.Amount
			}
			one.Cohorts = []report.Cohort{{Source: c.FirstTouch, Customers: 1, Revenue: revenue}}
		} else {
			one.Customers = []report.Customer{c}
		}
		for _, r := range report.Build(one, opt).Rows {
			k := rowKey(r)
			if out[k] == nil {
				out[k] = map[int64]share{}
			}
			out[k][c.ID] = share{r.Customers, r.Revenue}
		}
	}
	return out
}

func rowKey(r report.Row) string {
	if r.Campaign == nil {
		return r.Channel + "/-"
	}
	return fmt.Sprintf("%s/%d", r.Channel, r.Campaign.ID)
}

// listAll reads every page of the list, two contacts a page, so that paging is
// exercised on the way.
func listCredited(t *testing.T, s *store.Store, f store.ContactFilter) []int64 {
	t.Helper()
	f.Limit = 2
	var out []int64
	for {
		page, err := s.Contacts(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Contacts {
			out = append(out, c.ID)
		}
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

// The contacts a row's customers and revenue list are those the row's figures add up,
// under every model and grouping: the contacts the model credits the row with (worked
// out again from the journeys read directly), whose shares add up to the row's
// customers and whose credited revenue adds up to its revenue; under the models of
// whole credits their number is the row's customers.
func TestCreditedContactsAddUpToTheReport(t *testing.T) {
	s := creditedWorld(t)
	ctx := context.Background()
	direct, err := s.SourcesReportDirect(ctx, march[0], march[1], true)
	if err != nil {
		t.Fatal(err)
	}
	if len(direct.Customers) != 5 {
		t.Fatalf("%d customers, want Ada, Cleo, Dan, Eve and Gus", len(direct.Customers))
	}
	lists := 0
	for _, m := range attribution.Models {
		data, err := s.SourcesReport(ctx, march[0], march[1], m)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []report.Grouping{report.ByChannel, report.ByCampaign, report.ByChannelCampaign} {
			opt := report.Options{Grouping: g, Model: m}
			rep := report.Build(*data, opt)
			want := creditedByRow(direct, opt)
			for _, row := range rep.Rows {
				for _, revenue := range []bool{false, true} {
					f := &store.CreditedFilter{Model: m, Grouping: g, Channel: row.Channel, Revenue: revenue, From: march[0], To: march[1]}
					if row.Campaign != nil {
						f.CampaignID = row.Campaign.ID
					}
					got := listCredited(t, s, store.ContactFilter{Credited: f})
					lists++
					name := fmt.Sprintf("%s by %s, row %s, revenue %v", m, g, rowKey(row), revenue)
					var wantIDs []int64
					for id, sh := range want[rowKey(row)] {
						if (!revenue && sh.customers.Sign() != 0) || (revenue && sh.revenue != 0) {
							wantIDs = append(wantIDs, id)
						}
					}
					slices.SortFunc(wantIDs, func(a, b int64) int { return int(b - a) })
					if !slices.Equal(got, wantIDs) {
						t.Errorf("%s: listed %v, want %v (newest first)", name, got, wantIDs)
						continue
					}
					sum, money := new(big.Rat), int64(0)
					for _, id := range got {
						sum.Add(sum, want[rowKey(row)][id].customers)
						money += want[rowKey(row)][id].revenue
					}
					if revenue && money != row.Revenue {
						t.Errorf("%s: the listed contacts' revenue is %d, the row's %d", name, money, row.Revenue)
					}
					if !revenue && sum.Cmp(row.Customers) != 0 {
						t.Errorf("%s: the listed contacts' shares add up to %s, the row's customers are %s", name, sum.RatString(), row.Customers.RatString())
					}
					if whole := m == attribution.FirstTouch || m == attribution.LastTouch; whole && !revenue && big.NewRat(int64(len(got)), 1).Cmp(row.Customers) != 0 {
						t.Errorf("%s: %d contacts listed, the row counts %s customers", name, len(got), row.Customers.RatString())
					}
				}
			}
			// No contact is credited to a row the report does not show.
			for k := range maps.Keys(want) {
				if !slices.ContainsFunc(rep.Rows, func(r report.Row) bool { return rowKey(r) == k }) {
					t.Errorf("%s by %s: customers credited to %s, which is no row", m, g, k)
				}
			}
		}
	}
	if lists < 9*3*2*4 {
		t.Errorf("only %d lists checked", lists)
	}
}

// Cleo's late deal shows customers and revenue apart: under last_touch the paid social
// row has her revenue, not her conversion; Dan, without a touch, is direct.
func TestCreditedContactsByHand(t *testing.T) {
	s := creditedWorld(t)
	ctx := context.Background()
	names := func(f *store.CreditedFilter) []string {
		t.Helper()
		page, err := s.Contacts(ctx, store.ContactFilter{Credited: f})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range page.Contacts {
			out = append(out, c.Email)
		}
		slices.Sort(out)
		return out
	}
	last := func(channel string, revenue bool) *store.CreditedFilter {
		return &store.CreditedFilter{Model: attribution.LastTouch, Grouping: report.ByChannel, Channel: channel, Revenue: revenue, From: march[0], To: march[1]}
	}
	for _, tc := range []struct {
		f    *store.CreditedFilter
		want []string
	}{
		{last("paid_social", false), nil},
		{last("paid_social", true), []string{"cleo@example.com"}},
		{last("organic_search", false), []string{"cleo@example.com"}},
		{last("direct", false), []string{"ada@example.com", "dan@example.com"}},
		{last("referral", true), nil},
		// Eve's last touch is a social post of the Spring search campaign: it counts in
		// the campaign's channel, paid_search, in every grouping.
		{last("social", true), nil},
		{last("paid_search", true), []string{"eve@example.com"}},
		{&store.CreditedFilter{Model: attribution.LastTouch, Grouping: report.ByCampaign, Channel: "paid_search", CampaignID: 1, From: march[0], To: march[1]},
			[]string{"eve@example.com"}},
		{&store.CreditedFilter{Model: attribution.LastTouch, Grouping: report.ByChannelCampaign, Channel: "social", CampaignID: 1, From: march[0], To: march[1]}, nil},
		{&store.CreditedFilter{Model: attribution.LastTouch, Grouping: report.ByChannelCampaign, Channel: "paid_search", CampaignID: 1, From: march[0], To: march[1]},
			[]string{"eve@example.com"}},
		{&store.CreditedFilter{Model: attribution.Linear, Grouping: report.ByCampaign, Channel: "paid_search", CampaignID: 1, From: march[0], To: march[1]},
			[]string{"ada@example.com", "eve@example.com"}},
		// The period is the report's: February's customers are not March's.
		{&store.CreditedFilter{Model: attribution.Linear, Grouping: report.ByChannel, Channel: "paid_search", From: march[0].AddDate(0, -1, 0), To: march[0]},
			[]string{"fay@example.com"}},
	} {
		if got := names(tc.f); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", *tc.f, got, tc.want)
		}
	}
}
