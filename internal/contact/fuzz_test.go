package contact

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"  Bob@Bücher.DE ", "jane+x@acme.com", "ÉLODIE@acme.fr", "e\u0301@acme.fr",
		"a@ＡＣＭＥ。com", "a@xn--bcher-kva.de", `"a b"@acme.com`, "a@acme.com.",
		"a..b@acme.com", "a@[1.2.3.4]", "a@b", "@", "ǅ@acme.com", "ΣΑΣ@acme.gr",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := NormalizeEmail(in)
		if err != nil {
			if !errors.Is(err, ErrInvalidEmail) || out != "" {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want \"\", ErrInvalidEmail", in, out, err)
			}
			return
		}
		again, err := NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, out, again, err)
		}
		if !utf8.ValidString(out) || len(out) > maxEmailLen || strings.Count(out, "@") != 1 {
			t.Fatalf("NormalizeEmail(%q) = %q: bad shape", in, out)
		}
		local, domain, _ := strings.Cut(out, "@")
		if local == "" || len(local) > maxLocalLen || local != strings.ToLower(local) {
			t.Fatalf("NormalizeEmail(%q) = %q: bad local part", in, out)
		}
		if !strings.Contains(domain, ".") || EmailDomain(out) != domain {
			t.Fatalf("NormalizeEmail(%q) = %q: bad domain", in, out)
		}
		for i := 0; i < len(domain); i++ {
			c := domain[i]
			if c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
				t.Fatalf("NormalizeEmail(%q) = %q: domain not lower-case ASCII", in, out)
			}
		}
		IsRoleAddress(out)
		IsFreeMail(domain)
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, c := range [][2]string{
		{"030 123456", "DE"}, {"+49 30 123456", ""}, {"0049 30 123456", "US"},
		{"011 49 30 123456", "US"}, {"(650) 253-0000 ext. 123", "US"}, {"+800 1234 5678", ""},
		{"06 1234 5678", "IT"}, {"＋４９ ３０ １２３４５６", ""}, {"00+1", "ZZ"}, {"+", "de"},
		{"1-800-FLOWERS", "US"}, {"tel:+1-650-253-0000;ext=1", ""},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, in, region string) {
		out, err := NormalizePhone(in, region)
		if err != nil {
			if !errors.Is(err, ErrInvalidPhone) || out != "" {
				t.Fatalf("NormalizePhone(%q, %q) = %q, %v; want \"\", ErrInvalidPhone", in, region, out, err)
			}
			return
		}
		if len(out) < 2 || len(out) > 16 || out[0] != '+' || !allDigits(out[1:]) {
			t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164", in, region, out)
		}
		for _, r := range []string{"", region} {
			if again, err := NormalizePhone(out, r); err != nil || again != out {
				t.Fatalf("not idempotent with region %q: %q -> %q -> %q, %v", r, in, out, again, err)
			}
		}
		if got, _ := PhoneInfo(out); got == "" {
			t.Fatalf("PhoneInfo(%q) has no region for a valid number", out)
		}
	})
}

func FuzzCompanyDomain(f *testing.F) {
	for _, s := range []string{
		"https://www.Shop.Example.co.uk/path", "jane@mail.acme.com", "acme.com",
		"http://[::1]:80/", "192.168.1.1", "co.uk", "acme.github.io", "jane@yahoo.co.uk",
		"mailto:jane@acme.com", "//acme.com", "bücher.de:8080", "localhost", "a.b.c.d.e.f",
		// Hostile: NUL, invalid UTF-8, user info, empty labels, punycode, length.
		"\x00.com", "acme.com\x00.evil.com", "a@b@c.com", "https://\xff.com/", "xn--.com", "https://user:pw@acme.com@evil.com/",
		".", "..", "ACME.COM.", "https://例え.jp/", "https://acme.com:99999/", strings.Repeat("a.", 200) + "com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		domain, ok := CompanyDomain(in)
		CompanyNameFromDomain(in)
		if !ok {
			if domain != "" {
				t.Fatalf("CompanyDomain(%q) = %q, false; want empty domain", in, domain)
			}
			return
		}
		for i := 0; i < len(domain); i++ {
			c := domain[i]
			if c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
				t.Fatalf("CompanyDomain(%q) = %q: not lower-case ASCII", in, domain)
			}
		}
		if !strings.Contains(domain, ".") || IsFreeMail(domain) {
			t.Fatalf("CompanyDomain(%q) = %q: not a company domain", in, domain)
		}
		if _, err := netip.ParseAddr(domain); err == nil {
			t.Fatalf("CompanyDomain(%q) = %q: an IP address", in, domain)
		}
		if again, ok := CompanyDomain(domain); !ok || again != domain {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, domain, again, ok)
		}
		if CompanyNameFromDomain(domain) == "" {
			t.Fatalf("CompanyNameFromDomain(%q) is empty", domain)
		}
	})
}

func FuzzNameCompanyKey(f *testing.F) {
	f.Add("Jean-Luc", "Picard", "Starfleet GmbH & Co. KG")
	f.Add("Élodie", "Ærø", "Procter and Gamble, Inc.")
	f.Add("अमित", "शर्मा", "Sp. z o.o.")
	f.Fuzz(func(t *testing.T, first, last, company string) {
		key := NameCompanyKey(first, last, company)
		if key == "" {
			return
		}
		name, org, ok := strings.Cut(key, "|")
		if !ok || name == "" || org == "" || strings.Contains(org, "|") {
			t.Fatalf("NameCompanyKey(%q, %q, %q) = %q: bad shape", first, last, company, key)
		}
		if strings.ContainsFunc(key, unicode.IsSpace) {
			t.Fatalf("NameCompanyKey(%q, %q, %q) = %q: holds white space", first, last, company, key)
		}
		// Folding is stable: the name half fed back gives itself.
		if again := NameCompanyKey(name, "", "x"); again != name+"|x" {
			t.Fatalf("name not stable: %q -> %q", key, again)
		}
		// Case does not matter.
		upper := NameCompanyKey(strings.ToUpper(first), strings.ToUpper(last), strings.ToUpper(company))
		if upper != key {
			t.Fatalf("case matters: %q, %q, %q -> %q, upper-cased -> %q", first, last, company, key, upper)
		}
	})
}
