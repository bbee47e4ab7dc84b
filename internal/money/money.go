// Package money holds amounts as integers of minor units of the workspace's currency
// (cents, or whole yen where the currency has no minor unit), parsed from and printed
// as decimal strings, so no floating point ever touches money.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

var (
	ErrSyntax = errors.New("must be a decimal number such as 1250.00")
	ErrPlaces = errors.New("has more decimal places than the currency allows")
	ErrRange  = errors.New("is too large")
)

const maxDigits = 15 // keeps every sum of amounts far from int64 overflow

// Parse reads a decimal string ("1250", "-3.5", "0.99") into minor units of c: with
// two places "12.5" is 1250, with none (JPY) "1250" is 1250 and "12.5" is refused.
func (c Currency) Parse(s string) (int64, error) {
	exp := c.Exponent
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" || hasDot && frac == "" || !digits(whole) || !digits(frac) {
		return 0, ErrSyntax
	}
	if len(frac) > exp {
		// Trailing zeros beyond the currency's places are harmless ("1.500").
		if strings.Trim(frac[exp:], "0") != "" {
			return 0, c.placesError()
		}
		frac = frac[:exp]
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole)+exp > maxDigits {
		return 0, ErrRange
	}
	frac += strings.Repeat("0", exp-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		if whole+frac == "" {
			return 0, nil
		}
		return 0, ErrSyntax
	}
	if neg {
		n = -n
	}
	return n, nil
}

// placesError says how many places the currency has; it is ErrPlaces to errors.Is.
func (c Currency) placesError() error {
	places := "none"
	if c.Exponent > 0 {
		places = strconv.Itoa(c.Exponent)
	}
	return fmt.Errorf("%w (%s has %s)", ErrPlaces, c.Code, places)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Format prints minor units as a decimal string with exactly the currency's places:
// "1250.00" in USD, "1250" in JPY, "1.250" in BHD. It is the form of amounts in the
// API and in CSV files; Display is the form people read.
func (c Currency) Format(n int64) string {
	return c.FormatDigits(n < 0, strconv.FormatUint(abs(n), 10))
}

// FormatDigits is Format for an amount given as its sign and the decimal digits of its
// absolute value, which may be longer than an int64 holds (a report's sum of products).
func (c Currency) FormatDigits(neg bool, s string) string {
	exp := c.Exponent
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg && strings.Trim(s, "0.") != "" {
		s = "-" + s
	}
	return s
}

func abs(n int64) uint64 {
	if n < 0 {
		return uint64(-n) // -MinInt64 wraps to itself, whose uint64 is right
	}
	return uint64(n)
}

// Display prints minor units for people: the currency's sign and thousands
// separators, "$1,250.00", "-€3.25", "¥125,000", "CHF 1,250.00", "BHD 1.250".
func (c Currency) Display(n int64) string {
	return c.DisplayDigits(n < 0, strconv.FormatUint(abs(n), 10))
}

// DisplayDigits is Display for an amount given as its sign and digits, as FormatDigits.
func (c Currency) DisplayDigits(neg bool, digits string) string {
	s := c.FormatDigits(false, digits)
	whole, frac, hasFrac := strings.Cut(s, ".")
	out := Group(whole)
	if hasFrac {
		out += "." + frac
	}
	sign := c.Symbol
	if sign == "" {
		sign = c.Code + "\u00a0"
	}
	if neg && strings.Trim(s, "0.") != "" {
		return "-" + sign + out
	}
	return sign + out
}

// Group puts thousands separators into a string of digits: "1234567" is "1,234,567".
func Group(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	pre := len(digits) % 3
	if pre > 0 {
		b.WriteString(digits[:pre])
	}
	for i := pre; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}
