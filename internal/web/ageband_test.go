package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestAgeBandThroughTheAPI: the age band comes in through events, a hosted form and
// the tracking snippet, is refused with the field named when it names no band, and
// shows in the contact's detail, the segment export and the OpenAPI document.
func TestAgeBandThroughTheAPI(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"form_submit","email":"ann@example.com","properties":{"age_band":"twenty-something"}}]}`)
	if r.status != 400 || !strings.Contains(string(r.body), `"field":"events[0].properties.age_band"`) || !strings.Contains(string(r.body), `\"18-24\"`) {
		t.Fatalf("bad age band: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"form_submit","email":"ann@example.com","properties":{"age_band":"25 to 34"}}]}`)
	if r.status >= 300 {
		t.Fatalf("event: %d %s", r.status, r.body)
	}
	c := e.contactByEmail("ann@example.com")
	if c["age_band"] != "25-34" {
		t.Fatalf("contact detail: age_band %v", c["age_band"])
	}

	// A hosted form with the standard field: a select of the bands.
	r = e.do("POST", "/api/v1/forms", e.token, `{"slug":"ages","name":"Ages","fields":["email","age_band"]}`)
	if r.status != 201 || !strings.Contains(string(r.body), `"options":["under 18","18-24","25-34","35-44","45-54","55-64","65+"]`) {
		t.Fatalf("create form: %d %s", r.status, r.body)
	}
	page := string(e.do("GET", "/f/ages", "", "").body)
	if !strings.Contains(page, `<select`) || !strings.Contains(page, `<option>65&#43;</option>`) {
		t.Fatalf("hosted page has no age band select:\n%s", page)
	}
	res, body := postForm(t, e.srv.URL, "ages", url.Values{"email": {"bea@example.com"}, "age_band": {"40"}})
	if res.StatusCode != 422 || !strings.Contains(body, "choose one of the options") {
		t.Fatalf("bad age band on the form: %d %s", res.StatusCode, body)
	}
	if res, body := postForm(t, e.srv.URL, "ages", url.Values{"email": {"bea@example.com"}, "age_band": {"55-64"}}); res.StatusCode != 303 {
		t.Fatalf("form post: %d %s", res.StatusCode, body)
	}
	if c := e.contactByEmail("bea@example.com"); c["age_band"] != "55-64" {
		t.Fatalf("form contact: age_band %v", c["age_band"])
	}
	r = e.do("POST", "/f/ages", "", `{"email":"cy@example.com","age_band":"old"}`)
	if r.status != 400 && r.status != 422 || !strings.Contains(string(r.body), `age_band`) {
		t.Fatalf("json form post with a bad band: %d %s", r.status, r.body)
	}

	// The tracking snippet's identify traits.
	r = e.do("POST", "/collect", "", `{"type":"identify","visitor_id":"v1","email":"dee@example.com","traits":{"age_band":"ancient"}}`,
		"Content-Type", "text/plain", "User-Agent", browserUA)
	if r.status != 400 || !strings.Contains(string(r.body), "traits.age_band") {
		t.Fatalf("bad trait: %d %s", r.status, r.body)
	}

	// The segment export carries the band.
	seg := e.do("POST", "/api/v1/segments", e.token, fmt.Sprintf(`{"name":"Some","contact_ids":[%d]}`, int64(c["id"].(float64))))
	if seg.status != 201 {
		t.Fatalf("segment: %d %s", seg.status, seg.body)
	}
	csv := string(e.do("GET", "/api/v1/segments/1/members.csv", e.token, "").body)
	if !strings.Contains(csv, ",age_band,") || !strings.Contains(csv, ",25-34,") {
		t.Fatalf("segment CSV without the age band:\n%s", csv)
	}

	// A segment on the band, and the field list builders read.
	r = e.do("POST", "/api/v1/segments/count", e.token, `{"filter_text":"age_band in (\"25-34\", \"55-64\")"}`)
	if r.status != 200 || !strings.Contains(string(r.body), `2`) {
		t.Fatalf("count: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/segments/fields", e.token, ""); !strings.Contains(string(r.body), `"name":"age_band","type":"choice","choices":["under 18"`) {
		t.Fatalf("fields: %s", r.body)
	}
	if r := e.do("GET", "/api/v1/openapi.json", "", ""); !strings.Contains(string(r.body), `"age_band"`) {
		t.Fatalf("the OpenAPI document lacks age_band: %d", r.status)
	}
}

// TestContactPageShowsAgeBand: the contact page shows the band when there is one.
func TestContactPageShowsAgeBand(t *testing.T) {
	e := newUIEnv(t)
	e.user("admin@example.com", store.RoleAdmin)
	cookie := e.login("admin@example.com")
	out, err := e.store.Ingest(context.Background(), []store.Capture{{Type: "form_submit", Email: "ann@example.com", Fields: store.ContactFields{AgeBand: "65+"}}})
	if err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", fmt.Sprintf("/contacts/%d", out[0].ContactID), nil, cookie)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<dt>Age band</dt><dd>65&#43;</dd>") {
		t.Fatalf("contact page: %d, no age band:\n%s", w.Code, w.Body)
	}
	// The scoring screen lists it among the fields a fit rule can use.
	if w := e.do("GET", "/scoring", nil, cookie); !strings.Contains(w.Body.String(), "<code>age_band</code>") {
		t.Fatalf("the scoring screen does not offer age_band: %d", w.Code)
	}
}

// TestAgeBandFitRule: a fit rule on the age band scores the contacts in the band.
func TestAgeBandFitRule(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/events", e.token, `{"events":[
		{"type":"form_submit","email":"older@example.com","properties":{"age_band":"35-44"}},
		{"type":"form_submit","email":"younger@example.com","properties":{"age_band":"18–24"}}]}`)
	if r.status != 202 {
		t.Fatalf("ingest %d %s", r.status, r.body)
	}
	if r := e.do("PUT", "/api/v1/scoring/rules", e.token, `{"fit":[{"filter":"age_band in (\"35-44\", \"45-54\")","points":40,"label":"Buyer age"}]}`); r.status != 202 {
		t.Fatalf("rules: %d %s", r.status, r.body)
	}
	if r := e.do("PUT", "/api/v1/scoring/rules", e.token, `{"fit":[{"filter":"age_band = \"35 to 44\"","points":40}]}`); r.status != 400 ||
		!strings.Contains(string(r.body), `"field":"fit[0].filter"`) {
		t.Fatalf("a rule on a band spelled otherwise: %d %s", r.status, r.body)
	}
	finishRecomputes(t, e.s)
	for email, want := range map[string]float64{"older@example.com": 40, "younger@example.com": 0} {
		c := e.contactByEmail(email)
		if fit := c["scores"].(map[string]any)["fit"].(float64); fit != want {
			t.Errorf("%s: fit %v, want %v", email, fit, want)
		}
	}
}
