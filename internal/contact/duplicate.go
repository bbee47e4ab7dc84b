package contact

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NameCompanyKey is the key that flags two contacts without a shared email as possible
// duplicates: same full name at the same company. Case-, accent- and
// whitespace-insensitive (marks are stripped after Unicode decomposition); "" when
// first+last name is empty or company is empty. Company compared after trimming legal
// suffixes (Inc, Ltd, GmbH, LLC, SA, AG, BV, ...).
//
// The key errs on the side of matching: punctuation and spaces are dropped, so
// "Jean-Luc" and "Jeanluc" meet. That is safe because a match is only flagged for a
// person to review, never merged.
func NameCompanyKey(firstName, lastName, company string) string {
	name := strings.Join(foldWords(firstName+" "+lastName), "")
	if name == "" {
		return ""
	}
	words := trimLegalForm(foldWords(company))
	for i, w := range words {
		// "Procter and Gamble" and "Procter & Gamble" are one company.
		if connectors[w] {
			words[i] = "&"
		}
	}
	org := strings.Join(words, "")
	if org == "" {
		return ""
	}
	// foldWords never returns a bar, so input cannot move the boundary between halves.
	return name + "|" + org
}

// foldWords case-folds s, strips accents from Latin, Greek and Cyrillic letters, and
// splits it into words of letters, digits and the marks that belong to them. Dots and
// apostrophes join rather than split, so "S.A." is one word "sa" and "O'Neil" is
// "oneil". "&" and "+" are kept as words of their own because legal forms such as
// "GmbH & Co. KG" use them.
func foldWords(s string) []string {
	// Full case folding, not lower-casing, so that "STRASSE" meets "Straße" and the
	// long s meets s. A Caser keeps state, hence one per call. ASCII folds to its lower
	// case and has nothing to decompose: most names and companies skip both passes.
	if isASCII(s) {
		s = strings.ToLower(s)
	} else {
		s = norm.NFD.String(cases.Fold().String(s))
	}
	var b strings.Builder
	var base rune // the last letter kept, whose script decides whether marks go
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me):
			// A mark with no letter before it is noise; a vowel sign in Devanagari,
			// Thai and the like is part of the word.
			if base != 0 && !(unicode.Is(unicode.Mn, r) && strippable(base)) {
				b.WriteRune(r)
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			base = r
			if t, ok := foldLetters[r]; ok {
				b.WriteString(t)
				continue
			}
			b.WriteRune(r)
		case r == '.' || r == '\'' || r == '’' || r == 'ʼ':
			// Joiners: nothing written.
		case r == '&' || r == '+':
			base = 0
			b.WriteString(" " + string(r) + " ")
		default:
			base = 0
			b.WriteByte(' ')
		}
	}
	return strings.Fields(norm.NFC.String(b.String()))
}

// strippable reports whether non-spacing marks after r are accents that people often
// leave out when typing a name. In other scripts marks carry vowels or sounds, and
// dropping them would make different names collide.
func strippable(r rune) bool {
	return unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic)
}

// foldLetters spells case-folded letters that carry no separable accent but are
// commonly typed without it: a form filled in on an English keyboard writes "Soren"
// for "Søren". (ß needs no entry: case folding already makes it "ss".)
var foldLetters = map[rune]string{
	'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'æ': "ae", 'œ': "oe",
	'ı': "i", 'ħ': "h", 'ŀ': "l",
}

// legalForms are company-name endings that say how a company is registered, not which
// company it is. Entries of several words are written with single spaces, as foldWords
// returns them.
var legalForms = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "co": true,
	"company": true, "ltd": true, "limited": true, "llc": true, "llp": true, "lp": true,
	"plc": true, "pllc": true, "pc": true, "pty": true, "pte": true, "pvt": true,
	"gmbh": true, "mbh": true, "ag": true, "kg": true, "kgaa": true, "ohg": true,
	"ug": true, "haftungsbeschrankt": true, "ev": true, "eg": true, "gbr": true,
	"sa": true, "sas": true, "sasu": true, "sarl": true, "eurl": true, "sci": true,
	"srl": true, "spa": true, "sl": true, "slu": true, "sau": true, "lda": true,
	"ltda": true, "sc": true, "cv": true, "sa de cv": true, "s de rl": true,
	"bv": true, "nv": true, "vof": true, "cvba": true, "bvba": true, "se": true,
	"ab": true, "as": true, "asa": true, "aps": true, "oy": true, "oyj": true, "hf": true,
	"sro": true, "as sro": true, "kft": true, "zrt": true, "nyrt": true, "doo": true,
	"dd": true, "ad": true, "ood": true, "eood": true, "sp z oo": true, "spzoo": true,
	"sp k": true, "oao": true, "ooo": true, "zao": true, "pao": true,
	"kk": true, "yk": true, "bhd": true, "sdn bhd": true, "tbk": true, "pt": true,
}

// connectors join legal forms ("GmbH & Co. KG", "Smith and Co"); they are dropped only
// when a legal form has just been trimmed after them.
var connectors = map[string]bool{"&": true, "+": true, "and": true, "und": true, "et": true}

// trimLegalForm removes legal-form words from the end of a company name, longest
// match first, but never the last remaining word: "Holding AG" keeps "holding".
func trimLegalForm(words []string) []string {
	trimmed := false
	for len(words) > 1 {
		last := words[len(words)-1]
		if trimmed && connectors[last] {
			words = words[:len(words)-1]
			continue
		}
		n := legalFormLen(words)
		if n == 0 || n >= len(words) {
			break
		}
		words = words[:len(words)-n]
		trimmed = true
	}
	// A lone connector is no company name.
	if len(words) == 1 && connectors[words[0]] {
		return nil
	}
	return words
}

// legalFormLen returns how many trailing words form a legal form, 0 if none.
func legalFormLen(words []string) int {
	for n := min(4, len(words)); n >= 1; n-- {
		if legalForms[strings.Join(words[len(words)-n:], " ")] {
			return n
		}
	}
	return 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
