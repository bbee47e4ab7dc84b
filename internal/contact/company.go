package contact

import (
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// CompanyDomain returns the registrable domain (golang.org/x/net/publicsuffix
// EffectiveTLDPlusOne, ICANN-aware) of a work email address or a website
// ("https://www.Shop.Example.co.uk/path" -> "example.co.uk", "jane@mail.acme.com" ->
// "acme.com", "acme.com" -> "acme.com").
// ok is false for free-mail domains, IP addresses, localhost, bare public suffixes and garbage.
//
// Suffixes run by private parties (github.io, herokuapp.com, ...) are honoured, so each
// site under them is its own company. A top-level label that is not on the public
// suffix list at all (acme.local, printer.lan) is refused: such a host is internal,
// not a company on the internet.
func CompanyDomain(emailOrWebsite string) (domain string, ok bool) {
	host, ok := hostOf(strings.TrimSpace(emailOrWebsite))
	if !ok {
		return "", false
	}
	ascii, ok := asciiDomain(host)
	if !ok || ascii == "localhost" || strings.HasSuffix(ascii, ".localhost") {
		return "", false
	}
	suffix, icann := publicsuffix.PublicSuffix(ascii)
	if !icann && !strings.Contains(suffix, ".") {
		// Only the list's catch-all rule matched: the top-level label is unknown.
		return "", false
	}
	registrable, err := publicsuffix.EffectiveTLDPlusOne(ascii)
	if err != nil || IsFreeMail(registrable) {
		return "", false
	}
	return registrable, true
}

// hostOf picks the host name out of an email address, a URL, or a bare host with an
// optional port and path. It refuses IP addresses.
func hostOf(s string) (string, bool) {
	if s == "" || !utf8.ValidString(s) {
		return "", false
	}
	if !strings.Contains(s, "://") {
		if strings.Contains(s, "@") && !strings.ContainsAny(s, "/:") {
			email, err := NormalizeEmail(s)
			if err != nil {
				return "", false
			}
			return EmailDomain(email), true
		}
		if strings.HasPrefix(s, "//") {
			s = "http:" + s
		} else {
			s = "http://" + s
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	host := strings.TrimSuffix(u.Hostname(), ".")
	if host == "" || hasInvisible(host) {
		return "", false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return "", false
	}
	return host, true
}

// CompanyNameFromDomain gives a readable default company name: "acme-widgets.co.uk" ->
// "Acme Widgets". Only the label in front of the public suffix is used, punycode is
// shown in Unicode, and hyphens and underscores become spaces. Users rename companies
// freely; this only saves them typing in the common case.
func CompanyNameFromDomain(domain string) string {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if domain == "" {
		return ""
	}
	if registrable, err := publicsuffix.EffectiveTLDPlusOne(domain); err == nil {
		domain = registrable
	}
	label, _, _ := strings.Cut(domain, ".")
	if unicodeLabel, err := idna.Lookup.ToUnicode(label); err == nil {
		label = unicodeLabel
	}
	words := strings.FieldsFunc(label, func(r rune) bool {
		return r == '-' || r == '_' || unicode.IsSpace(r)
	})
	for i, w := range words {
		first, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToTitle(first)) + w[size:]
	}
	return strings.Join(words, " ")
}
