package filter

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func sample() *Record {
	return &Record{
		ID: 1, Email: "ann@acme.com", FirstName: "Ann", JobTitle: "Head of Marketing", Seniority: "director",
		Department: "marketing", EmailType: "work", Country: "DE", City: "Berlin", Stage: "mql",
		Owner: "rep@example.com", CreatedAt: testNow.Add(-10 * 24 * time.Hour), FitScore: 55, EngagementScore: 30,
		FirstTouchChannel: "paid_search", FirstTouchCampaign: "Spring",
		Custom:   map[string]any{"interest": "analytics", "seats": float64(25), "vip": true},
		Company:  &CompanyRecord{Domain: "acme.com", Name: "Acme", Industry: "Software", Size: "51-200", Employees: ptr(int64(120)), Country: "DE"},
		Consents: map[string]bool{"marketing_email": true, "phone": false},
		Events: []Event{
			{Type: "page_view", OccurredAt: testNow.Add(-2 * 24 * time.Hour), Properties: map[string]any{"page_url": "https://x.com/pricing"}},
			{Type: "page_view", OccurredAt: testNow.Add(-3 * 24 * time.Hour), Properties: map[string]any{"page_url": "https://x.com/Pricing?a=1"}},
			{Type: "page_view", OccurredAt: testNow.Add(-20 * 24 * time.Hour), Properties: map[string]any{"page_url": "https://x.com/pricing"}},
			{Type: "email_open", OccurredAt: testNow.Add(-90 * 24 * time.Hour)},
		},
	}
}

func TestEval(t *testing.T) {
	r := sample()
	cases := []struct {
		text string
		want bool
	}{
		{`all`, true},
		{`country = "DE"`, true},
		{`country = DE`, true},
		{`country != "DE"`, false},
		{`country in ("AT", "DE")`, true},
		{`job_title contains "MARKET"`, true},
		{`job_title starts with "head of"`, true},
		{`job_title starts with "of"`, false},
		{`last_name is empty`, true},
		{`last_name is set`, false},
		{`stage = "mql" and fit_score >= 55`, true},
		{`fit_score > 55`, false},
		{`fit_score in (1, 55)`, true},
		{`predictive_score is empty`, true},
		{`predictive_score < 0.5`, false},
		{`predictive_score != 0.5`, true},
		{`company.size = "51-200" and company.employees >= 100`, true},
		{`company.employees < 100`, false},
		{`company.industry contains "soft"`, true},
		{`consent.marketing_email = "granted"`, true},
		{`consent.phone = "withdrawn"`, true},
		{`consent.partner_sharing = "unknown"`, true},
		{`custom.interest = "analytics"`, true},
		{`custom.seats = "25"`, true},
		{`custom.vip = "true"`, true},
		{`custom.missing is empty`, true},
		{`created_at within last 11 days`, true},
		{`created_at within last 9 days`, false},
		{`created_at before 2026-11-14`, true},
		{`created_at after 2026-11-14`, false},
		{`owner = "rep@example.com"`, true},
		{`first_touch_channel = "paid_search" and first_touch_campaign = "Spring"`, true},
		{`count(page_view where page_url contains "/pricing" in last 14 days) >= 2`, true},
		{`count(page_view where page_url contains "/pricing" in last 14 days) >= 3`, false},
		{`count(page_view where page_url contains "/pricing") = 3`, true},
		{`count(email_open in last 60 days) = 0`, true},
		{`count(email_open) = 0`, false},
		{`not country = "DE" or stage = "mql"`, true},
		{`not (country = "DE" or stage = "mql")`, false},
		{`country = "FR" or stage = "sql" and fit_score > 0`, false},
	}
	for _, c := range cases {
		e, err := ParseText(c.text)
		if err != nil {
			t.Errorf("%s: %v", c.text, err)
			continue
		}
		if got := Eval(e, r, testNow); got != c.want {
			t.Errorf("%s: got %v, want %v", c.text, got, c.want)
		}
		// The printed form reads back to the same tree, and the JSON form too.
		back, err := ParseText(Format(e))
		if err != nil || !reflect.DeepEqual(back, Normalize(e)) {
			t.Errorf("%s: printed %q read back as %#v (%v)", c.text, Format(e), back, err)
		}
		b, err := MarshalJSON(e)
		if err != nil {
			t.Fatal(err)
		}
		fromJ, err := ParseJSON(b)
		if err != nil || !reflect.DeepEqual(fromJ, e) {
			t.Errorf("%s: JSON %s read back as %#v (%v)", c.text, b, fromJ, err)
		}
	}
	merged := sample()
	merged.Merged = true
	if Eval(And{}, merged, testNow) {
		t.Error("a merged contact matched")
	}
}

