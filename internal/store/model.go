package store

import (
	"strings"
	"time"
)

// Contact is one person (SPEC section 2).
type Contact struct {
	ID          int64          `json:"id"`
	Email       string         `json:"email"`
	Phone       string         `json:"phone"`
	FirstName   string         `json:"first_name"`
	LastName    string         `json:"last_name"`
	JobTitle    string         `json:"job_title"`
	CompanyName string         `json:"company_name"`
	Street      string         `json:"street"`
	PostalCode  string         `json:"postal_code"`
	City        string         `json:"city"`
	Region      string         `json:"region"`
	Country     string         `json:"country"`
	AgeBand     string         `json:"age_band"` // one of contact.AgeBands, "" when unknown
	Custom      map[string]any `json:"custom"`
	Stage       string         `json:"stage"`

	// Enrichment: derived from the title, email, phone and company data.
	Seniority   string `json:"seniority"`
	Department  string `json:"department"`
	EmailType   string `json:"email_type"`   // work, free, role or disposable
	PhoneType   string `json:"phone_type"`   // mobile, fixed_line, voip, … as the numbering plan says
	PhoneRegion string `json:"phone_region"` // ISO 3166 region of the phone number

	Company    *Company    `json:"company"`
	Owner      *UserRef    `json:"owner"`
	FirstTouch *FirstTouch `json:"first_touch"`

	FitScore        int      `json:"-"`
	EngagementScore int      `json:"-"`
	PredictiveScore *float64 `json:"-"` // nil until a model has scored the contact

	MergedIntoID   int64                `json:"merged_into_id,omitempty"`
	StageEnteredAt map[string]time.Time `json:"stage_entered_at,omitempty"`
	CreatedAt      time.Time            `json:"created_at"`
	UpdatedAt      time.Time            `json:"updated_at"`
}

// Name is the contact's full name, or its email or phone when it has none.
func (c *Contact) Name() string {
	switch {
	case c.FirstName != "" || c.LastName != "":
		if c.FirstName == "" || c.LastName == "" {
			return c.FirstName + c.LastName
		}
		return c.FirstName + " " + c.LastName
	case c.Email != "":
		return c.Email
	}
	return c.Phone
}

// FirstTouch is a contact's original source.
type FirstTouch struct {
	At       time.Time    `json:"at"`
	Channel  string       `json:"channel"`
	Campaign *CampaignRef `json:"campaign"`
}

// CampaignRef names a campaign where it is mentioned.
type CampaignRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// UserRef names a user where it is mentioned.
type UserRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Company is keyed by its registrable domain.
type Company struct {
	ID       int64  `json:"id"`
	Domain   string `json:"domain"`
	Name     string `json:"name"`
	Industry string `json:"industry,omitempty"`
	Size     string `json:"size,omitempty"`
	// Employees is the head count when company data gives it; Size is its band.
	Employees *int64 `json:"employees,omitempty"`
	Country   string `json:"country,omitempty"`
}

// Event is something a contact or visitor did, or that happened to them.
type Event struct {
	ID         int64          `json:"id"`
	ContactID  int64          `json:"contact_id,omitempty"`
	VisitorID  string         `json:"visitor_id,omitempty"`
	Type       string         `json:"type"`
	OccurredAt time.Time      `json:"occurred_at"`
	ReceivedAt time.Time      `json:"received_at"`
	Properties map[string]any `json:"properties"`
	// Channel is set on touches only.
	Channel  string       `json:"channel,omitempty"`
	Campaign *CampaignRef `json:"campaign,omitempty"`
	Actor    string       `json:"actor,omitempty"`
}

// IsTouch reports whether the event carries attribution.
func (e *Event) IsTouch() bool { return e.Channel != "" }

// Campaign is a named piece of marketing work in one channel.
type Campaign struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Channel     string `json:"channel"`
	UTMCampaign string `json:"utm_campaign"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Budget      *int64 `json:"-"`
	Notes       string `json:"notes"`
	// Currency is the ISO 4217 code the amounts were read in; the write refuses them
	// when the workspace's currency has since changed its decimals. Empty: they are in
	// the workspace's currency, whatever it is.
	Currency string `json:"-"`
	// LandingURL is where the campaign's printed link and QR code lead; ShortCode
	// names that link (/c/CODE).
	LandingURL string    `json:"landing_url"`
	ShortCode  string    `json:"short_code,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	// Totals of the cost entries, filled by the campaign list.
	Cost  int64 `json:"-"`
	Hours int64 `json:"-"`
}

// CostEntry is money and time spent on a campaign on a day. Hours are held in
// hundredths so sums stay exact.
type CostEntry struct {
	ID              int64     `json:"id"`
	CampaignID      int64     `json:"campaign_id"`
	Date            string    `json:"date"`
	Amount          int64     `json:"-"`
	HoursHundredths int64     `json:"-"`
	Note            string    `json:"note"`
	CreatedAt       time.Time `json:"created_at"`
	// Currency is the ISO 4217 code the amounts were read in; the write refuses them
	// when the workspace's currency has since changed its decimals. Empty: they are in
	// the workspace's currency, whatever it is.
	Currency string `json:"-"`
}

// Deal statuses.
const (
	DealOpen = "open"
	DealWon  = "won"
	DealLost = "lost"
)

// Deal is a sale, open or closed, of one contact.
type Deal struct {
	ID        int64     `json:"id"`
	ContactID int64     `json:"contact_id"`
	Name      string    `json:"name"`
	Amount    int64     `json:"-"`
	Status    string    `json:"status"`
	ClosedAt  time.Time `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	// Currency is the ISO 4217 code the amounts were read in; the write refuses them
	// when the workspace's currency has since changed its decimals. Empty: they are in
	// the workspace's currency, whatever it is.
	Currency string `json:"-"`
}

// Roles, from most to least powerful (SPEC section 10).
const (
	RoleAdmin    = "admin"
	RoleMarketer = "marketer"
	RoleSales    = "sales"
	RoleAgent    = "agent"
	RoleReadOnly = "read_only"
)

// Roles lists every role.
var Roles = []string{RoleAdmin, RoleMarketer, RoleSales, RoleAgent, RoleReadOnly}

// ValidRole reports whether r names a role.
func ValidRole(r string) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// RoleNamed returns the role a person typed, in the spellings people use: any
// case, and "read-only" or "read only" for read_only. ok is false when no role has
// that name.
func RoleNamed(typed string) (role string, ok bool) {
	r := strings.ToLower(strings.TrimSpace(typed))
	r = strings.NewReplacer("-", "_", " ", "_").Replace(r)
	if r == "readonly" {
		r = RoleReadOnly
	}
	return r, ValidRole(r)
}

// User is a person who logs in.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"-"`
	Available    bool      `json:"available"`
	CreatedAt    time.Time `json:"created_at"`
	Disabled     bool      `json:"disabled"`
}

// APIKey is a key for the HTTP API; only its hash is stored.
type APIKey struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Role       string    `json:"role"`
	Prefix     string    `json:"prefix"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	Revoked    bool      `json:"revoked"`
}

// AuditEntry is one thing an admin or a key did.
type AuditEntry struct {
	ID      int64          `json:"id"`
	At      time.Time      `json:"at"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Target  string         `json:"target"`
	Details map[string]any `json:"details"`
}

// DuplicateFlag marks two contacts that may be one person.
type DuplicateFlag struct {
	ID        int64     `json:"id"`
	ContactID int64     `json:"contact_id"`
	OtherID   int64     `json:"other_id"`
	Reason    string    `json:"reason"`
	CreatedAt time.Time `json:"created_at"`
}
