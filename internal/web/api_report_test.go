package web_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// reportEnv records, over the API, a March of three leads:
//
//	ada   Spring search form 03-05, Fair form 03-07, won 1000.01 on 03-10
//	bob   organic search form 03-06 (no campaign), made an SQL
//	cleo  a webinar 03-08, no touch at all: direct
//
// Costs: Spring search 500.00 and 10 h on 03-02 (100.00 on 02-27 is outside the period),
// Fair 200.00 and 2.5 h on 03-20.
func reportEnv(t *testing.T) *apiEnv {
	e := newAPIEnv(t)
	steps := []struct{ path, body string }{
		{"/api/v1/campaigns", `{"name":"Spring search","channel":"paid_search","utm_campaign":"spring26"}`},
		{"/api/v1/campaigns", `{"name":"Fair","channel":"event","utm_campaign":"fair26"}`},
		{"/api/v1/campaigns/1/costs", `{"date":"2026-03-02","amount":"500.00","hours":10}`},
		{"/api/v1/campaigns/1/costs", `{"date":"2026-02-27","amount":"100.00"}`},
		{"/api/v1/campaigns/2/costs", `{"date":"2026-03-20","amount":"200.00","hours":"2.5"}`},
		{"/api/v1/events", `{"events":[
			{"type":"form_submit","email":"ada@example.com","occurred_at":"2026-03-05T10:00:00Z","properties":{"page_url":"https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=spring26"}},
			{"type":"form_submit","email":"bob@example.com","occurred_at":"2026-03-06T10:00:00Z","properties":{"referrer":"https://www.google.com/"}},
			{"type":"form_submit","email":"ada@example.com","occurred_at":"2026-03-07T10:00:00Z","properties":{"utm_campaign":"fair26"}},
			{"type":"webinar","email":"cleo@example.com","occurred_at":"2026-03-08T10:00:00Z"}]}`},
		{"/api/v1/deals", `{"contact_id":1,"amount":"1000.01","status":"won","closed_at":"2026-03-10T12:00:00Z"}`},
		{"/api/v1/contacts/2/stage", `{"stage":"sql","reason":"asked for a quote"}`},
	}
	for _, st := range steps {
		if r := e.do("POST", st.path, e.token, st.body); r.status >= 300 {
			t.Fatalf("POST %s: %d %s", st.path, r.status, r.body)
		}
	}
	return e
}

// sameJSON compares two JSON documents as values, so key order and spacing do not matter.
func sameJSON(t *testing.T, name string, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v: %s", name, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: the expected JSON: %v", name, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n%s\nwant\n%s", name, got, want)
	}
}

