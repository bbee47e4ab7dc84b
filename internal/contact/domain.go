package contact

import (
	"strings"

	"golang.org/x/net/idna"
)

// maxDomainLen is the longest domain name DNS can carry, written without the root dot.
const maxDomainLen = 253

// asciiDomain converts a host name to its lower-case IDNA ASCII form and checks that it
// is a plausible public name: at least two labels, each 1 to 63 letters, digits or
// hyphens, and a top-level label that is not all digits (which would make it an IPv4
// address). It does not strip a trailing dot; callers decide whether that is allowed.
func asciiDomain(host string) (string, bool) {
	if host == "" || len(host) > 4*maxDomainLen {
		// The second bound only keeps absurd input away from the IDNA mapper.
		return "", false
	}
	ascii, err := idna.Lookup.ToASCII(strings.ToLower(host))
	if err != nil || ascii == "" || len(ascii) > maxDomainLen {
		return "", false
	}
	// The lookup profile lower-cases what it maps, but ASCII input passes through it
	// untouched apart from validation, so make the case explicit.
	ascii = strings.ToLower(ascii)
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, label := range labels {
		if !validLabel(label) {
			return "", false
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return "", false
	}
	return ascii, true
}

// validLabel reports whether one ASCII label follows the letters-digits-hyphen rule.
func validLabel(label string) bool {
	if len(label) == 0 || len(label) > 63 {
		return false
	}
	if label[0] == '-' || label[len(label)-1] == '-' {
		return false
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
