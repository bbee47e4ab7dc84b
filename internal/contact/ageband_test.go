package contact

import (
	"testing"
	"time"
)

func TestNormalizeAgeBand(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "  ": "", "18-24": "18-24", "25–34": "25-34", "25 — 34": "25-34", "25 - 34": "25-34", "25 to 34": "25-34",
		"35 TO 44": "35-44", "45-54 years": "45-54", "Aged 55 to 64": "55-64", "Age: 18 - 24": "18-24", "65+": "65+", "65 +": "65+",
		"65 and over": "65+", "65 or older": "65+", "Under 18": "under 18", "under18": "under 18", "0-17": "under 18", "<18": "under 18",
		"18‑24": "18-24", "18_24": "", "25-35": "", "30": "", "adult": "", "65": "", "to 34": "", "18-24-": "",
	} {
		got, err := NormalizeAgeBand(in)
		if want == "" && in != "" && in != "  " {
			if err == nil {
				t.Errorf("NormalizeAgeBand(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("NormalizeAgeBand(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	for _, b := range AgeBands {
		if got, err := NormalizeAgeBand(b); err != nil || got != b || !IsAgeBand(b) {
			t.Errorf("band %q does not normalise to itself: %q, %v", b, got, err)
		}
	}
}

func TestAgeBandOfAge(t *testing.T) {
	for age, want := range map[int]string{0: "under 18", 17: "under 18", 18: "18-24", 24: "18-24", 25: "25-34", 34: "25-34",
		35: "35-44", 44: "35-44", 45: "45-54", 54: "45-54", 55: "55-64", 64: "55-64", 65: "65+", 120: "65+", -1: "", 121: ""} {
		got, ok := AgeBandOfAge(age)
		if got != want || ok != (want != "") {
			t.Errorf("AgeBandOfAge(%d) = %q, %v, want %q", age, got, ok, want)
		}
	}
	if b, ok := AgeBandOfAgeText(" 41 "); !ok || b != "35-44" {
		t.Errorf("AgeBandOfAgeText(41) = %q, %v", b, ok)
	}
	for _, s := range []string{"", "41.5", "forty", "-3", "200"} {
		if b, ok := AgeBandOfAgeText(s); ok {
			t.Errorf("AgeBandOfAgeText(%q) = %q, want none", s, b)
		}
	}
}

func TestAgeBandOfBirthDate(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"2001-06-15": "25-34", // 25 today
		"2001-06-16": "18-24", // 25 tomorrow
		"2001/06/15": "25-34",
		"15.06.2001": "25-34",
		"5.6.1960":   "65+",
		"31/07/1990": "35-44", // only the day can be 31
		"07/31/1990": "35-44",
		"03/04/1990": "35-44", // either reading is 36
		"16/06/2008": "under 18",
		"06/07/2001": "", // 6 July 2001 (24) or 7 June 2001 (25): the bands differ
		"2030-01-01": "", // in the future
		"1890-01-01": "", // older than anyone
		"2001-02-30": "", // no such day
		"yesterday":  "",
		"1990":       "",
	} {
		got, ok := AgeBandOfBirthDate(in, now)
		if got != want || ok != (want != "") {
			t.Errorf("AgeBandOfBirthDate(%q) = %q, %v, want %q", in, got, ok, want)
		}
	}
}
