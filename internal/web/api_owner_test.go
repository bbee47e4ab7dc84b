package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// A contact is assigned over the API, found by the list's owner filter, and left
// without owner again; bad owners are 400s naming owner_id.
func TestAssignOwnerOverAPI(t *testing.T) {
	e := newAPIEnv(t)
	if r := e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"form_submit","email":"a@acme.com"},{"type":"form_submit","email":"b@acme.com"}]}`); r.status != 202 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	rep, err := e.s.CreateUser(context.Background(), store.User{Email: "rep@team.example", Name: "Rep", Role: store.RoleSales, PasswordHash: "x"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	owner := `{"owner_id":` + itoa(rep.ID) + `,"reason":"north"}`
	for _, tc := range []struct {
		name, path, key, body string
		status                int
		want                  string
	}{
		{"read-only key", "/api/v1/contacts/1/owner", e.keys[store.RoleReadOnly], owner, 403, ""},
		{"missing owner", "/api/v1/contacts/1/owner", e.token, `{"reason":"x"}`, 400, `"field":"owner_id"`},
		{"owner as text", "/api/v1/contacts/1/owner", e.token, `{"owner_id":"rep"}`, 400, `"field":"owner_id"`},
		{"owner negative", "/api/v1/contacts/1/owner", e.token, `{"owner_id":-3}`, 400, `"field":"owner_id"`},
		{"unknown owner", "/api/v1/contacts/1/owner", e.token, `{"owner_id":424242}`, 400, `"field":"owner_id"`},
		{"unknown contact", "/api/v1/contacts/424242/owner", e.token, owner, 404, ""},
		{"assign", "/api/v1/contacts/1/owner", e.keys[store.RoleSales], owner, 200, `"owner":{"id":` + itoa(rep.ID)},
	} {
		r := e.do("POST", tc.path, tc.key, tc.body)
		if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	count := func(q string) int {
		t.Helper()
		r := e.do("GET", "/api/v1/contacts?"+q, e.token, "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
		list, _ := r.json(t)["contacts"].([]any)
		return len(list)
	}
	if n, none := count("owner="+itoa(rep.ID)), count("owner=none"); n != 1 || none != 1 {
		t.Errorf("owned by the rep %d, by nobody %d", n, none)
	}
	d := e.do("GET", "/api/v1/contacts/1", e.token, "")
	if !strings.Contains(string(d.body), `"type":"owner_changed"`) {
		t.Errorf("no owner_changed event on the timeline: %s", d.body)
	}
	if r := e.do("POST", "/api/v1/contacts/1/owner", e.token, `{"owner_id":null}`); r.status != 200 || !strings.Contains(string(r.body), `"owner":null`) {
		t.Errorf("unassign: %d %s", r.status, r.body)
	}
	if n := count("owner=none"); n != 2 {
		t.Errorf("%d contacts without owner after unassigning, want 2", n)
	}
}

// The contact page offers the users who may own contacts, and assigning one shows
// the owner and the change on the timeline.
func TestAssignOwnerOnTheContactPage(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("mia@example.com", store.RoleMarketer)
	rep := e.user("rep@example.com", store.RoleSales)
	e.user("rory@example.com", store.RoleReadOnly)
	c := e.login("mia@example.com")
	id := e.contact("lead@example.com", "Lead")
	page := e.do("GET", "/contacts/"+itoa(id), nil, c)
	wantStatus(t, page, http.StatusOK, `action="/contacts/`+itoa(id)+`/owner"`, `<option value="`+itoa(rep.ID)+`">Test sales`)
	if strings.Contains(page.Body.String(), "Test read_only") {
		t.Fatal("a read-only user is offered as owner")
	}
	wantStatus(t, e.do("POST", "/contacts/"+itoa(id)+"/owner", url.Values{"owner_id": {"abc"}}, c), http.StatusUnprocessableEntity, "Pick a user from the list.")
	w := e.do("POST", "/contacts/"+itoa(id)+"/owner", url.Values{"owner_id": {itoa(rep.ID)}, "reason": {"call today"}}, c)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", w.Code, w.Body)
	}
	wantStatus(t, e.do("GET", "/contacts/"+itoa(id), nil, c), http.StatusOK, "<dd>Test sales</dd>", "Owner changed", "call today")
	other := e.contact("other@example.com", "Other")
	mine := e.do("GET", "/contacts?owner="+itoa(rep.ID), nil, c)
	wantStatus(t, mine, http.StatusOK, `/contacts/`+itoa(id)+`"`, `<option value="`+itoa(rep.ID)+`" selected>`, "Owner:</span> Test sales")
	if strings.Contains(mine.Body.String(), `/contacts/`+itoa(other)+`"`) {
		t.Fatal("the owner filter lists a contact without owner")
	}
	nobody := e.do("GET", "/contacts?owner=none", nil, c)
	wantStatus(t, nobody, http.StatusOK, `/contacts/`+itoa(other)+`"`)
	if strings.Contains(nobody.Body.String(), `/contacts/`+itoa(id)+`"`) {
		t.Fatal("the unassigned filter lists an owned contact")
	}
	wantStatus(t, e.do("GET", "/contacts?owner=x", nil, c), http.StatusUnprocessableEntity, "Owner must be a user id or none")
}
