package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/money"
)

// CostRow is one line of a cost import: money and hours spent on a campaign on a day.
// Campaign is the cell as written (a campaign's name or UTM key); the caller finds it.
type CostRow struct {
	Line            int
	Date            string // YYYY-MM-DD
	Campaign        string
	Amount          int64 // minor units
	HoursHundredths int64
	Note            string
}

// CostProblem is why one line cannot be imported.
type CostProblem struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// MaxCostRows bounds one import; ad-platform exports of a year per campaign per day fit.
const MaxCostRows = 100_000

// ErrCostFile is wrapped by the errors about the file as a whole: no header, no rows, too many.
var ErrCostFile = errors.New("cost file")

// costColumns are the header names each column is known by, written as normaliseHeader
// leaves them: lower case, without spaces, punctuation or a bracketed unit such as "(USD)".
var costColumns = map[string][]string{
	"date":     {"date", "day", "spenton", "reportingstarts", "startdate", "startdateinutc"},
	"campaign": {"campaign", "campaignname", "utmcampaign", "campaignkey"},
	"amount":   {"amount", "cost", "spend", "spent", "amountspent", "totalspent", "money"},
	"hours":    {"hours", "hoursspent", "time", "timespent"},
	"note":     {"note", "notes", "description"},
	"currency": {"currency", "currencycode"},
}

// headerSearch is how many lines the header may be preceded by: some exports start
// with a title and a date range.
const headerSearch = 10

// ParseCosts reads a cost CSV: a header naming at least the date and campaign columns and
// an amount or hours column, in any case and order, then one row per entry. It accepts a
// byte-order mark, comma, semicolon or tab separators, and amounts with a currency sign
// or thousands separators when they read one way only. Empty lines and the "Total" lines
// of ad-platform exports are skipped. Amounts are in cur, the workspace's currency: an
// amount, a currency column or an amount header ("Cost (EUR)") naming another currency
// is refused, as is an amount with more decimals than cur has. Every bad row is a
// problem with its line, column and reason; an error is about the file as a whole.
func ParseCosts(data []byte, cur money.Currency) ([]CostRow, []CostProblem, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("%w: is not UTF-8 text; save it as CSV UTF-8", ErrCostFile)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = separatorOf(data)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true

	var cols map[string]int
	var problems []CostProblem
	var rows []CostRow
	for n := 0; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if cols == nil {
				return nil, nil, fmt.Errorf("%w: line %d cannot be read as CSV: %v", ErrCostFile, pe.StartLine, pe.Err)
			}
			problems = append(problems, CostProblem{Line: pe.StartLine, Reason: "cannot be read as CSV: " + pe.Err.Error()})
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := r.FieldPos(0)
		if cols == nil {
			cols = headerColumns(rec)
			if cols == nil {
				if n+1 >= headerSearch {
					break
				}
				continue
			}
			if unit := bracketed(cell(rec, cols, "amount")); unit != "" && currencyLike(unit) && !cur.Names(unit) {
				return nil, nil, fmt.Errorf("%w: its amount column is in %s, but the workspace's currency is %s; Lodestone converts nothing", ErrCostFile, truncate(unit), cur.Code)
			}
			continue
		}
		if blank(rec) || totalLine(rec, cols) {
			continue
		}
		if len(rows)+len(problems) >= MaxCostRows {
			return nil, nil, fmt.Errorf("%w: has more than %d rows; split it", ErrCostFile, MaxCostRows)
		}
		row, p := parseCostRow(rec, cols, line, cur)
		if p != nil {
			problems = append(problems, *p)
			continue
		}
		rows = append(rows, row)
	}
	if cols == nil {
		return nil, nil, fmt.Errorf("%w: has no header naming the date, campaign and amount or hours columns", ErrCostFile)
	}
	if len(rows) == 0 && len(problems) == 0 {
		return nil, nil, fmt.Errorf("%w: has a header but no rows", ErrCostFile)
	}
	return rows, problems, nil
}

