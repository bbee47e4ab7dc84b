package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The ad platforms whose lead forms Lodestone receives (SPEC section 7).
const (
	PlatformGoogle   = "google"
	PlatformFacebook = "facebook"
	PlatformLinkedIn = "linkedin"
)

// Jobs that fetch a lead whose webhook carries only its id.
const (
	JobFacebookLead = "adleads.facebook"
	JobLinkedInLead = "adleads.linkedin"
)

// IntegrationSetting is one setting of an ad platform integration, kept in the
// workspace settings under SettingKey(platform, Name).
type IntegrationSetting struct {
	Name    string
	Secret  bool   // never shown back, never written to the audit log
	Default string // used while unset
	Pattern *regexp.Regexp
	Help    string
}

var (
	httpBaseRe   = regexp.MustCompile(`^https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9._~/-]*)?$`)
	secretRe     = regexp.MustCompile(`^[\x21-\x7e]{1,1000}$`)
	graphVerRe   = regexp.MustCompile(`^v[0-9]{1,3}\.[0-9]{1,2}$`)
	linkedInVerR = regexp.MustCompile(`^[0-9]{6}(\.[0-9]{2})?$`)
)

// Integrations lists each platform's settings. The API bases are settings so that a
// test, or a proxy, can stand in for the platform.
var Integrations = map[string][]IntegrationSetting{
	PlatformGoogle: {
		{Name: "key", Secret: true, Pattern: secretRe, Help: "the webhook key set on the lead form in Google Ads; every delivery carries it as google_key"},
	},
	PlatformFacebook: {
		{Name: "verify_token", Secret: true, Pattern: secretRe, Help: "the verify token typed into the app's Webhooks settings"},
		{Name: "app_secret", Secret: true, Pattern: secretRe, Help: "the app secret that signs deliveries (X-Hub-Signature-256)"},
		{Name: "access_token", Secret: true, Pattern: secretRe, Help: "a Page access token with leads_retrieval, used to read each lead from the Graph API"},
		{Name: "graph_base", Default: "https://graph.facebook.com", Pattern: httpBaseRe, Help: "the Graph API's base URL"},
		{Name: "graph_version", Default: "v24.0", Pattern: graphVerRe, Help: "the Graph API version, such as v24.0"},
	},
	PlatformLinkedIn: {
		{Name: "client_secret", Secret: true, Pattern: secretRe, Help: "the app's client secret that signs notifications (X-LI-Signature) and challenges"},
		{Name: "access_token", Secret: true, Pattern: secretRe, Help: "an access token with r_marketing_leadgen_automation, used to read each lead form response"},
		{Name: "api_base", Default: "https://api.linkedin.com", Pattern: httpBaseRe, Help: "the LinkedIn API's base URL"},
		{Name: "api_version", Default: "202601", Pattern: linkedInVerR, Help: "the LinkedIn-Version header, YYYYMM"},
	},
}

// SettingKey is where a platform's setting is kept.
func SettingKey(platform, name string) string { return "adleads." + platform + "." + name }

// platformCampaign describes how a platform's campaigns become Lodestone campaigns:
// "Google Ads 123456" in paid_search with utm_campaign "gads-123456". The UTM key is
// what the platform's own URL macros can produce ({campaignid} in a Google Ads
// tracking template, {{campaign.id}} on Facebook), so tracked clicks from the same
// ads land on the same campaign.
var platformCampaign = map[string]struct{ name, channel, utm string }{
	PlatformGoogle:   {"Google Ads", string(attribution.PaidSearch), "gads"},
	PlatformFacebook: {"Facebook Ads", string(attribution.PaidSocial), "fb"},
	PlatformLinkedIn: {"LinkedIn Ads", string(attribution.PaidSocial), "li"},
}

// idRe bounds the ids platforms send: digits mostly, URN tails and UUIDs sometimes.
var idRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)

// platformID is an id a platform may send as a JSON number or a string.
type platformID string

