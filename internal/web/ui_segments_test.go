package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestSegmentScreensWithoutScript drives the builder as a browser without
// JavaScript does: each button posts the whole form, and the page comes back.
func TestSegmentScreensWithoutScript(t *testing.T) {
	e := newUIEnv(t)
	e.user("mia@example.com", "marketer")
	e.user("rex@example.com", "read_only")
	e.contact("ada@example.com", "Ada")
	e.contact("bob@example.com", "Bob")
	mia, rex := e.login("mia@example.com"), e.login("rex@example.com")

	// A new segment's first row waits for a value: it counts everyone, not the contacts
	// without a country.
	w := e.do("GET", "/segments/new", nil, mia)
	wantStatus(t, w, 200, `name="g0r0_field"`, `<strong id="segment-count">2</strong> contacts match`)
	if strings.Contains(w.Body.String(), `= &#34;&#34;`) {
		t.Error("a condition without a value is in the filter")
	}
	wantStatus(t, e.do("GET", "/segments/new", nil, rex), 403)

	form := url.Values{"name": {"Adas"}, "mode": {"rows"}, "match": {"all"}, "g0_match": {"all"},
		"g0r0_field": {"first_name"}, "g0r0_op": {"starts_with"}, "g0r0_value": {"ad"}}
	// A second condition, then a group: the rows come back with the values typed.
	add := cloneForm(form, "action", "add-row:0")
	w = e.do("POST", "/segments/new", add, mia)
	wantStatus(t, w, 200, `name="g0r1_field"`, `value="ad"`, `first_name starts with &#34;ad&#34;`)
	// A half-made condition is named, and nothing is saved.
	bad := cloneForm(form, "g0r1_field", "fit_score", "g0r1_op", ">=", "g0r1_value", "lots", "action", "save")
	wantStatus(t, e.do("POST", "/segments/new", bad, mia), 422, `fit_score is a number`)
	// The live preview counts one contact.
	w = e.do("POST", "/segments/preview", form, mia, "HX-Request", "true")
	wantStatus(t, w, 200, `<strong id="segment-count">1</strong>`, "Ada")
	if strings.Contains(w.Body.String(), "<html") {
		t.Error("the preview is a whole page")
	}
	// The builder redraws with the preview out of band.
	w = e.do("POST", "/segments/builder", cloneForm(form, "action", "add-group"), mia, "HX-Request", "true")
	wantStatus(t, w, 200, `name="g1r0_field"`, `hx-swap-oob="true"`)
	// A text the groups cannot show stays text; a wrong one says where.
	w = e.do("POST", "/segments/builder", url.Values{"mode": {"rows"}, "text": {`not first_name = "Bob"`}, "action": {"from-text"}}, mia, "HX-Request", "true")
	wantStatus(t, w, 200, `id="filter-text"`, `<strong id="segment-count">1</strong>`)
	w = e.do("POST", "/segments/preview", url.Values{"mode": {"text"}, "text": {`first_nam = "Bob"`}}, mia, "HX-Request", "true")
	wantStatus(t, w, 200, `at position 1: unknown field &#34;first_nam&#34;`)

	// Saved, it lands on its page; the list shows its count.
	w = e.do("POST", "/segments/new", cloneForm(form, "action", "save"), mia)
	if w.Code != 303 || w.Header().Get("Location") != "/segments/1" {
		t.Fatalf("save: %d %s", w.Code, w.Header().Get("Location"))
	}
	wantStatus(t, e.do("GET", "/segments/1", nil, rex), 200, "Adas", `first_name starts with &#34;ad&#34;`, "ada@example.com")
	wantStatus(t, e.do("GET", "/segments", nil, rex), 200, `<td class="num segment-members">1</td>`)
	// A second of the same name is refused beside the form.
	wantStatus(t, e.do("POST", "/segments/new", cloneForm(form, "action", "save"), mia), 422, "exists already")
	// Editing shows the rows again.
	wantStatus(t, e.do("GET", "/segments/1/edit", nil, mia), 200, `<option value="starts_with" selected>`)

	// A static list by email.
	w = e.do("POST", "/segments/static", url.Values{"name": {"Booth visitors"}}, mia)
	if w.Code != 303 || w.Header().Get("Location") != "/segments/2" {
		t.Fatalf("static: %d %s", w.Code, w.Header().Get("Location"))
	}
	w = e.do("POST", "/segments/2/members", url.Values{"emails": {"bob@example.com\nnobody@example.com"}}, mia)
	if loc := w.Header().Get("Location"); !strings.Contains(loc, "problem=") {
		t.Errorf("an unknown email was not refused: %s", loc)
	}
	e.do("POST", "/segments/2/members", url.Values{"emails": {"BOB@example.com"}}, mia)
	wantStatus(t, e.do("GET", "/segments/2", nil, mia), 200, "bob@example.com", "Remove")
	wantStatus(t, e.do("POST", "/segments/2/delete", url.Values{}, rex), 403)
	if w := e.do("POST", "/segments/2/delete", url.Values{}, mia); w.Code != 303 {
		t.Fatalf("delete: %d", w.Code)
	}
	wantStatus(t, e.do("GET", "/segments/2", nil, mia), 404)
}

func cloneForm(f url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}
