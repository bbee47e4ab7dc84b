package web_test

import (
	"bytes"
	"testing"
)

// Numbers sent to Lodestone are stored as sent. Decoded as floats, an order number
// past 2^53 came back one off (9007199254740993 as …992), silently.
func TestNumbersKeepTheirDigits(t *testing.T) {
	e := newAPIEnv(t)
	r := e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"purchase","email":"ana@shop.example",
		"properties":{"order":9007199254740993,"ratio":0.1,"lines":[{"sku":12345678901234567890}]}}]}`)
	if r.status != 202 {
		t.Fatalf("events: %d %s", r.status, r.body)
	}
	got := e.do("GET", "/api/v1/contacts/1", e.token, "")
	for _, want := range []string{`"order":9007199254740993`, `"ratio":0.1`, `"sku":12345678901234567890`} {
		if !bytes.Contains(got.body, []byte(want)) {
			t.Errorf("the contact's timeline lacks %s: %s", want, got.body)
		}
	}
	// A number no reader could decode is refused, as before, with its field.
	r = e.do("POST", "/api/v1/events", e.token, `{"events":[{"type":"purchase","email":"ana@shop.example","properties":{"huge":1e400}}]}`)
	if r.status != 400 || !bytes.Contains(r.body, []byte(`"field":"events[0].properties.huge"`)) {
		t.Errorf("a number beyond a float: %d %s", r.status, r.body)
	}

	// A form posted as JSON by a page's own script keeps a number's digits in its
	// custom field.
	if r := e.do("POST", "/api/v1/forms", e.token, `{"slug":"quote","name":"Quote","fields":["email",{"name":"team_size","type":"text"}]}`); r.status != 201 {
		t.Fatalf("form: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/f/quote", "", `{"email":"bo@shop.example","team_size":12345678901234567890}`, "Content-Type", "application/json"); r.status >= 300 {
		t.Fatalf("JSON form post: %d %s", r.status, r.body)
	}
	got = e.do("GET", "/api/v1/contacts?email=bo@shop.example", e.token, "")
	if !bytes.Contains(got.body, []byte(`"team_size":"12345678901234567890"`)) {
		t.Errorf("the custom field lost digits: %s", got.body)
	}
}
