package money

import (
	"errors"
	"strings"
	"testing"
)

func mustLookup(t testing.TB, code string) Currency {
	c, ok := Lookup(code)
	if !ok {
		t.Fatalf("no currency %s", code)
	}
	return c
}

func TestParse(t *testing.T) {
	tests := []struct {
		code string
		in   string
		want int64
		err  error
	}{
		{"USD", "0", 0, nil},
		{"USD", "1250", 125000, nil},
		{"USD", "1250.5", 125050, nil},
		{"USD", "0.99", 99, nil},
		{"USD", ".5", 50, nil},
		{"USD", "-3.25", -325, nil},
		{"USD", "+7", 700, nil},
		{"USD", " 12.30 ", 1230, nil},
		{"USD", "1.500", 150, nil},
		{"USD", "0000012", 1200, nil},
		{"USD", "1.005", 0, ErrPlaces},
		{"USD", "", 0, ErrSyntax},
		{"USD", "-", 0, ErrSyntax},
		{"USD", "1.", 0, ErrSyntax},
		{"USD", "1,5", 0, ErrSyntax},
		{"USD", "1e3", 0, ErrSyntax},
		{"USD", "abc", 0, ErrSyntax},
		{"USD", "12.3.4", 0, ErrSyntax},
		{"USD", "--1", 0, ErrSyntax},
		{"USD", "9999999999999", 999999999999900, nil},
		{"USD", "99999999999999", 0, ErrRange},
		{"EUR", "1250.50", 125050, nil},
		// No minor unit: the yen is counted whole; decimals other than zeros are refused.
		{"JPY", "100", 100, nil},
		{"JPY", "100.00", 100, nil},
		{"JPY", "100.5", 0, ErrPlaces},
		{"JPY", "0.01", 0, ErrPlaces},
		{"JPY", "-7", -7, nil},
		{"JPY", "999999999999999", 999999999999999, nil},
		{"JPY", "9999999999999999", 0, ErrRange},
		{"KRW", "15000", 15000, nil},
		{"ISK", "1.0", 1, nil},
		// Three places: the Bahraini dinar has 1000 fils.
		{"BHD", "1.250", 1250, nil},
		{"BHD", "1.25", 1250, nil},
		{"BHD", "1", 1000, nil},
		{"BHD", "0.001", 1, nil},
		{"BHD", "0.0001", 0, ErrPlaces},
		{"KWD", "999999999999", 999999999999000, nil},
		{"KWD", "9999999999999", 0, ErrRange},
	}
	for _, tt := range tests {
		got, err := mustLookup(t, tt.code).Parse(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("%s Parse(%q) = %d, %v; want %d, %v", tt.code, tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParsePlacesErrorNamesTheCurrency(t *testing.T) {
	_, err := mustLookup(t, "JPY").Parse("1.5")
	if err == nil || !strings.Contains(err.Error(), "JPY has none") {
		t.Fatalf("error %v does not say the yen has no decimals", err)
	}
	_, err = mustLookup(t, "BHD").Parse("1.0005")
	if err == nil || !strings.Contains(err.Error(), "BHD has 3") {
		t.Fatalf("error %v does not say the dinar has three decimals", err)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		code string
		in   int64
		want string
	}{
		{"USD", 0, "0.00"}, {"USD", 5, "0.05"}, {"USD", 99, "0.99"}, {"USD", 100, "1.00"},
		{"USD", 125050, "1250.50"}, {"USD", -325, "-3.25"}, {"USD", -5, "-0.05"},
		{"EUR", 125050, "1250.50"},
		{"JPY", 0, "0"}, {"JPY", 100, "100"}, {"JPY", -125000, "-125000"},
		{"BHD", 1250, "1.250"}, {"BHD", 1, "0.001"}, {"BHD", -1000, "-1.000"},
		{"USD", -9223372036854775808, "-92233720368547758.08"},
	}
	for _, tt := range tests {
		if got := mustLookup(t, tt.code).Format(tt.in); got != tt.want {
			t.Errorf("%s Format(%d) = %q, want %q", tt.code, tt.in, got, tt.want)
		}
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct {
		code string
		in   int64
		want string
	}{
		{"USD", 125050, "$1,250.50"},
		{"USD", -325, "-$3.25"},
		{"USD", 0, "$0.00"},
		{"EUR", 100000000, "€1,000,000.00"},
		{"GBP", 5, "£0.05"},
		{"JPY", 125000, "¥125,000"},
		{"KRW", 999, "₩999"},
		{"CAD", 100, "CA$1.00"},
		{"CHF", 125000, "CHF\u00a01,250.00"},
		{"BHD", 1234567, "BHD\u00a01,234.567"},
	}
	for _, tt := range tests {
		if got := mustLookup(t, tt.code).Display(tt.in); got != tt.want {
			t.Errorf("%s Display(%d) = %q, want %q", tt.code, tt.in, got, tt.want)
		}
	}
	if got := Default().DisplayDigits(true, "123456789012345678901"); got != "-$1,234,567,890,123,456,789.01" {
		t.Errorf("DisplayDigits beyond int64 = %q", got)
	}
}

func TestLookupAndMarks(t *testing.T) {
	if c, ok := Lookup(" jpy "); !ok || c.Code != "JPY" || c.Exponent != 0 {
		t.Errorf("Lookup(jpy) = %+v, %v", c, ok)
	}
	for _, bad := range []string{"", "XXX", "US", "USDD", "$"} {
		if _, ok := Lookup(bad); ok {
			t.Errorf("Lookup(%q) found a currency", bad)
		}
	}
	if Default().Code != "USD" || Default().Exponent != 2 {
		t.Errorf("Default() = %+v", Default())
	}
	usd, jpy := mustLookup(t, "USD"), mustLookup(t, "JPY")
	for _, m := range []string{"$", "usd", "USD", "US$"} {
		if !usd.Names(m) {
			t.Errorf("USD does not answer to %q", m)
		}
	}
	for _, m := range []string{"€", "EUR", "£", "¥", "JPY"} {
		if usd.Names(m) {
			t.Errorf("USD answers to %q", m)
		}
	}
	if !jpy.Names("¥") || jpy.Names("$") {
		t.Error("the yen's signs are wrong")
	}
	for mark, want := range map[string]string{"£": "GBP", "EUR": "EUR", "jpy": "JPY", "€": "EUR"} {
		if got, ok := Known(mark); !ok || got != want {
			t.Errorf("Known(%q) = %q, %v; want %s", mark, got, ok, want)
		}
	}
	if _, ok := Known("abc"); ok {
		t.Error("Known(abc) is a currency")
	}
	for _, code := range Codes() {
		c := currencies[code]
		if len(code) != 3 || c.Exponent < 0 || c.Exponent > 3 || strings.ToUpper(code) != code {
			t.Errorf("bad table entry %+v", c)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "1.25", "-0.5", ".1", "1e9", "99999999999999.99", "1.250", "0.001", "100",
		// Hostile: NUL, invalid UTF-8, overflow, other digits and notations.
		"\x00", "1\x00", "\xff", "1e400", "-0", "NaN", "Inf", "", " ", "1.", "1..2", "\u0661\u0662", "\uff11",
		"99999999999999999999", "-9223372036854775808", "1_000", "0x1p3", "1,5", "+1", "--1", strings.Repeat("9", 400)} {
		f.Add(s)
	}
	// Every input is read in a currency of each exponent.
	curs := []Currency{mustLookup(f, "JPY"), mustLookup(f, "USD"), mustLookup(f, "BHD")}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range curs {
			n, err := c.Parse(s)
			if err != nil {
				continue
			}
			back, err := c.Parse(c.Format(n))
			if err != nil || back != n {
				t.Fatalf("%s round trip of %q: %d -> %q -> %d, %v", c.Code, s, n, c.Format(n), back, err)
			}
			if d := c.Display(n); !strings.Contains(strings.ReplaceAll(d, ",", ""), strings.TrimPrefix(c.Format(n), "-")) {
				t.Fatalf("%s Display(%d) = %q does not show %q", c.Code, n, d, c.Format(n))
			}
		}
	})
}
