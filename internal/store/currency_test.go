package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func mustCurrency(t *testing.T, s *store.Store, want string) {
	t.Helper()
	c, err := s.Currency(ctx)
	if err != nil || c.Code != want {
		t.Fatalf("currency %+v, %v; want %s", c, err, want)
	}
}

// The workspace currency: USD until set; while money is stored, a currency with
// another exponent is refused (the minor units would change their meaning), one with
// the same exponent relabels; deals' timeline events carry amounts in its places.
func TestCurrencyChange(t *testing.T) {
	s := storetest.Open(t)
	mustCurrency(t, s, "USD")
	set := func(code string) error {
		return s.SetSettings(ctx, map[string]string{store.SettingCurrency: code}, "user:1")
	}
	for _, bad := range []string{"XYZ", "usd", ""} {
		if err := set(bad); !errs.Is(err, errs.Invalid) {
			t.Fatalf("currency %q: %v", bad, err)
		}
	}
	// No money stored: any exponent.
	if err := set("BHD"); err != nil {
		t.Fatal(err)
	}
	if err := set("JPY"); err != nil {
		t.Fatal(err)
	}
	mustCurrency(t, s, "JPY")

	c, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event"}, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCost(ctx, store.CostEntry{CampaignID: c.ID, Date: "2026-03-02", Amount: 1500}, "user:1"); err != nil {
		t.Fatal(err)
	}
	err = set("USD")
	var e *errs.Error
	if !errs.Is(err, errs.Conflict) || !errors.As(err, &e) || e.Field != store.SettingCurrency {
		t.Fatalf("a change of exponent with costs stored: %v", err)
	}
	mustCurrency(t, s, "JPY")
	if err := set("KRW"); err != nil {
		t.Fatalf("a relabel: %v", err)
	}
	mustCurrency(t, s, "KRW")

	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ann@acme.com", OccurredAt: at, Touch: true, Stage: lifecycle.Lead})
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: r[0].ContactID, Amount: 20000, Status: store.DealWon, ClosedAt: at.Add(time.Hour)}, "user:1"); err != nil {
		t.Fatal(err)
	}
	events, err := s.Timeline(ctx, r[0].ContactID, store.TimelineOptions{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ev := range events {
		if ev.Type == "deal_won" {
			found = ev.Properties["amount"] == "20000"
			if !found {
				t.Fatalf("deal_won amount %v, want 20000 won", ev.Properties["amount"])
			}
		}
	}
	if !found {
		t.Fatal("no deal_won event")
	}
	page, err := s.AuditEntries(ctx, store.AuditQuery{Action: "setting.set"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 3 || page.Entries[0].Target != "setting:currency" {
		t.Fatalf("audit: %d entries", len(page.Entries))
	}
}

// Deals alone, or a budget alone, keep the exponent too.
func TestCurrencyChangeGuardsDealsAndBudgets(t *testing.T) {
	s := storetest.Open(t)
	budget := int64(500000)
	if _, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event", Budget: &budget}, "user:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSettings(ctx, map[string]string{store.SettingCurrency: "JPY"}, "user:1"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a budget in cents, then yen: %v", err)
	}
	s2 := storetest.Open(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := mustIngest(t, s2, store.Capture{Type: "form_submit", Email: "bo@acme.com", OccurredAt: at, Touch: true, Stage: lifecycle.Lead})
	if _, err := s2.CreateDeal(ctx, store.Deal{ContactID: r[0].ContactID, Amount: 1, Status: store.DealOpen}, "user:1"); err != nil {
		t.Fatal(err)
	}
	if err := s2.SetSettings(ctx, map[string]string{store.SettingCurrency: "KWD"}, "user:1"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a deal in cents, then fils: %v", err)
	}
	if err := s2.SetSettings(ctx, map[string]string{store.SettingCurrency: "EUR"}, "user:1"); err != nil {
		t.Fatalf("cents to cents: %v", err)
	}
}

// A change of exponent that starts while a cost is being written waits for it, sees it
// and is refused, rather than relabelling cents as yen the moment after.
func TestCurrencyChangeWaitsForMoneyInFlight(t *testing.T) {
	s := storetest.Open(t)
	c, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event"}, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	err = store.AddCostHoldingFor(ctx, s, c.ID, 1250, func() error {
		go func() { done <- s.SetSettings(ctx, map[string]string{store.SettingCurrency: "JPY"}, "user:1") }()
		select {
		case err := <-done:
			return fmt.Errorf("the change did not wait for the cost being written: %v", err)
		case <-time.After(300 * time.Millisecond):
			return nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errs.Is(err, errs.Conflict) {
		t.Fatalf("the change after the cost: %v", err)
	}
	mustCurrency(t, s, "USD")
}

// Amounts read in a currency whose decimals the workspace no longer has (its currency
// changed between the reading and the write) are refused, naming the field.
func TestMoneyReadInAnotherExponentIsRefused(t *testing.T) {
	s := storetest.Open(t)
	if err := s.SetSettings(ctx, map[string]string{store.SettingCurrency: "JPY"}, "user:1"); err != nil {
		t.Fatal(err)
	}
	wantConflict := func(err error, field string) {
		t.Helper()
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Conflict || e.Field != field {
			t.Fatalf("got %v, want a conflict on %s", err, field)
		}
	}
	budget := int64(1250)
	_, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event", Budget: &budget, Currency: "USD"}, "user:1")
	wantConflict(err, "budget")
	c, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event", Budget: &budget, Currency: "KRW"}, "user:1")
	if err != nil {
		t.Fatalf("a budget read in another currency without decimals: %v", err)
	}
	_, err = s.AddCost(ctx, store.CostEntry{CampaignID: c.ID, Date: "2026-03-02", Amount: 1250, Currency: "EUR"}, "user:1")
	wantConflict(err, "amount")
	wantConflict(s.ImportCosts(ctx, []store.CostEntry{{CampaignID: c.ID, Date: "2026-03-02", Amount: 1250, Currency: "BHD"}}, "test", "user:1"), "file")
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "cy@acme.com", OccurredAt: at, Touch: true, Stage: lifecycle.Lead})
	_, err = s.CreateDeal(ctx, store.Deal{ContactID: r[0].ContactID, Amount: 1250, Status: store.DealOpen, Currency: "USD"}, "user:1")
	wantConflict(err, "amount")
	if costs, _ := s.Costs(ctx, c.ID); len(costs) != 0 {
		t.Fatalf("refused costs were stored: %v", costs)
	}
	if _, err := s.AddCost(ctx, store.CostEntry{CampaignID: c.ID, Date: "2026-03-02", Amount: 1250, Currency: "JPY"}, "user:1"); err != nil {
		t.Fatal(err)
	}
}