// separatorOf picks the separator that a line among the first few uses most: a comma,
// a semicolon (spreadsheets in countries that write decimal commas) or a tab. Quoted text
// is not counted; the first lines may be an export's title without any separator.
func separatorOf(data []byte) rune {
	best, bestCount := ',', 0
	counts := map[rune]int{}
	quoted, lines := false, 0
	for _, c := range string(data) {
		if c == '"' {
			quoted = !quoted
		}
		if c == '\n' && !quoted {
			if lines++; lines >= headerSearch {
				break
			}
			clear(counts)
			continue
		}
		if !quoted && (c == ',' || c == ';' || c == '\t') {
			if counts[c]++; counts[c] > bestCount {
				best, bestCount = c, counts[c]
			}
		}
	}
	return best
}

// headerColumns maps the record's cells to the known columns, or returns nil when the
// record is not a usable header.
func headerColumns(rec []string) map[string]int {
	cols := map[string]int{}
	for i, cell := range rec {
		name := normaliseHeader(cell)
		for col, names := range costColumns {
			for _, n := range names {
				if name == n {
					if _, dup := cols[col]; !dup {
						cols[col] = i
					}
				}
			}
		}
	}
	_, date := cols["date"]
	_, campaign := cols["campaign"]
	_, amount := cols["amount"]
	_, hours := cols["hours"]
	if !date || !campaign || !amount && !hours {
		return nil
	}
	return cols
}

// normaliseHeader folds "Amount spent (USD)" to "amountspent".
func normaliseHeader(s string) string {
	if i := strings.IndexAny(s, "(["); i > 0 {
		s = s[:i]
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return -1
	}, s)
}

// bracketed is the text in brackets after a header's name: "USD" in "Cost (USD)".
func bracketed(header string) string {
	i := strings.IndexAny(header, "([")
	if i < 0 {
		return ""
	}
	inner, _, _ := strings.Cut(header[i+1:], map[byte]string{'(': ")", '[': "]"}[header[i]])
	return strings.TrimSpace(inner)
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// totalLine recognises the summary lines exports end with ("Total: Account", "Total"):
// a cell starting with "total" and no date.
func totalLine(rec []string, cols map[string]int) bool {
	if strings.TrimSpace(cell(rec, cols, "date")) != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(cell(rec, cols, "date"))), "total") {
		return false
	}
	for _, c := range rec {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(c)), "total") {
			return true
		}
	}
	return false
}

func cell(rec []string, cols map[string]int, col string) string {
	i, ok := cols[col]
	if !ok || i >= len(rec) {
		return ""
	}
	return rec[i]
}