// The answer of SPEC section 11, field by field, worked out by hand.
func TestSourcesReportAPI(t *testing.T) {
	e := reportEnv(t)
	r := e.do("GET", "/api/v1/reports/sources?from=2026-03-01&to=2026-04-01&group_by=campaign&model=first_touch", e.keys["read_only"], "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	sameJSON(t, "first_touch by campaign", r.body, `{"rows": [
		{"channel": "direct", "campaign": null, "new_leads": 1, "mqls": 0, "sqls": 0, "customers": 0, "conversion_rate": 0,
		 "cost": "0.00", "cpl": "0.00", "hours": 0, "hours_per_lead": 0, "loaded_cost": null, "revenue": "0.00", "cac": null, "roi": null, "speed_to_lead": null},
		{"channel": "organic_search", "campaign": null, "new_leads": 1, "mqls": 1, "sqls": 1, "customers": 0, "conversion_rate": 0,
		 "cost": "0.00", "cpl": "0.00", "hours": 0, "hours_per_lead": 0, "loaded_cost": null, "revenue": "0.00", "cac": null, "roi": null, "speed_to_lead": null},
		{"channel": "paid_search", "campaign": {"id": 1, "name": "Spring search"}, "new_leads": 1, "mqls": 1, "sqls": 1, "customers": 1, "conversion_rate": 1,
		 "cost": "500.00", "cpl": "500.00", "hours": 10, "hours_per_lead": 10, "loaded_cost": null, "revenue": "1000.01", "cac": "500.00", "roi": 1.00002, "speed_to_lead": null},
		{"channel": "event", "campaign": {"id": 2, "name": "Fair"}, "new_leads": 0, "mqls": 0, "sqls": 0, "customers": 0, "conversion_rate": null,
		 "cost": "200.00", "cpl": null, "hours": 2.5, "hours_per_lead": null, "loaded_cost": null, "revenue": "0.00", "cac": null, "roi": -1, "speed_to_lead": null}],
	 "totals": {"new_leads": 3, "mqls": 2, "sqls": 2, "customers": 1, "conversion_rate": 0.3333333333333333,
		"cost": "700.00", "cpl": "233.33", "hours": 12.5, "hours_per_lead": 4.166666666666667, "loaded_cost": null,
		"revenue": "1000.01", "cac": "700.00", "roi": 0.4285857142857143, "speed_to_lead": null}}`)

	// Linear: Ada's two touches share her and her 1000.01, the first taking the 0.01. Her
	// Fair half counts for the Fair although its lead came from Spring search. With an
	// hourly rate of 40.00 the hours are priced into loaded_cost.
	if err := e.s.SetSetting(context.Background(), "hourly_rate", "40.00", "test"); err != nil {
		t.Fatal(err)
	}
	r = e.do("GET", "/api/v1/reports/sources?from=2026-03-01&to=2026-04-01&group_by=campaign&model=linear", e.token, "")
	var rep struct {
		Rows   []json.RawMessage `json:"rows"`
		Totals json.RawMessage   `json:"totals"`
	}
	if err := json.Unmarshal(r.body, &rep); err != nil || len(rep.Rows) != 4 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	sameJSON(t, "linear Spring search", rep.Rows[2], `{"channel": "paid_search", "campaign": {"id": 1, "name": "Spring search"},
		"new_leads": 1, "mqls": 1, "sqls": 1, "customers": 0.5, "conversion_rate": 0.5, "cost": "500.00", "cpl": "500.00", "hours": 10,
		"hours_per_lead": 10, "loaded_cost": "900.00", "revenue": "500.01", "cac": "1000.00", "roi": 2e-05, "speed_to_lead": null}`)
	sameJSON(t, "linear Fair", rep.Rows[3], `{"channel": "event", "campaign": {"id": 2, "name": "Fair"},
		"new_leads": 0, "mqls": 0, "sqls": 0, "customers": 0.5, "conversion_rate": null, "cost": "200.00", "cpl": null, "hours": 2.5,
		"hours_per_lead": null, "loaded_cost": "300.00", "revenue": "500.00", "cac": "400.00", "roi": 1.5, "speed_to_lead": null}`)
	if !strings.Contains(string(rep.Totals), `"customers":1,`) || !strings.Contains(string(rep.Totals), `"loaded_cost":"1200.00"`) {
		t.Errorf("linear totals: %s", rep.Totals)
	}

	// Grouped by channel every row's campaign is null, and costs follow the campaign's channel.
	r = e.do("GET", "/api/v1/reports/sources?from=2026-03-01&to=2026-04-01", e.token, "")
	if r.status != 200 || strings.Count(string(r.body), `"campaign":null`) != 4 || !strings.Contains(string(r.body), `"channel":"event","campaign":null,"new_leads":0`) {
		t.Errorf("by channel: %d %s", r.status, r.body)
	}
	// A period without leads or costs has no rows and null ratios.
	sameJSON(t, "empty period", e.do("GET", "/api/v1/reports/sources?from=2025-01-01&to=2025-02-01&model=time_decay", e.token, "").body,
		`{"rows": [], "totals": {"new_leads": 0, "mqls": 0, "sqls": 0, "customers": 0, "conversion_rate": null, "cost": "0.00", "cpl": null,
		"hours": 0, "hours_per_lead": null, "loaded_cost": "0.00", "revenue": "0.00", "cac": null, "roi": null, "speed_to_lead": null}}`)
}

func TestSourcesReportAPIErrors(t *testing.T) {
	e := newAPIEnv(t)
	tests := []struct {
		query  string
		status int
		field  string
	}{
		{"to=2026-04-01", 400, "from"},
		{"from=2026-03-01", 400, "to"},
		{"from=2026-3-1&to=2026-04-01", 400, "from"},
		{"from=2026-03-01&to=tomorrow", 400, "to"},
		{"from=2026-03-01T00:00:00Z&to=2026-04-01", 400, "from"},
		{"from=2026-03-01&to=2026-03-01", 400, "to"},
		{"from=2026-04-01&to=2026-03-01", 400, "to"},
		{"from=2026-03-01&to=2026-04-01&group_by=source", 400, "group_by"},
		{"from=2026-03-01&to=2026-04-01&model=best", 400, "model"},
		{"from=2026-03-01&to=2026-04-01&model=Linear", 400, "model"},
		{"from=2026-03-01&to=2026-04-01&group_by=channel,campaign&model=w_shaped", 200, ""},
	}
	for _, tt := range tests {
		r := e.do("GET", "/api/v1/reports/sources?"+tt.query, e.token, "")
		if r.status != tt.status {
			t.Errorf("%s: %d %s, want %d", tt.query, r.status, r.body, tt.status)
			continue
		}
		if tt.field != "" {
			if f, _ := r.json(t)["error"].(map[string]any)["field"].(string); f != tt.field {
				t.Errorf("%s: field %q in %s, want %q", tt.query, f, r.body, tt.field)
			}
		}
	}
	if r := e.do("GET", "/api/v1/reports/sources?from=2026-03-01&to=2026-04-01", "", ""); r.status != 401 {
		t.Errorf("without a key: %d", r.status)
	}
}
