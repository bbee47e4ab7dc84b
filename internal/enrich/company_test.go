package enrich

import (
	"strings"
	"testing"
)

func TestSizeBand(t *testing.T) {
	for n, want := range map[int64]string{0: "", -3: "", 1: "1-10", 10: "1-10", 11: "11-50", 50: "11-50", 51: "51-200",
		200: "51-200", 201: "201-500", 500: "201-500", 501: "501-1000", 1000: "501-1000", 1001: "1001-5000", 5000: "1001-5000", 5001: "5001+"} {
		if got := SizeBand(n); got != want {
			t.Errorf("SizeBand(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParseCompanies(t *testing.T) {
	in := "\ufeffDomain,Name,Industry,Employees,Country\n" +
		"acme.com,Acme,Manufacturing,\"1,200\",de\n" +
		"https://www.globex.co.uk/about,Globex,Energy,40,GB\n" +
		"gmail.com,Google Mail,Internet,100000,US\n" +
		"initech.com,Initech,Software,many,US\n" +
		"hooli.com,Hooli,Software,300,USA\n" +
		"acme.com,Acme GmbH,Manufacturing,1300,DE\n" +
		",,,,\n" +
		"short.io\n"
	got, bad, err := ParseCompanies(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Company{
		{Domain: "acme.com", Name: "Acme GmbH", Industry: "Manufacturing", Employees: 1300, Country: "DE"},
		{Domain: "globex.co.uk", Name: "Globex", Industry: "Energy", Employees: 40, Country: "GB"},
		{Domain: "short.io"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d companies %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("company %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	wantBad := []RowError{{Line: 4, Field: "domain"}, {Line: 5, Field: "employees"}, {Line: 6, Field: "country"}, {Line: 8, Field: "domain"}}
	if len(bad) != len(wantBad) {
		t.Fatalf("row errors %+v, want %d", bad, len(wantBad))
	}
	for i, w := range wantBad {
		if bad[i].Line != w.Line || bad[i].Field != w.Field {
			t.Errorf("row error %d = %+v, want line %d field %s", i, bad[i], w.Line, w.Field)
		}
	}
	if got[0].Size() != "1001-5000" {
		t.Errorf("size of acme = %q", got[0].Size())
	}
}

func TestParseCompaniesRefusesFiles(t *testing.T) {
	for name, in := range map[string]string{
		"empty":     "",
		"no domain": "name,industry\nAcme,Software\n",
	} {
		if _, _, err := ParseCompanies(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzParseCompanies(f *testing.F) {
	f.Add("domain,name,industry,employees,country\nacme.com,Acme,Software,12,DE\n")
	f.Add("website\nhttps://x.example.org/\n\"a\"b\n")
	f.Add("domain,employees\nacme.com,-1\nacme.com,99999999999999999999\n")
	f.Add("\ufeffDOMAIN;NAME\n")
	f.Fuzz(func(t *testing.T, in string) {
		got, bad, err := ParseCompanies(strings.NewReader(in))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, c := range got {
			if c.Domain == "" || seen[c.Domain] {
				t.Fatalf("empty or repeated domain in %+v", got)
			}
			seen[c.Domain] = true
			if c.Employees < 0 || len(c.Country) != 0 && len(c.Country) != 2 {
				t.Fatalf("bad company %+v", c)
			}
		}
		for _, b := range bad {
			if b.Line < 2 || b.Field == "" || b.Message == "" {
				t.Fatalf("bad row error %+v", b)
			}
		}
	})
}
