package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Form kinds: a newsletter sign-up makes an MQL (or a subscriber), any other form a lead.
const (
	KindLead       = "lead"
	KindNewsletter = "newsletter"
	KindDemo       = "demo"  // a demo request: a hand-raise
	KindTrial      = "trial" // a trial sign-up: a hand-raise
)

// Field types a form may hold.
var fieldTypes = []string{"text", "email", "phone", "select", "checkbox", "hidden", "textarea"}

// StandardFields are the contact fields a form may collect, with their default
// labels and types (SPEC section 11).
var StandardFields = map[string]FormField{
	"email":       {Name: "email", Label: "Email", Type: "email"},
	"first_name":  {Name: "first_name", Label: "First name", Type: "text"},
	"last_name":   {Name: "last_name", Label: "Last name", Type: "text"},
	"phone":       {Name: "phone", Label: "Phone", Type: "phone"},
	"company":     {Name: "company", Label: "Company", Type: "text"},
	"job_title":   {Name: "job_title", Label: "Job title", Type: "text"},
	"website":     {Name: "website", Label: "Website", Type: "text"},
	"city":        {Name: "city", Label: "City", Type: "text"},
	"country":     {Name: "country", Label: "Country", Type: "text"},
	"street":      {Name: "street", Label: "Street", Type: "text"},
	"postal_code": {Name: "postal_code", Label: "Postal code", Type: "text"},
	"age_band":    {Name: "age_band", Label: "Age", Type: "select", Options: contact.AgeBands},
	"message":     {Name: "message", Label: "Message", Type: "textarea"},
}

// TrackingFields are carried along with every submission (SPEC section 11).
var TrackingFields = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "page_url"}

// FormField is one input of a form. Fields that are not standard are custom fields
// of the contact.
type FormField struct {
	Name     string   `json:"name"`
	Label    string   `json:"label"`
	Type     string   `json:"type"`
	Required bool     `json:"required,omitempty"`
	Options  []string `json:"options,omitempty"`
	Default  string   `json:"default,omitempty"`
}

// UnmarshalJSON accepts a bare standard field name ("email") as well as an object.
func (f *FormField) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var name string
		if err := json.Unmarshal(b, &name); err != nil {
			return err
		}
		std, ok := StandardFields[name]
		if !ok {
			std = FormField{Name: name, Label: name, Type: "text"}
		}
		*f = std
		return nil
	}
	type plain FormField
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*f = FormField(p)
	return nil
}

// FormConsent is a consent checkbox; its wording is versioned and recorded with the
// consent it collects.
type FormConsent struct {
	Purpose  string `json:"purpose"`
	Label    string `json:"label"`
	Version  string `json:"version"`
	Required bool   `json:"required,omitempty"`
}

// FormPage is how the hosted landing page looks.
type FormPage struct {
	Headline    string `json:"headline,omitempty"`
	Text        string `json:"text,omitempty"`
	LogoURL     string `json:"logo_url,omitempty"`
	AccentColor string `json:"accent_color,omitempty"`
	// BackgroundColor is the page around the form's card.
	BackgroundColor string `json:"background_color,omitempty"`
	ButtonText      string `json:"button_text,omitempty"`
}

// FormThankYou is what a visitor gets after submitting.
type FormThankYou struct {
	Message         string `json:"message,omitempty"`
	RedirectURL     string `json:"redirect_url,omitempty"`
	LeadMagnetURL   string `json:"lead_magnet_url,omitempty"`
	LeadMagnetLabel string `json:"lead_magnet_label,omitempty"`
}

// FormDefinition is a form as the API reads and writes it.
type FormDefinition struct {
	Slug           string        `json:"slug"`
	Name           string        `json:"name"`
	Kind           string        `json:"kind,omitempty"`
	CampaignID     int64         `json:"campaign_id,omitempty"`
	Fields         []FormField   `json:"fields"`
	Consents       []FormConsent `json:"consents,omitempty"`
	Page           FormPage      `json:"page"`
	ThankYou       FormThankYou  `json:"thank_you"`
	AllowedOrigins []string      `json:"allowed_origins,omitempty"`
	// ProofOfWork guards the public post against bots (see pow.go).
	ProofOfWork FormProofOfWork `json:"proof_of_work,omitzero"`
	// FillTime refuses posts sent sooner than a person fills the form (see stamp.go).
	FillTime FormFillTime `json:"fill_time,omitzero"`
}

