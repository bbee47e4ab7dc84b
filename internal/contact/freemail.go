package contact

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// freeMail lists the mail providers whose addresses say nothing about the sender's
// employer, so they never create a company. An entry ending in ".*" names a provider
// that runs the same brand under many country domains (yahoo.co.uk, gmx.at, ...); it
// matches whatever public suffix follows the name. Consumer mailboxes of internet and
// phone providers count too, for the same reason. Keep this the only list.
var freeMail = []string{
	// Global webmail.
	"gmail.com", "googlemail.com",
	"outlook.*", "hotmail.*", "live.*", "msn.com", "windowslive.com",
	"yahoo.*", "ymail.com", "rocketmail.com",
	"aol.*", "aim.com",
	"icloud.com", "me.com", "mac.com",
	"proton.me", "protonmail.com", "protonmail.ch", "pm.me",
	"tutanota.com", "tutanota.de", "tuta.io", "tuta.com",
	"zoho.com", "zohomail.com", "fastmail.com", "fastmail.fm", "hey.com",
	"mail.com", "email.com", "gmx.*", "yandex.*", "ya.ru",
	// Germany, Austria, Switzerland.
	"web.de", "t-online.de", "freenet.de", "arcor.de", "posteo.de", "mailbox.org",
	"mail.de", "bluewin.ch",
	// France, Italy, Spain, Benelux.
	"free.fr", "orange.fr", "wanadoo.fr", "laposte.net", "sfr.fr", "neuf.fr",
	"libero.it", "virgilio.it", "tiscali.it", "alice.it", "telefonica.net", "telenet.be",
	"skynet.be", "ziggo.nl", "kpnmail.nl",
	// Central and Eastern Europe.
	"seznam.cz", "centrum.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl",
	"mail.ru", "inbox.ru", "list.ru", "bk.ru", "rambler.ru", "ukr.net",
	// United Kingdom, North America, Oceania.
	"btinternet.com", "sky.com", "virginmedia.com", "comcast.net", "verizon.net",
	"att.net", "sbcglobal.net", "bellsouth.net", "cox.net", "shaw.ca", "rogers.com",
	"bigpond.com", "optusnet.com.au", "xtra.co.nz",
	// Asia and Latin America.
	"qq.com", "163.com", "126.com", "yeah.net", "sina.com", "sohu.com", "naver.com",
	"daum.net", "hanmail.net", "rediffmail.com", "uol.com.br", "bol.com.br",
	"terra.com.br",
}

// freeMailDomains and freeMailBrands are freeMail split into exact domains and
// brand names that match under any public suffix, derived from the table above so
// that the table stays the one place to edit.
var freeMailDomains, freeMailBrands = splitFreeMail(freeMail)

func splitFreeMail(list []string) (domains, brands map[string]bool) {
	domains = make(map[string]bool, len(list))
	brands = make(map[string]bool)
	for _, entry := range list {
		if brand, ok := strings.CutSuffix(entry, ".*"); ok {
			brands[brand] = true
			continue
		}
		domains[entry] = true
	}
	return domains, brands
}

// IsFreeMail reports whether the domain belongs to a free-mail provider. Subdomains
// count ("eu.mail.yahoo.com"), and so does any country domain of a brand listed with
// ".*" ("yahoo.co.uk", "gmx.at"). The domain may be in Unicode or IDNA ASCII form.
func IsFreeMail(domain string) bool {
	domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	if domain == "" {
		return false
	}
	if ascii, ok := asciiDomain(domain); ok {
		domain = ascii
	}
	for d := domain; ; {
		if freeMailDomains[d] {
			return true
		}
		dot := strings.IndexByte(d, '.')
		if dot < 0 {
			break
		}
		d = d[dot+1:]
	}
	// Brands match only under a real, ICANN-run suffix, so that "yahoo.github.io",
	// a private site, is not taken for Yahoo.
	suffix, icann := publicsuffix.PublicSuffix(domain)
	if !icann || len(suffix) >= len(domain) {
		return false
	}
	rest := strings.TrimSuffix(domain[:len(domain)-len(suffix)], ".")
	if dot := strings.LastIndexByte(rest, '.'); dot >= 0 {
		rest = rest[dot+1:]
	}
	return freeMailBrands[rest]
}
