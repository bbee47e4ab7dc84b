package contact

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" means ErrInvalidEmail
	}{
		{"spec example", "  Bob@Bücher.DE ", "bob@xn--bcher-kva.de"},
		{"plain", "jane@acme.com", "jane@acme.com"},
		{"upper case ascii", "JANE.DOE@ACME.COM", "jane.doe@acme.com"},
		{"tabs and newlines trimmed", "\tjane@acme.com\r\n", "jane@acme.com"},
		{"plus addressing kept", "Jane+Leads@Acme.com", "jane+leads@acme.com"},
		{"dots kept", "j.a.n.e@gmail.com", "j.a.n.e@gmail.com"},
		{"atext specials", "o'neil_{x}#1@acme.com", "o'neil_{x}#1@acme.com"},
		{"upper case unicode local", "ÉLODIE@acme.fr", "élodie@acme.fr"},
		{"decomposed local becomes composed", "e\u0301lodie@acme.fr", "élodie@acme.fr"},
		{"upper case unicode domain", "a@BÜCHER.de", "a@xn--bcher-kva.de"},
		{"punycode kept", "a@xn--bcher-kva.de", "a@xn--bcher-kva.de"},
		{"punycode upper case", "a@XN--BCHER-KVA.DE", "a@xn--bcher-kva.de"},
		{"full-width domain mapped", "a@ＡＣＭＥ。com", "a@acme.com"},
		{"cyrillic domain", "a@пример.рф", "a@xn--e1afmkfd.xn--p1ai"},
		{"subdomain", "a@mail.eu.acme.co.uk", "a@mail.eu.acme.co.uk"},
		{"hyphen inside label", "a@acme-widgets.com", "a@acme-widgets.com"},
		{"local part of 64", strings.Repeat("a", 64) + "@acme.com", strings.Repeat("a", 64) + "@acme.com"},
		{"total of 254", longEmail(254), longEmail(254)},

		{"empty", "", ""},
		{"spaces only", "   ", ""},
		{"no at", "jane.acme.com", ""},
		{"two ats", "jane@doe@acme.com", ""},
		{"empty local", "@acme.com", ""},
		{"empty domain", "jane@", ""},
		{"domain without dot", "jane@localhost", ""},
		{"local part of 65", strings.Repeat("a", 65) + "@acme.com", ""},
		{"total over 254", strings.Repeat("a", 40) + "@" + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 60) + "." + strings.Repeat("e", 60) + ".com", ""},
		{"space inside", "jane doe@acme.com", ""},
		{"space in domain", "jane@ac me.com", ""},
		{"control char", "jane\x00@acme.com", ""},
		{"zero-width space", "ja\u200bne@acme.com", ""},
		{"soft hyphen in domain", "jane@ac\u00adme.com", ""},
		{"invalid utf8", "jane\xff@acme.com", ""},
		{"quoted local", `"jane doe"@acme.com`, ""},
		{"quoted local without space", `"jane"@acme.com`, ""},
		{"leading dot", ".jane@acme.com", ""},
		{"trailing dot in local", "jane.@acme.com", ""},
		{"consecutive dots in local", "ja..ne@acme.com", ""},
		{"consecutive dots in domain", "jane@acme..com", ""},
		{"leading dot in domain", "jane@.acme.com", ""},
		{"trailing dot in domain", "jane@acme.com.", ""},
		{"label starting with hyphen", "jane@-acme.com", ""},
		{"label ending with hyphen", "jane@acme-.com", ""},
		{"underscore in domain", "jane@ac_me.com", ""},
		{"ipv4 domain", "jane@192.168.0.1", ""},
		{"ip literal", "jane@[192.168.0.1]", ""},
		{"comment", "jane(work)@acme.com", ""},
		{"display name", "Jane <jane@acme.com>", ""},
		{"comma", "jane,doe@acme.com", ""},
		{"total of 255", longEmail(255), ""},
		{"label over 63", "jane@" + strings.Repeat("a", 64) + ".com", ""},
		{"bad punycode", "jane@xn--zz.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NormalizeEmail(tt.in)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidEmail) {
					t.Fatalf("NormalizeEmail(%q) = %q, %v; want ErrInvalidEmail", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestEmailDomain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"jane@acme.com", "acme.com"},
		{"jane@xn--bcher-kva.de", "xn--bcher-kva.de"},
		{"no-at-sign", ""},
		{"", ""},
		{"jane@", ""},
		{"odd@local@acme.com", "acme.com"},
	}
	for _, tt := range tests {
		if got := EmailDomain(tt.in); got != tt.want {
			t.Errorf("EmailDomain(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsRoleAddress(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"info@acme.com", true},
		{"INFO@acme.com", true},
		{"sales@acme.com", true},
		{"sales+web@acme.com", true},
		{"no-reply@acme.com", true},
		{"no_reply@acme.com", true},
		{"noreply@acme.com", true},
		{"do-not-reply@acme.com", true},
		{"postmaster@acme.com", true},
		{"webmaster@acme.com", true},
		{"hr@acme.com", true},
		{"jobs@acme.com", true},
		{"kontakt@acme.de", true},
		{"büro@acme.de", true},
		{"support", true},
		{"jane@acme.com", false},
		{"jane.doe@acme.com", false},
		{"information.officer.smith@acme.com", false},
		{"salesforce@acme.com", false},
		{"infosec-jane@acme.com", false},
		{"", false},
		{"@acme.com", false},
	}
	for _, tt := range tests {
		if got := IsRoleAddress(tt.in); got != tt.want {
			t.Errorf("IsRoleAddress(%q) = %v; want %v", tt.in, got, tt.want)
		}
	}
}

// longEmail builds a valid-looking address of exactly n bytes (n >= 70).
func longEmail(n int) string {
	local := strings.Repeat("l", 60)
	domain := ""
	for len(local)+1+len(domain)+len("x.com") < n {
		domain += "d"
		if len(domain)%60 == 59 {
			domain += "."
		}
	}
	email := local + "@" + domain + "x.com"
	if len(email) != n {
		panic("longEmail: cannot build the requested length")
	}
	return email
}
