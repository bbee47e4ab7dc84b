package contact

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// planNumbers are the parser's example numbers of every region and calling code of no
// country, for every number type, each with neighbours that are often invalid: every
// digit changed, one digit more and one less.
func planNumbers(t *testing.T) []*phonenumbers.PhoneNumber {
	t.Helper()
	if raceEnabled {
		// Pure, single-threaded code checked against the parser's every example
		// number: under the race detector this took two minutes and proves nothing
		// more. CI runs it again without the detector.
		t.Skip("checked without the race detector")
	}
	var examples []*phonenumbers.PhoneNumber
	for region := range phonenumbers.GetSupportedRegions() {
		for typ := phonenumbers.FIXED_LINE; typ <= phonenumbers.UNKNOWN; typ++ {
			if n := phonenumbers.GetExampleNumberForType(region, typ); n != nil {
				examples = append(examples, n)
			}
		}
	}
	for cc := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		if n := phonenumbers.GetExampleNumberForNonGeoEntity(cc); n != nil {
			examples = append(examples, n)
		}
	}
	if len(examples) < 1000 {
		t.Fatalf("only %d example numbers", len(examples))
	}
	var out []*phonenumbers.PhoneNumber
	for _, n := range examples {
		nsn := phonenumbers.GetNationalSignificantNumber(n)
		variants := []string{nsn, nsn + "7", nsn[:len(nsn)-1]}
		for i := range nsn {
			variants = append(variants, nsn[:i]+string('0'+(nsn[i]-'0'+3)%10)+nsn[i+1:])
		}
		for _, v := range variants {
			if p, err := phonenumbers.Parse("+"+strconv.Itoa(int(n.GetCountryCode()))+v, ""); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// TestPhonePlanMatchesParser holds phonePlan and PhoneInfo to what the parser's own
// functions say of the same numbers.
func TestPhonePlanMatchesParser(t *testing.T) {
	valid := 0
	for _, n := range planNumbers(t) {
		cc, nsn := int(n.GetCountryCode()), phonenumbers.GetNationalSignificantNumber(n)
		region, typ, ok := phonePlan(cc, nsn)
		wantRegion, wantType, wantOK := phonenumbers.GetRegionCodeForNumber(n), phonenumbers.GetNumberType(n), phonenumbers.IsValidNumber(n)
		if region != wantRegion || typ != wantType || ok != wantOK {
			t.Errorf("phonePlan(%d, %q) = %q, %v, %v; the parser says %q, %v, %v", cc, nsn, region, typ, ok, wantRegion, wantType, wantOK)
		}
		if ok {
			valid++
		}
		e164 := phonenumbers.Format(n, phonenumbers.E164)
		r, lt := PhoneInfo(e164)
		wr, wlt := parsedPhoneInfo(e164)
		if r != wr || lt != wlt {
			t.Errorf("PhoneInfo(%q) = %q, %q; parsing it again gives %q, %q", e164, r, lt, wr, wlt)
		}
	}
	if valid < 1000 {
		t.Errorf("only %d valid numbers checked", valid)
	}
}

// parsedPhoneInfo is PhoneInfo as it was before phonePlan: the number parsed again
// and asked of the parser.
func parsedPhoneInfo(e164 string) (region, lineType string) {
	num, err := phonenumbers.Parse(e164, phonenumbers.UNKNOWN_REGION)
	if len(e164) > maxPhoneInput || len(e164) == 0 || e164[0] != '+' || err != nil || !phonenumbers.IsValidNumber(num) {
		return "", "unknown"
	}
	lt, ok := lineTypes[phonenumbers.GetNumberType(num)]
	if !ok {
		lt = "unknown"
	}
	return phonenumbers.GetRegionCodeForNumber(num), lt
}

// TestNormalizePhoneMatchesParser types each number the ways a visitor would, in its
// own region and from abroad, and wants what the parser's IsValidNumber and Format
// give, and PhoneInfo of the result to be what parsing that result again gives.
func TestNormalizePhoneMatchesParser(t *testing.T) {
	for i, n := range planNumbers(t) {
		if i%3 != 0 && !phonenumbers.IsValidNumber(n) {
			continue // a third of the invalid ones is plenty
		}
		region := phonenumbers.GetRegionCodeForNumber(n)
		e164 := phonenumbers.Format(n, phonenumbers.E164)
		for _, in := range []struct{ s, region string }{
			{e164, ""}, {e164, "DE"}, {e164, "US"}, {e164, region},
			{phonenumbers.Format(n, phonenumbers.INTERNATIONAL), ""},
			{phonenumbers.Format(n, phonenumbers.NATIONAL), region},
			{phonenumbers.Format(n, phonenumbers.RFC3966), "DE"},
		} {
			got, err := NormalizePhone(in.s, in.region)
			want, wantErr := parserNormalizePhone(in.s, in.region)
			if got != want || (err != nil) != (wantErr != nil) {
				t.Errorf("NormalizePhone(%q, %q) = %q, %v; the parser gives %q, %v", in.s, in.region, got, err, want, wantErr)
			}
			if err == nil {
				r, lt := PhoneInfo(got)
				wr, wlt := parsedPhoneInfo(got)
				if r != wr || lt != wlt {
					t.Errorf("PhoneInfo(%q) = %q, %q; parsing it again gives %q, %q", got, r, lt, wr, wlt)
				}
			}
		}
	}
}

// parserNormalizePhone is NormalizePhone as it was before phonePlan.
func parserNormalizePhone(s, region string) (string, error) {
	parse := func(s, region string) (string, bool) {
		num, err := phonenumbers.Parse(s, region)
		if err != nil || !phonenumbers.IsValidNumber(num) {
			return "", false
		}
		e164 := phonenumbers.Format(num, phonenumbers.E164)
		return e164, len(e164)-1 <= maxE164Digits
	}
	if region == "" {
		region = phonenumbers.UNKNOWN_REGION
	}
	if e, ok := parse(s, region); ok {
		return e, nil
	}
	if rest, found := strings.CutPrefix(s, "00"); found && rest != "" && rest[0] != '+' {
		if e, ok := parse("+"+rest, region); ok {
			return e, nil
		}
	}
	return "", ErrInvalidPhone
}

// TestPlainE164 holds NormalizePhone's shortcut for numbers posted in E.164 to the
// parser: whenever it takes a number, the parser gives that number back in every
// region; and it takes most valid ones.
func TestPlainE164(t *testing.T) {
	taken, valid := 0, 0
	for _, n := range planNumbers(t) {
		s := phonenumbers.Format(n, phonenumbers.E164)
		want, err := parserNormalizePhone(s, "")
		if err == nil {
			valid++
		}
		if !plainE164(s) {
			continue
		}
		taken++
		for _, region := range []string{"", "DE", "US", "GB", "IT", "AR", phonenumbers.GetRegionCodeForNumber(n)} {
			if got, err := parserNormalizePhone(s, region); err != nil || got != s {
				t.Errorf("plainE164(%q) is true, but the parser gives %q, %v in region %q", s, got, err, region)
			}
		}
		if want != s {
			t.Errorf("plainE164(%q) is true, but the parser gives %q", s, want)
		}
	}
	if taken < valid*9/10 {
		t.Errorf("the shortcut took %d of %d valid numbers", taken, valid)
	}
	t.Logf("the shortcut took %d of %d valid numbers", taken, valid)
}