func parseCostRow(rec []string, cols map[string]int, line int, cur money.Currency) (CostRow, *CostProblem) {
	row := CostRow{Line: line}
	bad := func(field, format string, args ...any) (CostRow, *CostProblem) {
		return CostRow{}, &CostProblem{Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	date := strings.TrimSpace(cell(rec, cols, "date"))
	if len(date) > 10 && (date[10] == 'T' || date[10] == ' ') {
		date = date[:10] // a time of day after the date says nothing more about the day
	}
	date = strings.ReplaceAll(date, "/", "-")
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		if date == "" {
			return bad("date", "is empty")
		}
		return bad("date", "%q is not a date such as 2026-03-01", truncate(date))
	}
	row.Date = date
	row.Campaign = strings.TrimSpace(cell(rec, cols, "campaign"))
	if row.Campaign == "" {
		return bad("campaign", "is empty: give the campaign's name or UTM key")
	}
	if len(row.Campaign) > 200 {
		return bad("campaign", "is longer than 200 bytes")
	}
	if code := strings.TrimSpace(cell(rec, cols, "currency")); code != "" && !cur.Names(code) {
		return bad("currency", "%q is not the workspace's currency %s; Lodestone converts nothing", truncate(code), cur.Code)
	}
	amount, amountSet := strings.TrimSpace(cell(rec, cols, "amount")), false
	if !emptyNumber(amount) {
		n, err := ParseAmount(amount, cur)
		if err != nil {
			return bad("amount", "%q %v", truncate(amount), err)
		}
		row.Amount, amountSet = n, true
	}
	hours := strings.TrimSpace(cell(rec, cols, "hours"))
	if !emptyNumber(hours) {
		n, err := ParseHours(hours)
		if err != nil {
			return bad("hours", "%q %v", truncate(hours), err)
		}
		if n >= 1_000_000_00 {
			return bad("hours", "%q is more hours than a cost entry can hold", truncate(hours))
		}
		row.HoursHundredths = n
	} else if !amountSet {
		return bad("amount", "is empty, and so are the hours")
	}
	row.Note = strings.TrimSpace(cell(rec, cols, "note"))
	if len(row.Note) > 1000 {
		row.Note = row.Note[:1000]
		for !utf8.ValidString(row.Note) {
			row.Note = row.Note[:len(row.Note)-1]
		}
	}
	if strings.ContainsRune(row.Note, 0) || strings.ContainsRune(row.Campaign, 0) {
		return bad("note", "holds a NUL character")
	}
	return row, nil
}

// emptyNumber: exports write nothing, "-" or "--" for no spend.
func emptyNumber(s string) bool { return s == "" || s == "-" || s == "--" }

func truncate(s string) string {
	if len(s) <= 40 {
		return s
	}
	for i := 40; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return ""
}

var (
	errNegative  = errors.New("is negative; a cost entry records money and time spent")
	errAmbiguous = errors.New("reads two ways (a thousands separator or a decimal point?); write it as 1234 or 1.23")
	errDecimal   = errors.New("is not a number such as 1250.00, 1,250.00 or 1.250,00")
	errPlaces    = errors.New("has more decimals than")
	errTooLarge  = errors.New("is too large")
	errForeign   = errors.New("is in another currency than the workspace's")
)

// ParseAmount reads a non-negative amount of money as people and spreadsheets write it,
// into minor units of cur, the workspace's currency: "1250", "1,250.50", "1.250,50",
// "1 250,50", "1'250.50", "12,5", also with cur's sign or code before or after it
// ("$1,250.50", "1.250,50 €", "EUR 12"). The sign or code of another currency is
// refused (Lodestone converts nothing), and so are more decimals than cur has.
// A single separator followed by exactly three digits ("1,250" or "1.250") is refused:
// it could be a thousands separator or a decimal point.
func ParseAmount(s string, cur money.Currency) (int64, error) {
	s, marks := splitMarks(strings.TrimSpace(s))
	for _, m := range marks {
		if cur.Names(m) {
			continue
		}
		if !currencyLike(m) {
			return 0, errDecimal
		}
		if c, ok := money.Lookup(m); ok && len(m) == 3 {
			return 0, fmt.Errorf("%w (%s): it is in %s; Lodestone converts nothing", errForeign, cur.Code, c.Code)
		}
		return 0, fmt.Errorf("%w (%s): %s is not its sign; Lodestone converts nothing", errForeign, cur.Code, m)
	}
	decimal, err := parseDecimal(s, cur.Exponent == 0)
	if err != nil {
		return 0, err
	}
	n, err := cur.Parse(decimal)
	switch {
	case errors.Is(err, money.ErrPlaces):
		places := "none"
		if cur.Exponent > 0 {
			places = fmt.Sprint(cur.Exponent)
		}
		return 0, fmt.Errorf("%w %s allows (%s)", errPlaces, cur.Code, places)
	case errors.Is(err, money.ErrRange):
		return 0, errTooLarge
	case err != nil:
		return 0, errDecimal
	}
	return n, nil
}

// hundredths reads hours: a number of hours with up to two decimals, kept in hundredths.
var hundredths = money.Currency{Code: "hours", Exponent: 2}

// ParseHours reads a non-negative number of hours written as ParseAmount reads money,
// without a currency, into hundredths of an hour.
func ParseHours(s string) (int64, error) {
	decimal, err := parseDecimal(strings.TrimSpace(s), false)
	if err != nil {
		return 0, err
	}
	n, err := hundredths.Parse(decimal)
	switch {
	case errors.Is(err, money.ErrPlaces):
		return 0, fmt.Errorf("%w two decimals", errPlaces)
	case errors.Is(err, money.ErrRange):
		return 0, errTooLarge
	case err != nil:
		return 0, errDecimal
	}
	return n, nil
}

// parseDecimal reads a number with any of the usual separators into a plain decimal
// string: "1.250,50" → "1250.50". With noMinor the number is of a currency without a
// minor unit, so "12,500" and "12.500" are read as thousands, never as decimals.
func parseDecimal(s string, noMinor bool) (string, error) {
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		return "", errNegative
	}
	s = strings.TrimPrefix(s, "+")
	// Spaces (also the no-break ones) and apostrophes only ever group thousands.
	var groups []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\'' || r == '’' || r == '\u202f' }) {
		groups = append(groups, f)
	}
	spaced := len(groups) > 1
	s = strings.Join(groups, "")
	if s == "" {
		return "", errDecimal
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '.' && r != ',' {
			return "", errDecimal
		}
	}
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	var decimal, grouping byte
	switch {
	case lastDot >= 0 && lastComma >= 0:
		decimal, grouping = '.', ','
		if lastComma > lastDot {
			decimal, grouping = ',', '.'
		}
	case lastDot >= 0 || lastComma >= 0:
		sep := byte('.')
		if lastComma >= 0 {
			sep = ','
		}
		last := max(lastDot, lastComma)
		switch {
		case strings.Count(s, string(sep)) > 1:
			grouping = sep
		case len(s)-last-1 == 3 && last > 0 && noMinor:
			grouping = sep
		case len(s)-last-1 == 3 && !spaced && last > 0:
			return "", errAmbiguous
		default:
			decimal = sep
		}
	}
	whole, frac := s, ""
	if decimal != 0 {
		i := strings.LastIndexByte(s, decimal)
		whole, frac = s[:i], s[i+1:]
		if strings.IndexByte(whole, decimal) >= 0 || frac == "" || strings.ContainsAny(frac, ".,") {
			return "", errDecimal
		}
	}
	if grouping != 0 {
		parts := strings.Split(whole, string(grouping))
		for i, p := range parts {
			if i == 0 && (len(p) < 1 || len(p) > 3) || i > 0 && len(p) != 3 {
				return "", errDecimal
			}
		}
		whole = strings.Join(parts, "")
	}
	if strings.ContainsAny(whole, ".,") {
		return "", errDecimal
	}
	if whole == "" {
		whole = "0"
	}
	if frac == "" {
		return whole, nil
	}
	return whole + "." + frac, nil
}

// splitMarks takes a currency mark off either end of an amount: a sign ($, €, R$) or
// a code (USD, eur), returning the rest and the marks found.
func splitMarks(s string) (string, []string) {
	var marks []string
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !markRune(r) {
			break
		}
		i += n
	}
	if i > 0 {
		marks = append(marks, s[:i])
		s = strings.TrimSpace(s[i:])
	}
	j := len(s)
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if !markRune(r) {
			break
		}
		j -= n
	}
	if j < len(s) {
		marks = append(marks, s[j:])
		s = strings.TrimSpace(s[:j])
	}
	return s, marks
}

func markRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Sc, r) || r == '/'
}

// currencyLike reports whether a mark names a currency, known or not: a currency
// sign, a three-letter code, or a sign of a currency in money's table.
func currencyLike(m string) bool {
	if _, ok := money.Known(m); ok {
		return true
	}
	if len(m) == 3 && isCode(m) {
		return true
	}
	for _, r := range m {
		if unicode.Is(unicode.Sc, r) {
			return true
		}
	}
	return false
}

func isCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
