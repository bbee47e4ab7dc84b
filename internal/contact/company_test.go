package contact

import (
	"strings"
	"testing"
)

func TestCompanyDomain(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" means ok is false
	}{
		{"spec website", "https://www.Shop.Example.co.uk/path", "example.co.uk"},
		{"spec email", "jane@mail.acme.com", "acme.com"},
		{"spec bare domain", "acme.com", "acme.com"},
		{"www", "www.acme.com", "acme.com"},
		{"http with port and path", "http://acme.com:8080/a/b?c=d#e", "acme.com"},
		{"bare with port and path", "acme.com:8443/pricing", "acme.com"},
		{"scheme-relative", "//acme.com/x", "acme.com"},
		{"user info in url", "https://user:secret@acme.com/", "acme.com"},
		{"mailto", "mailto:jane@acme.com", "acme.com"},
		{"upper case email", "JANE@ACME.COM", "acme.com"},
		{"trailing dot on host", "https://acme.com./", "acme.com"},
		{"unicode host", "https://www.Bücher.de/", "xn--bcher-kva.de"},
		{"punycode host", "xn--bcher-kva.de", "xn--bcher-kva.de"},
		{"multi-part suffix", "sales.acme.com.au", "acme.com.au"},
		{"private suffix keeps the site", "acme.github.io", "acme.github.io"},
		{"private suffix with www", "https://www.acme.herokuapp.com", "acme.herokuapp.com"},
		{"spaces around", "  acme.com  ", "acme.com"},
		{"work email with plus", "jane+x@acme.io", "acme.io"},

		{"empty", "", ""},
		{"garbage", "not a website", ""},
		{"single label", "acme", ""},
		{"gmail", "jane@gmail.com", ""},
		{"gmail website", "https://gmail.com", ""},
		{"yahoo.co.uk", "jane@yahoo.co.uk", ""},
		{"hotmail.fr", "jane@hotmail.fr", ""},
		{"subdomain of free-mail", "jane@eu.mail.yahoo.com", ""},
		{"www of free-mail", "www.outlook.com", ""},
		{"gmx country domain", "jane@gmx.at", ""},
		{"ipv4", "192.168.1.10", ""},
		{"ipv4 with scheme and port", "http://10.0.0.1:8080/", ""},
		{"ipv4 email", "jane@10.0.0.1", ""},
		{"ipv6", "http://[2001:db8::1]/", ""},
		{"ipv6 with port", "[2001:db8::1]:443", ""},
		{"ipv6 bare", "2001:db8::1", ""},
		{"ipv6 loopback", "http://[::1]/", ""},
		{"localhost", "localhost", ""},
		{"localhost with port", "http://localhost:3000", ""},
		{"localhost subdomain", "app.localhost", ""},
		{"bare public suffix", "co.uk", ""},
		{"bare private suffix", "github.io", ""},
		{"bare tld", "com", ""},
		{"unknown tld", "acme.local", ""},
		{"internal tld", "intranet.acme.corp", ""},
		{"other scheme", "ftp://acme.com", ""},
		{"invalid email", "jane@@acme.com", ""},
		{"consecutive dots", "acme..com", ""},
		{"underscore", "ac_me.com", ""},
		{"space in host", "http://ac me.com", ""},
		{"invalid utf8", "acme\xff.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := CompanyDomain(tt.in)
			if ok != (tt.want != "") || got != tt.want {
				t.Fatalf("CompanyDomain(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestCompanyNameFromDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"acme-widgets.co.uk", "Acme Widgets"},
		{"acme.com", "Acme"},
		{"www.acme.com", "Acme"},
		{"shop.example.co.uk", "Example"},
		{"ACME.COM", "Acme"},
		{"my_company.io", "My Company"},
		{"xn--bcher-kva.de", "Bücher"},
		{"bücher.de", "Bücher"},
		{"3m.com", "3m"},
		{"acme.github.io", "Acme"},
		{"acme.local", "Acme"},
		{"--acme--.com", "Acme"},
		{"acme.com.", "Acme"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CompanyNameFromDomain(tt.in); got != tt.want {
			t.Errorf("CompanyNameFromDomain(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsFreeMail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"gmail.com", true},
		{"GMAIL.COM", true},
		{"gmail.com.", true},
		{"googlemail.com", true},
		{"outlook.com", true},
		{"hotmail.com", true},
		{"hotmail.co.uk", true},
		{"live.de", true},
		{"yahoo.com", true},
		{"yahoo.co.uk", true},
		{"yahoo.com.br", true},
		{"mail.yahoo.co.jp", true},
		{"eu.gmail.com", true},
		{"gmx.net", true},
		{"gmx.at", true},
		{"web.de", true},
		{"yandex.ru", true},
		{"proton.me", true},
		{"qq.com", true},
		{"163.com", true},
		{"free.fr", true},
		{"t-online.de", true},
		{"seznam.cz", true},
		{"rediffmail.com", true},

		{"acme.com", false},
		{"google.com", false},
		{"microsoft.com", false},
		{"notgmail.com", false},
		{"gmail.com.acme.io", false},
		{"yahoo.github.io", false},
		{"yahoo.local", false},
		{"mydomain.de", false},
		{"de", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsFreeMail(tt.in); got != tt.want {
			t.Errorf("IsFreeMail(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// TestFreeMailTable keeps the one list tidy: no duplicates, lower-case ASCII, and every
// entry recognised by IsFreeMail.
func TestFreeMailTable(t *testing.T) {
	seen := map[string]bool{}
	for _, entry := range freeMail {
		if seen[entry] {
			t.Errorf("duplicate free-mail entry %q", entry)
		}
		seen[entry] = true
		domain := entry
		if brand, ok := strings.CutSuffix(entry, ".*"); ok {
			domain = brand + ".com"
		}
		if got, ok := asciiDomain(domain); !ok || got != domain {
			t.Errorf("free-mail entry %q is not a lower-case ASCII domain", entry)
		}
		if !IsFreeMail(domain) {
			t.Errorf("IsFreeMail(%q) = false for a listed entry", domain)
		}
	}
	if len(freeMail) < 60 {
		t.Errorf("free-mail table has %d entries; expected a solid list of at least 60", len(freeMail))
	}
}
