package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// The screens show every amount with the workspace's currency, in its places; the
// settings screen changes the currency, and says why when it cannot.
func TestCurrencyOnScreens(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("admin@example.com", store.RoleAdmin)
	ac := e.login("admin@example.com")
	ctx := context.Background()

	wantStatus(t, e.do("GET", "/settings", nil, ac), http.StatusOK, `<option value="USD" selected>USD</option>`, `<option value="JPY">JPY</option>`)
	form := url.Values{"tracking_consent": {"not_required"}, "newsletter_stage": {"mql"}, "hourly_rate": {""}, "currency": {"JPY"}}
	if w := e.do("POST", "/settings", form, ac); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	c, err := e.store.CreateCampaign(ctx, store.Campaign{Name: "Fair", Channel: "event"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	page := "/campaigns/" + itoa(c.ID)
	wantStatus(t, e.do("POST", page+"/costs", url.Values{"date": {"2026-03-10"}, "amount": {"1.5"}}, ac), http.StatusUnprocessableEntity, "JPY allows (none)")
	wantStatus(t, e.do("POST", page+"/costs", url.Values{"date": {"2026-03-10"}, "amount": {"€12"}}, ac), http.StatusUnprocessableEntity, "JPY")
	if w := e.do("POST", page+"/costs", url.Values{"date": {"2026-03-10"}, "amount": {"¥12,500"}}, ac); w.Code != http.StatusSeeOther {
		t.Fatalf("add cost: %d %s", w.Code, w.Body)
	}
	w := e.do("GET", page, nil, ac)
	wantStatus(t, w, http.StatusOK, "¥12,500")
	if body := w.Body.String(); strings.Contains(body, "12,500.00") || strings.Contains(body, "\ue000") {
		t.Fatal("the yen are shown with cents, or a money mark is left on the page")
	}
	wantStatus(t, e.do("GET", "/campaigns", nil, ac), http.StatusOK, "¥12,500")

	// Yen to euros would turn ¥12,500 into €125.00: refused on the form, with the reason.
	form.Set("currency", "EUR")
	wantStatus(t, e.do("POST", "/settings", form, ac), http.StatusUnprocessableEntity, "Cannot change from JPY to EUR", "stored as whole units", `<option value="EUR" selected>`)
	form.Set("currency", "KRW")
	if w := e.do("POST", "/settings", form, ac); w.Code != http.StatusSeeOther {
		t.Fatalf("relabel: %d %s", w.Code, w.Body)
	}
	wantStatus(t, e.do("GET", "/campaigns", nil, ac), http.StatusOK, "₩12,500")
}
