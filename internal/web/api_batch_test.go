package web_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// A batch with several bad items is refused whole, and the answer names the index
// and field of every bad item, not only the first; nothing of it is stored.
func TestAPIBatchNamesEveryBadItem(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/events", e.token, `{"events":[
		{"type":"form_submit","email":"bad@"},
		{"type":"form_submit","email":"good@example.com"},
		{"type":"form_submit","email":"x@example.com","occurred_at":"yesterday"},
		{"type":"form_submit","email":"y@example.com","phone":"call me maybe"},
		{"type":"","email":"z@example.com"}]}`)
	if r.status != 400 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var answer struct {
		Error struct {
			Field   string `json:"field"`
			Details []struct {
				Index int    `json:"index"`
				Field string `json:"field"`
			} `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &answer); err != nil {
		t.Fatal(err)
	}
	if answer.Error.Field != "events[0].email" {
		t.Errorf("field %q, want the first bad item's", answer.Error.Field)
	}
	want := map[int]string{0: "email", 2: "occurred_at", 3: "phone", 4: "type"}
	if len(answer.Error.Details) != len(want) {
		t.Fatalf("details %+v, want %v", answer.Error.Details, want)
	}
	for _, d := range answer.Error.Details {
		if want[d.Index] != d.Field {
			t.Errorf("item %d: field %q, want %q", d.Index, d.Field, want[d.Index])
		}
	}
	if list := e.do("GET", "/api/v1/contacts", e.token, "").json(t)["contacts"].([]any); len(list) != 0 {
		t.Errorf("%d contacts stored from a refused batch", len(list))
	}
}

// A contact's detail holds its timeline a page at a time: following timeline_next
// gives every event once, also where a page ends among events of one moment, and a
// cursor or limit that cannot be read is a 400 naming it.
func TestAPIContactTimelinePages(t *testing.T) {
	e := newAPIEnv(t)
	var events []string
	for i := range 7 {
		at := "2026-03-02T10:00:00Z"
		if i == 6 {
			at = "2026-03-01T10:00:00Z"
		}
		events = append(events, `{"type":"email_open","email":"ada@acme.example","occurred_at":"`+at+`"}`)
	}
	if r := e.do("POST", "/api/v1/events", e.token, `{"events":[`+strings.Join(events, ",")+`]}`); r.status != 202 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	seen := map[float64]bool{}
	next := ""
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("the pages never end")
		}
		path := "/api/v1/contacts/1?timeline_limit=2"
		if next != "" {
			path += "&timeline_before=" + next
		}
		d := e.do("GET", path, e.token, "").json(t)
		for _, ev := range d["timeline"].([]any) {
			id := ev.(map[string]any)["id"].(float64)
			if seen[id] {
				t.Fatalf("event %v twice", id)
			}
			seen[id] = true
		}
		if next, _ = d["timeline_next"].(string); next == "" {
			break
		}
	}
	if len(seen) != 7 {
		t.Fatalf("%d events seen over the pages, want 7", len(seen))
	}
	for _, q := range []string{"timeline_limit=0", "timeline_limit=501", "timeline_limit=x", "timeline_before=yesterday", "timeline_before=1_x"} {
		r := e.do("GET", "/api/v1/contacts/1?"+q, e.token, "")
		field, _, _ := strings.Cut(q, "=")
		if r.status != 400 || !strings.Contains(string(r.body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
}
