package money

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  error
	}{
		{"0", 0, nil},
		{"1250", 125000, nil},
		{"1250.5", 125050, nil},
		{"0.99", 99, nil},
		{".5", 50, nil},
		{"-3.25", -325, nil},
		{"+7", 700, nil},
		{" 12.30 ", 1230, nil},
		{"1.500", 150, nil},
		{"0000012", 1200, nil},
		{"1.005", 0, ErrPlaces},
		{"", 0, ErrSyntax},
		{"-", 0, ErrSyntax},
		{"1.", 0, ErrSyntax},
		{"1,5", 0, ErrSyntax},
		{"1e3", 0, ErrSyntax},
		{"abc", 0, ErrSyntax},
		{"12.3.4", 0, ErrSyntax},
		{"--1", 0, ErrSyntax},
		{"9999999999999", 999999999999900, nil},
		{"99999999999999", 0, ErrRange},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := map[int64]string{0: "0.00", 5: "0.05", 99: "0.99", 100: "1.00", 125050: "1250.50", -325: "-3.25", -5: "-0.05"}
	for in, want := range tests {
		if got := Format(in); got != want {
			t.Errorf("Format(%d) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "1.25", "-0.5", ".1", "1e9", "99999999999999.99",
		// Hostile: NUL, invalid UTF-8, overflow, other digits and notations.
		"\x00", "1\x00", "\xff", "1e400", "-0", "NaN", "Inf", "", " ", "1.", "1..2", "\u0661\u0662", "\uff11",
		"99999999999999999999", "-9223372036854775808", "1_000", "0x1p3", "1,5", "+1", "--1", strings.Repeat("9", 400)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(Format(n))
		if err != nil || back != n {
			t.Fatalf("round trip of %q: %d -> %q -> %d, %v", s, n, Format(n), back, err)
		}
	})
}
