package contact

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

func TestNameCompanyKey(t *testing.T) {
	tests := []struct {
		name, first, last, company, want string
	}{
		{"plain", "Jane", "Doe", "Acme", "janedoe|acme"},
		{"case", "JANE", "doe", "ACME", "janedoe|acme"},
		{"whitespace", "  Jane ", "\tDoe\n", " Acme  Widgets ", "janedoe|acmewidgets"},
		{"accents", "Élodie", "Müller", "Société Générale", "elodiemuller|societegenerale"},
		{"decomposed accents", "E\u0301lodie", "Mu\u0308ller", "Acme", "elodiemuller|acme"},
		{"letters without separable accent", "Søren", "Łukasz Straße", "Ærø", "sorenlukaszstrasse|aero"},
		{"turkish dotted capital", "İlker", "Yılmaz", "Acme", "ilkeryilmaz|acme"},
		{"greek final sigma", "ΝΊΚΟΣ", "Νίκος", "Acme", "νικοσνικοσ|acme"},
		{"hyphen and apostrophe", "Jean-Luc", "O'Neil", "Acme", "jeanluconeil|acme"},
		{"name only in first", "Jane Doe", "", "Acme", "janedoe|acme"},
		{"name only in last", "", "Doe", "Acme", "doe|acme"},
		{"inc", "Jane", "Doe", "Acme, Inc.", "janedoe|acme"},
		{"ltd", "Jane", "Doe", "Acme Ltd", "janedoe|acme"},
		{"pty ltd", "Jane", "Doe", "Acme Pty Ltd", "janedoe|acme"},
		{"gmbh", "Jane", "Doe", "Acme GmbH", "janedoe|acme"},
		{"gmbh & co kg", "Jane", "Doe", "Acme GmbH & Co. KG", "janedoe|acme"},
		{"llc", "Jane", "Doe", "Acme LLC", "janedoe|acme"},
		{"dotted sa", "Jane", "Doe", "Acme S.A.", "janedoe|acme"},
		{"sa de cv", "Jane", "Doe", "Acme S.A. de C.V.", "janedoe|acme"},
		{"ag", "Jane", "Doe", "Acme AG", "janedoe|acme"},
		{"bv", "Jane", "Doe", "Acme B.V.", "janedoe|acme"},
		{"polish", "Jane", "Doe", "Acme Sp. z o.o.", "janedoe|acme"},
		{"ampersand company", "Jane", "Doe", "Procter & Gamble Co.", "janedoe|procter&gamble"},
		{"and is ampersand", "Jane", "Doe", "Procter and Gamble", "janedoe|procter&gamble"},
		{"smith and co", "Jane", "Doe", "Smith & Co", "janedoe|smith"},
		{"legal form only is kept", "Jane", "Doe", "GmbH", "janedoe|gmbh"},
		{"legal form inside name kept", "Jane", "Doe", "AG Insurance Group", "janedoe|aginsurancegroup"},
		{"non-latin marks kept", "अमित", "शर्मा", "Acme", "अमितशर्मा|acme"},

		{"no name", "", "", "Acme", ""},
		{"punctuation name", " - ", ".", "Acme", ""},
		{"no company", "Jane", "Doe", "", ""},
		{"blank company", "Jane", "Doe", "   ", ""},
		{"connector company", "Jane", "Doe", "&", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NameCompanyKey(tt.first, tt.last, tt.company); got != tt.want {
				t.Fatalf("NameCompanyKey(%q, %q, %q) = %q; want %q", tt.first, tt.last, tt.company, got, tt.want)
			}
		})
	}
}

// TestNameCompanyKeyMatches checks the property the key exists for: spellings of one
// person at one company meet, different people or companies do not.
func TestNameCompanyKeyMatches(t *testing.T) {
	same := [][2][3]string{
		{{"José", "García", "Telefónica S.A."}, {"jose", "GARCIA", "Telefonica"}},
		{{"Anne-Marie", "Dupont", "Dupont et Fils SARL"}, {"Anne Marie", "Dupont", "dupont & fils"}},
		{{"Jörg", "Weiß", "Müller GmbH"}, {"JÖRG", "WEISS", "Müller"}},
	}
	for _, pair := range same {
		a := NameCompanyKey(pair[0][0], pair[0][1], pair[0][2])
		b := NameCompanyKey(pair[1][0], pair[1][1], pair[1][2])
		if a == "" || a != b {
			t.Errorf("keys differ: %v -> %q, %v -> %q", pair[0], a, pair[1], b)
		}
	}
	different := [][2][3]string{
		{{"Jane", "Doe", "Acme"}, {"John", "Doe", "Acme"}},
		{{"Jane", "Doe", "Acme"}, {"Jane", "Doe", "Acme Widgets"}},
	}
	for _, pair := range different {
		a := NameCompanyKey(pair[0][0], pair[0][1], pair[0][2])
		b := NameCompanyKey(pair[1][0], pair[1][1], pair[1][2])
		if a == b {
			t.Errorf("keys meet: %v and %v -> %q", pair[0], pair[1], a)
		}
	}
}

// The ASCII shortcut of foldWords gives what full case folding and decomposition give.
func TestFoldWordsASCII(t *testing.T) {
	var all strings.Builder
	for c := 0; c < utf8.RuneSelf; c++ {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{all.String(), "Jean-Luc O'NEIL", "ACME GmbH & Co. KG", "Procter+Gamble S.A.", "  Mixed\tCASE  words 42 "} {
		want := slowFoldWords(s)
		if got := foldWords(s); !slices.Equal(got, want) {
			t.Errorf("foldWords(%q) = %q, want %q", s, got, want)
		}
	}
}

// slowFoldWords is foldWords without its ASCII shortcut: the input folded and
// decomposed in full, then split by foldWords (on text that is ASCII by then).
func slowFoldWords(s string) []string {
	return foldWords(norm.NFD.String(cases.Fold().String(s)))
}
