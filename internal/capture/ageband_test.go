package capture

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func TestEventAgeBand(t *testing.T) {
	for in, want := range map[string]string{`"25–34"`: "25-34", `"25 to 34"`: "25-34", `"65+"`: "65+", `""`: "", `null`: ""} {
		var b EventBatch
		body := `{"events":[{"type":"form_submit","email":"a@b.com","properties":{"age_band":` + in + `}}]}`
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			t.Fatal(err)
		}
		caps, err := ParseEvents(b, Options{Now: now})
		if err != nil || caps[0].Fields.AgeBand != want {
			t.Errorf("age_band %s: %q, %v, want %q", in, caps[0].Fields.AgeBand, err, want)
		}
	}
	for _, in := range []string{`"25-35"`, `"thirty"`, `30`, `["18-24"]`} {
		var b EventBatch
		body := `{"events":[{"type":"form_submit","email":"a@b.com","properties":{"age_band":` + in + `}}]}`
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			t.Fatal(err)
		}
		_, err := ParseEvents(b, Options{Now: now})
		e, ok := err.(*errs.Error)
		if !ok || e.Field != "events[0].properties.age_band" || !strings.Contains(e.Message, `"under 18", "18-24"`) {
			t.Errorf("age_band %s: %v, want a refusal of events[0].properties.age_band listing the bands", in, err)
		}
	}
}

func TestFormAgeBandField(t *testing.T) {
	d := FormDefinition{Slug: "s", Name: "S", Fields: []FormField{{Name: "email"}, {Name: "age_band", Type: "text"}}}
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	f := d.Fields[1]
	if f.Type != "select" || f.Label != "Age" || strings.Join(f.Options, "|") != "under 18|18-24|25-34|35-44|45-54|55-64|65+" {
		t.Fatalf("age_band field = %+v, want a select of the bands", f)
	}
	sub := func(val string) (string, []FieldProblem) {
		c, p := ParseSubmission(&d, url.Values{"email": {"a@b.com"}, "age_band": {val}}, SubmissionMeta{Slug: "s", Now: now})
		return c.Fields.AgeBand, p
	}
	if band, p := sub("35-44"); band != "35-44" || len(p) != 0 {
		t.Errorf("35-44: %q, %v", band, p)
	}
	if band, p := sub("35 – 44"); band != "35-44" || len(p) != 0 {
		t.Errorf("35 – 44: %q, %v", band, p)
	}
	if _, p := sub("40"); len(p) != 1 || p[0].Field != "age_band" {
		t.Errorf("a bad age band: problems %v, want one on age_band", p)
	}
	// A form that offers some bands only, in its own spelling.
	d2 := FormDefinition{Slug: "s", Name: "S", Fields: []FormField{{Name: "email"}, {Name: "age_band", Options: []string{"18 to 24", "25–34"}}}}
	if err := d2.Check(); err != nil || strings.Join(d2.Fields[1].Options, "|") != "18-24|25-34" {
		t.Fatalf("own options: %v, %v", d2.Fields[1].Options, err)
	}
	if _, p := ParseSubmission(&d2, url.Values{"email": {"a@b.com"}, "age_band": {"65+"}}, SubmissionMeta{Now: now}); len(p) != 1 {
		t.Errorf("a band the form does not offer was taken")
	}
	for _, bad := range []FormDefinition{
		{Slug: "s", Name: "S", Fields: []FormField{{Name: "email"}, {Name: "age_band", Options: []string{"young", "old"}}}},
		{Slug: "s", Name: "S", Fields: []FormField{{Name: "email"}, {Name: "age_band", Type: "checkbox"}}},
		{Slug: "s", Name: "S", Fields: []FormField{{Name: "email"}, {Name: "age_band", Type: "hidden", Default: "40"}}},
	} {
		if err := bad.Check(); !errs.Is(err, errs.Invalid) || !strings.HasPrefix(err.(*errs.Error).Field, "fields[1].") {
			t.Errorf("%+v: %v, want a refusal of fields[1]", bad.Fields[1], err)
		}
	}
}

