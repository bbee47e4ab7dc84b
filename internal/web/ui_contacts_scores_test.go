package web_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestContactsScreenShowsAndSortsByScore: the contacts screen and a segment's
// members show fit and engagement columns (and the predictive score's once a model
// exists: see TestEnrichmentAndPredictiveInBrowser); the screen sorts by a score
// (the whole page, htmx's rows and "Load more" alike), and an order it does not know
// is shown next to the filters, not as an error page.
func TestContactsScreenShowsAndSortsByScore(t *testing.T) {
	e := newAPIEnv(t)
	admin := e.token
	if r := e.do("POST", "/api/v1/events", admin, `{"events":[
		{"type":"page_view","email":"ann@acme.example"},
		{"type":"page_view","email":"ben@acme.example"},{"type":"page_view","email":"ben@acme.example"},{"type":"page_view","email":"ben@acme.example"},
		{"type":"page_view","email":"cy@acme.example"},{"type":"page_view","email":"cy@acme.example"}]}`); r.status != 202 {
		t.Fatalf("ingest %d %s", r.status, r.body)
	}
	if r := e.do("PUT", "/api/v1/scoring/rules", admin, `{"fit":[{"filter":"email contains \"ann\"","points":70}],"engagement":[{"event_type":"page_view","points":10}]}`); r.status != 202 {
		t.Fatalf("rules %d %s", r.status, r.body)
	}
	finishRecomputes(t, e.s)
	u := &uiEnv{t: t, store: e.s, h: e.web}
	u.user("mia@example.com", store.RoleMarketer)
	c := u.login("mia@example.com")

	emails := regexp.MustCompile(`<span>([a-z]+)@acme\.example</span>`)
	order := func(body string) string {
		var out []string
		for _, m := range emails.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return strings.Join(out, " ")
	}
	w := u.do("GET", "/contacts?sort=engagement", nil, c)
	wantStatus(t, w, http.StatusOK, `<th class="num score-col" aria-sort="descending">Engagement</th>`, `<option value="engagement" selected>`,
		`<td class="num score-cell score-fit"><span class="score-label">Fit</span> <span class="score-value">70</span>`)
	if got := order(w.Body.String()); got != "ben cy ann" {
		t.Errorf("by engagement: %s", got)
	}
	w = u.do("GET", "/contacts?sort=fit", nil, c, "HX-Request", "true")
	if got := order(w.Body.String()); w.Code != 200 || got != "ann cy ben" || strings.Contains(w.Body.String(), "<thead>") {
		t.Errorf("htmx rows by fit: %d %s", w.Code, got)
	}
	if got := order(u.do("GET", "/contacts", nil, c).Body.String()); got != "cy ben ann" {
		t.Errorf("newest first: %s", got)
	}
	// "Load more" keeps the order.
	w = u.do("GET", "/contacts?sort=engagement&limit=1", nil, c)
	more := regexp.MustCompile(`href="(/contacts\?[^"]*cursor=[^"]*)"`).FindStringSubmatch(w.Body.String())
	if more == nil || !strings.Contains(more[1], "sort=engagement") {
		t.Fatalf("Load more link: %v", more)
	}
	w = u.do("GET", strings.ReplaceAll(more[1], "&amp;", "&"), nil, c, "HX-Request", "true")
	if got := order(w.Body.String()); got != "cy ann" {
		t.Errorf("the second page by engagement: %q", got)
	}
	w = u.do("GET", "/contacts?sort=score", nil, c)
	wantStatus(t, w, http.StatusUnprocessableEntity, "Sort is not an order of the list")

	seg := e.do("POST", "/api/v1/segments", admin, `{"name":"Everyone","filter_text":"email contains \"acme\""}`)
	if seg.status != 201 {
		t.Fatalf("segment %d %s", seg.status, seg.body)
	}
	id := seg.json(t)["id"].(float64)
	w = u.do("GET", fmt.Sprintf("/segments/%d", int64(id)), nil, c)
	wantStatus(t, w, http.StatusOK, `<th class="num score-col">Fit</th><th class="num score-col">Engagement</th><th>Original source</th>`,
		`<span class="score-value">30</span>`)
}
