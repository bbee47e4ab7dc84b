package capture

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func parse(t *testing.T, body string) ([]captureView, error) {
	t.Helper()
	var b EventBatch
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	caps, err := ParseEvents(b, Options{Region: "DE", Now: now})
	out := make([]captureView, len(caps))
	for i, c := range caps {
		out[i] = captureView{c.Type, c.Email, c.Phone, c.Touch, c.Channel, c.Stage, c.CompanyDomain, c.OccurredAt}
	}
	return out, err
}

type captureView struct {
	Type, Email, Phone string
	Touch              bool
	Channel, Stage     string
	Domain             string
	At                 time.Time
}

func TestParseEvents(t *testing.T) {
	tests := []struct {
		name string
		body string
		want captureView
	}{
		{"form submit normalises and finds company", `{"events":[{"type":"form_submit","email":" Jo@ACME.co.uk "}]}`,
			captureView{"form_submit", "jo@acme.co.uk", "", true, "", "lead", "acme.co.uk", now}},
		{"free mail makes no company", `{"events":[{"type":"form_submit","email":"jo@gmail.com"}]}`,
			captureView{"form_submit", "jo@gmail.com", "", true, "", "lead", "", now}},
		{"demo request is a hand-raise", `{"events":[{"type":"demo_request","email":"a@b.com","occurred_at":"2026-04-01T10:00:00+02:00"}]}`,
			captureView{"demo_request", "a@b.com", "", true, "", "sql", "b.com", time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)}},
		{"newsletter makes an MQL", `{"events":[{"type":"newsletter_signup","email":"a@b.com"}]}`,
			captureView{"newsletter_signup", "a@b.com", "", true, "", "mql", "b.com", now}},
		{"email open is not a touch", `{"events":[{"type":"email_open","email":"a@b.com"}]}`,
			captureView{"email_open", "a@b.com", "", false, "", "", "b.com", now}},
		{"email click is an email touch", `{"events":[{"type":"email_click","email":"a@b.com"}]}`,
			captureView{"email_click", "a@b.com", "", true, "email", "lead", "b.com", now}},
		{"call with a local number", `{"events":[{"type":"call","phone":"030 1234567"}]}`,
			captureView{"call", "", "+49301234567", true, "phone", "lead", "", now}},
		{"live transfer", `{"events":[{"type":"call","phone":"+1 415 555 2671","properties":{"transfer":"live"}}]}`,
			captureView{"call", "", "+14155552671", true, "live_transfer", "lead", "", now}},
		{"import with a channel", `{"events":[{"type":"import","email":"a@b.com","properties":{"channel":"event"}}]}`,
			captureView{"import", "a@b.com", "", true, "event", "lead", "b.com", now}},
		{"custom event", `{"events":[{"type":"webinar_attended","email":"a@b.com"}]}`,
			captureView{"webinar_attended", "a@b.com", "", false, "", "", "b.com", now}},
		{"website gives the company", `{"events":[{"type":"form_submit","email":"a@gmail.com","properties":{"website":"https://www.shop.example.com/x"}}]}`,
			captureView{"form_submit", "a@gmail.com", "", true, "", "lead", "example.com", now}},
	}
	for _, tt := range tests {
		got, err := parse(t, tt.body)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got[0] != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got[0], tt.want)
		}
	}
}

func TestParseEventsRefusesWithField(t *testing.T) {
	tests := []struct{ body, field string }{
		{`{"events":[]}`, "events"},
		{`{"events":[{"type":"x","email":"a@b.com"},{"type":"x","email":"nope"}]}`, "events[1].email"},
		{`{"events":[{"type":"","email":"a@b.com"}]}`, "events[0].type"},
		{`{"events":[{"type":"x"}]}`, "events[0].email"},
		{`{"events":[{"type":"x","email":"a@b.com","occurred_at":"2026-13-01T00:00:00Z"}]}`, "events[0].occurred_at"},
		{`{"events":[{"type":"x","email":"a@b.com","occurred_at":"2027-01-01T00:00:00Z"}]}`, "events[0].occurred_at"},
		{`{"events":[{"type":"x","visitor_id":"a b"}]}`, "events[0].visitor_id"},
		{`{"events":[{"type":"x","contact_id":-3}]}`, "events[0].contact_id"},
		{`{"events":[{"type":"form_submit","email":"a@b.com","properties":{"channel":"tv"}}]}`, "events[0].properties.channel"},
		{`{"events":[{"type":"x","email":"a@b.com","properties":{"s":"` + strings.Repeat("x", 9000) + `"}}]}`, "events[0].properties.s"},
		{`{"events":[{"type":"x","email":"a@b.com","properties":{"phone":"999"}}]}`, "events[0].properties.phone"},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.body)
		e, ok := err.(*errs.Error)
		if !ok || e.Code != errs.Invalid || e.Field != tt.field {
			t.Errorf("%s: err = %#v, want field %s", tt.body[:min(len(tt.body), 80)], err, tt.field)
		}
	}
	var b EventBatch
	for range MaxBatch + 1 {
		b.Events = append(b.Events, EventIn{Type: "x", Email: "a@b.com"})
	}
	if _, err := ParseEvents(b, Options{Now: now}); errs.Code(err) != errs.Invalid {
		t.Errorf("oversized batch: %v", err)
	}
}

// FuzzParseEvents feeds arbitrary JSON bodies through the parser: it never panics,
// and whatever it accepts is normalised and storable.
func FuzzParseEvents(f *testing.F) {
	for _, s := range []string{
		`{"events":[{"type":"form_submit","email":"a@b.com","properties":{"page_url":"https://x.com/?utm_source=google"}}]}`,
		`{"events":[{"type":"call","phone":"+49 30 123456","visitor_id":"v1"}]}`,
		`{"events":[{"type":"x","contact_id":5,"occurred_at":"2026-01-01T00:00:00Z","properties":{"a":[1,{"b":"c"}]}}]}`,
		`{"events":[{"type":"import","email":"ü@bücher.de","properties":{"channel":"event","first_name":"Zoë"}}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var b EventBatch
		if json.Unmarshal([]byte(body), &b) != nil {
			return
		}
		caps, err := ParseEvents(b, Options{Region: "US", Now: now})
		if err != nil {
			if errs.Code(err) != errs.Invalid {
				t.Fatalf("refusal with code %s: %v", errs.Code(err), err)
			}
			return
		}
		for _, c := range caps {
			if c.Email == "" && c.Phone == "" && c.ContactID == 0 && c.VisitorID == "" {
				t.Fatalf("accepted an event about nobody: %+v", c)
			}
			if _, err := json.Marshal(c.Properties); err != nil {
				t.Fatalf("accepted unstorable properties: %v", err)
			}
			for _, s := range []string{c.Email, c.Phone, c.Type, c.Fields.FirstName, c.Web.PageURL} {
				if strings.ContainsRune(s, 0) {
					t.Fatalf("NUL accepted in %q", s)
				}
			}
		}
	})
}
