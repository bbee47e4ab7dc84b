package filter

import (
	"regexp"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/contact"
)

// Type is the type of a field; it decides the operators and values it accepts.
type Type int

// Field types.
const (
	TypeText   Type = iota + 1 // free text: =, !=, contains, starts_with, in, is_empty, is_set
	TypeChoice                 // one of a known list of values: =, !=, in, is_empty, is_set
	TypeNumber                 // =, !=, <, <=, >, >=, in, is_empty, is_set
	TypeTime                   // before, after, within_last_days
)

func (t Type) String() string {
	switch t {
	case TypeText:
		return "text"
	case TypeChoice:
		return "choice"
	case TypeNumber:
		return "number"
	case TypeTime:
		return "time"
	}
	return "unknown"
}

// Ops lists the operators a type accepts.
func (t Type) Ops() []Op {
	switch t {
	case TypeText:
		return []Op{OpEq, OpNe, OpContains, OpStartsWith, OpIn, OpIsEmpty, OpIsSet}
	case TypeChoice:
		return []Op{OpEq, OpNe, OpIn, OpIsEmpty, OpIsSet}
	case TypeNumber:
		return []Op{OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpIn, OpIsEmpty, OpIsSet}
	case TypeTime:
		return []Op{OpBefore, OpAfter, OpWithinLast}
	}
	return nil
}

// FieldInfo describes a field for builders (the segment editor) and docs.
type FieldInfo struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Choices []string `json:"choices,omitempty"`
	Ops     []Op     `json:"ops"`
}

// value is a field's value in a record: text, or a number that may be missing, or a time.
type value struct {
	text  string
	num   float64
	ok    bool // the number is present
	t     time.Time
	typ   Type
	isNum bool
}

type field struct {
	name    string
	typ     Type
	choices []string
	// column is the SQL expression; it never yields NULL for text and choice
	// fields, and may for numbers.
	column   string
	nullable bool
	get      func(r *Record) value
}

// Values of the enrichment and lifecycle contracts.
var (
	Stages      = []string{"subscriber", "lead", "mql", "sql", "opportunity", "customer", "disqualified"}
	Seniorities = []string{"executive", "vp", "director", "manager", "senior", "entry", "intern"}
	Departments = []string{"executive", "engineering", "it", "marketing", "sales", "finance", "hr", "operations", "legal", "support", "product", "design", "education", "healthcare", "other"}
	EmailTypes  = []string{"work", "free", "role", "disposable"}
	PhoneTypes  = []string{"mobile", "fixed_line", "fixed_line_or_mobile", "voip", "toll_free", "other"}
	SizeBands   = []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+"}
	Channels    = []string{"direct", "organic_search", "paid_search", "social", "paid_social", "email", "referral", "partner", "event", "direct_mail", "phone", "live_transfer", "purchased_list", "other"}
	// Purposes are the consent purposes; a consent field is consent.<purpose>.
	Purposes = []string{"marketing_email", "phone", "partner_sharing"}
	// ConsentStates are the values of a consent field.
	ConsentStates = []string{"granted", "withdrawn", "unknown"}
)

func text(name, column string, get func(*Record) string) field {
	return field{name: name, typ: TypeText, column: column, get: func(r *Record) value { return value{text: get(r), typ: TypeText} }}
}

func choice(name, column string, choices []string, get func(*Record) string) field {
	f := text(name, column, get)
	f.typ, f.choices = TypeChoice, choices
	return f
}

func number(name, column string, nullable bool, get func(*Record) (float64, bool)) field {
	return field{name: name, typ: TypeNumber, column: column, nullable: nullable, get: func(r *Record) value {
		n, ok := get(r)
		return value{num: n, ok: ok, typ: TypeNumber}
	}}
}

func company(r *Record) *CompanyRecord {
	if r.Company == nil {
		return &CompanyRecord{}
	}
	return r.Company
}

