package contact

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrInvalidEmail is returned when a string cannot be an email address we can deliver to.
var ErrInvalidEmail = errors.New("invalid email address")

const (
	maxLocalLen = 64  // RFC 5321 limit for the part before the @
	maxEmailLen = 254 // RFC 5321 limit for a whole forward path, less the angle brackets
)

// NormalizeEmail trims, lower-cases, converts the domain to IDNA ASCII (golang.org/x/net/idna,
// lookup profile), and validates the shape (one @, non-empty local part up to 64 bytes,
// domain with a dot, total up to 254, no spaces/control chars, valid UTF-8).
// No other rewriting: no dot or plus stripping. "  Bob@Bücher.DE " -> "bob@xn--bcher-kva.de".
//
// The local part is also put in Unicode NFC form, so that an accented letter typed as one
// code point or as a letter plus a combining mark gives the same contact (RFC 6532 asks
// for NFC). Quoted local parts, comments, IP literals and a trailing dot after the domain
// are rejected: real leads do not use them, and accepting them would give one mailbox
// several spellings.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 4*maxEmailLen || !utf8.ValidString(s) {
		return "", ErrInvalidEmail
	}
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return "", ErrInvalidEmail
	}
	local, ok := normalizeLocal(s[:at])
	if !ok {
		return "", ErrInvalidEmail
	}
	rawDomain := s[at+1:]
	if strings.HasSuffix(rawDomain, ".") || hasInvisible(rawDomain) {
		return "", ErrInvalidEmail
	}
	domain, ok := asciiDomain(rawDomain)
	if !ok {
		return "", ErrInvalidEmail
	}
	email := local + "@" + domain
	if len(email) > maxEmailLen {
		return "", ErrInvalidEmail
	}
	return email, nil
}

// normalizeLocal lower-cases and composes the part before the @ and checks it is an
// unquoted dot-atom: RFC 5322 atext characters or any non-ASCII letter, separated by
// single dots, with no dot at either end.
func normalizeLocal(local string) (string, bool) {
	if local == "" {
		return "", false
	}
	local = norm.NFC.String(strings.ToLower(local))
	if len(local) > maxLocalLen || local[0] == '.' || local[len(local)-1] == '.' ||
		strings.Contains(local, "..") {
		return "", false
	}
	for _, r := range local {
		if r < utf8.RuneSelf {
			if !isAtext(byte(r)) && r != '.' {
				return "", false
			}
			continue
		}
		if invisible(r) {
			return "", false
		}
	}
	return local, true
}

// isAtext reports whether an ASCII byte may appear unquoted in a local part.
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// invisible reports runes that would let two addresses look identical on screen but
// differ in bytes: spaces, controls, format characters and unassigned code points.
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		r == utf8.RuneError || !unicode.IsPrint(r)
}

func hasInvisible(s string) bool {
	for _, r := range s {
		if invisible(r) {
			return true
		}
	}
	return false
}

// EmailDomain returns the part after @ of a normalised email ("" if none).
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return email[at+1:]
}
