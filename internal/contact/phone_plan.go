package contact

import (
	"regexp"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// The numbering plans of github.com/nyaruka/phonenumbers, read the way its
// IsValidNumber, GetRegionCodeForNumber and GetNumberType read them, but with each
// pattern compiled once and matched once. The parser builds every pattern's string
// again, looks it up in a locked cache and matches it twice per number type, and
// IsValidNumber and GetNumberType each find the region first (for +1, by matching the
// whole US plan): about 40 µs for a US number, on every form post.

// planDesc is one number type of a region: its possible lengths (none: any) and its
// national number pattern, anchored at both ends.
type planDesc struct {
	lengths []int32
	re      *regexp.Regexp
}

func (d *planDesc) matches(nsn string) bool {
	if len(d.lengths) > 0 {
		found := false
		for _, l := range d.lengths {
			if int32(len(nsn)) == l {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return d.re.MatchString(nsn)
}

// regionPlan is one region's (or one non-geographic calling code's) plan.
type regionPlan struct {
	countryCode   int32
	leadingDigits *regexp.Regexp // nil when the region has none
	// nationalPrefix matches a national prefix the parser would strip at the start of
	// a national number (the prefix for parsing); nil when the region has none.
	nationalPrefix *regexp.Regexp
	sameMobile     bool // fixed line and mobile numbers share one pattern
	general        planDesc
	// In the order phonenumbers tries them.
	premium, tollFree, sharedCost, voip, personal, pager, uan, voicemail, fixed, mobile planDesc
}

func newPlanDesc(d *phonenumbers.PhoneNumberDesc) planDesc {
	return planDesc{lengths: d.GetPossibleLength(), re: regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$")}
}

func newRegionPlan(m *phonenumbers.PhoneMetadata) *regionPlan {
	p := &regionPlan{countryCode: m.GetCountryCode(), sameMobile: m.GetSameMobileAndFixedLinePattern(),
		general: newPlanDesc(m.GetGeneralDesc()), premium: newPlanDesc(m.GetPremiumRate()),
		tollFree: newPlanDesc(m.GetTollFree()), sharedCost: newPlanDesc(m.GetSharedCost()),
		voip: newPlanDesc(m.GetVoip()), personal: newPlanDesc(m.GetPersonalNumber()),
		pager: newPlanDesc(m.GetPager()), uan: newPlanDesc(m.GetUan()), voicemail: newPlanDesc(m.GetVoicemail()),
		fixed: newPlanDesc(m.GetFixedLine()), mobile: newPlanDesc(m.GetMobile())}
	if ld := m.GetLeadingDigits(); ld != "" {
		p.leadingDigits = regexp.MustCompile("^(?:" + ld + ")")
	}
	if np := m.GetNationalPrefixForParsing(); np != "" {
		p.nationalPrefix = regexp.MustCompile("^(?:" + np + ")")
	}
	return p
}

// numberType is phonenumbers' getNumberTypeHelper.
func (p *regionPlan) numberType(nsn string) phonenumbers.PhoneNumberType {
	switch {
	case !p.general.matches(nsn):
		return phonenumbers.UNKNOWN
	case p.premium.matches(nsn):
		return phonenumbers.PREMIUM_RATE
	case p.tollFree.matches(nsn):
		return phonenumbers.TOLL_FREE
	case p.sharedCost.matches(nsn):
		return phonenumbers.SHARED_COST
	case p.voip.matches(nsn):
		return phonenumbers.VOIP
	case p.personal.matches(nsn):
		return phonenumbers.PERSONAL_NUMBER
	case p.pager.matches(nsn):
		return phonenumbers.PAGER
	case p.uan.matches(nsn):
		return phonenumbers.UAN
	case p.voicemail.matches(nsn):
		return phonenumbers.VOICEMAIL
	case p.fixed.matches(nsn):
		if p.sameMobile || p.mobile.matches(nsn) {
			return phonenumbers.FIXED_LINE_OR_MOBILE
		}
		return phonenumbers.FIXED_LINE
	case !p.sameMobile && p.mobile.matches(nsn):
		return phonenumbers.MOBILE
	}
	return phonenumbers.UNKNOWN
}

// plans holds the metadata of the parser by region and, for the calling codes of no
// country ("001"), by calling code; each region's patterns are compiled on first use.
type plans struct {
	regions map[string]*phonenumbers.PhoneMetadata
	nonGeo  map[int32]*phonenumbers.PhoneMetadata
	mu      sync.RWMutex
	built   map[*phonenumbers.PhoneMetadata]*regionPlan
}

var loadPlans = sync.OnceValue(func() *plans {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		panic(err) // the parser's own package initialisation read the same data
	}
	p := &plans{regions: map[string]*phonenumbers.PhoneMetadata{}, nonGeo: map[int32]*phonenumbers.PhoneMetadata{},
		built: map[*phonenumbers.PhoneMetadata]*regionPlan{}}
	for _, m := range coll.GetMetadata() {
		if m.GetId() == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
			p.nonGeo[m.GetCountryCode()] = m
		} else {
			p.regions[m.GetId()] = m
		}
	}
	return p
})

func (p *plans) plan(m *phonenumbers.PhoneMetadata) *regionPlan {
	p.mu.RLock()
	rp := p.built[m]
	p.mu.RUnlock()
	if rp != nil {
		return rp
	}
	rp = newRegionPlan(m)
	p.mu.Lock()
	if prev := p.built[m]; prev != nil {
		rp = prev
	} else {
		p.built[m] = rp
	}
	p.mu.Unlock()
	return rp
}

// forRegion is the plan of a region the parser supports, or of a non-geographic
// calling code when region is "001"; nil when there is none.
func (p *plans) forRegion(cc int, region string) *regionPlan {
	var m *phonenumbers.PhoneMetadata
	if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY {
		m = p.nonGeo[int32(cc)]
	} else {
		m = p.regions[region]
	}
	if m == nil {
		return nil
	}
	return p.plan(m)
}

// phonePlan returns the region and the number type of the number with country
// calling code cc and national significant number nsn, and whether it is valid: what
// phonenumbers.GetRegionCodeForNumber, GetNumberType and IsValidNumber return for it.
func phonePlan(cc int, nsn string) (region string, t phonenumbers.PhoneNumberType, valid bool) {
	ps := loadPlans()
	regions := phonenumbers.GetRegionCodesForCountryCode(cc)
	var rp *regionPlan
	t = -1 // not known yet
	switch len(regions) {
	case 0:
		return "", phonenumbers.UNKNOWN, false
	case 1:
		region = regions[0]
		rp = ps.forRegion(cc, region)
	default:
		// Several regions share the code (+1, +7, +44, ...): the first whose leading
		// digits match, or, for one without leading digits, whose plan knows the number.
		for _, r := range regions {
			cand := ps.forRegion(cc, r)
			if cand == nil {
				continue // the parser would fail here too; no such metadata ships
			}
			if cand.leadingDigits != nil {
				if cand.leadingDigits.MatchString(nsn) {
					region, rp = r, cand
					break
				}
			} else if ct := cand.numberType(nsn); ct != phonenumbers.UNKNOWN {
				region, rp, t = r, cand, ct
				break
			}
		}
	}
	if rp == nil {
		return region, phonenumbers.UNKNOWN, false
	}
	if t < 0 {
		t = rp.numberType(nsn)
	}
	valid = t != phonenumbers.UNKNOWN && (region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY || int32(cc) == rp.countryCode)
	return region, t, valid
}
