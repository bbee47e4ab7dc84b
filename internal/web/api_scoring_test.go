package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// finishRecomputes runs the recompute the API started, as the job worker would.
func finishRecomputes(t *testing.T, s *store.Store) {
	t.Helper()
	rc, err := s.LatestRecompute(context.Background())
	if err != nil || rc == nil {
		t.Fatal("no recompute", err)
	}
	for range 100 {
		done, err := s.RecomputeStep(context.Background(), rc.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
	}
	t.Fatal("recompute never finished")
}

func TestScoringAPI(t *testing.T) {
	e := newAPIEnv(t)
	admin, sales, reader := e.keys[store.RoleAdmin], e.keys[store.RoleSales], e.keys[store.RoleReadOnly]
	r := e.do("POST", "/api/v1/events", admin, `{"events":[
		{"type":"form_submit","email":"ada@acme.example","properties":{"job_title":"Head of Sales","country":"DE"}},
		{"type":"page_view","email":"ada@acme.example","properties":{"page_url":"https://acme.example/pricing"}},
		{"type":"page_view","email":"ada@acme.example","properties":{"page_url":"https://acme.example/pricing"}}]}`)
	if r.status != 202 {
		t.Fatalf("ingest %d %s", r.status, r.body)
	}
	id := int64(r.json(t)["results"].([]any)[0].(map[string]any)["contact_id"].(float64))
	path := fmt.Sprintf("/api/v1/contacts/%d", id)

	for _, c := range []struct {
		name, method, path, key, body string
		status                        int
		want                          string // in the body
	}{
		{"bad filter names the rule and position", "PUT", "/api/v1/scoring/rules", admin,
			`{"fit":[{"filter":"country = \"DE\"","points":30},{"filter":"job_title containz \"head\"","points":35}]}`, 400, `"field":"fit[1].filter"`},
		{"bad event type", "PUT", "/api/v1/scoring/rules", admin, `{"engagement":[{"event_type":"Page View","points":5}]}`, 400, `"field":"engagement[0].event_type"`},
		{"unknown field", "PUT", "/api/v1/scoring/rules", admin, `{"fits":[]}`, 400, `"field":"fits"`},
		{"read-only may not edit", "PUT", "/api/v1/scoring/rules", reader, `{"fit":[]}`, 403, ""},
		{"recompute before rules", "POST", "/api/v1/scoring/recompute", admin, ``, 409, "no scoring rules"},
		{"rules saved", "PUT", "/api/v1/scoring/rules", admin,
			`{"fit":[{"filter":"country = \"DE\"","points":30},{"filter":"job_title contains \"head\"","points":35,"label":"Leader"}],
			  "engagement":[{"event_type":"page_view","property":"page_url","value":"/pricing","points":15}]}`, 202, `"state":"pending"`},
		{"rules read back", "GET", "/api/v1/scoring/rules", reader, ``, 200, `"label":"Leader"`},
		{"progress", "GET", "/api/v1/scoring/recompute", reader, ``, 200, `"state":"running"`},
		{"settings defaults", "GET", "/api/v1/scoring/settings", reader, ``, 200, `"mql_fit":40`},
		{"settings bad", "PUT", "/api/v1/scoring/settings", admin, `{"sql_fit":20}`, 400, `"field":"sql_fit"`},
		{"settings bad reason", "PUT", "/api/v1/scoring/settings", admin, `{"disqualify_reasons":["a",""]}`, 400, `"field":"disqualify_reasons[1]"`},
		{"settings partial", "PUT", "/api/v1/scoring/settings", admin, `{"sql_engagement":30,"disqualify_reasons":["No budget","Competitor"]}`, 200, `"sql_engagement":30`},
	} {
		r := e.do(c.method, c.path, c.key, c.body)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	finishRecomputes(t, e.s)

	// Fit 30 + 35 = 65, engagement 15 + 15 = 30: MQL ≥ 40/25, SQL ≥ 60/30 (lowered above) → SQL.
	r = e.do("GET", path+"/scores", reader, "")
	m := r.json(t)
	b := m["breakdown"].(map[string]any)
	if r.status != 200 || m["fit"].(float64) != 65 || m["engagement"].(float64) != 30 || len(b["fit_rules"].([]any)) != 2 || len(b["engagement_events"].([]any)) != 2 {
		t.Fatalf("scores %d %s", r.status, r.body)
	}
	if c := e.do("GET", path, reader, "").json(t); c["stage"] != "sql" || c["scores"].(map[string]any)["fit"].(float64) != 65 {
		t.Fatalf("contact %v", c)
	}

	for _, c := range []struct {
		name, method, path, key, body string
		status                        int
		want                          string
	}{
		{"reject needs a reason", "POST", path + "/reject", sales, `{"reason":" "}`, 400, `"field":"reason"`},
		{"accept", "POST", path + "/accept", sales, ``, 200, `"stage":"sql"`},
		{"reject", "POST", path + "/reject", sales, `{"reason":"No project this year"}`, 200, `"stage":"lead"`},
		{"reject a lead", "POST", path + "/reject", sales, `{"reason":"again"}`, 409, ""},
		{"read-only may not qualify", "POST", path + "/qualification", reader, `{"budget":"approved"}`, 403, ""},
		{"qualification bad answer", "POST", path + "/qualification", sales, `{"budget":"maybe"}`, 400, `"field":"budget"`},
		{"qualification", "POST", path + "/qualification", sales,
			`{"budget":"planned","authority":"influencer","need":"clear","timeline":"this_year","product_fit":"good","notes":"Call back in March"}`, 201, `"type":"qualified"`},
		{"disqualify with an unknown reason", "POST", path + "/disqualify", sales, `{"reason":"Too small"}`, 400, `Competitor`},
		{"disqualify", "POST", path + "/disqualify", sales, `{"reason":"competitor"}`, 200, `"stage":"disqualified"`},
		{"unknown contact", "POST", "/api/v1/contacts/999999/accept", sales, ``, 404, ""},
	} {
		r := e.do(c.method, c.path, c.key, c.body)
		if r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
	}
	tl := e.do("GET", path, reader, "").json(t)["timeline"].([]any)
	seen := map[string]bool{}
	for _, ev := range tl {
		seen[ev.(map[string]any)["type"].(string)] = true
	}
	for _, typ := range []string{"sql_accepted", "sql_rejected", "qualified", "stage_changed"} {
		if !seen[typ] {
			t.Errorf("timeline lacks %s", typ)
		}
	}
	hist := e.do("GET", path+"/scores", reader, "").json(t)["history"].([]any)
	if len(hist) == 0 || hist[len(hist)-1].(map[string]any)["reason"] != "rules version 1" {
		t.Errorf("history %v", hist)
	}
}
