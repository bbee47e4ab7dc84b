package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// TestContactsAPISortedByScore lists contacts by fit and by engagement, a page at a
// time, and refuses an order it does not know by naming the parameter. Without a
// sort the list stays newest first, as SPEC section 11 has it.
func TestContactsAPISortedByScore(t *testing.T) {
	e := newAPIEnv(t)
	admin := e.token
	// Ann: a head, one pricing view. Ben: none, three. Cy: a head, two. Di: nothing.
	var events []string
	for _, p := range []struct {
		email, title string
		views        int
	}{{"ann@acme.example", "Head of Sales", 1}, {"ben@acme.example", "Analyst", 3}, {"cy@acme.example", "Head of IT", 2}, {"di@acme.example", "Intern", 0}} {
		events = append(events, fmt.Sprintf(`{"type":"form_submit","email":%q,"properties":{"job_title":%q}}`, p.email, p.title))
		for range p.views {
			events = append(events, fmt.Sprintf(`{"type":"page_view","email":%q,"properties":{"page_url":"https://acme.example/pricing"}}`, p.email))
		}
	}
	if r := e.do("POST", "/api/v1/events", admin, `{"events":[`+strings.Join(events, ",")+`]}`); r.status != 202 {
		t.Fatalf("ingest %d %s", r.status, r.body)
	}
	if r := e.do("PUT", "/api/v1/scoring/rules", admin, `{"fit":[{"filter":"job_title contains \"head\"","points":50}],
		"engagement":[{"event_type":"page_view","points":10},{"event_type":"form_submit","points":1}]}`); r.status != 202 {
		t.Fatalf("rules %d %s", r.status, r.body)
	}
	finishRecomputes(t, e.s)

	list := func(query string) []string {
		t.Helper()
		var out []string
		for cursor, pages := "", 0; ; pages++ {
			q := query
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			r := e.do("GET", "/api/v1/contacts?"+q, admin, "")
			if r.status != 200 || pages > 10 {
				t.Fatalf("%s: %d %s", q, r.status, r.body)
			}
			m := r.json(t)
			for _, c := range m["contacts"].([]any) {
				c := c.(map[string]any)
				s := c["scores"].(map[string]any)
				out = append(out, fmt.Sprintf("%s %v/%v", strings.TrimSuffix(c["email"].(string), "@acme.example"), s["fit"], s["engagement"]))
			}
			if cursor = m["next_cursor"].(string); cursor == "" {
				return out
			}
		}
	}
	for query, want := range map[string]string{
		"sort=engagement":         "[ben 0/31 cy 50/21 ann 50/11 di 0/1]",
		"sort=engagement&limit=1": "[ben 0/31 cy 50/21 ann 50/11 di 0/1]",
		// Equal scores: newest first.
		"sort=fit&limit=1":        "[cy 50/21 ann 50/11 di 0/1 ben 0/31]",
		"sort=fit&q=acme&limit=1": "[cy 50/21 ann 50/11 di 0/1 ben 0/31]",
		"sort=engagement&q=ann":   "[ann 50/11]",
		"sort=newest":             "[di 0/1 cy 50/21 ben 0/31 ann 50/11]",
		"limit=2":                 "[di 0/1 cy 50/21 ben 0/31 ann 50/11]",
	} {
		if got := fmt.Sprint(list(query)); got != want {
			t.Errorf("%s: %s, want %s", query, got, want)
		}
	}
	for _, q := range []string{"sort=name", "sort=FIT", "sort=fit,engagement"} {
		if r := e.do("GET", "/api/v1/contacts?"+q, admin, ""); r.status != 400 || !strings.Contains(string(r.body), `"field":"sort"`) {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	// A cursor belongs to its order.
	first := e.do("GET", "/api/v1/contacts?limit=1", admin, "").json(t)["next_cursor"].(string)
	if r := e.do("GET", "/api/v1/contacts?sort=fit&cursor="+url.QueryEscape(first), admin, ""); r.status != 400 || !strings.Contains(string(r.body), `"field":"cursor"`) {
		t.Errorf("a newest-first cursor by fit: %d %s", r.status, r.body)
	}
}
