package web_test

import (
	"encoding/json"
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