func (p *platformID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*p = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = platformID(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*p = platformID(n.String())
	return nil
}

// checkID validates an optional id; "0" means none, as platforms send it for organic
// or test leads.
func checkID(field string, p platformID) (string, error) {
	s := string(p)
	if s == "" || s == "0" {
		return "", nil
	}
	if !idRe.MatchString(s) {
		return "", errs.Field(field, "is not an id of this platform")
	}
	return s, nil
}

// clean makes a platform's text storable: valid UTF-8, no NUL, trimmed, bounded.
func clean(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", ""))
	return truncate(s, maxValue)
}

// leadAnswers gathers a lead's answers: the standard fields by their Lodestone
// name, every other question by its label.
type leadAnswers struct {
	std     map[string]string
	answers map[string]any
}

const maxAnswers = 100

func newLeadAnswers() *leadAnswers {
	return &leadAnswers{std: map[string]string{}, answers: map[string]any{}}
}

// add records one answer; field is a standard field name or "" for another question.
func (a *leadAnswers) add(field, label, value string) {
	value = clean(value)
	if value == "" {
		return
	}
	if field == "" {
		if f, ok := labelField(label); ok && f == impBirthDate {
			field = "birth_date" // a platform's own question for it: never kept either
		}
	}
	if field != "" {
		if _, seen := a.std[field]; !seen {
			a.std[field] = value
			return
		}
		if field == "birth_date" {
			return // a date of birth is read for the age band only, never kept
		}
	}
	label = truncate(clean(label), 64)
	if label == "" || len(a.answers) >= maxAnswers {
		return
	}
	if _, seen := a.answers[label]; !seen {
		a.answers[label] = value
	}
}

// ageBand is the lead's age band: from its date of birth (Facebook's standard
// question), which is read for the band and not kept, else from an answer to a
// question headed like an import's age band or age column ("Age range", "Your
// age"). An answer that names no band leaves the lead without one: a lead is never
// refused for it, and the answer stays among the others.
func (a *leadAnswers) ageBand(now time.Time) string {
	if dob := a.std["birth_date"]; dob != "" {
		if band, ok := contact.AgeBandOfBirthDate(dob, now); ok {
			return band
		}
	}
	for _, label := range sortedKeys(a.answers) {
		s, _ := a.answers[label].(string)
		field, ok := labelField(label)
		if !ok || s == "" {
			continue
		}
		switch field {
		case impAgeBand, impAge:
			if band, ok := contact.AgeBandOfAgeText(s); ok && field == impAge {
				return band
			}
			if band, err := contact.NormalizeAgeBand(s); err == nil {
				return band
			}
		}
	}
	return ""
}

// labelField is the import field a question's label reads like ("What is your age
// range?" → the age band), if any.
func labelField(label string) (importField, bool) {
	key := strings.TrimPrefix(headerKey(label), "your")
	key = strings.TrimPrefix(key, "whatisyour")
	alias, ok := importAliases[key]
	return alias.field, ok
}

// leadMeta is what a platform says about a lead besides its answers.
type leadMeta struct {
	platform   string
	leadID     string
	campaignID string
	at         time.Time
	props      map[string]any
}

// adLead turns a lead's answers into a capture: a form_submit touch in the platform's
// channel and campaign. A lead needs a valid email address or phone number.
func (a *leadAnswers) adLead(m leadMeta, opt Options) (store.AdLead, error) {
	pc := platformCampaign[m.platform]
	c := store.Capture{Type: "form_submit", OccurredAt: opt.Now, Touch: true, Channel: pc.channel, Actor: "adleads:" + m.platform}
	if !m.at.IsZero() && m.at.Year() >= 2000 && !m.at.After(opt.Now.Add(24*time.Hour)) {
		c.OccurredAt = m.at.UTC()
	}
	used := map[string]bool{}
	for _, f := range []string{"email", "work_email"} {
		if e, err := contact.NormalizeEmail(a.std[f]); err == nil && a.std[f] != "" && c.Email == "" {
			c.Email, used[f] = e, true
		}
	}
	for _, f := range []string{"phone", "work_phone"} {
		if p, err := contact.NormalizePhone(a.std[f], opt.Region); err == nil && c.Phone == "" {
			c.Phone, used[f] = p, true
		}
	}
	if c.Email == "" && c.Phone == "" {
		return store.AdLead{}, errs.Field("email", "the lead has no valid email address or phone number")
	}
	// A second address or number, or one that did not parse, is kept with the answers.
	for _, f := range []string{"email", "work_email", "phone", "work_phone"} {
		if v := a.std[f]; v != "" && !used[f] {
			a.answers[f] = v
		}
	}
	first, last := a.std["first_name"], a.std["last_name"]
	if first == "" && last == "" {
		first, last = splitFullName(a.std["full_name"])
	}
	c.Fields = store.ContactFields{FirstName: first, LastName: last, JobTitle: a.std["job_title"], CompanyName: a.std["company"],
		Street: a.std["street"], PostalCode: a.std["postal_code"], City: a.std["city"], Region: a.std["region"], Country: a.std["country"],
		AgeBand: a.ageBand(opt.Now)}
	// The platform cannot correct a lead, so a profile field too long to keep is cut
	// to the bound, and kept whole among the answers.
	for _, p := range [...]struct {
		name  string
		value *string
	}{{"first_name", &c.Fields.FirstName}, {"last_name", &c.Fields.LastName}, {"job_title", &c.Fields.JobTitle}, {"company", &c.Fields.CompanyName},
		{"street", &c.Fields.Street}, {"postal_code", &c.Fields.PostalCode}, {"city", &c.Fields.City}, {"region", &c.Fields.Region}, {"country", &c.Fields.Country}} {
		if len(*p.value) > MaxProfileValue {
			a.answers[p.name] = *p.value
			*p.value = truncate(*p.value, MaxProfileValue)
		}
	}
	if c.Email != "" {
		c.CompanyDomain, _ = contact.CompanyDomain(c.Email)
	}
	if w := a.std["website"]; c.CompanyDomain == "" && w != "" {
		c.CompanyDomain, _ = contact.CompanyDomain(w)
	}
	props := map[string]any{"platform": m.platform, "lead_id": m.leadID}
	for k, v := range m.props {
		if s, ok := v.(string); ok {
			if s = clean(s); s == "" {
				continue
			}
			v = s
		}
		props[k] = v
	}
	if m.campaignID != "" {
		props["platform_campaign_id"] = m.campaignID
	}
	if len(a.answers) > 0 {
		props["answers"] = a.answers
	}
	c.Properties = props
	c.Stage = lifecycle.StageForEvent(c.Type, opt.NewsletterStage, true)
	l := store.AdLead{Platform: m.platform, LeadID: m.leadID, Capture: c}
	if m.campaignID != "" {
		l.Campaign = &store.AdCampaign{Name: pc.name + " " + m.campaignID, Channel: pc.channel,
			UTMCampaign: pc.utm + "-" + strings.ToLower(m.campaignID),
			Notes:       "Created for the leads of " + pc.name + " campaign " + m.campaignID + "."}
	}
	return l, nil
}

// decodeLenient reads a platform's JSON: unknown fields are ignored, as the
// platforms add fields over time; a malformed body names the problem.
func decodeLenient(body []byte, v any) error {
	if !utf8.Valid(body) {
		return errs.Field("", "the body is not UTF-8 text")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return errs.Field(typ.Field, "has the wrong type (%s)", typ.Value)
		}
		return errs.Field("", "the body is not the JSON this webhook expects")
	}
	return nil
}
