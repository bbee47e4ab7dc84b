package enrich

import (
	_ "embed"
	"slices"
	"strings"
	"sync"

	"github.com/lodestone-hq/lodestone/internal/contact"
)

// Email types, as the contract between the areas names them.
const (
	EmailWork       = "work"
	EmailFree       = "free"
	EmailRole       = "role"
	EmailDisposable = "disposable"
)

// The disposable domains come from the npm package disposable-email-domains (MIT
// licence); data/README.md says which version and how to refresh them.
var (
	//go:embed data/disposable_domains.txt
	disposableText string
	//go:embed data/disposable_wildcards.txt
	disposableWildcardText string

	disposableOnce      sync.Once
	disposableDomains   []string // sorted; slices of disposableText, so no copy
	disposableWildcards map[string]bool
)

func loadDisposable() {
	disposableDomains = strings.Fields(disposableText)
	slices.Sort(disposableDomains)
	disposableWildcards = map[string]bool{}
	for _, d := range strings.Fields(disposableWildcardText) {
		disposableWildcards[d] = true
	}
}

// IsDisposable reports whether the domain (or, for the list's wildcard entries, a
// parent of it) hands out throwaway addresses.
func IsDisposable(domain string) bool {
	disposableOnce.Do(loadDisposable)
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if domain == "" {
		return false
	}
	if _, ok := slices.BinarySearch(disposableDomains, domain); ok {
		return true
	}
	for d := domain; ; {
		if disposableWildcards[d] {
			return true
		}
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			return false
		}
		d = d[dot+1:]
	}
}

// EmailType classifies a normalised email address: disposable (a throwaway domain),
// role (info@, sales@: a function, not a person), free (a free-mail provider) or work.
// An address without a domain has no type.
func EmailType(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return ""
	}
	domain := email[at+1:]
	switch {
	case IsDisposable(domain):
		return EmailDisposable
	case contact.IsRoleAddress(email):
		return EmailRole
	case contact.IsFreeMail(domain):
		return EmailFree
	}
	return EmailWork
}

// PhoneLine returns the region (ISO 3166, "DE") and the line type of an E.164 number
// in the contract's words: mobile, fixed_line, fixed_line_or_mobile, voip, toll_free,
// other, or empty when the number is not valid.
func PhoneLine(e164 string) (region, lineType string) {
	if e164 == "" {
		return "", ""
	}
	region, t := contact.PhoneInfo(e164)
	switch t {
	case "mobile", "fixed_line", "fixed_line_or_mobile", "voip", "toll_free":
		return region, t
	case "unknown":
		return region, ""
	}
	return region, "other"
}
