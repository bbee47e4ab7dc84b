// Package money holds amounts as integers of minor units (cents), parsed from and
// printed as decimal strings, so no floating point ever touches money.
package money

import (
	"errors"
	"strconv"
	"strings"
)

// Exponent is the number of minor-unit digits of the workspace currency. Lodestone
// keeps one currency per workspace; two decimals fit nearly all of them.
const Exponent = 2

var (
	ErrSyntax = errors.New("must be a decimal number such as 1250.00")
	ErrPlaces = errors.New("has more decimal places than the currency allows")
	ErrRange  = errors.New("is too large")
)

const maxDigits = 15 // keeps every sum of amounts far from int64 overflow

// Parse reads a decimal string ("1250", "-3.5", "0.99") into minor units.
func Parse(s string) (int64, error) {
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
	if len(frac) > Exponent {
		// Trailing zeros beyond the currency's places are harmless ("1.500").
		if strings.Trim(frac[Exponent:], "0") != "" {
			return 0, ErrPlaces
		}
		frac = frac[:Exponent]
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole)+Exponent > maxDigits {
		return 0, ErrRange
	}
	frac += strings.Repeat("0", Exponent-len(frac))
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

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Format prints minor units as a decimal string with exactly Exponent places.
func Format(n int64) string {
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= Exponent {
		s = strings.Repeat("0", Exponent-len(s)+1) + s
	}
	s = s[:len(s)-Exponent] + "." + s[len(s)-Exponent:]
	if neg {
		s = "-" + s
	}
	return s
}
