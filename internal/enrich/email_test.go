package enrich

import "testing"

func TestEmailType(t *testing.T) {
	tests := []struct{ email, want string }{
		{"ada@acme.com", EmailWork},
		{"ada@gmail.com", EmailFree},
		{"ada@yahoo.co.uk", EmailFree},
		{"info@acme.com", EmailRole},
		{"sales+web@acme.com", EmailRole},
		{"ada@mailinator.com", EmailDisposable},
		{"ada@0-mail.com", EmailDisposable},
		{"info@mailinator.com", EmailDisposable}, // a throwaway domain says more than the mailbox
		{"ada@anything.33mail.com", EmailDisposable},
		{"", ""},
		{"no-at-sign", ""},
		{"ada@", ""},
	}
	for _, tt := range tests {
		if got := EmailType(tt.email); got != tt.want {
			t.Errorf("EmailType(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
}

func TestDisposableListLoaded(t *testing.T) {
	disposableOnce.Do(loadDisposable)
	if n := len(disposableDomains); n < 100_000 {
		t.Fatalf("only %d disposable domains loaded", n)
	}
	if IsDisposable("acme.com") || IsDisposable("gmail.com") {
		t.Error("ordinary domains taken for disposable ones")
	}
}

func TestPhoneLine(t *testing.T) {
	tests := []struct{ phone, region, kind string }{
		{"+4915123456789", "DE", "mobile"},
		{"+493012345678", "DE", "fixed_line"},
		{"+12015550123", "US", "fixed_line_or_mobile"},
		{"+18005550199", "US", "toll_free"},
		{"+447400123456", "GB", "mobile"},
		{"", "", ""},
		{"+1", "", ""},
	}
	for _, tt := range tests {
		r, k := PhoneLine(tt.phone)
		if r != tt.region || k != tt.kind {
			t.Errorf("PhoneLine(%q) = (%q, %q), want (%q, %q)", tt.phone, r, k, tt.region, tt.kind)
		}
	}
}

type fakePlaces map[string]Place

func (f fakePlaces) Lookup(ip string) Place { return f[ip] }

func TestProfileKeepsWhatTheContactTyped(t *testing.T) {
	e := &Enricher{Titles: NewTitleRules(), Geo: fakePlaces{"81.2.69.142": {Country: "GB", City: "London"}}}
	p := e.Profile(Input{JobTitle: "CTO", Email: "ada@acme.com", Phone: "+4915123456789", IP: "81.2.69.142"})
	want := Profile{Seniority: "executive", Department: "engineering", EmailType: "work", PhoneType: "mobile", PhoneRegion: "DE", Country: "GB", City: "London"}
	if p != want {
		t.Errorf("profile = %+v, want %+v", p, want)
	}
	// A typed country stays, and a city of another country is not taken.
	p = e.Profile(Input{Country: "FR", IP: "81.2.69.142"})
	if p.Country != "FR" || p.City != "" {
		t.Errorf("typed country: got %q / %q, want FR and no city", p.Country, p.City)
	}
	p = e.Profile(Input{Country: "GB", City: "Leeds", IP: "81.2.69.142"})
	if p.Country != "GB" || p.City != "Leeds" {
		t.Errorf("typed city: got %q / %q", p.Country, p.City)
	}
}