var fieldList = []field{
	text("email", "COALESCE(c.email, '')", func(r *Record) string { return r.Email }),
	text("first_name", "c.first_name", func(r *Record) string { return r.FirstName }),
	text("last_name", "c.last_name", func(r *Record) string { return r.LastName }),
	text("job_title", "c.job_title", func(r *Record) string { return r.JobTitle }),
	choice("seniority", "c.seniority", Seniorities, func(r *Record) string { return r.Seniority }),
	choice("department", "c.department", Departments, func(r *Record) string { return r.Department }),
	choice("email_type", "c.email_type", EmailTypes, func(r *Record) string { return r.EmailType }),
	choice("phone_type", "c.phone_type", PhoneTypes, func(r *Record) string { return r.PhoneType }),
	text("phone_region", "c.phone_region", func(r *Record) string { return r.PhoneRegion }),
	text("country", "c.country", func(r *Record) string { return r.Country }),
	text("city", "c.city", func(r *Record) string { return r.City }),
	text("region", "c.region", func(r *Record) string { return r.Region }),
	choice("age_band", "c.age_band", contact.AgeBands, func(r *Record) string { return r.AgeBand }),
	choice("stage", "c.stage", Stages, func(r *Record) string { return r.Stage }),
	text("owner", "COALESCE((SELECT u.email FROM users u WHERE u.id = c.owner_id), '')", func(r *Record) string { return r.Owner }),
	{name: "created_at", typ: TypeTime, column: "c.created_at", get: func(r *Record) value { return value{t: r.CreatedAt, typ: TypeTime} }},
	number("fit_score", "c.fit_score", false, func(r *Record) (float64, bool) { return float64(r.FitScore), true }),
	number("engagement_score", "c.engagement_score", false, func(r *Record) (float64, bool) { return float64(r.EngagementScore), true }),
	number("predictive_score", "c.predictive_score", true, func(r *Record) (float64, bool) {
		if r.PredictiveScore == nil {
			return 0, false
		}
		return *r.PredictiveScore, true
	}),
	choice("first_touch_channel", "COALESCE(c.first_touch_channel, '')", Channels, func(r *Record) string { return r.FirstTouchChannel }),
	text("first_touch_campaign", "COALESCE((SELECT fc.name FROM campaigns fc WHERE fc.id = c.first_touch_campaign_id), '')", func(r *Record) string { return r.FirstTouchCampaign }),
	text("company.domain", "COALESCE(co.domain, '')", func(r *Record) string { return company(r).Domain }),
	text("company.name", "COALESCE(co.name, '')", func(r *Record) string { return company(r).Name }),
	text("company.industry", "COALESCE(co.industry, '')", func(r *Record) string { return company(r).Industry }),
	choice("company.size", "COALESCE(co.size, '')", SizeBands, func(r *Record) string { return company(r).Size }),
	number("company.employees", "co.employees", true, func(r *Record) (float64, bool) {
		if e := company(r).Employees; e != nil {
			return float64(*e), true
		}
		return 0, false
	}),
	text("company.country", "COALESCE(co.country, '')", func(r *Record) string { return company(r).Country }),
}

var fields = func() map[string]*field {
	m := map[string]*field{}
	for i := range fieldList {
		m[fieldList[i].name] = &fieldList[i]
	}
	for _, p := range Purposes {
		m["consent."+p] = &field{name: "consent." + p, typ: TypeChoice, choices: ConsentStates}
	}
	return m
}()

// customKey is what a custom field's key may be made of, so it can sit in a JSON path.
var customKey = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// lookupField finds a field by name; custom.<key> fields are text.
func lookupField(name string) (*field, bool) {
	if f, ok := fields[name]; ok {
		return f, true
	}
	if key, ok := strings.CutPrefix(name, "custom."); ok && customKey.MatchString(key) {
		return &field{name: name, typ: TypeText}, true
	}
	return nil, false
}

// Fields lists the fields a filter can use (custom.<key> stands for every custom field).
func Fields() []FieldInfo {
	var out []FieldInfo
	add := func(name string, t Type, choices []string) {
		out = append(out, FieldInfo{Name: name, Type: t.String(), Choices: choices, Ops: t.Ops()})
	}
	for _, f := range fieldList {
		add(f.name, f.typ, f.choices)
	}
	for _, p := range Purposes {
		add("consent."+p, TypeChoice, ConsentStates)
	}
	return out
}

// fieldValue reads a field of a record.
func fieldValue(f *field, r *Record) value {
	if f.get != nil {
		return f.get(r)
	}
	if key, ok := strings.CutPrefix(f.name, "custom."); ok {
		return value{text: asText(r.Custom[key]), typ: TypeText}
	}
	purpose := strings.TrimPrefix(f.name, "consent.")
	g, ok := r.Consents[purpose]
	switch {
	case !ok:
		return value{text: "unknown", typ: TypeChoice}
	case g:
		return value{text: "granted", typ: TypeChoice}
	}
	return value{text: "withdrawn", typ: TypeChoice}
}
