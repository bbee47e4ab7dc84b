package web_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
)

// The sources report as CSV: the JSON's figures, null as an empty cell, a last row of
// totals, and a campaign name that a spreadsheet would run as a formula kept as text.
func TestSourcesCSV(t *testing.T) {
	e := reportEnv(t)
	if r := e.do("PUT", "/api/v1/campaigns/2", e.token, `{"name":"=HYPERLINK(\"http://evil\")","channel":"event","utm_campaign":"fair26"}`); r.status != 200 {
		t.Fatalf("rename: %d %s", r.status, r.body)
	}
	r := e.do("GET", "/api/v1/reports/sources.csv?from=2026-03-01&to=2026-04-01&group_by=campaign", e.keys["read_only"], "")
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(string(r.body), "\ufeff") {
		t.Fatalf("%d %v %q", r.status, r.header, r.body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.body), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"channel", "campaign", "new_leads", "mqls", "sqls", "customers", "conversion_rate", "cost", "cpl", "hours", "hours_per_lead", "loaded_cost", "revenue", "cac", "roi", "speed_to_lead"},
		{"direct", "", "1", "0", "0", "0", "0", "0.00", "0.00", "0", "0", "", "0.00", "", "", ""},
		{"organic_search", "", "1", "1", "1", "0", "0", "0.00", "0.00", "0", "0", "", "0.00", "", "", ""},
		{"paid_search", "Spring search", "1", "1", "1", "1", "1", "500.00", "500.00", "10", "10", "", "1000.01", "500.00", "1.00002", ""},
		{"event", `'=HYPERLINK("http://evil")`, "0", "0", "0", "0", "", "200.00", "", "2.5", "", "", "0.00", "", "-1", ""},
		{"total", "", "3", "2", "2", "1", "0.3333333333333333", "700.00", "233.33", "12.5", "4.166666666666667", "", "1000.01", "700.00", "0.4285857142857143", ""},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows:\n%q", rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n%q\nwant\n%q", i, rows[i], want[i])
		}
	}
	if r := e.do("GET", "/api/v1/reports/sources.csv?from=2026-03-01", e.token, ""); r.status != 400 || !strings.Contains(string(r.body), `"field":"to"`) {
		t.Errorf("csv without to: %d %s", r.status, r.body)
	}
}

