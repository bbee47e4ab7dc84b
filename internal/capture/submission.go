package capture

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// FieldProblem is a refusal in the visitor's words, shown beside the field.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// SubmissionMeta is what the request tells about a submission besides its fields.
type SubmissionMeta struct {
	Slug            string
	CampaignID      int64
	IP              string
	UserAgent       string
	Referrer        string // the Referer header: the page the form was on
	VisitorID       string // the tracking cookie, when there is one
	Now             time.Time
	Region          string
	NewsletterStage string
}

// ConsentInput is the input name of a consent checkbox.
func ConsentInput(purpose string) string { return "consent_" + purpose }

const maxValue = 4000

// MaxProfileValue is the most bytes a contact's indexed profile fields (first and
// last name, company, country) may hold, whatever brought them in. PostgreSQL keeps
// the country and the name-and-company duplicate key in B-tree indexes, whose entries
// must stay under 2,704 bytes; three fields at this bound stay well below that. The
// other profile fields (job title, address) are held to MaxProfileText: a job title
// copied from a social profile in Chinese or Japanese passes 500 bytes.
const (
	MaxProfileValue = 500
	MaxProfileText  = 2000
)

// ProfileLimit is the most bytes the profile field of that name may hold.
func ProfileLimit(name string) int {
	switch name {
	case "first_name", "last_name", "company", "country":
		return MaxProfileValue
	}
	return MaxProfileText
}

// ProfileFieldTooLong names the first profile field longer than its ProfileLimit, by
// its name in forms and event properties, or returns "".
func ProfileFieldTooLong(f store.ContactFields) string {
	for _, p := range [...]struct{ name, value string }{{"first_name", f.FirstName}, {"last_name", f.LastName}, {"job_title", f.JobTitle},
		{"company", f.CompanyName}, {"street", f.Street}, {"postal_code", f.PostalCode}, {"city", f.City}, {"region", f.Region}, {"country", f.Country}} {
		if len(p.value) > ProfileLimit(p.name) {
			return p.name
		}
	}
	return ""
}

// boundedFields are the form fields that go into a contact's profile, each held to
// its ProfileLimit.
var boundedFields = map[string]bool{"first_name": true, "last_name": true, "job_title": true, "company": true,
	"street": true, "postal_code": true, "city": true, "region": true, "country": true}