func TestTextErrors(t *testing.T) {
	cases := []struct {
		text string
		pos  int
		msg  string
	}{
		{`contry = "DE"`, 1, `unknown field "contry"`},
		{`country = "DE" and fit_score contains "x"`, 30, `operator "contains" does not apply`},
		{`fit_score >= "high"`, 14, `expected a number`},
		{`stage = "mqll"`, 9, `stage is one of`},
		{`country = "DE" and`, 19, `expected a field`},
		{`(country = "DE"`, 16, `expected ")"`},
		{`count(page_view in last 0 days) >= 1`, 25, `1 to 36500 days`},
		{`country = "DE`, 11, `no closing quote`},
		{`created_at before yesterday`, 19, `expected a date`},
		{``, 1, `empty`},
		{`custom.a/b = "x"`, 9, `unexpected`},
	}
	for _, c := range cases {
		_, err := ParseText(c.text)
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%q: got %v, want an *Error", c.text, err)
			continue
		}
		if fe.Pos != c.pos || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%q: got position %d %q, want %d %q", c.text, fe.Pos, fe.Msg, c.pos, c.msg)
		}
	}
}

func TestJSONErrors(t *testing.T) {
	cases := []struct {
		json, path, msg string
	}{
		{`{"and": [{"field": "country", "op": "=", "value": "DE"}, {"field": "contry", "op": "=", "value": "DE"}]}`, "$.and[1].field", "unknown field"},
		{`{"field": "fit_score", "op": ">=", "value": "high"}`, "$.value", "expected a number"},
		{`{"field": "fit_score", "op": "contains", "value": 3}`, "$.op", "does not apply"},
		{`{"not": {"field": "stage", "op": "in", "value": ["mql", 3]}}`, "$.not.value[1]", "expected text"},
		{`{"or": []}`, "$.or", "at least one"},
		{`{"event": "page_view", "op": ">=", "count": -1}`, "$.count", "count is from 0"},
		{`{"event": "page_view", "op": "~", "count": 1}`, "$.op", "compared with one of"},
		{`{"event": "page_view", "where": {"property": "page_url", "op": "<", "value": "x"}, "op": ">=", "count": 1}`, "$.where", "property is compared"},
		{`{"field": "country", "op": "=", "value": "DE", "extra": 1}`, "$.extra", "unknown key"},
		{`[1]`, "$", "expected an object"},
		{`{"field": "country"`, "$", "not valid JSON"},
	}
	for _, c := range cases {
		_, err := ParseJSON([]byte(c.json))
		var fe *Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %v, want an *Error", c.json, err)
			continue
		}
		if fe.Path != c.path || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("%s: got %s %q, want %s %q", c.json, fe.Path, fe.Msg, c.path, c.msg)
		}
	}
}

func TestFilterInStruct(t *testing.T) {
	type rule struct {
		Filter Filter `json:"filter"`
		Points int    `json:"points"`
	}
	var r rule
	if err := json.Unmarshal([]byte(`{"filter": {"field": "seniority", "op": "in", "value": ["vp", "executive"]}, "points": 20}`), &r); err != nil {
		t.Fatal(err)
	}
	if got := r.Filter.String(); got != `seniority in ("vp", "executive")` {
		t.Errorf("text form %q", got)
	}
	if r.Filter.Match(sample(), testNow) {
		t.Error("a director matched vp or executive")
	}
	b, _ := json.Marshal(r)
	if string(b) != `{"filter":{"field":"seniority","op":"in","value":["vp","executive"]},"points":20}` {
		t.Errorf("JSON %s", b)
	}
	var zero Filter
	if !zero.IsAll() || !zero.Match(sample(), testNow) || zero.String() != "all" {
		t.Error("the zero filter does not match everyone")
	}
}

