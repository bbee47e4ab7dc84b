package report

import (
	"errors"

	"github.com/lodestone-hq/lodestone/internal/money"
	"reflect"
	"strings"
	"testing"
)

func currency(t testing.TB, code string) money.Currency {
	c, ok := money.Lookup(code)
	if !ok {
		t.Fatalf("no currency %s", code)
	}
	return c
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		cur  string
		want int64
		err  error
	}{
		{"1250", "USD", 125000, nil},
		{"1250.5", "USD", 125050, nil},
		{"1,250.50", "USD", 125050, nil},
		{"1.250,50", "EUR", 125050, nil},
		{"1 250,50", "EUR", 125050, nil},
		{"1\u00a0250,50", "EUR", 125050, nil},
		{"1'250.50", "CHF", 125050, nil},
		{"12,5", "EUR", 1250, nil},
		{"0,99", "EUR", 99, nil},
		{"$1,250.50", "USD", 125050, nil},
		{"US$ 10", "USD", 1000, nil},
		{"1.250,50 €", "EUR", 125050, nil},
		{"EUR 12", "EUR", 1200, nil},
		{"12.00 USD", "USD", 1200, nil},
		{"12.00 usd", "USD", 1200, nil},
		{"£0.01", "GBP", 1, nil},
		{"$10", "CAD", 1000, nil},
		{"1,234,567.89", "USD", 123456789, nil},
		{"1.234.567", "EUR", 123456700, nil},
		{"1.234.567,8", "EUR", 123456780, nil},
		{"1.500", "USD", 0, errAmbiguous},
		{"1,250", "USD", 0, errAmbiguous},
		{"1 250", "USD", 125000, nil},
		{".5", "USD", 50, nil},
		{"12.345", "USD", 0, errAmbiguous},
		{"12.3456", "USD", 0, errPlaces},
		{"1,250.505", "USD", 0, errPlaces},
		{"1,250.500", "USD", 125050, nil},
		{"-5", "USD", 0, errNegative},
		{"$-5", "USD", 0, errNegative},
		{"(5.00)", "USD", 0, errNegative},
		{"12,34,567.00", "USD", 0, errDecimal},
		{"1,2.3", "USD", 0, errDecimal},
		{"1.2.3,4,5", "USD", 0, errDecimal},
		{"12.", "USD", 0, errDecimal},
		{"abc", "USD", 0, errDecimal},
		{"$", "USD", 0, errDecimal},
		{"USD", "USD", 0, errDecimal},
		{"12 USDX", "USD", 0, errDecimal},
		{"99999999999999999999", "USD", 0, errTooLarge},
		// The workspace's currency decides the places: none for the yen, three for the dinar.
		{"JPY 100", "JPY", 100, nil},
		{"¥12,500", "JPY", 12500, nil},
		{"100.00", "JPY", 100, nil},
		{"100.50", "JPY", 0, errPlaces},
		{"1.250,5", "JPY", 0, errPlaces},
		{"1,250.505", "BHD", 1250505, nil},
		{"BHD 0.5", "BHD", 500, nil},
		{"0.0005", "BHD", 0, errPlaces},
		// Another currency's sign or code is refused, never read as the workspace's.
		{"100.00 EUR", "USD", 0, errForeign},
		{"£100", "USD", 0, errForeign},
		{"JPY 100", "USD", 0, errForeign},
		{"$100.00", "EUR", 0, errForeign},
		{"€5", "GBP", 0, errForeign},
		{"¥100", "USD", 0, errForeign},
		{"100 XYZ", "USD", 0, errForeign},
		{"₿1", "USD", 0, errForeign},
		{"100 kr", "USD", 0, errForeign},
		{"100 kr", "SEK", 10000, nil},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in, currency(t, tt.cur))
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d, %v", tt.in, tt.cur, got, err, tt.want, tt.err)
		}
	}
}

func TestParseAmountSaysWhy(t *testing.T) {
	_, err := ParseAmount("100.00 EUR", currency(t, "USD"))
	if err == nil || !strings.Contains(err.Error(), "EUR") || !strings.Contains(err.Error(), "USD") {
		t.Errorf("a euro amount in a dollar workspace: %v", err)
	}
	_, err = ParseAmount("100.50", currency(t, "JPY"))
	if err == nil || err.Error() != "has more decimals than JPY allows (none)" {
		t.Errorf("a yen amount with decimals: %v", err)
	}
}

