package contact

import (
	"errors"
	"strconv"
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
	if plainE164(s) {
		return s, nil
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
// Validity is decided by phonePlan, which gives what phonenumbers.IsValidNumber would
// at a fraction of its cost.
func parsePhone(s, region string) (string, bool) {
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		return "", false
	}
	cc, nsn := int(num.GetCountryCode()), phonenumbers.GetNationalSignificantNumber(num)
	if _, _, ok := phonePlan(cc, nsn); !ok {
		return "", false
	}
	// What phonenumbers.Format gives in E.164, without the extension.
	e164 := "+" + strconv.Itoa(cc) + nsn
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
//
// The number is not parsed again: an E.164 string is its country calling code (country
// codes are prefix-free) followed by its national significant number, which is all the
// region and the line type depend on. So the answer is the one the numbering plan gives
// the number NormalizePhone read, whichever way it was typed.
func PhoneInfo(e164 string) (region, lineType string) {
	cc, nsn, ok := splitE164(e164)
	if !ok {
		return "", "unknown"
	}
	region, t, ok := phonePlan(cc, nsn)
	if !ok {
		return "", "unknown"
	}
	lineType, ok = lineTypes[t]
	if !ok {
		lineType = "unknown"
	}
	return region, lineType
}

// plainE164 reports whether s is a valid number written in E.164 already ("+" and
// digits, as phone widgets post them) that the parser would give back unchanged, so
// that NormalizePhone may skip the parser, whose patterns (the extension's above all)
// cost three quarters of its time. The parser reads such a number the same in every
// default region: the country calling code, then the national number, from which it
// strips a national prefix only when the prefix's pattern matches at its start; when
// it does, s is left to the parser.
func plainE164(s string) bool {
	cc, nsn, ok := splitE164(s)
	if !ok || len(s)-1 > maxE164Digits {
		return false
	}
	rp := loadPlans().forRegion(cc, phonenumbers.GetRegionCodeForCountryCode(cc))
	if rp == nil || rp.nationalPrefix != nil && rp.nationalPrefix.MatchString(nsn) {
		return false
	}
	_, _, valid := phonePlan(cc, nsn)
	return valid
}

// splitE164 cuts "+" digits into a known country calling code and the rest, as the
// parser reads a number given with its country code. The national part may be as long
// as the parser allows, so a stored number a little over E.164's 15 digits still gets
// the answer it had when PhoneInfo parsed it.
func splitE164(s string) (cc int, nsn string, ok bool) {
	if len(s) < 2 || s[0] != '+' || len(s)-1 > phonenumbers.MAX_LENGTH_COUNTRY_CODE+phonenumbers.MAX_LENGTH_FOR_NSN {
		return 0, "", false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, "", false
		}
	}
	if s[1] == '0' {
		return 0, "", false // no country code starts with 0
	}
	for n := 1; n <= phonenumbers.MAX_LENGTH_COUNTRY_CODE && n < len(s); n++ {
		cc, _ = strconv.Atoi(s[1 : 1+n])
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) > 0 {
			nsn = s[1+n:]
			ok = len(nsn) >= phonenumbers.MIN_LENGTH_FOR_NSN && len(nsn) <= phonenumbers.MAX_LENGTH_FOR_NSN
			return cc, nsn, ok
		}
	}
	return 0, "", false
}