// ParseSubmission checks a form post against its form and turns it into a capture.
func ParseSubmission(d *FormDefinition, v url.Values, m SubmissionMeta) (store.Capture, []FieldProblem) {
	var problems []FieldProblem
	bad := func(field, msg string) { problems = append(problems, FieldProblem{field, msg}) }
	get := func(name string) string { return strings.TrimSpace(v.Get(name)) }

	c := store.Capture{Type: d.EventType(), OccurredAt: m.Now, Touch: true, CampaignID: m.CampaignID, Actor: "form:" + m.Slug}
	custom := map[string]any{}
	props := map[string]any{"form": m.Slug}
	for _, f := range d.Fields {
		val := get(f.Name)
		if f.Type == "hidden" && val == "" {
			val = f.Default
		}
		if !utf8.ValidString(val) || strings.ContainsRune(val, 0) || len(val) > maxValue {
			bad(f.Name, "This field holds characters we cannot accept, or is too long.")
			continue
		}
		if f.Type == "checkbox" {
			if val != "" {
				val = "true"
			}
		}
		if val == "" {
			if f.Required {
				bad(f.Name, "Please fill in "+strings.ToLower(f.Label)+".")
			}
			continue
		}
		switch f.Name {
		case "email":
			e, err := contact.NormalizeEmail(val)
			if err != nil {
				bad(f.Name, "Please enter a valid email address, such as name@example.com.")
				continue
			}
			c.Email = e
		case "phone":
			p, err := contact.NormalizePhone(val, m.Region)
			if err != nil {
				bad(f.Name, "Please enter a valid phone number, with its country code if it is abroad.")
				continue
			}
			c.Phone = p
		case "first_name":
			c.Fields.FirstName = val
		case "last_name":
			c.Fields.LastName = val
		case "company":
			c.Fields.CompanyName = val
		case "job_title":
			c.Fields.JobTitle = val
		case "city":
			c.Fields.City = val
		case "country":
			c.Fields.Country = val
		case "street":
			c.Fields.Street = val
		case "postal_code":
			c.Fields.PostalCode = val
		case "age_band":
			band, err := contact.NormalizeAgeBand(val)
			if err != nil || (f.Type == "select" && !slices.Contains(f.Options, band)) {
				bad(f.Name, "Please choose one of the options.")
				continue
			}
			c.Fields.AgeBand = band
		case "website":
			if d, ok := contact.CompanyDomain(val); ok {
				c.CompanyDomain = d
			}
			props["website"] = val
		case "message":
			props["message"] = val
		default:
			if f.Type == "select" && !slices.Contains(f.Options, val) {
				bad(f.Name, "Please choose one of the options.")
				continue
			}
			custom[f.Name] = val
		}
	}
	if name := ProfileFieldTooLong(c.Fields); name != "" {
		bad(name, "This field is too long.")
	}
	if c.Email == "" && c.Phone == "" && !hasProblem(problems, "email", "phone") {
		bad(identityField(d), "Please enter your email address.")
	}
	for _, cs := range d.Consents {
		given := get(ConsentInput(cs.Purpose)) != ""
		if cs.Required && !given {
			bad(ConsentInput(cs.Purpose), "Please tick this box to continue.")
			continue
		}
		if given {
			c.Consents = append(c.Consents, store.Consent{Purpose: cs.Purpose, Granted: true, Basis: "consent",
				Source: "form:" + m.Slug, Wording: cs.Version + ": " + cs.Label, IP: m.IP, RecordedAt: m.Now})
		}
	}
	if len(problems) > 0 {
		return c, problems
	}
	if len(custom) > 0 {
		c.Fields.Custom = custom
	}
	if c.CompanyDomain == "" && c.Email != "" {
		if d, ok := contact.CompanyDomain(c.Email); ok {
			c.CompanyDomain = d
		}
	}
	web := map[string]string{}
	for _, k := range TrackingFields {
		if val := get(k); val != "" && utf8.ValidString(val) && !strings.ContainsRune(val, 0) && len(val) <= maxValue {
			web[k] = val
		}
	}
	if web["page_url"] == "" && m.Referrer != "" && utf8.ValidString(m.Referrer) && len(m.Referrer) <= maxValue {
		// Posted from a page without tracking fields: the page is the referrer header.
		web["page_url"] = m.Referrer
	}
	c.Web = attribution.FromProperties(web)
	// UTM parameters the post lacks but its page's address has (a plain HTML form
	// posted with JavaScript off, whose page is the Referer) are kept with the touch.
	for k, val := range map[string]string{"utm_source": c.Web.UTMSource, "utm_medium": c.Web.UTMMedium, "utm_campaign": c.Web.UTMCampaign,
		"utm_term": c.Web.UTMTerm, "utm_content": c.Web.UTMContent} {
		if web[k] == "" && val != "" && len(val) <= maxValue {
			web[k] = val
		}
	}
	for k, val := range web {
		props[k] = val
	}
	if m.UserAgent != "" && utf8.ValidString(m.UserAgent) {
		props["user_agent"] = truncate(m.UserAgent, 500)
	}
	if m.IP != "" {
		props["ip"] = m.IP
	}
	c.Properties = props
	c.VisitorID = m.VisitorID
	c.Stage = lifecycle.StageForEvent(c.Type, m.NewsletterStage, true)
	return c, nil
}

func identityField(d *FormDefinition) string {
	for _, f := range d.Fields {
		if f.Name == "email" {
			return "email"
		}
	}
	return "phone"
}

func hasProblem(ps []FieldProblem, fields ...string) bool {
	for _, p := range ps {
		if slices.Contains(fields, p.Field) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
