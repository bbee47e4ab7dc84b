package filter

import "time"

// Record is what a filter is evaluated on: one contact with its company, its
// consents and the events the filter counts (see EventTypes).
type Record struct {
	ID          int64
	Email       string
	FirstName   string
	LastName    string
	JobTitle    string
	Seniority   string
	Department  string
	EmailType   string
	PhoneType   string
	PhoneRegion string
	Country     string
	City        string
	Region      string
	AgeBand     string
	Stage       string
	Owner       string // the owner's email, "" when nobody owns the contact
	CreatedAt   time.Time

	FitScore        int
	EngagementScore int
	PredictiveScore *float64 // nil until a model scored the contact

	FirstTouchChannel  string
	FirstTouchCampaign string // the campaign's name

	Custom map[string]any

	// Merged is true for a contact merged into another one: it never matches.
	Merged bool

	Company *CompanyRecord // nil when the contact has no company

	// Consents holds the consent in force per purpose: true granted, false
	// withdrawn; a purpose never recorded is absent.
	Consents map[string]bool

	Events []Event
}

// CompanyRecord is the contact's company as a filter sees it.
type CompanyRecord struct {
	Domain    string
	Name      string
	Industry  string
	Size      string
	Employees *int64
	Country   string
}

// Event is one event of the contact's history.
type Event struct {
	Type       string
	OccurredAt time.Time
	Properties map[string]any
}
