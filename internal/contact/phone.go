package contact

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalidPhone is returned when a string is not a dialable phone number.
var ErrInvalidPhone = errors.New("invalid phone number")

// maxE164Digits is the most digits E.164 allows, country code included.
const maxE164Digits = 15

// maxPhoneInput bounds the text handed to the parser; no real number, even with an
// extension and generous formatting, comes close.
const maxPhoneInput = 100

// NormalizePhone parses with github.com/nyaruka/phonenumbers using defaultRegion (ISO 3166
// alpha-2, e.g. "DE", "US"; "" means the number must start with +) and returns E.164
// ("+4930123456"). Invalid (phonenumbers.IsValidNumber false) -> ErrInvalidPhone.
//
// A leading 00 counts as + in every region, because it is the international prefix of
// most of the world and visitors type it on forms whatever the form's region. An
// extension ("ext. 12", "x12") is accepted but dropped: E.164 has no place for it.
func NormalizePhone(s, defaultRegion string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxPhoneInput {
		return "", ErrInvalidPhone
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		// The parser's name for "no region": only numbers with a country code parse.
		region = phonenumbers.UNKNOWN_REGION
	}
	if e164, ok := parsePhone(s, region); ok {
		return e164, nil
	}
	if rest, found := strings.CutPrefix(s, "00"); found && rest != "" && rest[0] != '+' {
		if e164, ok := parsePhone("+"+rest, region); ok {
			return e164, nil
		}
	}
	return "", ErrInvalidPhone
}

// parsePhone returns the E.164 form only when the parser accepts the number, its
// metadata says the number can exist, and the result fits E.164. The metadata allows a
// few national ranges (long German 0800 numbers) that would need more than 15 digits.
func parsePhone(s, region string) (string, bool) {
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	if len(e164)-1 > maxE164Digits {
		return "", false
	}
	return e164, true
}

// lineTypes names the parser's number types in the words stored and shown by Lodestone.
var lineTypes = map[phonenumbers.PhoneNumberType]string{
	phonenumbers.FIXED_LINE:           "fixed_line",
	phonenumbers.MOBILE:               "mobile",
	phonenumbers.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
	phonenumbers.TOLL_FREE:            "toll_free",
	phonenumbers.PREMIUM_RATE:         "premium_rate",
	phonenumbers.SHARED_COST:          "shared_cost",
	phonenumbers.VOIP:                 "voip",
	phonenumbers.PERSONAL_NUMBER:      "personal_number",
	phonenumbers.PAGER:                "pager",
	phonenumbers.UAN:                  "uan",
	phonenumbers.VOICEMAIL:            "voicemail",
	phonenumbers.UNKNOWN:              "unknown",
}

// PhoneInfo returns region code ("DE") and line type ("mobile", "fixed_line",
// "fixed_line_or_mobile", "toll_free", "voip", "unknown", ...) of an E.164 number.
// Numbers that belong to no country (+800, +882, ...) have region "001". A string that
// is not a valid E.164 number gives ("", "unknown").
func PhoneInfo(e164 string) (region, lineType string) {
	if !strings.HasPrefix(e164, "+") || len(e164) > maxPhoneInput {
		return "", "unknown"
	}
	num, err := phonenumbers.Parse(e164, phonenumbers.UNKNOWN_REGION)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", "unknown"
	}
	lineType, ok := lineTypes[phonenumbers.GetNumberType(num)]
	if !ok {
		lineType = "unknown"
	}
	return phonenumbers.GetRegionCodeForNumber(num), lineType
}
