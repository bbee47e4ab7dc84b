package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestStageMoveToDisqualifiedTakesAConfiguredReason: a move to disqualified through
// the Stage card or POST /api/v1/contacts/{id}/stage gives one of the workspace's
// disqualify reasons, as the Disqualify form does; any other text is refused by
// naming the field reason, and the contact stays where it was. Other moves keep
// taking free text.
func TestStageMoveToDisqualifiedTakesAConfiguredReason(t *testing.T) {
	e := newAPIEnv(t)
	admin := e.token
	r := e.do("POST", "/api/v1/events", admin, `{"events":[{"type":"form_submit","email":"ada@acme.example"},{"type":"form_submit","email":"bo@acme.example"}]}`)
	if r.status != 202 {
		t.Fatalf("ingest %d %s", r.status, r.body)
	}
	res := r.json(t)["results"].([]any)
	ada := int64(res[0].(map[string]any)["contact_id"].(float64))
	bo := int64(res[1].(map[string]any)["contact_id"].(float64))
	path := fmt.Sprintf("/api/v1/contacts/%d/stage", ada)
	for _, c := range []struct {
		body   string
		status int
		want   string
	}{
		{`{"stage":"disqualified","reason":"just because"}`, 400, `"field":"reason"`},
		{`{"stage":"disqualified","reason":"Competitor, I think"}`, 400, `disqualify reasons: No budget; Not the decision maker`},
		{`{"stage":"opportunity","reason":"just because"}`, 200, `"stage":"opportunity"`},
		// The reason's case does not matter; the configured spelling is kept.
		{`{"stage":"disqualified","reason":" competitor "}`, 200, `"stage":"disqualified"`},
	} {
		if r := e.do("POST", path, admin, c.body); r.status != c.status || !strings.Contains(string(r.body), c.want) {
			t.Errorf("%s: %d %s", c.body, r.status, r.body)
		}
	}
	events, err := e.s.Timeline(context.Background(), ada, store.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, ev := range events {
		if ev.Type == "stage_changed" && ev.Properties["to"] == "disqualified" {
			reasons = append(reasons, fmt.Sprint(ev.Properties["reason"]))
		}
	}
	if fmt.Sprint(reasons) != "[Competitor]" {
		t.Errorf("moves to disqualified on the timeline, with reasons: %v", reasons)
	}

	// The Stage card on the contact page: the same rule, the problem shown at the
	// reason, and the reasons offered as suggestions.
	u := &uiEnv{t: t, store: e.s, h: e.web}
	u.user("sam@example.com", store.RoleSales)
	cookie := u.login("sam@example.com")
	page := u.do("GET", "/contacts/"+itoa(bo), nil, cookie)
	wantStatus(t, page, http.StatusOK, `list="disqualify-reasons"`, `<option value="Not the decision maker">`)
	same := []string{"Origin", "http://127.0.0.1:8080", "Sec-Fetch-Site", "same-origin"}
	w := u.do("POST", "/contacts/"+itoa(bo)+"/stage", url.Values{"stage": {"disqualified"}, "reason": {"rude on the phone"}}, cookie, same...)
	wantStatus(t, w, http.StatusUnprocessableEntity, "must be one of the workspace&#39;s disqualify reasons")
	if c, _ := e.s.Contact(context.Background(), bo); c.Stage == "disqualified" {
		t.Fatal("the Stage card disqualified with a reason off the list")
	}
	w = u.do("POST", "/contacts/"+itoa(bo)+"/stage", url.Values{"stage": {"disqualified"}, "reason": {"Spam or fake"}}, cookie, same...)
	wantStatus(t, w, http.StatusSeeOther)
	if c, _ := e.s.Contact(context.Background(), bo); c.Stage != "disqualified" {
		t.Fatalf("stage %s after a disqualify with a listed reason", c.Stage)
	}
}
