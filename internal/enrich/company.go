package enrich

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/contact"
)

// Company is what enrichment knows of a company, keyed by its registrable domain.
type Company struct {
	Domain    string `json:"domain"`
	Name      string `json:"name"`
	Industry  string `json:"industry"`
	Employees int64  `json:"employees"` // 0 when unknown
	Country   string `json:"country"`   // ISO 3166 alpha-2, upper case
}

// Size is the company's size band, or empty when its head count is unknown.
func (c Company) Size() string { return SizeBand(c.Employees) }

// SizeBands are the company size bands of the contract between the areas.
var SizeBands = []string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+"}

// SizeBand puts a head count into its band; 0 or less is unknown.
func SizeBand(employees int64) string {
	switch {
	case employees <= 0:
		return ""
	case employees <= 10:
		return "1-10"
	case employees <= 50:
		return "11-50"
	case employees <= 200:
		return "51-200"
	case employees <= 500:
		return "201-500"
	case employees <= 1000:
		return "501-1000"
	case employees <= 5000:
		return "1001-5000"
	}
	return "5001+"
}

// A RowError says why a line of a company list was skipped.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message) }

// Limits of a company list, so a wrong file fails clearly instead of filling memory.
const (
	MaxCompanyRows = 200_000
	maxCompanyText = 200
	maxEmployees   = 10_000_000
)

// companyColumns maps accepted header names to the fields of Company.
var companyColumns = map[string]string{
	"domain": "domain", "website": "domain", "url": "domain", "company_domain": "domain",
	"name": "name", "company": "name", "company_name": "name",
	"industry": "industry", "sector": "industry",
	"employees": "employees", "employee_count": "employees", "headcount": "employees", "size": "employees",
	"country": "country", "country_code": "country",
}

// ParseCompanies reads a company list as CSV with a header row naming at least a
// domain column (domain, name, industry, employees, country in any order; a website
// URL is accepted as the domain). Rows that cannot be used are returned as RowErrors
// and skipped; a later row for the same domain replaces an earlier one. An error is
// returned only when the file as a whole cannot be read.
func ParseCompanies(r io.Reader) ([]Company, []RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("the file is empty: it needs a header row with at least a domain column")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("the header row cannot be read: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		h = strings.ReplaceAll(h, " ", "_")
		if f, ok := companyColumns[h]; ok {
			if _, dup := col[f]; !dup {
				col[f] = i
			}
		}
	}
	if _, ok := col["domain"]; !ok {
		return nil, nil, errors.New("no domain column: the header row must name one (domain or website)")
	}
	var out []Company
	var bad []RowError
	seen := map[string]int{}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote) || errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrBareQuote) {
				bad = append(bad, RowError{Line: line, Field: "row", Message: "a quote is out of place"})
				continue
			}
			return nil, nil, fmt.Errorf("line %d cannot be read: %w", line, err)
		}
		if len(out) >= MaxCompanyRows {
			return nil, nil, fmt.Errorf("the list has more than %d companies; split it", MaxCompanyRows)
		}
		get := func(f string) string {
			i, ok := col[f]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		c, rerr := companyRow(get)
		if rerr != nil {
			rerr.Line = line
			bad = append(bad, *rerr)
			continue
		}
		if i, ok := seen[c.Domain]; ok {
			out[i] = c
			continue
		}
		seen[c.Domain] = len(out)
		out = append(out, c)
	}
	return out, bad, nil
}

func companyRow(get func(string) string) (Company, *RowError) {
	raw := get("domain")
	if raw == "" && get("name") == "" && get("industry") == "" {
		return Company{}, &RowError{Field: "domain", Message: "the row is empty"}
	}
	domain, ok := contact.CompanyDomain(raw)
	if !ok {
		return Company{}, &RowError{Field: "domain", Message: fmt.Sprintf("%q is not a company domain (free-mail and unknown domains are refused)", clip(raw))}
	}
	c := Company{Domain: domain, Name: get("name"), Industry: get("industry")}
	for f, v := range map[string]string{"name": c.Name, "industry": c.Industry} {
		if !utf8.ValidString(v) || len(v) > maxCompanyText {
			return Company{}, &RowError{Field: f, Message: fmt.Sprintf("must be valid text of at most %d bytes", maxCompanyText)}
		}
	}
	if v := strings.ReplaceAll(strings.ReplaceAll(get("employees"), ",", ""), "_", ""); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > maxEmployees {
			return Company{}, &RowError{Field: "employees", Message: fmt.Sprintf("%q is not a head count (a whole number)", clip(v))}
		}
		c.Employees = n
	}
	if v := get("country"); v != "" {
		if len(v) != 2 || !isASCIILetters(v) {
			return Company{}, &RowError{Field: "country", Message: fmt.Sprintf("%q is not a two-letter country code", clip(v))}
		}
		c.Country = strings.ToUpper(v)
	}
	return c, nil
}

func isASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i] | 0x20; b < 'a' || b > 'z' {
			return false
		}
	}
	return true
}

// clip shortens a value quoted back in an error message.
func clip(s string) string {
	if len(s) <= 60 {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:60], "?") + "…"
}
