package web

import (
	"bytes"
	"crypto/rand"
	"html/template"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// funcs are the helpers templates may call. They format; they never mark anything
// as safe HTML, so every value shown stays escaped.
func (u *ui) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":        u.asset,
		"areaStyles":   func() []string { return areaStyles },
		"date":         formatDate,
		"datetime":     formatDateTime,
		"isotime":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"stage":        stageLabel,
		"channel":      channelLabel,
		"money":        formatMoney,
		"hours":        formatHours,
		"role":         roleLabel,
		"initials":     initials,
		"stages":       func() []string { return lifecycle.Stages },
		"company":      companyOf,
		"number":       formatCount,
		"attribute":    valueLabel,
		"event":        eventTitle,
		"admin":        func(p *Principal) bool { return p != nil && auth.Can(p.Role, auth.Admin) },
		"userInitials": userInitials,
		"auditValue":   auditValue,
		"chance":       formatChance,
	}
}

// formatChance shows a probability from 0 to 1 as a whole percentage.
func formatChance(p float64) string {
	return strconv.FormatFloat(p*100, 'f', 0, 64) + "%"
}

// asset is the URL of a static file, versioned by its content.
func (u *ui) asset(name string) string {
	if v, ok := u.assets[name]; ok {
		return v
	}
	return "/static/" + name
}

// Times are shown in UTC for now; the user's own zone comes with user settings.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("Jan 2, 2006")
}

func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("Jan 2, 2006 · 15:04 UTC")
}

var stageLabels = map[string]string{
	lifecycle.Subscriber: "Subscriber", lifecycle.Lead: "Lead", lifecycle.MQL: "MQL", lifecycle.SQL: "SQL",
	lifecycle.Opportunity: "Opportunity", lifecycle.Customer: "Customer", lifecycle.Disqualified: "Disqualified",
}

func stageLabel(s string) string {
	if l, ok := stageLabels[s]; ok {
		return l
	}
	return humanize(s)
}

var roleLabels = map[string]string{
	store.RoleAdmin: "Admin", store.RoleMarketer: "Marketer", store.RoleSales: "Sales",
	store.RoleAgent: "Agent", store.RoleReadOnly: "Read-only",
}

func roleLabel(r string) string {
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return humanize(r)
}

// channelLabel names a channel in words: organic_search → "Organic search".
func channelLabel(ch string) string {
	if ch == "" {
		return "—"
	}
	return humanize(ch)
}

// humanize turns a machine name into words: "deal_won" → "Deal won".
func humanize(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", " ")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// formatMoney shows an amount of minor units on a page, in the workspace's currency:
// 125000 is "$1,250.00" in dollars, "¥125,000" in yen. It is the one way the screens
// show money. The view builders that call it know no currency: it writes a money mark,
// and the page's renderer writes every mark in the currency of the request's workspace
// (showMoney), so one page never mixes two.
func formatMoney(minor int64) string {
	if minor < 0 {
		return moneyMarkDigits(true, strconv.FormatUint(uint64(-minor), 10))
	}
	return moneyMarkDigits(false, strconv.FormatInt(minor, 10))
}

// A money mark is an amount waiting for its currency: a sign and the decimal digits of
// its minor units between an opening and a closing run of characters of Unicode's
// private use area, which no font draws. The opening run holds a key drawn when the
// process starts and never shown, so text a lead typed cannot pass for an amount.
var (
	moneyMarkOpen  = "\ue000" + moneyMarkKey()
	moneyMarkClose = "\ue001"
)

func moneyMarkKey() string {
	var key [12]byte
	rand.Read(key[:])
	var b strings.Builder
	for _, k := range key {
		b.WriteRune(0xe100 + rune(k))
	}
	return b.String()
}

func moneyMarkDigits(neg bool, digits string) string {
	if neg {
		digits = "-" + digits
	}
	return moneyMarkOpen + digits + moneyMarkClose
}

// showMoney writes the money marks of a rendered page in cur. Text between marks that
// is not a signed run of digits (typed by someone, not written by formatMoney) is left
// as it is.
func showMoney(page []byte, cur money.Currency) []byte {
	open, closing := []byte(moneyMarkOpen), []byte(moneyMarkClose)
	i := bytes.Index(page, open)
	if i < 0 {
		return page
	}
	out := make([]byte, 0, len(page)+len(page)/16)
	for i >= 0 {
		out = append(out, page[:i]...)
		page = page[i:]
		j := bytes.Index(page[len(open):], closing)
		digits := page[len(open) : len(open)+max(j, 0)]
		neg := len(digits) > 0 && digits[0] == '-'
		if neg {
			digits = digits[1:]
		}
		if j < 0 || len(digits) == 0 || len(digits) > 40 || strings.Trim(string(digits), "0123456789") != "" {
			out = append(out, open...)
			page = page[len(open):]
		} else {
			out = append(out, cur.DisplayDigits(neg, string(digits))...)
			page = page[len(open)+j+len(closing):]
		}
		i = bytes.Index(page, open)
	}
	return append(out, page...)
}

func formatCount(n int64) string {
	if n < 0 {
		return "-" + money.Group(itoa(-n))
	}
	return money.Group(itoa(n))
}

// initials are the letters of a contact's avatar.
func initials(c *store.Contact) string {
	first := func(s string) string {
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return string(unicode.ToUpper(r))
			}
		}
		return ""
	}
	if in := first(c.FirstName) + first(c.LastName); in != "" {
		return in
	}
	if in := first(c.Name()); in != "" {
		return in
	}
	return "?"
}

// companyOf is the company a contact works for, as a person would name it.
func companyOf(c *store.Contact) string {
	if c.CompanyName != "" {
		return c.CompanyName
	}
	if c.Company != nil {
		return c.Company.Name
	}
	return ""
}

// areaStyles are the style sheets of the product's areas, each owned with its
// pages, loaded after app.css on every page.
var areaStyles = []string{"capture.css", "segments.css", "scoring.css", "enrich.css", "reports.css", "insights.css", "admin.css"}