func TestParseHours(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  error
	}{
		{"3,5", 350, nil}, {"7.25", 725, nil}, {"1 000", 100000, nil},
		{"$12", 0, errDecimal}, {"2 h", 0, errDecimal}, {"1.255", 0, errAmbiguous}, {"1.2555", 0, errPlaces}, {"-1", 0, errNegative},
	}
	for _, tt := range tests {
		got, err := ParseHours(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseHours(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseCosts(t *testing.T) {
	t.Run("the usual export shapes", func(t *testing.T) {
		file := "\xef\xbb\xbfCampaign report\nMarch 1, 2026 - March 31, 2026\n" +
			"DAY;CAMPAIGN;Currency code;Amount spent (EUR);Hours\n" +
			"2026-03-01;Spring search;EUR;1.250,50 €;2,5\n" +
			"\n" +
			"2026/03/02 00:00:00;spring-search;EUR;--;1\n" +
			"Total: Account;;EUR;1.250,50;3,5\n"
		rows, problems, err := ParseCosts([]byte(file), currency(t, "EUR"))
		if err != nil || len(problems) != 0 {
			t.Fatalf("err %v, problems %v", err, problems)
		}
		want := []CostRow{
			{Line: 4, Date: "2026-03-01", Campaign: "Spring search", Amount: 125050, HoursHundredths: 250},
			{Line: 6, Date: "2026-03-02", Campaign: "spring-search", Amount: 0, HoursHundredths: 100},
		}
		if !reflect.DeepEqual(rows, want) {
			t.Fatalf("rows %+v\nwant %+v", rows, want)
		}
	})
	t.Run("every bad row with its line and reason", func(t *testing.T) {
		file := "date,campaign,amount,hours\n" +
			"2026-03-01,Fair,\"1,250.00\",\n" +
			"03/01/2026,Fair,10,\n" +
			"2026-03-02,,10,\n" +
			"2026-03-03,Fair,\"1,250\",\n" +
			"2026-03-04,Fair,-3,\n" +
			"2026-03-05,Fair,,\n" +
			"2026-03-06,Fair,5,lots\n"
		rows, problems, err := ParseCosts([]byte(file), currency(t, "EUR"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Amount != 125000 {
			t.Errorf("rows %+v", rows)
		}
		want := []struct {
			line  int
			field string
		}{{3, "date"}, {4, "campaign"}, {5, "amount"}, {6, "amount"}, {7, "amount"}, {8, "hours"}}
		if len(problems) != len(want) {
			t.Fatalf("problems %+v", problems)
		}
		for i, w := range want {
			if problems[i].Line != w.line || problems[i].Field != w.field || problems[i].Reason == "" {
				t.Errorf("problem %d = %+v, want line %d field %s", i, problems[i], w.line, w.field)
			}
		}
	})
	t.Run("tabs and a quoted separator", func(t *testing.T) {
		rows, problems, err := ParseCosts([]byte("Date\tCampaign Name\tCost\n2026-03-01\t\"Fair, spring\"\t$10.00\n"), currency(t, "USD"))
		if err != nil || len(problems) != 0 || len(rows) != 1 || rows[0].Campaign != "Fair, spring" || rows[0].Amount != 1000 {
			t.Fatalf("%+v %+v %v", rows, problems, err)
		}
	})
	t.Run("file errors", func(t *testing.T) {
		for name, file := range map[string]string{
			"no header":      "2026-03-01,Fair,10\n",
			"no amount":      "date,campaign,clicks\n2026-03-01,Fair,10\n",
			"header only":    "date,campaign,amount\n",
			"empty":          "",
			"not utf-8":      "date,campaign,amount\n2026-03-01,F\xffair,10\n",
			"broken csv top": "\"date,campaign,amount\n",
		} {
			if _, _, err := ParseCosts([]byte(file), currency(t, "EUR")); !errors.Is(err, ErrCostFile) {
				t.Errorf("%s: err %v", name, err)
			}
		}
	})
}

func FuzzParseCosts(f *testing.F) {
	f.Add([]byte("date,campaign,amount,hours\n2026-03-01,Fair,\"1,250.00\",2.5\n"))
	f.Add([]byte("\xef\xbb\xbfDay;Campaign;Cost\n2026-03-01;x;1.250,50 €\nTotal;;1\n"))
	f.Add([]byte("Date\tCampaign\tHours\n2026-03-01\ta\t3,5\n"))
	f.Add([]byte("date,campaign,amount\n\"2026-03-01,x,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, problems, err := ParseCosts(data, money.Default())
		if err != nil {
			if rows != nil || problems != nil {
				t.Fatal("an error with rows")
			}
			return
		}
		for _, r := range rows {
			if r.Amount < 0 || r.HoursHundredths < 0 || r.Campaign == "" || len(r.Date) != 10 || r.Line <= 0 {
				t.Fatalf("bad row %+v", r)
			}
		}
		for _, p := range problems {
			if p.Reason == "" || p.Line <= 0 {
				t.Fatalf("bad problem %+v", p)
			}
		}
	})
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1,250.50", "1.250,50 €", "EUR 12", "1'250", "(5)", "12,5", "1.500",
		// Hostile: NUL, invalid UTF-8, overflow, other digits.
		"\x00", "1\xff", "1e400", "-1", "1,2,3", "€", "\u0661\u0662", strings.Repeat("9", 40), "((5))", "",
		"JPY 100", "100.00 EUR", "£100", "$100.00", "1,250.505", "¥12.5"} {
		f.Add(s, true)
	}
	// currency: read s as an amount in currencies of each exponent; otherwise as hours.
	curs := []money.Currency{currency(f, "JPY"), currency(f, "USD"), currency(f, "BHD")}
	f.Fuzz(func(t *testing.T, s string, isMoney bool) {
		if !isMoney {
			if n, err := ParseHours(s); err == nil && n < 0 {
				t.Fatalf("%q gives %d hundredths of an hour", s, n)
			}
			return
		}
		for _, c := range curs {
			n, err := ParseAmount(s, c)
			if err == nil && n < 0 {
				t.Fatalf("%q gives %d in %s", s, n, c.Code)
			}
			if err != nil {
				continue
			}
			if _, marks := splitMarks(strings.TrimSpace(s)); len(marks) > 0 && !c.Names(marks[0]) || len(marks) > 1 && !c.Names(marks[1]) {
				t.Fatalf("%q is read in %s though it names another currency", s, c.Code)
			}
		}
	})
}

// A file mixing currencies imports only what is in the workspace's currency: every
// other amount is a problem naming its line and column, never a sum of unlike money.
func TestParseCostsRefusesOtherCurrencies(t *testing.T) {
	file := "date,campaign,amount\n2026-03-01,Fair,$100.00\n2026-03-02,Fair,100.00 EUR\n2026-03-03,Fair,£100\n2026-03-04,Fair,JPY 100\n"
	rows, problems, err := ParseCosts([]byte(file), currency(t, "USD"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Amount != 10000 || rows[0].Line != 2 {
		t.Fatalf("rows %+v", rows)
	}
	if len(problems) != 3 {
		t.Fatalf("problems %+v", problems)
	}
	for i, p := range problems {
		if p.Line != i+3 || p.Field != "amount" || !strings.Contains(p.Reason, "USD") {
			t.Errorf("problem %+v", p)
		}
	}
	if !strings.Contains(problems[0].Reason, "EUR") || !strings.Contains(problems[2].Reason, "JPY") {
		t.Errorf("the problems do not name the currencies: %+v", problems)
	}

	// The same file in a yen workspace: only the yen row, read as whole yen.
	rows, problems, _ = ParseCosts([]byte(file), currency(t, "JPY"))
	if len(rows) != 1 || rows[0].Amount != 100 || rows[0].Line != 5 || len(problems) != 3 {
		t.Fatalf("yen: rows %+v, problems %+v", rows, problems)
	}

	// A currency column and an amount header in brackets are checked too.
	rows, problems, _ = ParseCosts([]byte("day,campaign,currency,cost\n2026-03-01,Fair,USD,5\n2026-03-02,Fair,EUR,5\n"), currency(t, "USD"))
	if len(rows) != 1 || len(problems) != 1 || problems[0].Field != "currency" || problems[0].Line != 3 {
		t.Fatalf("currency column: rows %+v, problems %+v", rows, problems)
	}
	if _, _, err := ParseCosts([]byte("day,campaign,Amount spent (EUR)\n2026-03-01,Fair,5\n"), currency(t, "USD")); !errors.Is(err, ErrCostFile) || !strings.Contains(err.Error(), "EUR") {
		t.Fatalf("an amount column in euros: %v", err)
	}
	if rows, _, err := ParseCosts([]byte("day,campaign,Amount spent (USD)\n2026-03-01,Fair,5\n"), currency(t, "USD")); err != nil || len(rows) != 1 {
		t.Fatalf("an amount column in dollars: %v", err)
	}
}
