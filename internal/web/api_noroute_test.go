package web_test

import (
	"strings"
	"testing"
)

// A request under /api/v1/ that no route takes is answered in the API's error shape:
// 404 for a path no route has, 405 with Allow for a method the path does not take.
func TestAPIUnknownRoutesAnswerInJSON(t *testing.T) {
	e := newAPIEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
		code, allow  string
	}{
		{"GET", "/api/v1/nope", 404, "not_found", ""},
		{"GET", "/api/v1/contacts/1/", 404, "not_found", ""},
		{"POST", "/api/v1/contacts/1/nothing", 404, "not_found", ""},
		{"DELETE", "/api/v1/contacts/1", 405, "method_not_allowed", "GET, HEAD"},
		{"PUT", "/api/v1/events", 405, "method_not_allowed", "POST"},
		{"PATCH", "/api/v1/contacts", 405, "method_not_allowed", "GET, HEAD"},
	} {
		r := e.do(tc.method, tc.path, e.token, "")
		if r.status != tc.status || r.header.Get("Allow") != tc.allow || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d, Allow %q, %s", tc.method, tc.path, r.status, r.header.Get("Allow"), r.header.Get("Content-Type"))
			continue
		}
		if got := r.json(t)["error"].(map[string]any)["code"]; got != tc.code {
			t.Errorf("%s %s: code %v", tc.method, tc.path, got)
		}
	}
	// Without credentials too: no route is no route.
	if r := e.do("GET", "/api/v1/nope", "", ""); r.status != 404 {
		t.Errorf("without a key: %d %s", r.status, r.body)
	}
}
