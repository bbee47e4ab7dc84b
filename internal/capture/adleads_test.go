package capture

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "adleads", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var adOpt = Options{Region: "DE", Now: now}

// leadView is what a test checks of a mapped lead.
type leadView struct {
	Platform, LeadID, Email, Phone, First, Last, Company, Title, City, Domain, Channel, Stage string
	Campaign                                                                                  *store.AdCampaign
	At                                                                                        time.Time
}

func view(l store.AdLead) leadView {
	c := l.Capture
	return leadView{l.Platform, l.LeadID, c.Email, c.Phone, c.Fields.FirstName, c.Fields.LastName, c.Fields.CompanyName,
		c.Fields.JobTitle, c.Fields.City, c.CompanyDomain, c.Channel, c.Stage, l.Campaign, c.OccurredAt}
}

func TestGoogleLeadFromFixture(t *testing.T) {
	g, err := ParseGoogleLead(fixture(t, "google_lead.json"))
	if err != nil {
		t.Fatal(err)
	}
	if g.GoogleKey != "lodestone-fixture-key" {
		t.Fatalf("google_key = %q", g.GoogleKey)
	}
	l, err := g.AdLead(adOpt)
	if err != nil {
		t.Fatal(err)
	}
	want := leadView{Platform: "google", LeadID: g.LeadID, Email: "grace.hopper@navy-example.com", Phone: "+16502530000", First: "Grace",
		Last: "Hopper", Company: "Navy Example Labs", Title: "Rear Admiral", City: "Arlington", Domain: "navy-example.com",
		Channel: "paid_search", Stage: "lead", At: time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC),
		Campaign: &store.AdCampaign{Name: "Google Ads 21000000123", Channel: "paid_search", UTMCampaign: "gads-21000000123",
			Notes: "Created for the leads of Google Ads campaign 21000000123."}}
	if got := view(l); !reflect.DeepEqual(got, want) {
		t.Fatalf("lead =\n%+v\nwant\n%+v", got, want)
	}
	p := l.Capture.Properties
	if p["gclid"] != "EAIaIQobChMI-fixture-gclid" || p["form_id"] != "40000000001" || p["is_test"] != false || p["adgroup_id"] != "130000000456" {
		t.Fatalf("properties = %v", p)
	}
	if a, _ := p["answers"].(map[string]any); a["How many seats do you need?"] != "50-100" {
		t.Fatalf("answers = %v", p["answers"])
	}
	if !l.Capture.Touch || l.Capture.Type != "form_submit" {
		t.Fatalf("capture = %+v", l.Capture)
	}
}