func TestImportAgeBand(t *testing.T) {
	m, err := MapHeader([]string{"Email", "Age range", "Age", "Date of Birth"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(m.Fields, ",") != "email,age_band,age,birth_date" {
		t.Fatalf("fields %v", m.Fields)
	}
	for _, h := range []string{"Age band", "Age group", "age_band", "Altersgruppe"} {
		if m, _ := MapHeader([]string{"email", h}, nil); m.Fields[1] != "age_band" {
			t.Errorf("%q maps to %q", h, m.Fields[1])
		}
	}
	s := storetest.Open(t)
	csv := "email,Age group,Age,DOB\n" +
		"band@x.com,25 to 34,,\n" +
		"age@x.com,,41,\n" +
		"ageband@x.com,,65+,\n" +
		"dob@x.com,,,1990-07-31\n" +
		"first@x.com,18-24,70,1950-01-01\n" +
		"none@x.com,,,\n" +
		"badband@x.com,adult,,\n" +
		"badage@x.com,,forty,\n" +
		"baddob@x.com,,,02/05/2008\n" +
		"outlook@x.com,,,0/0/00\n" +
		"noyear@x.com,,,--07-31\n"
	rep, rejects, err := importBytes(t, s, []byte(csv), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A bad age band is refused by name; an age or a date of birth that cannot be read
	// only gives no band (exports write "0/0/00" for none, or leave the year out).
	if rep.Created != 10 || rep.Rejected != 1 {
		t.Fatalf("created %d, rejected %d; rejects:\n%s", rep.Created, rep.Rejected, rejects)
	}
	for email, want := range map[string]string{"band@x.com": "25-34", "age@x.com": "35-44", "ageband@x.com": "65+", "dob@x.com": "35-44",
		"first@x.com": "18-24", "none@x.com": "", "badage@x.com": "", "baddob@x.com": "", "outlook@x.com": "", "noyear@x.com": ""} {
		if got := contactByEmail(t, s, email).AgeBand; got != want {
			t.Errorf("%s: age band %q, want %q", email, got, want)
		}
	}
	for _, r := range rep.Rejections {
		if want := map[string]string{"badband@x.com": "Age group"}[r.Values[0]]; r.Column != want {
			t.Errorf("rejection %+v: column %q, want %q", r, r.Column, want)
		}
	}
	// The date of birth is read for the band and kept nowhere: not on the import event.
	events, err := s.Timeline(context.Background(), contactByEmail(t, s, "dob@x.com").ID, store.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if b, _ := json.Marshal(e.Properties); strings.Contains(string(b), "1990") {
			t.Errorf("event %s keeps the date of birth: %s", e.Type, b)
		}
	}
}

func TestAdLeadAgeBand(t *testing.T) {
	body := `{"id":"955000000000031","created_time":"2026-03-02T10:14:58+0000","field_data":[
		{"name":"email","values":["k@example.com"]},
		{"name":"date_of_birth","values":["1990-07-31"]},
		{"name":"date_of_birth","values":["1991-01-01"]}]}`
	l, err := ParseFacebookLead([]byte(body), FacebookLeadRef{LeadgenID: "955000000000031"}, adOpt)
	if err != nil {
		t.Fatal(err)
	}
	if l.Capture.Fields.AgeBand != "35-44" {
		t.Errorf("age band from the date of birth: %q", l.Capture.Fields.AgeBand)
	}
	if b, _ := json.Marshal(l.Capture.Properties); strings.Contains(string(b), "199") {
		t.Errorf("the lead keeps a date of birth: %s", b)
	}
	body = `{"id":"955000000000031","field_data":[{"name":"email","values":["k@example.com"]},{"name":"what_is_your_age_range?","values":["25 - 34"]}]}`
	if l, err = ParseFacebookLead([]byte(body), FacebookLeadRef{LeadgenID: "955000000000031"}, adOpt); err != nil || l.Capture.Fields.AgeBand != "25-34" {
		t.Errorf("age range question: %q, %v", l.Capture.Fields.AgeBand, err)
	}
	// A date of birth asked as the advertiser's own question is read and dropped too.
	body = `{"id":"955000000000031","created_time":"2026-03-02T10:14:58+0000","field_data":[{"name":"email","values":["k@example.com"]},{"name":"what_is_your_date_of_birth?","values":["1990-07-31"]}]}`
	if l, err = ParseFacebookLead([]byte(body), FacebookLeadRef{LeadgenID: "955000000000031"}, adOpt); err != nil || l.Capture.Fields.AgeBand != "35-44" {
		t.Errorf("date of birth question: %q, %v", l.Capture.Fields.AgeBand, err)
	} else if b, _ := json.Marshal(l.Capture.Properties); strings.Contains(string(b), "1990") {
		t.Errorf("the lead keeps a date of birth asked as its own question: %s", b)
	}
	body = `{"id":"955000000000031","field_data":[{"name":"email","values":["k@example.com"]},{"name":"age_group","values":["older"]}]}`
	if l, err = ParseFacebookLead([]byte(body), FacebookLeadRef{LeadgenID: "955000000000031"}, adOpt); err != nil || l.Capture.Fields.AgeBand != "" {
		t.Errorf("an answer that names no band: %q, %v; the lead is taken without a band", l.Capture.Fields.AgeBand, err)
	}
}
