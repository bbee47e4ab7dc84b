package capture

import (
	"fmt"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Limits on one value of an import. They keep one odd cell from failing a whole
// batch in the database (PostgreSQL refuses index entries over about 2.7 kB).
const (
	maxImportValue  = 500
	maxImportCustom = 4000
)

// Rejection is a row an import did not take, and why.
type Rejection struct {
	Row    int      `json:"row"`    // the line of the file where the row starts (the header is line 1)
	Column string   `json:"column"` // the header of the offending column; "" for the whole row
	Reason string   `json:"reason"`
	Values []string `json:"values"` // the row as read
}

// importRows turns records into captures for one import.
type importRows struct {
	m        *Mapping
	opt      *ImportOptions
	consents []store.Consent
}

// capture turns one record into a capture, or says why the row is rejected. It never
// drops a value silently: a bad email beside a good phone rejects the row. The record
// has one value per column: importPass refuses a file with a row that has not.
func (p *importRows) capture(rec []string, row int) (store.Capture, *Rejection) {
	m := p.m
	reject := func(col int, format string, args ...any) (store.Capture, *Rejection) {
		r := &Rejection{Row: row, Reason: fmt.Sprintf(format, args...)}
		if col >= 0 {
			r.Column = m.Header[col]
		}
		return store.Capture{}, r
	}
	var v [numImportFields]string
	var from [numImportFields]int
	for f, cols := range m.cols {
		from[f] = -1
		for _, i := range cols {
			if s := strings.TrimSpace(rec[i]); s != "" {
				v[f], from[f] = s, i
				break
			}
		}
		if len(v[f]) > maxImportValue {
			return reject(from[f], "is longer than %d characters", maxImportValue)
		}
	}
	c := store.Capture{
		Type: "import", OccurredAt: p.opt.Now, Touch: true, Channel: string(p.opt.Channel), CampaignID: p.opt.CampaignID,
		Stage: lifecycle.Lead, Actor: "import", Consents: p.consents, OnlyNew: p.opt.Existing == ExistingSkip,
		Properties: map[string]any{"file": p.opt.FileName, "row": row},
	}
	if s := v[impEmail]; s != "" {
		e, err := contact.NormalizeEmail(s)
		if err != nil {
			return reject(from[impEmail], "is not a valid email address")
		}
		c.Email = e
	}
	if s := v[impPhone]; s != "" {
		// Facebook's lead downloads write phones as "p:+15551234567", to keep
		// spreadsheets from reading them as numbers.
		ph, err := contact.NormalizePhone(strings.TrimPrefix(s, "p:"), p.opt.Region)
		if err != nil {
			return reject(from[impPhone], "is not a valid phone number (default region %s); write it with its country code, such as +49 30 1234567",
				orNone(p.opt.Region))
		}
		c.Phone = ph
	}
	if c.Email == "" && c.Phone == "" {
		col := -1
		if cols := m.cols[impEmail]; len(cols) > 0 {
			col = cols[0]
		} else if cols := m.cols[impPhone]; len(cols) > 0 {
			col = cols[0]
		}
		return reject(col, "has neither an email address nor a phone number")
	}
	first, last := v[impFirstName], v[impLastName]
	if first == "" && last == "" {
		first, last = splitFullName(v[impFullName])
	}
	c.Fields = store.ContactFields{FirstName: first, LastName: last, JobTitle: v[impJobTitle], CompanyName: v[impCompany],
		Street: v[impStreet], PostalCode: v[impPostalCode], City: v[impCity], Region: v[impRegion], Country: v[impCountry]}
	band, col, ok := importAgeBand(&v, &from, p.opt.Now)
	if !ok {
		return reject(col, "%s", band)
	}
	c.Fields.AgeBand = band
	for _, cu := range m.custom {
		for _, i := range cu.cols {
			s := strings.TrimSpace(rec[i])
			if s == "" {
				continue
			}
			if len(s) > maxImportCustom {
				return reject(i, "is longer than %d characters", maxImportCustom)
			}
			if c.Fields.Custom == nil {
				c.Fields.Custom = map[string]any{}
			}
			c.Fields.Custom[cu.name] = s
			break
		}
	}
	if c.Email != "" {
		c.CompanyDomain, _ = contact.CompanyDomain(c.Email)
	}
	if c.CompanyDomain == "" && v[impWebsite] != "" {
		c.CompanyDomain, _ = contact.CompanyDomain(v[impWebsite])
	}
	return c, nil
}

// importAgeBand is a row's age band: from its age band column, else from its age,
// else from its date of birth, which is read for the band and then forgotten. When
// the value is bad it returns the reason and the column, and false.
func importAgeBand(v *[numImportFields]string, from *[numImportFields]int, now time.Time) (string, int, bool) {
	if s := v[impAgeBand]; s != "" {
		band, err := contact.NormalizeAgeBand(s)
		if err != nil {
			return "is not an age band; use one of " + strings.Join(contact.AgeBands, ", "), from[impAgeBand], false
		}
		return band, -1, true
	}
	// An age or a date of birth only gives the band: one that cannot be read (an
	// export's "0/0/00" for none, a birthday without a year) leaves the band unknown
	// and the row is imported.
	if s := v[impAge]; s != "" {
		if band, ok := contact.AgeBandOfAgeText(s); ok {
			return band, -1, true
		}
		// A column headed "Age" may hold bands ("25-34") rather than years.
		if band, err := contact.NormalizeAgeBand(s); err == nil {
			return band, -1, true
		}
	}
	if s := v[impBirthDate]; s != "" {
		if band, ok := contact.AgeBandOfBirthDate(s, now); ok {
			return band, -1, true
		}
	}
	return "", -1, true
}

// splitFullName splits "Ada Lovelace" into first and last name at the last space, and
// "Lovelace, Ada" at the comma; a single word is a first name.
func splitFullName(s string) (first, last string) {
	if l, f, ok := strings.Cut(s, ","); ok {
		return strings.TrimSpace(f), strings.TrimSpace(l)
	}
	words := strings.Fields(s)
	switch len(words) {
	case 0:
		return "", ""
	case 1:
		return words[0], ""
	}
	return strings.Join(words[:len(words)-1], " "), words[len(words)-1]
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// importNow is the time of an import's events when the options give none.
func importNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}
