package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// The workspace currency: an ISO 4217 code with its number of decimals, which every
// amount sent in and shown follows; a change that would give stored minor units another
// meaning is refused, a relabel between currencies of one exponent is not.
func TestWorkspaceCurrency(t *testing.T) {
	e := newAPIEnv(t)
	for body, field := range map[string]string{
		`{"currency":"XYZ"}`: "currency",
		`{"currency":"US"}`:  "currency",
		`{"currency":""}`:    "currency",
		`{"currency":840}`:   "currency",
	} {
		wantField(t, e.do("PUT", "/api/v1/settings", e.token, body), field)
	}
	// No money yet: any currency may be chosen, in any case.
	put := e.do("PUT", "/api/v1/settings", e.token, `{"currency":"jpy"}`)
	if put.status != 200 || put.json(t)["currency"] != "JPY" {
		t.Fatalf("put: %d %s", put.status, put.body)
	}
	audit := e.do("GET", "/api/v1/audit?action=setting.set", e.token, "").json(t)["entries"].([]any)
	if len(audit) != 1 || audit[0].(map[string]any)["target"] != "setting:currency" {
		t.Fatalf("audit %v", audit)
	}

	// Yen have no minor unit: decimals are refused, whole amounts kept as they are.
	want := func(r resp, status int, contains string) {
		t.Helper()
		if r.status != status || !strings.Contains(string(r.body), contains) {
			t.Fatalf("%d %s; want %d with %s", r.status, r.body, status, contains)
		}
	}
	want(e.do("POST", "/api/v1/campaigns", e.token, `{"name":"Fair","channel":"event","budget":"100.5"}`), 400, `"field":"budget"`)
	want(e.do("POST", "/api/v1/campaigns", e.token, `{"name":"Fair","channel":"event","budget":"100000"}`), 201, `"budget":"100000"`)
	want(e.do("POST", "/api/v1/campaigns/1/costs", e.token, `{"date":"2026-03-02","amount":"1500.50"}`), 400, "JPY has none")
	want(e.do("POST", "/api/v1/campaigns/1/costs", e.token, `{"date":"2026-03-02","amount":"1500"}`), 201, `"amount":"1500"`)
	c := e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"page_view","email":"ann@example.com","occurred_at":"2026-03-01T10:00:00Z"}]}`)
	if c.status >= 300 {
		t.Fatalf("event: %d %s", c.status, c.body)
	}
	list := e.do("GET", "/api/v1/contacts?email=ann@example.com", e.token, "").json(t)["contacts"].([]any)
	if len(list) != 1 {
		t.Fatalf("contacts %v", list)
	}
	annID := int64(list[0].(map[string]any)["id"].(float64))
	deal := `{"contact_id":` + itoa(annID) + `,"amount":"%s","status":"won","closed_at":"2026-03-10T12:00:00Z"}`
	want(e.do("POST", "/api/v1/deals", e.token, strings.Replace(deal, "%s", "9.99", 1)), 400, `"field":"amount"`)
	want(e.do("POST", "/api/v1/deals", e.token, strings.Replace(deal, "%s", "20000", 1)), 201, `"amount":"20000"`)
	want(e.do("GET", "/api/v1/reports/sources?from=2026-03-01&to=2026-04-01&group_by=campaign", e.token, ""), 200, `"cost":"1500"`)

	// Dollars count cents: the stored 1500 would become 15.00. Refused, nothing changed.
	r := e.do("PUT", "/api/v1/settings", e.token, `{"currency":"USD"}`)
	want(r, 409, `"field":"currency"`)
	if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "JPY") || !strings.Contains(msg, "USD") || !strings.Contains(msg, "same number of decimals") {
		t.Fatalf("the refusal does not say why: %s", msg)
	}
	if v, _ := e.s.Setting(context.Background(), store.SettingCurrency); v != "JPY" {
		t.Fatalf("a refused currency was stored: %q", v)
	}
	// The won has no minor unit either: a relabel, the figures stay.
	want(e.do("PUT", "/api/v1/settings", e.token, `{"currency":"KRW"}`), 200, `"currency":"KRW"`)
	want(e.do("GET", "/api/v1/campaigns/1", e.token, ""), 200, `"amount":"1500"`)
	want(e.do("GET", "/api/v1/contacts/"+itoa(annID), e.token, ""), 200, `"amount":"20000"`)
}

// The hourly rate is a decimal in the currency: a new currency it cannot be read in
// needs a new rate in the same change.
func TestWorkspaceCurrencyHourlyRate(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("PUT", "/api/v1/settings", e.token, `{"hourly_rate":"85.50"}`); r.status != 200 {
		t.Fatalf("rate: %d %s", r.status, r.body)
	}
	wantField(t, e.do("PUT", "/api/v1/settings", e.token, `{"currency":"JPY"}`), "hourly_rate")
	r := e.do("PUT", "/api/v1/settings", e.token, `{"currency":"BHD","hourly_rate":"30.125"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"hourly_rate":"30.125","currency":"BHD"`) {
		t.Fatalf("rate and currency: %d %s", r.status, r.body)
	}
	// A rate with no decimals left reads in any currency and follows its places.
	e.do("PUT", "/api/v1/settings", e.token, `{"hourly_rate":"30"}`)
	r = e.do("PUT", "/api/v1/settings", e.token, `{"currency":"EUR"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `"hourly_rate":"30.00","currency":"EUR"`) {
		t.Fatalf("relabel: %d %s", r.status, r.body)
	}
}

// A cost file with dollars, euros, pounds and yen in a dollar workspace: every amount
// not in dollars is refused on its line and column, and nothing is imported; the sum of
// unlike money is never made.
func TestCostImportRefusesOtherCurrencies(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/campaigns", e.token, `{"name":"Fair","channel":"event"}`); r.status != 201 {
		t.Fatalf("campaign: %d %s", r.status, r.body)
	}
	file := "date,campaign,amount\n2026-03-01,Fair,$100.00\n2026-03-02,Fair,100.00 EUR\n2026-03-03,Fair,£100\n2026-03-04,Fair,JPY 100\n"
	r := e.do("POST", "/api/v1/costs/import", e.token, file, "Content-Type", "text/csv")
	if r.status != 400 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	rows := r.json(t)["error"].(map[string]any)["details"].(map[string]any)["rows"].([]any)
	if len(rows) != 3 {
		t.Fatalf("rows %v", rows)
	}
	for i, code := range []string{"EUR", "£", "JPY"} {
		row := rows[i].(map[string]any)
		if row["line"] != float64(i+3) || row["field"] != "amount" || !strings.Contains(row["reason"].(string), code) {
			t.Errorf("row %v", row)
		}
	}
	if costs, _ := e.s.Costs(context.Background(), 1); len(costs) != 0 {
		t.Fatalf("imported %v", costs)
	}
}
