package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// seedSegmentContacts makes three contacts over the API: Ada in DE who viewed the
// pricing page twice this week, Bob in FR who viewed it once, and a contact whose
// name would be a formula in a spreadsheet. It returns their ids by email.
func seedSegmentContacts(t *testing.T, e *apiEnv) map[string]int64 {
	t.Helper()
	at := func(d time.Duration) string { return time.Now().UTC().Add(-d).Format(time.RFC3339) }
	body := fmt.Sprintf(`{"events":[
		{"type":"form_submit","email":"ada@example.com","occurred_at":%q,"properties":{"first_name":"Ada","country":"DE","job_title":"Head of Marketing"}},
		{"type":"page_view","email":"ada@example.com","occurred_at":%q,"properties":{"page_url":"https://shop.example/pricing"}},
		{"type":"page_view","email":"ada@example.com","occurred_at":%q,"properties":{"page_url":"https://shop.example/Pricing?plan=pro"}},
		{"type":"form_submit","email":"bob@example.org","occurred_at":%q,"properties":{"first_name":"Bob","country":"FR"}},
		{"type":"page_view","email":"bob@example.org","occurred_at":%q,"properties":{"page_url":"https://shop.example/pricing"}},
		{"type":"form_submit","email":"eve@example.net","occurred_at":%q,"properties":{"first_name":"=HYPERLINK(\"http://x\")","country":"DE"}}]}`,
		at(72*time.Hour), at(48*time.Hour), at(24*time.Hour), at(72*time.Hour), at(24*time.Hour), at(time.Hour))
	if r := e.do("POST", "/api/v1/events", e.token, body); r.status != 202 {
		t.Fatalf("events: %d %s", r.status, r.body)
	}
	ids := map[string]int64{}
	for _, email := range []string{"ada@example.com", "bob@example.org", "eve@example.net"} {
		r := e.do("GET", "/api/v1/contacts?email="+email, e.token, "")
		list := r.json(t)["contacts"].([]any)
		if len(list) != 1 {
			t.Fatalf("%s: %s", email, r.body)
		}
		ids[email] = int64(list[0].(map[string]any)["id"].(float64))
	}
	return ids
}