// The trend of reportEnv by hand: February has only the 100.00 spent on Spring search
// (its ratios null: no leads), March the three leads, 700.00 and Ada's conversion.
func TestTrendAPI(t *testing.T) {
	e := reportEnv(t)
	r := e.do("GET", "/api/v1/reports/trend?from=2026-02-01&to=2026-04-01", e.keys["read_only"], "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	empty := func(month, cost string) string {
		return `{"month":"` + month + `","new_leads":0,"customers":0,"conversion_rate":null,"cost":"` + cost + `","cpl":null}`
	}
	sameJSON(t, "trend", r.body, `{"months": ["2026-02", "2026-03"],
		"series": [
			{"channel": "direct", "campaign": null, "points": [`+empty("2026-02", "0.00")+`,
				{"month":"2026-03","new_leads":1,"customers":0,"conversion_rate":0,"cost":"0.00","cpl":"0.00"}]},
			{"channel": "organic_search", "campaign": null, "points": [`+empty("2026-02", "0.00")+`,
				{"month":"2026-03","new_leads":1,"customers":0,"conversion_rate":0,"cost":"0.00","cpl":"0.00"}]},
			{"channel": "paid_search", "campaign": null, "points": [`+empty("2026-02", "100.00")+`,
				{"month":"2026-03","new_leads":1,"customers":1,"conversion_rate":1,"cost":"500.00","cpl":"500.00"}]},
			{"channel": "event", "campaign": null, "points": [`+empty("2026-02", "0.00")+`, `+empty("2026-03", "200.00")+`]}],
		"totals": [`+empty("2026-02", "100.00")+`,
			{"month":"2026-03","new_leads":3,"customers":1,"conversion_rate":0.3333333333333333,"cost":"700.00","cpl":"233.33"}]}`)

	// The model decides who the customers are: under last_touch Ada's conversion goes to
	// her last touch, the Fair (channel event), which has no new leads in March.
	r = e.do("GET", "/api/v1/reports/trend?from=2026-03-01&to=2026-04-01&model=last_touch", e.token, "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	for _, want := range []string{
		`{"channel":"paid_search","campaign":null,"points":[{"month":"2026-03","new_leads":1,"customers":0,"conversion_rate":0,"cost":"500.00","cpl":"500.00"}]}`,
		`{"channel":"event","campaign":null,"points":[{"month":"2026-03","new_leads":0,"customers":1,"conversion_rate":null,"cost":"200.00","cpl":null}]}`,
		`"totals":[{"month":"2026-03","new_leads":3,"customers":1,"conversion_rate":0.3333333333333333,"cost":"700.00","cpl":"233.33"}]`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("last_touch trend lacks %s:\n%s", want, r.body)
		}
	}

	// Part months: 2026-03-06 to 2026-03-08 holds only Bob, 2026-03-07 only his day after.
	r = e.do("GET", "/api/v1/reports/trend?from=2026-03-06&to=2026-03-08&group_by=campaign", e.token, "")
	if r.status != 200 || !strings.Contains(string(r.body), `"months":["2026-03"]`) || !strings.Contains(string(r.body), `"totals":[{"month":"2026-03","new_leads":1,`) {
		t.Errorf("part month: %d %s", r.status, r.body)
	}
	for q, field := range map[string]string{"from=2026-02-01": "to", "from=2000-01-01&to=2026-01-01": "to", "from=2026-01-01&to=2026-02-01&group_by=x": "group_by",
		"from=2026-01-01&to=2026-02-01&model=x": "model"} {
		if r := e.do("GET", "/api/v1/reports/trend?"+q, e.token, ""); r.status != 400 || !strings.Contains(string(r.body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}

// The funnel's counts over the API: Ada won (lead, then every stage on to customer at
// the win), Bob was made an SQL, Cleo is a lead.
func TestFunnelAPI(t *testing.T) {
	e := reportEnv(t)
	r := e.do("GET", "/api/v1/reports/funnel?from=2026-03-01&to=2026-04-01", e.keys["read_only"], "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	body := string(r.body)
	for _, want := range []string{`"new_leads":3`,
		`{"stage":"subscriber","reached":0,"conversion_to_next":null,"median_seconds_in_stage":null,"timed":0}`,
		`{"stage":"lead","reached":3,"conversion_to_next":0.6666666666666666,`,
		`{"stage":"mql","reached":2,"conversion_to_next":1,`,
		`{"stage":"sql","reached":2,"conversion_to_next":0.5,`,
		`{"stage":"customer","reached":1,"conversion_to_next":null,"median_seconds_in_stage":null,"timed":0}`} {
		if !strings.Contains(body, want) {
			t.Errorf("funnel lacks %s:\n%s", want, body)
		}
	}
}

func TestCampaignAPIAdditions(t *testing.T) {
	e := reportEnv(t)
	ctx := context.Background()
	// PUT: validated field by field, read-only keys refused.
	for body, field := range map[string]string{
		`{"name":"","channel":"event"}`:                                                     "name",
		`{"name":"Fair","channel":"fair"}`:                                                  "channel",
		`{"name":"Fair","channel":"event","starts_on":"2026-13-01"}`:                        "starts_on",
		`{"name":"Fair","channel":"event","budget":"-1"}`:                                   "budget",
		`{"name":"Spring search","channel":"event"}`:                                        "name",
		`{"name":"Fair","channel":"event","utm_campaign":"SPRING26"}`:                       "utm_campaign",
		`{"name":"Fair","channel":"event","landing_url":"https://example.com"}`:             "landing_url",
		`{"name":"Fair","channel":"event","starts_on":"2026-03-02","ends_on":"2026-03-01"}`: "ends_on",
	} {
		r := e.do("PUT", "/api/v1/campaigns/2", e.token, body)
		if r.status < 400 || r.status >= 500 || !strings.Contains(string(r.body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want field %s", body, r.status, r.body, field)
		}
	}
	if r := e.do("PUT", "/api/v1/campaigns/2", e.keys["read_only"], `{"name":"Fair","channel":"event"}`); r.status != 403 {
		t.Errorf("read-only PUT: %d", r.status)
	}
	if r := e.do("PUT", "/api/v1/campaigns/99", e.token, `{"name":"Fair","channel":"event"}`); r.status != 404 {
		t.Errorf("unknown campaign: %d", r.status)
	}
	r := e.do("PUT", "/api/v1/campaigns/2", e.token, `{"name":"Fair 2026","channel":"event","utm_campaign":"fair26","budget":"1500","notes":"Hall B"}`)
	// It answers as GET does: the campaign with its cost entry, 200.00 and 2.5 h on 03-31.
	if r.status != 200 || !strings.Contains(string(r.body), `"budget":"1500.00"`) || !strings.Contains(string(r.body), `"cost":"200.00"`) ||
		!strings.Contains(string(r.body), `"hours":"2.5"`) || !strings.Contains(string(r.body), `"costs":[{`) {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	if g := e.do("GET", "/api/v1/campaigns/2", e.token, ""); g.status != 200 || string(g.body) != string(r.body) {
		t.Errorf("PUT answered\n%s\nGET answers\n%s", r.body, g.body)
	}

	// DELETE a cost: gone from the report, kept in the audit log.
	costs, _ := e.s.Costs(ctx, 2)
	if r := e.do("DELETE", "/api/v1/campaigns/1/costs/"+itoa(costs[0].ID), e.token, ""); r.status != 404 {
		t.Errorf("cost of another campaign: %d %s", r.status, r.body)
	}
	if r := e.do("DELETE", "/api/v1/campaigns/2/costs/"+itoa(costs[0].ID), e.token, ""); r.status != 200 {
		t.Fatalf("DELETE: %d %s", r.status, r.body)
	}
	if costs, _ := e.s.Costs(ctx, 2); len(costs) != 0 {
		t.Fatalf("still there: %+v", costs)
	}

	// Import: every bad row with its line, nothing written; then a dry run; then for real.
	bad := "Date;Campaign;Amount;Hours\n2026-03-03;spring26;1.000,00;\n2026-03-04;Nobody;5;\n2026-03-05;Fair 2026;-5;\n2026-31-01;Fair 2026;5;\n"
	r = e.do("POST", "/api/v1/costs/import", e.token, bad, "Content-Type", "text/csv")
	if r.status != 400 {
		t.Fatalf("bad import: %d %s", r.status, r.body)
	}
	for _, want := range []string{`"field":"file"`, `"line":3,"field":"campaign"`, `"line":4,"field":"amount"`, `"line":5,"field":"date"`, "nothing was imported"} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("bad import lacks %s: %s", want, r.body)
		}
	}
	good := "\ufeffdate,campaign,amount,hours\n2026-03-03,SPRING26,\"$1,000.00\",2\n2026-03-04,Fair 2026,,1.5\n"
	r = e.do("POST", "/api/v1/costs/import?dry_run=true", e.token, good, "Content-Type", "text/csv")
	if r.status != 200 || !strings.Contains(string(r.body), `"dry_run":true,"entries":2,"amount":"1000.00","hours":"3.5"`) {
		t.Fatalf("dry run: %d %s", r.status, r.body)
	}
	if costs, _ := e.s.Costs(ctx, 1); len(costs) != 2 {
		t.Fatalf("the dry run or the bad file wrote: %+v", costs)
	}
	if r := e.do("POST", "/api/v1/costs/import", e.keys["sales"], good, "Content-Type", "text/csv"); r.status != 403 {
		t.Errorf("sales import: %d", r.status)
	}
	r = e.do("POST", "/api/v1/costs/import", e.token, good, "Content-Type", "text/csv")
	if r.status != 201 || !strings.Contains(string(r.body), `{"id":2,"name":"Fair 2026","entries":1,"amount":"0.00","hours":"1.5"}`) {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/api/v1/reports/sources?from=2026-03-01&to=2026-04-01&group_by=campaign", e.token, "")
	if !strings.Contains(string(r.body), `"cost":"1500.00","cpl":"1500.00","hours":12`) {
		t.Errorf("imported costs not in the report: %s", r.body)
	}
	if r := e.do("POST", "/api/v1/costs/import", e.token, `{"a":1}`, "Content-Type", "application/json"); r.status != 415 {
		t.Errorf("JSON body: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/costs/import", e.token, "date,campaign\n", "Content-Type", "text/csv"); r.status != 400 || !strings.Contains(string(r.body), `"field":"file"`) {
		t.Errorf("no amount column: %d %s", r.status, r.body)
	}
}
