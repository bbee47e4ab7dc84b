package web_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// insightEnv records a March of three contacts:
//
//	ada   03-05 Spring search (paid_search, campaign 1), DE; won 100.00 on 03-10 and 50.00
//	      on 03-20; referred a friend (a referral event on the friend, in April)
//	bob   03-06 organic search, DE; made an SQL; rejected by sales: "no budget"
//	cleo  03-08 a webinar, no touch (direct), FR
func insightEnv(t *testing.T) (*apiEnv, map[string]int64) {
	e := newAPIEnv(t)
	ctx := context.Background()
	spring, err := e.s.CreateCampaign(ctx, store.Campaign{Name: "Spring search", Channel: "paid_search"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
	ingest := func(c store.Capture) int64 {
		t.Helper()
		out, err := e.s.Ingest(ctx, []store.Capture{c})
		if err != nil {
			t.Fatal(err)
		}
		return out[0].ContactID
	}
	ids["ada"] = ingest(store.Capture{Type: "form_submit", Email: "ada@example.com", OccurredAt: day(5), Touch: true, Channel: "paid_search", CampaignID: spring.ID,
		Fields: store.ContactFields{FirstName: "Ada", Country: "DE"}})
	ids["bob"] = ingest(store.Capture{Type: "form_submit", Email: "bob@example.com", OccurredAt: day(6), Touch: true, Channel: "organic_search",
		Fields: store.ContactFields{FirstName: "Bob", Country: "DE"}})
	ids["cleo"] = ingest(store.Capture{Type: "webinar", Email: "cleo@example.com", OccurredAt: day(8), Fields: store.ContactFields{FirstName: "Cleo", Country: "FR"}})
	for _, d := range []struct {
		amount int64
		day    int
	}{{10000, 10}, {5000, 20}} {
		if _, err := e.s.CreateDeal(ctx, store.Deal{ContactID: ids["ada"], Amount: d.amount, Status: store.DealWon, ClosedAt: day(d.day)}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// The referral is recorded on the friend, who comes in by it on 04-02 (after the
	// period), and names Ada as the referrer.
	if r := e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"referral","email":"friend@example.net","occurred_at":"2026-04-02T10:00:00Z",
		"properties":{"referred_by":"Ada@example.com"}}]}`); r.status >= 300 {
		t.Fatalf("referral: %d %s", r.status, r.body)
	}
	if page, err := e.s.Contacts(ctx, store.ContactFilter{Email: "friend@example.net"}); err != nil || len(page.Contacts) != 1 ||
		page.Contacts[0].FirstTouch == nil || page.Contacts[0].FirstTouch.Channel != "referral" {
		t.Fatalf("the friend referred: %+v %v", page, err)
	}
	if _, err := e.s.SetStage(ctx, ids["bob"], "sql", "asked for a quote", "test"); err != nil {
		t.Fatal(err)
	}
	ingest(store.Capture{Type: "sql_rejected", ContactID: ids["bob"], OccurredAt: day(9), Properties: map[string]any{"reason": "no budget"}})
	return e, ids
}

func TestQualityAPI(t *testing.T) {
	e, _ := insightEnv(t)
	r := e.do("GET", "/api/v1/reports/quality?from=2026-03-01&to=2026-04-01", e.keys["read_only"], "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	sameJSON(t, "quality by channel", r.body, `{"rows": [
		{"channel": "direct", "campaign": null, "new_leads": 1, "customers": 0, "revenue": "0.00", "revenue_per_customer": null,
		 "repeat_customers": 0, "repeat_rate": null, "referrals": 0, "referrals_per_customer": null,
		 "sqls": 0, "accepted": 0, "rejected": 0, "undecided": 0, "accepted_rate": null, "rejected_rate": null, "rejection_reasons": []},
		{"channel": "organic_search", "campaign": null, "new_leads": 1, "customers": 0, "revenue": "0.00", "revenue_per_customer": null,
		 "repeat_customers": 0, "repeat_rate": null, "referrals": 0, "referrals_per_customer": null,
		 "sqls": 1, "accepted": 0, "rejected": 1, "undecided": 0, "accepted_rate": 0, "rejected_rate": 1, "rejection_reasons": [{"reason": "no budget", "count": 1}]},
		{"channel": "paid_search", "campaign": null, "new_leads": 1, "customers": 1, "revenue": "150.00", "revenue_per_customer": "150.00",
		 "repeat_customers": 1, "repeat_rate": 1, "referrals": 1, "referrals_per_customer": 1,
		 "sqls": 1, "accepted": 0, "rejected": 0, "undecided": 1, "accepted_rate": 0, "rejected_rate": 0, "rejection_reasons": []}],
	 "totals": {"campaign": null, "new_leads": 3, "customers": 1, "revenue": "150.00", "revenue_per_customer": "150.00",
		 "repeat_customers": 1, "repeat_rate": 1, "referrals": 1, "referrals_per_customer": 1,
		 "sqls": 2, "accepted": 0, "rejected": 1, "undecided": 1, "accepted_rate": 0, "rejected_rate": 0.5, "rejection_reasons": [{"reason": "no budget", "count": 1}]}}`)

	r = e.do("GET", "/api/v1/reports/quality?from=2026-03-01&to=2026-04-01&group_by=campaign", e.keys["read_only"], "")
	if r.status != 200 || !strings.Contains(string(r.body), `"campaign":{"id":1,"name":"Spring search"}`) {
		t.Errorf("by campaign: %d %s", r.status, r.body)
	}
	for _, c := range []struct{ query, field string }{
		{"from=2026-03-01", "to"}, {"from=2026-03-01&to=2026-02-01", "to"}, {"from=03/01/2026&to=2026-04-01", "from"},
		{"from=2026-03-01&to=2026-04-01&group_by=model", "group_by"},
	} {
		r := e.do("GET", "/api/v1/reports/quality?"+c.query, e.token, "")
		if r.status < 400 || r.status >= 500 || !strings.Contains(string(r.body), `"field":"`+c.field+`"`) {
			t.Errorf("%s: %d %s, want a 4xx naming %s", c.query, r.status, r.body, c.field)
		}
	}
}

// Baseline: 1 customer of 3. DE: 1 of 2, rate 0.5, Wilson [0.09453, 0.90547] (z²/n = 1.92073,
// half = 1.95996 / 2.92073 × √(0.125 + 0.24009) = 0.40547), lift 1.5 [0.28359, 2.71641].
// FR: 0 of 1, Wilson [0, 0.79345] (centre = half = 1.92073 / 4.84146), lift 0 [0, 2.38035].
func TestInsightsAPI(t *testing.T) {
	e, _ := insightEnv(t)
	r := e.do("GET", "/api/v1/reports/insights?from=2026-03-01&to=2026-04-01&attribute=country&min_sample=1", e.keys["read_only"], "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	m := r.json(t)
	base := m["baseline"].(map[string]any)
	if base["contacts"] != 3.0 || base["converted"] != 1.0 || !approx(base["rate"], 1.0/3) || m["outcome"] != "customer" || m["min_sample"] != 1.0 {
		t.Errorf("baseline %v", m)
	}
	attrs := m["attributes"].([]any)
	if len(attrs) != 1 {
		t.Fatalf("attributes %v", attrs)
	}
	vals := attrs[0].(map[string]any)["values"].([]any)
	de, fr := vals[0].(map[string]any), vals[1].(map[string]any)
	for _, c := range []struct {
		got  any
		want float64
	}{{de["rate"], 0.5}, {de["rate_low"], 0.09453}, {de["rate_high"], 0.90547}, {de["lift"], 1.5}, {de["lift_low"], 0.28359}, {de["lift_high"], 2.71641},
		{fr["rate"], 0}, {fr["rate_low"], 0}, {fr["rate_high"], 0.79345}, {fr["lift"], 0}, {fr["lift_high"], 2.38035}} {
		if !approx(c.got, c.want) {
			t.Errorf("got %v, want %v in %v", c.got, c.want, vals)
		}
	}
	if de["value"] != "DE" || de["contacts"] != 2.0 || de["converted"] != 1.0 {
		t.Errorf("DE %v", de)
	}
	// The default minimum sample of 30 hides both.
	r = e.do("GET", "/api/v1/reports/insights?from=2026-03-01&to=2026-04-01&attribute=country", e.token, "")
	if !strings.Contains(string(r.body), `"hidden":2,"values":[]`) {
		t.Errorf("default minimum: %s", r.body)
	}
	// A period without contacts: the baseline rate is null.
	r = e.do("GET", "/api/v1/reports/insights?from=2025-03-01&to=2025-04-01", e.token, "")
	if !strings.Contains(string(r.body), `"baseline":{"contacts":0,"converted":0,"rate":null,"rate_low":null,"rate_high":null}`) {
		t.Errorf("empty period: %s", r.body)
	}
	for _, c := range []struct{ query, field string }{
		{"to=2026-04-01", "from"}, {"from=2026-03-01&to=2026-04-01&outcome=won", "outcome"},
		{"from=2026-03-01&to=2026-04-01&attribute=shoe_size", "attribute"}, {"from=2026-03-01&to=2026-04-01&attribute=custom.a'b", "attribute"},
		{"from=2026-03-01&to=2026-04-01&min_sample=0", "min_sample"}, {"from=2026-03-01&to=2026-04-01&min_sample=x", "min_sample"},
	} {
		r := e.do("GET", "/api/v1/reports/insights?"+c.query, e.token, "")
		if r.status < 400 || r.status >= 500 || !strings.Contains(string(r.body), `"field":"`+c.field+`"`) {
			t.Errorf("%s: %d %s, want a 4xx naming %s", c.query, r.status, r.body, c.field)
		}
	}
}

func approx(got any, want float64) bool {
	f, ok := got.(float64)
	return ok && math.Abs(f-want) < 5e-5
}

// The contacts API follows a report's click: first touch, stage reached, insight value.
func TestContactListFiltersAPI(t *testing.T) {
	e, _ := insightEnv(t)
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"channel=paid_search", []string{"ada"}},
		{"channel=direct", []string{"cleo"}},
		{"campaign=1", []string{"ada"}},
		{"campaign=none", []string{"friend@example.net", "cleo", "bob"}}, // the friend came in by a referral, in April
		{"reached=customer", []string{"ada"}},
		{"reached=sql&created_from=2026-03-06&created_to=2026-04-01", []string{"bob"}},
		{"attribute=country&value=DE", []string{"bob", "ada"}},
		{"attribute=campaign&value=1", []string{"ada"}},
	} {
		r := e.do("GET", "/api/v1/contacts?"+c.query, e.keys["read_only"], "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", c.query, r.status, r.body)
		}
		var got []string
		for _, ct := range r.json(t)["contacts"].([]any) {
			got = append(got, strings.TrimSuffix(ct.(map[string]any)["email"].(string), "@example.com"))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	for _, c := range []struct{ query, field string }{
		{"channel=tv", "channel"}, {"campaign=x", "campaign"}, {"reached=won", "reached"},
		{"attribute=shoe_size&value=9", "attribute"}, {"value=9", "attribute"}, {"attribute=country", "value"}, {"attribute=campaign&value=abc", "value"},
	} {
		r := e.do("GET", "/api/v1/contacts?"+c.query, e.token, "")
		if r.status < 400 || r.status >= 500 || !strings.Contains(string(r.body), `"field":"`+c.field+`"`) {
			t.Errorf("%s: %d %s, want a 4xx naming %s", c.query, r.status, r.body, c.field)
		}
	}
}
