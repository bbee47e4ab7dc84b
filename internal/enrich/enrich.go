package enrich

// Settings of enrichment, kept in the workspace settings.
const (
	SettingGeoIPPath   = "enrich_geoip_path"
	SettingProviderURL = "enrich_provider_url"
	SettingProviderKey = "enrich_provider_key" // a secret: never shown back
)

// Input is what a contact gave: the fields enrichment reads.
type Input struct {
	JobTitle string
	Email    string // normalised
	Phone    string // E.164
	Country  string // as the contact typed it; kept when set
	City     string
	IP       string // the address of the contact's latest form submission, if any
}

// Profile is what enrichment derives. Country and City are filled only where the
// contact left them empty: what a person typed is never overwritten.
type Profile struct {
	Seniority   string
	Department  string
	EmailType   string
	PhoneType   string
	PhoneRegion string
	Country     string
	City        string
}

// Enricher holds the compiled title rules and, optionally, an IP database.
type Enricher struct {
	Titles *TitleRules
	Geo    interface{ Lookup(ip string) Place } // nil when no database is configured
}

// Profile derives a contact's profile from what it gave.
func (e *Enricher) Profile(in Input) Profile {
	var p Profile
	p.Seniority, p.Department = e.Titles.Classify(in.JobTitle)
	p.EmailType = EmailType(in.Email)
	p.PhoneRegion, p.PhoneType = PhoneLine(in.Phone)
	p.Country, p.City = in.Country, in.City
	if e.Geo != nil && in.IP != "" && (in.Country == "" || in.City == "") {
		place := e.Geo.Lookup(in.IP)
		if p.Country == "" {
			p.Country = place.Country
		}
		// A city found from the IP is only taken when it lies in the contact's country.
		if p.City == "" && place.Country != "" && place.Country == p.Country {
			p.City = place.City
		}
	}
	return p
}