// On SQLite a property match on an event first tests the stored JSON text, but
// only for values that JSON writers store as they are, and the merged-contact
// branch starts from the merged contacts. The answers are proved equal to memory
// by the store's TestFilterMemoryMatchesSQL; this test pins the cheap paths.
func TestSQLiteEventPropertyPrefilter(t *testing.T) {
	cases := []struct {
		text      string
		prefilter bool
	}{
		{`count(page_view where page_url contains "/pricing" in last 14 days) >= 2`, true},
		{`count(page_view where page_url = "https://x.com/pricing") >= 1`, true},
		{`count(page_view where page_url starts with "https://") >= 1`, true},
		{`count(page_view where page_url contains "a&b") >= 1`, false},
		{`count(page_view where page_url contains "say \"hi\"") >= 1`, false},
		{`count(page_view where page_url contains "<b>") >= 1`, false},
		{`count(page_view where n contains "1.5e+3") >= 1`, false},
		{`count(page_view where page_url != "/pricing") >= 1`, false},
		{`count(page_view where page_url = "") >= 1`, false},
	}
	for _, c := range cases {
		e, err := ParseText(c.text)
		if err != nil {
			t.Fatalf("%s: %v", c.text, err)
		}
		sql, _, err := SQL(e, SQLite, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(sql, "e.properties LIKE"); got != c.prefilter {
			t.Errorf("%s: prefilter %v, want %v\n%s", c.text, got, c.prefilter, sql)
		}
		if !strings.Contains(sql, "contacts m CROSS JOIN events e") {
			t.Errorf("%s: the merged branch does not start from the merged contacts\n%s", c.text, sql)
		}
		pg, _, err := SQL(e, PostgreSQL, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(pg, "e.properties LIKE") || strings.Contains(pg, "CROSS JOIN") {
			t.Errorf("%s: PostgreSQL got a SQLite path\n%s", c.text, pg)
		}
	}
}

// A custom field's match on SQLite tests the stored JSON text first, under the
// same rule as event properties (equality has a test of its own, below).
func TestSQLiteCustomFieldPrefilter(t *testing.T) {
	for text, want := range map[string]bool{
		`custom.plan = "true"`:               true,
		`custom.plan contains "enter"`:       true,
		`not custom.plan starts with "ent"`:  true,
		`custom.plan = "a&b"`:                false,
		`custom.plan != "enterprise"`:        false,
		`custom.seats = "25"`:                false,
		`custom.plan is empty`:               false,
		`custom.plan in ("basic", "growth")`: false,
	} {
		e, err := ParseText(text)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		sql, _, err := SQL(e, SQLite, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(sql, "c.custom LIKE") || strings.Contains(sql, "instr(c.custom"); got != want {
			t.Errorf("%s: prefilter %v, want %v\n%s", text, got, want, sql)
		}
		pg, _, _ := SQL(e, PostgreSQL, testNow)
		if strings.Contains(pg, "c.custom LIKE") {
			t.Errorf("%s: PostgreSQL got the SQLite prefilter\n%s", text, pg)
		}
	}
}

// On SQLite a custom field's equality reads the stored text "key":"value" first
// and parses the JSON only where the text cannot decide; a value the parse could
// also find as a number, a boolean, a list or an escaped text is always parsed.
func TestCustomEqualityReadsStoredText(t *testing.T) {
	compile := func(text string, d Dialect) (string, []any) {
		t.Helper()
		f, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		where, args, err := f.SQL(d, testNow)
		if err != nil {
			t.Fatal(err)
		}
		return where, args
	}
	where, args := compile(`custom.plan = "enterprise"`, SQLite)
	if !strings.Contains(where, "(instr(c.custom, ?) > 0 AND CASE WHEN") || args[0] != `"plan":"enterprise"` {
		t.Errorf("custom.plan = \"enterprise\" does not test the stored text first: %s %v", where, args)
	}
	if i, j := strings.Index(where, "json_"), strings.Index(where, " ELSE "); i < j {
		t.Errorf("custom.plan = \"enterprise\" parses the JSON before the stored text decides: %s", where)
	}
	for _, v := range []string{"true", "false", "25", "1e+21", "[1]", "{}", "a&b", `say "hi"`, ""} {
		if where, _ := compile(`custom.plan = `+quote(v), SQLite); strings.Contains(where, "instr(") {
			t.Errorf("custom.plan = %q is decided on the stored text, which may write it otherwise: %s", v, where)
		}
	}
	if where, _ := compile(`custom.plan = "enterprise"`, PostgreSQL); strings.Contains(where, "instr(") {
		t.Errorf("PostgreSQL reads JSONB, not text: %s", where)
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }
