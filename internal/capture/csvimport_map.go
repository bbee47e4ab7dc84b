package capture

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// importField is a contact field an import column can fill.
type importField int

const (
	impEmail importField = iota
	impPhone
	impFirstName
	impLastName
	impFullName
	impCompany
	impJobTitle
	impStreet
	impPostalCode
	impCity
	impRegion
	impCountry
	impWebsite
	impAgeBand
	impAge       // an age in years, stored as its band
	impBirthDate // a date of birth, stored as its band and never itself
	numImportFields
)

// ImportFields names the standard fields a column maps to; custom.NAME fills a custom field.
var ImportFields = [numImportFields]string{"email", "phone", "first_name", "last_name", "full_name", "company",
	"job_title", "street", "postal_code", "city", "region", "country", "website", "age_band", "age", "birth_date"}

// A column is recognised by its header folded to lower-case letters and digits, so
// "E-Mail", "Email Address" and "email_address" match alike. Fallback columns (a
// mobile beside a phone) fill the field only when the primary ones are empty.
type importAlias struct {
	field    importField
	fallback bool
}

// importAliases are the headers of the exports people bring: HubSpot, Salesforce,
// Mautic, LinkedIn Lead Gen, Facebook lead ads, and common German spreadsheets.
var importAliases = aliasIndex([]struct {
	field    importField
	fallback bool
	keys     []string
}{
	{impEmail, false, []string{"email", "emailaddress", "workemail", "businessemail", "emailadresse"}},
	{impPhone, false, []string{"phone", "phonenumber", "telephone", "telephonenumber", "tel", "workphone", "businessphone", "telefon", "telefonnummer"}},
	{impPhone, true, []string{"mobile", "mobilephone", "mobilephonenumber", "mobilenumber", "cellphone", "mobil", "handy"}},
	{impFirstName, false, []string{"firstname", "givenname", "forename", "vorname"}},
	{impLastName, false, []string{"lastname", "surname", "familyname", "nachname"}},
	{impFullName, false, []string{"fullname", "name", "contactname"}},
	{impCompany, false, []string{"company", "companyname", "accountname", "organization", "organisation", "firma", "unternehmen"}},
	{impJobTitle, false, []string{"jobtitle", "title", "position", "jobposition"}},
	{impStreet, false, []string{"street", "streetaddress", "address", "address1", "addressline1", "mailingstreet", "strasse", "straße"}},
	{impPostalCode, false, []string{"postalcode", "postcode", "zip", "zipcode", "zippostalcode", "mailingzippostalcode", "mailingpostalcode", "plz"}},
	{impCity, false, []string{"city", "town", "mailingcity", "ort", "stadt"}},
	{impRegion, false, []string{"region", "state", "stateregion", "province", "stateprovince", "mailingstate", "mailingstateprovince", "bundesland"}},
	{impCountry, false, []string{"country", "countryregion", "countrycode", "mailingcountry", "land"}},
	{impWebsite, false, []string{"website", "websiteurl", "web", "url", "homepage", "companywebsite", "companydomainname", "webseite"}},
	{impAgeBand, false, []string{"ageband", "agerange", "agegroup", "agebracket", "altersgruppe", "altersklasse"}},
	{impAge, false, []string{"age", "alter"}},
	{impBirthDate, false, []string{"birthdate", "dateofbirth", "dob", "birthday", "geburtsdatum", "geburtstag"}},
})

func aliasIndex(table []struct {
	field    importField
	fallback bool
	keys     []string
}) map[string]importAlias {
	m := map[string]importAlias{}
	for _, row := range table {
		for _, k := range row.keys {
			m[k] = importAlias{row.field, row.fallback}
		}
	}
	return m
}

var customNameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Mapping says which field each column of an import file fills.
type Mapping struct {
	Header   []string // the header as read, trimmed
	Fields   []string // per column: the field it fills, "" when it is ignored
	Unmapped []string // columns ignored because no field matched (not those ignored with column=)

	cols   [numImportFields][]int // columns per standard field, in the order they are tried
	custom []importCustom
}

type importCustom struct {
	name string
	cols []int
}

// MapHeader maps the columns of a header to fields: overrides first (column=field;
// column= ignores the column), then the headers of common exports, matched without
// regard to case, spaces or punctuation. Unknown columns are ignored and listed. The
// error names a bad override, or says that no column holds an email or a phone.
func MapHeader(header []string, overrides map[string]string) (Mapping, error) {
	m := Mapping{Header: make([]string, len(header)), Fields: make([]string, len(header))}
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		m.Header[i] = strings.TrimSpace(h)
	}
	// rank orders several columns of one field: overrides, then primary, then fallback.
	rank := make([]int, len(header))
	set := make([]bool, len(header))
	for _, col := range sortedKeys(overrides) {
		field := strings.TrimSpace(overrides[col])
		if err := checkImportField(col, field); err != nil {
			return Mapping{}, err
		}
		matched := m.columnsNamed(col)
		if len(matched) == 0 {
			return Mapping{}, errs.Field("map", "%q: the file has no column %q (its columns: %s)", col+"="+field, col, columnList(m.Header))
		}
		for _, i := range matched {
			m.Fields[i], set[i] = field, true
		}
	}
	for i, h := range m.Header {
		if set[i] {
			continue
		}
		if name, ok := cutFold(h, "custom."); ok && customNameRe.MatchString(name) {
			m.Fields[i], rank[i] = "custom."+name, 1
			continue
		}
		if a, ok := importAliases[headerKey(h)]; ok {
			m.Fields[i], rank[i] = ImportFields[a.field], 1
			if a.fallback {
				rank[i] = 2
			}
			continue
		}
		label := h
		if label == "" {
			label = fmt.Sprintf("(column %d, no name)", i+1)
		}
		m.Unmapped = append(m.Unmapped, label)
	}
	customs := map[string][]int{}
	for i, f := range m.Fields {
		if name, ok := strings.CutPrefix(f, "custom."); ok {
			customs[name] = append(customs[name], i)
		} else if k := slices.Index(ImportFields[:], f); k >= 0 {
			m.cols[k] = append(m.cols[k], i)
		}
	}
	for k := range m.cols {
		slices.SortStableFunc(m.cols[k], func(a, b int) int { return rank[a] - rank[b] })
	}
	for _, name := range sortedKeys(customs) {
		m.custom = append(m.custom, importCustom{name, customs[name]})
	}
	if len(m.cols[impEmail]) == 0 && len(m.cols[impPhone]) == 0 {
		return Mapping{}, errs.Field("map", "no column holds an email address or a phone number (columns: %s); map one with COLUMN=email or COLUMN=phone",
			columnList(m.Header))
	}
	return m, nil
}

// columnsNamed finds the columns an override names: by exact header, else by the
// folded header key.
func (m *Mapping) columnsNamed(name string) []int {
	var out []int
	for i, h := range m.Header {
		if h == strings.TrimSpace(name) {
			out = append(out, i)
		}
	}
	if len(out) == 0 && headerKey(name) != "" {
		for i, h := range m.Header {
			if headerKey(h) == headerKey(name) {
				out = append(out, i)
			}
		}
	}
	return out
}

func checkImportField(col, field string) error {
	if field == "" || slices.Contains(ImportFields[:], field) {
		return nil
	}
	if name, ok := strings.CutPrefix(field, "custom."); ok {
		if customNameRe.MatchString(name) {
			return nil
		}
		return errs.Field("map", "%q: custom field names are 1 to 64 lower-case letters, digits or underscores, starting with a letter", col+"="+field)
	}
	return errs.Field("map", "%q: %q is not a field; use one of %s, custom.NAME, or nothing to ignore the column",
		col+"="+field, field, strings.Join(ImportFields[:], ", "))
}

// columnList names the columns for a message, the first twenty of them.
func columnList(header []string) string {
	if len(header) <= 20 {
		return strings.Join(header, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(header[:20], ", "), len(header)-20)
}

// headerKey folds a header to lower-case letters and digits.
func headerKey(h string) string {
	var b strings.Builder
	for _, r := range h {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