func TestSegmentsAPI(t *testing.T) {
	e := newAPIEnv(t)
	ids := seedSegmentContacts(t, e)
	admin, reader := e.token, e.keys["read_only"]
	pricing := `count(page_view where page_url contains \"/pricing\" in last 14 days) >= 2`
	steps := []struct {
		name, method, path, key, body string
		status                        int
		contains                      []string
	}{
		{"live count, text", "POST", "/api/v1/segments/count", reader, `{"filter_text":"` + pricing + `"}`, 200,
			[]string{`"count":1`, `"filter":{"event":"page_view","where":{"property":"page_url","op":"contains","value":"/pricing"},"within_days":14,"op":"\u003e=","count":2}`}},
		{"live count, JSON", "POST", "/api/v1/segments/count", reader, `{"filter":{"or":[{"field":"country","op":"=","value":"FR"},{"field":"first_name","op":"starts_with","value":"ad"}]}}`, 200,
			[]string{`"count":2`, `"filter_text":"country = \"FR\" or first_name starts with \"ad\""`}},
		{"live count, wrong text", "POST", "/api/v1/segments/count", reader, `{"filter_text":"country = \"DE\" and contry = \"FR\""}`, 400,
			[]string{`"field":"filter_text"`, `at position 20: unknown field \"contry\"`, `"position":20`}},
		{"live count, wrong JSON", "POST", "/api/v1/segments/count", reader, `{"filter":{"and":[{"field":"fit_score","op":">=","value":"high"}]}}`, 400,
			[]string{`"field":"filter.and[0].value"`, `expected a number`}},
		{"live count, both forms", "POST", "/api/v1/segments/count", reader, `{"filter":{"and":[]},"filter_text":"all"}`, 400, []string{`"field":"filter_text"`}},
		{"live count, nothing", "POST", "/api/v1/segments/count", reader, `{}`, 400, []string{`"field":"filter"`}},
		{"create as read-only", "POST", "/api/v1/segments", reader, `{"name":"Hot","filter_text":"all"}`, 403, []string{`"forbidden"`}},
		{"create dynamic", "POST", "/api/v1/segments", admin, `{"name":"Pricing visitors","description":"Looked at pricing twice","filter_text":"` + pricing + `"}`, 201,
			[]string{`"id":1`, `"kind":"dynamic"`, `"members":1`, `"filter_text":"count(page_view where page_url contains \"/pricing\" in last 14 days) \u003e= 2"`}},
		{"create duplicate name", "POST", "/api/v1/segments", admin, `{"name":"Pricing visitors","filter_text":"all"}`, 409, []string{`"field":"name"`}},
		{"create without name", "POST", "/api/v1/segments", admin, `{"filter_text":"all"}`, 400, []string{`"field":"name"`}},
		{"create dynamic without filter", "POST", "/api/v1/segments", admin, `{"name":"X","kind":"dynamic"}`, 400, []string{`"field":"filter"`}},
		{"create with bad filter", "POST", "/api/v1/segments", admin, `{"name":"X","filter":{"not":{"field":"stage","op":"=","value":"hot"}}}`, 400,
			[]string{`"field":"filter.not.value"`, `stage is one of subscriber`}},
		{"create static", "POST", "/api/v1/segments", admin, fmt.Sprintf(`{"name":"Fair 2026","contact_ids":[%d,%d]}`, ids["bob@example.org"], ids["eve@example.net"]), 201,
			[]string{`"kind":"static"`, `"members":2`, `"filter":null`}},
		{"create static with unknown contact", "POST", "/api/v1/segments", admin, `{"name":"Broken","contact_ids":[999]}`, 400, []string{`"field":"contact_ids[0]"`}},
		{"the broken one was not kept", "GET", "/api/v1/segments", reader, "", 200, []string{`"name":"Fair 2026"`, `"name":"Pricing visitors"`}},
		{"members", "GET", "/api/v1/segments/1/members", reader, "", 200, []string{`"email":"ada@example.com"`, `"next_cursor":""`}},
		{"members, bad limit", "GET", "/api/v1/segments/1/members?limit=0", reader, "", 400, []string{`"field":"limit"`}},
		{"members, bad cursor", "GET", "/api/v1/segments/1/members?cursor=zz", reader, "", 400, []string{`"field":"cursor"`}},
		{"csv as read-only", "GET", "/api/v1/segments/2/members.csv", reader, "", 403, nil},
		{"csv", "GET", "/api/v1/segments/2/members.csv", admin, "", 200,
			[]string{"contact_id,email,phone,first_name", `eve@example.net,,"'=HYPERLINK(""http://x"")"`, "bob@example.org,,Bob"}},
		{"add to static", "POST", "/api/v1/segments/2/members", admin, fmt.Sprintf(`{"contact_ids":[%d,%d]}`, ids["ada@example.com"], ids["bob@example.org"]), 200, []string{`"changed":1`}},
		{"remove from static", "POST", "/api/v1/segments/2/members/remove", admin, fmt.Sprintf(`{"contact_ids":[%d]}`, ids["bob@example.org"]), 200, []string{`"changed":1`}},
		{"static after changes", "GET", "/api/v1/segments/2", reader, "", 200, []string{`"members":2`}},
		{"add to dynamic", "POST", "/api/v1/segments/1/members", admin, `{"contact_ids":[1]}`, 400, []string{`"field":"contact_ids"`}},
		{"change the filter", "PUT", "/api/v1/segments/1", admin, `{"filter_text":"country = \"DE\""}`, 200, []string{`"members":2`, `"name":"Pricing visitors"`}},
		{"change the kind", "PUT", "/api/v1/segments/1", admin, `{"kind":"static"}`, 400, []string{`"field":"kind"`}},
		{"change to a bad filter", "PUT", "/api/v1/segments/1", admin, `{"filter_text":"country = "}`, 400, []string{`"field":"filter_text"`, `at position 11`}},
		{"fields", "GET", "/api/v1/segments/fields", reader, "", 200, []string{`"name":"company.size"`, `"choices":["1-10"`}},
		{"delete as read-only", "DELETE", "/api/v1/segments/1", reader, "", 403, nil},
		{"delete", "DELETE", "/api/v1/segments/1", admin, "", 200, []string{`"deleted":1`}},
		{"deleted", "GET", "/api/v1/segments/1", reader, "", 404, []string{`"not_found"`}},
		{"not an id", "GET", "/api/v1/segments/abc", reader, "", 404, nil},
	}
	for _, st := range steps {
		r := e.do(st.method, st.path, st.key, st.body)
		if r.status != st.status {
			t.Fatalf("%s: status %d, want %d: %s", st.name, r.status, st.status, r.body)
		}
		for _, c := range st.contains {
			if !strings.Contains(string(r.body), c) {
				t.Errorf("%s: body lacks %s:\n%s", st.name, c, r.body)
			}
		}
	}
	log, err := e.s.Audit(t.Context(), 50)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range log {
		seen[a.Action] = true
	}
	for _, a := range []string{"segment.create", "segment.update", "segment.delete", "segment.export", "segment.add_members", "segment.remove_members"} {
		if !seen[a] {
			t.Errorf("no %s in the audit log", a)
		}
	}
}
