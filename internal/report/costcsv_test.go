package report

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in       string
		currency bool
		want     int64
		err      error
	}{
		{"1250", true, 125000, nil},
		{"1250.5", true, 125050, nil},
		{"1,250.50", true, 125050, nil},
		{"1.250,50", true, 125050, nil},
		{"1 250,50", true, 125050, nil},
		{"1\u00a0250,50", true, 125050, nil},
		{"1'250.50", true, 125050, nil},
		{"12,5", true, 1250, nil},
		{"0,99", true, 99, nil},
		{"$1,250.50", true, 125050, nil},
		{"1.250,50 €", true, 125050, nil},
		{"EUR 12", true, 1200, nil},
		{"12.00 USD", true, 1200, nil},
		{"£0.01", true, 1, nil},
		{"1,234,567.89", true, 123456789, nil},
		{"1.234.567", true, 123456700, nil},
		{"1.234.567,8", true, 123456780, nil},
		{"1.500", true, 0, errAmbiguous},
		{"1,250", true, 0, errAmbiguous},
		{"1 250", true, 125000, nil},
		{".5", true, 50, nil},
		{"12.345", true, 0, errAmbiguous},
		{"12.3456", true, 0, errPlaces},
		{"1,250.505", true, 0, errPlaces},
		{"1,250.500", true, 125050, nil},
		{"-5", true, 0, errNegative},
		{"$-5", true, 0, errNegative},
		{"(5.00)", true, 0, errNegative},
		{"12,34,567.00", true, 0, errDecimal},
		{"1,2.3", true, 0, errDecimal},
		{"1.2.3,4,5", true, 0, errDecimal},
		{"12.", true, 0, errDecimal},
		{"abc", true, 0, errDecimal},
		{"$", true, 0, errDecimal},
		{"USD", true, 0, errDecimal},
		{"12 USDX", true, 0, errDecimal},
		{"$12", false, 0, errDecimal},
		{"3,5", false, 350, nil},
		{"7.25", false, 725, nil},
		{"99999999999999999999", true, 0, errTooLarge},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in, tt.currency)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseDecimal(%q, %v) = %d, %v; want %d, %v", tt.in, tt.currency, got, err, tt.want, tt.err)
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
		rows, problems, err := ParseCosts([]byte(file))
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
		rows, problems, err := ParseCosts([]byte(file))
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
		rows, problems, err := ParseCosts([]byte("Date\tCampaign Name\tCost\n2026-03-01\t\"Fair, spring\"\t$10.00\n"))
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
			if _, _, err := ParseCosts([]byte(file)); !errors.Is(err, ErrCostFile) {
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
		rows, problems, err := ParseCosts(data)
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
		"\x00", "1\xff", "1e400", "-1", "1,2,3", "€", "\u0661\u0662", strings.Repeat("9", 40), "((5))", ""} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, currency bool) {
		n, err := ParseDecimal(s, currency)
		if err == nil && n < 0 {
			t.Fatalf("%q gives %d", s, n)
		}
	})
}