var (
	slugRe      = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)
	fieldNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,47}$`)
	colorRe     = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// reservedNames are form inputs Lodestone itself uses.
var reservedNames = []string{StampField, "_hp", ProofField, "visitor_id"}

// Check validates a definition and fills defaults; errors name the field.
func (d *FormDefinition) Check() error {
	d.Slug = strings.TrimSpace(d.Slug)
	d.Name = strings.TrimSpace(d.Name)
	if !slugRe.MatchString(d.Slug) {
		return errs.Field("slug", "must be 1 to 64 lower-case letters, digits and dashes, such as spring-webinar")
	}
	if d.Name == "" || len(d.Name) > 200 || !utf8.ValidString(d.Name) || strings.ContainsRune(d.Name, 0) {
		return errs.Field("name", "is required (at most 200 characters)")
	}
	if d.Kind == "" {
		d.Kind = KindLead
	}
	if !slices.Contains([]string{KindLead, KindNewsletter, KindDemo, KindTrial}, d.Kind) {
		return errs.Field("kind", "must be lead, newsletter, demo or trial")
	}
	if len(d.Fields) == 0 || len(d.Fields) > 50 {
		return errs.Field("fields", "must list 1 to 50 fields")
	}
	seen := map[string]bool{}
	hasIdentity := false
	for i := range d.Fields {
		f := &d.Fields[i]
		at := fmt.Sprintf("fields[%d]", i)
		if !fieldNameRe.MatchString(f.Name) || slices.Contains(reservedNames, f.Name) || slices.Contains(TrackingFields, f.Name) {
			return errs.Field(at+".name", "must be a lower-case name (letters, digits, underscores) and not a reserved one")
		}
		if seen[f.Name] {
			return errs.Field(at+".name", "%q appears twice", f.Name)
		}
		seen[f.Name] = true
		if std, ok := StandardFields[f.Name]; ok {
			if f.Type == "" {
				f.Type = std.Type
			}
			if f.Label == "" {
				f.Label = std.Label
			}
		}
		if f.Name == "age_band" {
			if err := checkAgeBandField(at, f); err != nil {
				return err
			}
		}
		if f.Type == "" {
			f.Type = "text"
		}
		if f.Label == "" {
			f.Label = f.Name
		}
		if !slices.Contains(fieldTypes, f.Type) {
			return errs.Field(at+".type", "must be one of %s", strings.Join(fieldTypes, ", "))
		}
		if f.Type == "select" && len(f.Options) == 0 {
			return errs.Field(at+".options", "a select needs options")
		}
		if err := checkFormText(at+".label", f.Label, 500); err != nil {
			return err
		}
		// A default or an option is posted back as a value: text a submission would
		// refuse here would make the form refuse every visitor.
		limit := maxValue
		if boundedFields[f.Name] {
			limit = ProfileLimit(f.Name)
		}
		if err := checkFormText(at+".default", f.Default, limit); err != nil {
			return err
		}
		if len(f.Options) > 200 {
			return errs.Field(at+".options", "at most 200 options")
		}
		for j, o := range f.Options {
			oat := fmt.Sprintf("%s.options[%d]", at, j)
			if strings.TrimSpace(o) == "" {
				return errs.Field(oat, "must not be empty")
			}
			if err := checkFormText(oat, o, 500); err != nil {
				return err
			}
			if slices.Contains(f.Options[:j], o) {
				return errs.Field(oat, "%q is listed twice", o)
			}
		}
		if f.Name == "email" || f.Name == "phone" {
			hasIdentity = true
		}
	}
	if !hasIdentity {
		return errs.Field("fields", "must include email or phone, so a submission can be told apart from the next")
	}
	for i, c := range d.Consents {
		at := fmt.Sprintf("consents[%d]", i)
		if !slices.Contains(store.Purposes, c.Purpose) {
			return errs.Field(at+".purpose", "must be one of %s", strings.Join(store.Purposes, ", "))
		}
		if strings.TrimSpace(c.Label) == "" {
			return errs.Field(at+".label", "is required: the wording the person agrees to")
		}
		if err := checkFormText(at+".label", c.Label, 2000); err != nil {
			return err
		}
		if err := checkFormText(at+".version", c.Version, 100); err != nil {
			return err
		}
		if c.Version == "" {
			d.Consents[i].Version = "1"
		}
	}
	if d.Page.AccentColor != "" && !colorRe.MatchString(d.Page.AccentColor) {
		return errs.Field("page.accent_color", "must be a colour such as #1f6feb")
	}
	if d.Page.BackgroundColor != "" && !colorRe.MatchString(d.Page.BackgroundColor) {
		return errs.Field("page.background_color", "must be a colour such as #f4f6f9")
	}
	for field, u := range map[string]string{"page.logo_url": d.Page.LogoURL, "thank_you.redirect_url": d.ThankYou.RedirectURL, "thank_you.lead_magnet_url": d.ThankYou.LeadMagnetURL} {
		if u != "" && !httpURL(u) {
			return errs.Field(field, "must be an http or https URL")
		}
	}
	for field, v := range map[string]string{"page.headline": d.Page.Headline, "page.text": d.Page.Text, "page.button_text": d.Page.ButtonText, "thank_you.message": d.ThankYou.Message} {
		if err := checkFormText(field, v, 5000); err != nil {
			return err
		}
	}
	if p := d.ProofOfWork.Difficulty; p != 0 && (p < MinPowDifficulty || p > MaxPowDifficulty) {
		return errs.Field("proof_of_work.difficulty", "must be %d to %d bits (each one doubles the work; %d is the default)",
			MinPowDifficulty, MaxPowDifficulty, DefaultPowDifficulty)
	}
	for i, o := range d.AllowedOrigins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" {
			return errs.Field(fmt.Sprintf("allowed_origins[%d]", i), "must be an origin such as https://www.example.com")
		}
	}
	return nil
}

// checkAgeBandField makes the age band field a choice among the bands: a select (a
// text box, the editor's default for a new row, becomes one) whose options are the
// bands, all of them unless the form lists some, or a hidden field set to one band.
func checkAgeBandField(at string, f *FormField) error {
	switch f.Type {
	case "", "text", "select":
		f.Type = "select"
		if len(f.Options) == 0 {
			f.Options = contact.AgeBands
		}
		opts := make([]string, len(f.Options)) // never written into a shared slice
		for i, o := range f.Options {
			band, err := contact.NormalizeAgeBand(o)
			if err != nil || band == "" {
				return errs.Field(at+".options", "%q is not an age band; the options are some of %s", o, strings.Join(contact.AgeBands, ", "))
			}
			opts[i] = band
		}
		f.Options = opts
	case "hidden":
		band, err := contact.NormalizeAgeBand(f.Default)
		if err != nil || band == "" {
			return errs.Field(at+".default", "must be one of %s", strings.Join(contact.AgeBands, ", "))
		}
		f.Default = band
	default:
		return errs.Field(at+".type", "age_band is a select (or a hidden field set to one band)")
	}
	return nil
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func checkFormText(field, v string, max int) error {
	if len(v) > max || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return errs.Field(field, "must be valid text of at most %d bytes", max)
	}
	return nil
}

// EventType is the event a submission of this form records.
func (d *FormDefinition) EventType() string {
	switch d.Kind {
	case KindNewsletter:
		return "newsletter_signup"
	case KindDemo:
		return "demo_request"
	case KindTrial:
		return "trial_signup"
	}
	return "form_submit"
}

// FieldTypes lists the types a form field may have, for the form builder.
func FieldTypes() []string { return slices.Clone(fieldTypes) }

// Kinds lists the kinds of form, for the form builder.
func Kinds() []string { return []string{KindLead, KindNewsletter, KindDemo, KindTrial} }
