package capture

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// checkAdLead holds every parser to the same promises: a refusal is a caller's
// error, and an accepted lead has a normalised email or phone and storable text.
func checkAdLead(t *testing.T, l store.AdLead, err error) {
	t.Helper()
	if err != nil {
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("refusal is not a caller's error: %v", err)
		}
		return
	}
	c := l.Capture
	if c.Email == "" && c.Phone == "" {
		t.Fatal("accepted a lead without email or phone")
	}
	if c.Email != "" {
		if n, err := contact.NormalizeEmail(c.Email); err != nil || n != c.Email {
			t.Fatalf("email %q is not normalised (%q, %v)", c.Email, n, err)
		}
	}
	if c.Phone != "" {
		if n, err := contact.NormalizePhone(c.Phone, ""); err != nil || n != c.Phone {
			t.Fatalf("phone %q is not E.164 (%q, %v)", c.Phone, n, err)
		}
	}
	if !idRe.MatchString(l.LeadID) {
		t.Fatalf("lead id %q", l.LeadID)
	}
	b, err := json.Marshal(c.Properties)
	if err != nil || !utf8.Valid(b) || strings.Contains(string(b), `\u0000`) {
		t.Fatalf("properties are not storable: %s, %v", b, err)
	}
	for _, s := range []string{c.Fields.FirstName, c.Fields.LastName, c.Fields.CompanyName, c.Fields.JobTitle, c.Fields.City, c.Fields.Country} {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) || len(s) > maxValue {
			t.Fatalf("field %q is not storable", s)
		}
	}
}

func FuzzGoogleLead(f *testing.F) {
	for _, name := range []string{"google_lead.json", "google_lead_test.json", "google_lead_no_contact.json"} {
		f.Add(fixture(f, name))
	}
	f.Add([]byte(`{"lead_id":"1","campaign_id":1e3,"user_column_data":[{"column_id":"PHONE_NUMBER","string_value":"0049 30 1234567"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGoogleLead(data)
		if err != nil {
			checkAdLead(t, store.AdLead{}, err)
			return
		}
		l, err := g.AdLead(adOpt)
		checkAdLead(t, l, err)
	})
}

func FuzzFacebookWebhook(f *testing.F) {
	f.Add(fixture(f, "facebook_webhook.json"))
	f.Add([]byte(`{"object":"page","entry":[{"changes":[{"field":"leadgen","value":{"leadgen_id":1.5e300}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		refs, err := ParseFacebookWebhook(data)
		if err != nil {
			checkAdLead(t, store.AdLead{}, err)
			return
		}
		seen := map[string]bool{}
		for _, r := range refs {
			if !idRe.MatchString(r.LeadgenID) || seen[r.LeadgenID] {
				t.Fatalf("ref %+v", r)
			}
			seen[r.LeadgenID] = true
		}
	})
}

func FuzzFacebookLead(f *testing.F) {
	f.Add(fixture(f, "facebook_lead.json"), "955000000000031")
	f.Add(fixture(f, "facebook_lead_phone_only.json"), "955000000000032")
	f.Add([]byte(`{"field_data":[{"name":"EMAIL","values":["A@B.DE","c@d.de"]}]}`), "7")
	f.Fuzz(func(t *testing.T, data []byte, id string) {
		if !idRe.MatchString(id) {
			return // the job's payload was checked when the webhook queued it
		}
		l, err := ParseFacebookLead(data, FacebookLeadRef{LeadgenID: id}, adOpt)
		checkAdLead(t, l, err)
	})
}

func FuzzLinkedInNotification(f *testing.F) {
	f.Add(fixture(f, "linkedin_notification.json"))
	f.Add([]byte(`[{"type":"LEAD_ACTION","leadGenFormResponse":"urn:li:leadGenFormResponse:1","leadGenForm":"urn:li:leadGenForm:2"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		refs, err := ParseLinkedInNotification(data)
		if err != nil {
			checkAdLead(t, store.AdLead{}, err)
			return
		}
		for _, r := range refs {
			if !idRe.MatchString(r.ResponseID) || (r.FormID != "" && !idRe.MatchString(r.FormID)) {
				t.Fatalf("ref %+v", r)
			}
		}
	})
}

func FuzzLinkedInLead(f *testing.F) {
	f.Add(fixture(f, "linkedin_response.json"), fixture(f, "linkedin_form.json"))
	f.Add([]byte(`{"formResponse":{"answers":[{"questionId":1,"answerDetails":{"textQuestionAnswer":{"answer":"x@y.org"}}}]}}`),
		[]byte(`{"content":{"questions":[{"questionId":"1","predefinedField":"WORK_EMAIL"}]}}`))
	f.Fuzz(func(t *testing.T, resp, form []byte) {
		l, err := ParseLinkedInLead(resp, form, LinkedInLeadRef{ResponseID: "r-1"}, adOpt)
		checkAdLead(t, l, err)
		_ = LinkedInFormID(resp)
	})
}
