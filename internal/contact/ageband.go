package contact

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// AgeBands are the age bands a contact can be in, youngest first: the one table of
// them (SPEC sections 4 and 8). They are the bands ad platforms report audiences in,
// so an insight turns into ad targeting as it stands. A contact with no band has "".
var AgeBands = []string{"under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"}

// ageBandFloors are the youngest age of each band of AgeBands.
var ageBandFloors = []int{0, 18, 25, 35, 45, 55, 65}

// maxAge is the oldest age taken as real; anything older is a typing error.
const maxAge = 120

// ErrInvalidAgeBand is returned for a value that names no age band.
var ErrInvalidAgeBand = errors.New("not an age band; use one of " + strings.Join(AgeBands, ", "))

// ageBandSpellings are the other ways people write a band, after the folding of
// NormalizeAgeBand (lower case, dashes and "to" as "-", no spaces around "-" or "+",
// words such as "years" and "aged" dropped).
var ageBandSpellings = map[string]string{
	"under18": "under 18", "under-18": "under 18", "<18": "under 18", "< 18": "under 18", "0-17": "under 18", "13-17": "under 18", "below 18": "under 18",
	"17 and under": "under 18", "17 or under": "under 18", "17 or younger": "under 18", "17 and younger": "under 18",
	"65 and over": "65+", "65 and older": "65+", "65 or over": "65+", "65 or older": "65+", "65 and above": "65+",
	"over 64": "65+", ">=65": "65+", "≥65": "65+", "65 plus": "65+", "65plus": "65+",
}

// ageBandNoise are words around a band that say nothing about it: "18-24 years",
// "aged 25 to 34", "Age: 35-44".
var ageBandNoise = []string{"years old", "years", "year", "yrs", "y/o", "y.o.", "aged", "ages", "age:", "age"}

// NormalizeAgeBand returns the band of AgeBands that s names, or ErrInvalidAgeBand.
// It takes the obvious spellings: any case, an en or em dash, spaces around the
// dash, "25 to 34", "18-24 years", "65 and over", "under 18". An empty s gives "".
func NormalizeAgeBand(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if len(s) > 64 {
		return "", ErrInvalidAgeBand
	}
	s = strings.NewReplacer("\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2212", "-",
		"_", " ", "\u00a0", " ").Replace(s)
	for _, w := range ageBandNoise {
		s = strings.ReplaceAll(s, w, " ")
	}
	words := strings.Fields(s)
	for i, w := range words {
		if w == "to" && i > 0 && i < len(words)-1 {
			words[i] = "-"
		}
	}
	s = strings.Join(words, " ")
	s = strings.ReplaceAll(s, " -", "-")
	s = strings.ReplaceAll(s, "- ", "-")
	s = strings.ReplaceAll(s, " +", "+")
	for _, b := range AgeBands {
		if s == b {
			return b, nil
		}
	}
	if b, ok := ageBandSpellings[s]; ok {
		return b, nil
	}
	return "", ErrInvalidAgeBand
}

// IsAgeBand reports whether s is one of AgeBands as spelled there.
func IsAgeBand(s string) bool {
	for _, b := range AgeBands {
		if s == b {
			return true
		}
	}
	return false
}

// AgeBandOfAge returns the band of an age in whole years; false for an age below 0
// or above 120.
func AgeBandOfAge(age int) (string, bool) {
	if age < 0 || age > maxAge {
		return "", false
	}
	band := AgeBands[0]
	for i, floor := range ageBandFloors {
		if age >= floor {
			band = AgeBands[i]
		}
	}
	return band, true
}

// AgeBandOfAgeText returns the band of an age written as a whole number ("34", " 34 ").
func AgeBandOfAgeText(s string) (string, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	return AgeBandOfAge(n)
}

// AgeBandOfBirthDate returns the band of someone born on the date written in s, as
// of now. It reads 1990-07-31 and 1990/07/31, 31.07.1990, and 31/07/1990 or
// 07/31/1990: a slashed date whose day and month could be swapped is taken only when
// both readings give the same band. The date itself is personal data the caller
// should not keep; the band is all it is for.
func AgeBandOfBirthDate(s string, now time.Time) (string, bool) {
	s = strings.TrimSpace(s)
	if d, err := time.Parse("2006-01-02", s); err == nil {
		return bandAt(d, now)
	}
	if d, err := time.Parse("2006/01/02", s); err == nil {
		return bandAt(d, now)
	}
	if d, err := time.Parse("02.01.2006", strings.ReplaceAll(s, " ", "")); err == nil {
		return bandAt(d, now)
	}
	if d, err := time.Parse("2.1.2006", strings.ReplaceAll(s, " ", "")); err == nil {
		return bandAt(d, now)
	}
	parts := strings.Split(s, "/")
	if len(parts) != 3 || len(parts[2]) != 4 {
		return "", false
	}
	a, errA := strconv.Atoi(parts[0])
	b, errB := strconv.Atoi(parts[1])
	y, errY := strconv.Atoi(parts[2])
	if errA != nil || errB != nil || errY != nil {
		return "", false
	}
	dayFirst, okD := date(y, b, a)
	monthFirst, okM := date(y, a, b)
	switch {
	case okD && okM:
		b1, ok1 := bandAt(dayFirst, now)
		b2, ok2 := bandAt(monthFirst, now)
		if ok1 && ok2 && b1 == b2 {
			return b1, true
		}
		return "", false
	case okD:
		return bandAt(dayFirst, now)
	case okM:
		return bandAt(monthFirst, now)
	}
	return "", false
}

// date builds a calendar date, false when the day or month does not exist.
func date(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

// bandAt is the band of someone born on birth as of now; a birth after now has none.
func bandAt(birth, now time.Time) (string, bool) {
	if birth.After(now) {
		return "", false
	}
	age := now.Year() - birth.Year()
	if now.Month() < birth.Month() || (now.Month() == birth.Month() && now.Day() < birth.Day()) {
		age--
	}
	return AgeBandOfAge(age)
}
