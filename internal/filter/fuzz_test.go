package filter

import (
	"reflect"
	"strings"
	"testing"
)

var seeds = []string{
	`all`,
	`country = "DE" and stage in ("mql", "sql")`,
	`not (job_title contains "intern" or email_type = "free")`,
	`count(page_view where page_url contains "/pricing" in last 14 days) >= 2`,
	`count(email_open in last 60 days) = 0 and consent.marketing_email = "granted"`,
	`created_at within last 30 days or created_at before 2026-01-01T10:00:00Z`,
	`predictive_score >= 0.7 and company.employees is set and custom.interest starts with "ana"`,
	`fit_score >= 40 and engagement_score < 25.5`,
}

// Whatever the text parser accepts prints back to the same filter, checks clean
// and compiles for both engines.
func FuzzParseText(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	// Hostile: deep nesting, NUL and invalid UTF-8 in values, huge numbers.
	for _, s := range []string{strings.Repeat("(", 10000) + "all" + strings.Repeat(")", 10000), strings.Repeat("not ", 5000) + "all",
		"country = \"\x00\"", "city = \"\xff\"", "custom. = \"x\"", "count(page_view in last 99999999999999999999 days) > 1",
		"fit_score >= 1e400", "created_at before 0000-00-00T00:00:00Z", `country in ()`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := ParseText(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("%q: error %T %v is not an *Error", src, err, err)
			}
			return
		}
		roundTrip(t, e)
	})
}

// Whatever the JSON parser accepts writes back to the same filter.
func FuzzParseJSON(f *testing.F) {
	for _, s := range seeds {
		e, err := ParseText(s)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := MarshalJSON(e)
		f.Add(b)
	}
	f.Add([]byte(`{"or": [{"not": {"field": "city", "op": "is_empty"}}]}`))
	f.Add([]byte(strings.Repeat(`{"not":`, 10000) + `{"field": "city", "op": "is_empty"}` + strings.Repeat(`}`, 10000)))
	f.Add([]byte(`{"field": "country", "op": "equals", "value": "\u0000"}`))
	f.Add([]byte(`{"field": "fit_score", "op": "gte", "value": 1e400}`))
	f.Add([]byte(`{"and": null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseJSON(b)
		if err != nil {
			if fe, ok := err.(*Error); !ok || fe.Path == "" {
				t.Fatalf("%s: error %v has no JSON path", b, err)
			}
			return
		}
		roundTrip(t, e)
	})
}

func roundTrip(t *testing.T, e Expr) {
	t.Helper()
	if err := Check(e); err != nil {
		t.Fatalf("accepted %#v but Check says %v", e, err)
	}
	text := Format(e)
	back, err := ParseText(text)
	if err != nil {
		t.Fatalf("printed %q does not read back: %v", text, err)
	}
	if !reflect.DeepEqual(back, Normalize(e)) {
		t.Fatalf("printed %q reads back as %#v, not %#v", text, back, Normalize(e))
	}
	b, err := MarshalJSON(e)
	if err != nil {
		t.Fatal(err)
	}
	fromJ, err := ParseJSON(b)
	if err != nil || !reflect.DeepEqual(fromJ, e) {
		t.Fatalf("JSON %s reads back as %#v (%v)", b, fromJ, err)
	}
	for _, d := range []Dialect{SQLite, PostgreSQL} {
		if _, _, err := SQL(e, d, testNow); err != nil {
			t.Fatalf("does not compile: %v", err)
		}
	}
	Eval(e, &Record{}, testNow)
}