func TestGoogleTestLeadWithStringIDs(t *testing.T) {
	g, err := ParseGoogleLead(fixture(t, "google_lead_test.json"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := g.AdLead(adOpt)
	if err != nil {
		t.Fatal(err)
	}
	v := view(l)
	if v.Email != "alan@bletchley-example.org" || v.Phone != "+49301234567" || v.First != "Alan" || v.Last != "Turing" || !v.At.Equal(now) {
		t.Fatalf("lead = %+v", v)
	}
	p := l.Capture.Properties
	if p["is_test"] != true || p["adgroup_id"] != nil || p["gclid"] != nil {
		t.Fatalf("properties = %v", p)
	}
}

func TestGoogleLeadRefusals(t *testing.T) {
	g, err := ParseGoogleLead(fixture(t, "google_lead_no_contact.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.AdLead(adOpt); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "email") {
		t.Fatalf("a lead without contact details: %v", err)
	}
	for _, body := range []string{``, `{`, `[]`, `{"lead_id": 5}`, `{"lead_id": ""}`, `{"lead_id": "a b"}`, `{"lead_id": "x", "is_test": "yes"}`, "\xff"} {
		if _, err := ParseGoogleLead([]byte(body)); !errs.Is(err, errs.Invalid) {
			t.Errorf("%q: err = %v, want invalid", body, err)
		}
	}
}

func TestFacebookWebhookFromFixture(t *testing.T) {
	refs, err := ParseFacebookWebhook(fixture(t, "facebook_webhook.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []FacebookLeadRef{
		{LeadgenID: "955000000000031", PageID: "104000000000001", FormID: "417000000000021", AdID: "238000000000011", AdgroupID: "238000000000012", CreatedTime: 1772446498},
		{LeadgenID: "955000000000032", PageID: "104000000000001", FormID: "417000000000021", CreatedTime: 1772446499},
	}
	if !reflect.DeepEqual(refs, want) {
		t.Fatalf("refs = %+v", refs)
	}
	for _, body := range []string{`{"object":"user","entry":[]}`, `{"object":"page","entry":[{"changes":[{"field":"feed"}]}]}`} {
		if refs, err := ParseFacebookWebhook([]byte(body)); err != nil || len(refs) != 0 {
			t.Errorf("%s: refs = %v, %v; want none", body, refs, err)
		}
	}
	for _, body := range []string{`not json`, `{"object":"page","entry":[{"changes":[{"field":"leadgen","value":{}}]}]}`,
		`{"object":"page","entry":[{"changes":[{"field":"leadgen","value":{"leadgen_id":"1/../2"}}]}]}`} {
		if _, err := ParseFacebookWebhook([]byte(body)); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: err = %v, want invalid", body, err)
		}
	}
}

func TestFacebookLeadFromFixture(t *testing.T) {
	ref := FacebookLeadRef{LeadgenID: "955000000000031", PageID: "104000000000001", FormID: "417000000000021", CreatedTime: 1772446498}
	l, err := ParseFacebookLead(fixture(t, "facebook_lead.json"), ref, adOpt)
	if err != nil {
		t.Fatal(err)
	}
	v := view(l)
	if v.Email != "katherine.johnson@example-orbit.com" || v.Phone != "+16502530000" || v.First != "Katherine" || v.Last != "Johnson" ||
		v.Channel != "paid_social" || v.Campaign == nil || v.Campaign.Name != "Facebook Ads 238000000000099" || v.Campaign.UTMCampaign != "fb-238000000000099" ||
		!v.At.Equal(time.Date(2026, 3, 2, 10, 14, 58, 0, time.UTC)) {
		t.Fatalf("lead = %+v", v)
	}
	if a, _ := l.Capture.Properties["answers"].(map[string]any); a["which_product_are_you_interested_in?"] != "Trajectory planning" {
		t.Fatalf("answers = %v", l.Capture.Properties["answers"])
	}
	// A phone-only lead, without a campaign (organic), in the workspace's region.
	l, err = ParseFacebookLead(fixture(t, "facebook_lead_phone_only.json"), FacebookLeadRef{LeadgenID: "955000000000032"}, adOpt)
	if err != nil {
		t.Fatal(err)
	}
	if v := view(l); v.Email != "" || v.Phone != "+49301234567" || v.Campaign != nil || l.Capture.Properties["is_organic"] != true {
		t.Fatalf("phone-only lead = %+v", v)
	}
	if _, err := ParseFacebookLead(fixture(t, "facebook_lead.json"), FacebookLeadRef{LeadgenID: "1"}, adOpt); !errs.Is(err, errs.Invalid) {
		t.Fatalf("another lead's answer accepted: %v", err)
	}
}

func TestLinkedInFromFixtures(t *testing.T) {
	refs, err := ParseLinkedInNotification(fixture(t, "linkedin_notification.json"))
	if err != nil || len(refs) != 1 {
		t.Fatalf("refs = %v, %v", refs, err)
	}
	ref := refs[0]
	if ref.ResponseID != "5c1e0a2b-8d4f-4c7e-9b1a-2f3e4d5c6b7a-3" || ref.FormID != "8800001" || ref.Creative != "urn:li:sponsoredCreative:7700001" {
		t.Fatalf("ref = %+v", ref)
	}
	resp := fixture(t, "linkedin_response.json")
	if id := LinkedInFormID(resp); id != "8800001" {
		t.Fatalf("form id = %q", id)
	}
	l, err := ParseLinkedInLead(resp, fixture(t, "linkedin_form.json"), ref, adOpt)
	if err != nil {
		t.Fatal(err)
	}
	v := view(l)
	if v.Email != "margaret.hamilton@apollo-example.com" || v.First != "Margaret" || v.Last != "Hamilton" || v.Company != "Apollo Example Systems" ||
		v.Title != "Director of Software Engineering" || v.City != "Cambridge" || v.Channel != "paid_social" ||
		v.Campaign == nil || v.Campaign.Name != "LinkedIn Ads 310000042" || v.Campaign.UTMCampaign != "li-310000042" ||
		!v.At.Equal(time.UnixMilli(1772446599000).UTC()) {
		t.Fatalf("lead = %+v", v)
	}
	if a, _ := l.Capture.Properties["answers"].(map[string]any); a["How big is your team?"] != "11-50" {
		t.Fatalf("answers = %v", l.Capture.Properties["answers"])
	}
	if _, err := ParseLinkedInLead(resp, nil, ref, adOpt); !errs.Is(err, errs.Invalid) {
		t.Fatalf("a response without its form: %v", err)
	}
}

func TestLinkedInNotificationKinds(t *testing.T) {
	for _, tc := range []struct {
		body string
		n    int
		bad  bool
	}{
		{`{"type":"LEAD_ACTION","leadAction":"DELETED","leadGenFormResponse":"urn:li:leadGenFormResponse:1"}`, 0, false},
		{`{"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}`, 0, false},
		{`[{"type":"LEAD_ACTION","leadGenFormResponse":"urn:li:leadGenFormResponse:1","leadGenForm":"urn:li:leadGenForm:9"},
		   {"type":"LEAD_ACTION","leadGenFormResponse":"urn:li:leadGenFormResponse:1"}]`, 1, false},
		{`{"type":"LEAD_ACTION","leadGenFormResponse":"urn:li:somethingElse:1"}`, 0, true},
		{`{"type":"LEAD_ACTION","leadGenFormResponse":"urn:li:leadGenFormResponse:../x"}`, 0, true},
		{`{"type":`, 0, true},
	} {
		refs, err := ParseLinkedInNotification([]byte(tc.body))
		if tc.bad != errs.Is(err, errs.Invalid) || len(refs) != tc.n {
			t.Errorf("%s: refs = %v, err = %v", tc.body, refs, err)
		}
	}
}

// Hostile text in a lead is made storable, never refused or passed on raw.
func TestAdLeadTextIsCleaned(t *testing.T) {
	body := `{"lead_id":"x1","campaign_id":"7","user_column_data":[
		{"column_id":"EMAIL","string_value":"ada@example.com"},
		{"column_id":"FULL_NAME","string_value":"Ada\u0000 Love\ud800lace"},
		{"column_id":"X","column_name":"` + strings.Repeat("q", 300) + `","string_value":"` + strings.Repeat("é", 5000) + `"}]}`
	g, err := ParseGoogleLead([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	l, err := g.AdLead(adOpt)
	if err != nil {
		t.Fatal(err)
	}
	c := l.Capture
	if strings.ContainsRune(c.Fields.FirstName+c.Fields.LastName, 0) || c.Fields.FirstName != "Ada" {
		t.Fatalf("name = %q %q", c.Fields.FirstName, c.Fields.LastName)
	}
	for k, v := range c.Properties["answers"].(map[string]any) {
		if len(k) > 64 || len(v.(string)) > maxValue {
			t.Fatalf("answer %d bytes named %d bytes", len(v.(string)), len(k))
		}
	}
}
