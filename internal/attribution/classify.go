package attribution

import "strings"

// Classify gives a web touch its channel by SPEC section 2 "Channel classification", in order:
//
//  1. the campaign's own channel when utm_campaign names a campaign;
//  2. utm_medium cpc, ppc, paid or paidsearch: paid_search when the source is a search engine,
//     paid_social when it is a social network, else other; the source is judged by
//     utm_source (a name or a domain) and, when that says nothing, by the referrer;
//  3. utm_medium email: email;
//  4. utm_medium social or social-media: social;
//  5. an external referrer: organic_search for a search engine, social for a social network,
//     referral for any other site;
//  6. nothing: direct.
//
// UTM values match without regard to case, surrounding spaces or the separators ' ', '_'
// and '-' ("Social Media" is social-media). One case the specification leaves open: a
// tagged link whose medium is none of the above and that arrives without a referrer. It is
// not "nothing", so it is not direct: utm_source stands in for the referrer, giving
// organic_search or social for a known engine or network and other for anything else.
//
// campaignChannel looks a campaign up by its utm_campaign key, which it gets trimmed of
// spaces but otherwise as sent (matching without case is the caller's job); a nil
// campaignChannel means there are no campaigns. A channel it returns that is not valid is
// ignored, so a broken campaign row cannot put an unknown channel into the reports.
func Classify(t WebTouch, campaignChannel func(utmCampaign string) (Channel, bool)) Channel {
	if campaignChannel != nil {
		if key := strings.TrimSpace(t.UTMCampaign); key != "" {
			if c, ok := campaignChannel(key); ok && c.Valid() {
				return c
			}
		}
	}
	switch normaliseName(t.UTMMedium) {
	case "cpc", "ppc", "paid", "paidsearch":
		kind := utmSourceKind(t.UTMSource)
		if kind == unknownSource {
			kind = hostKind(t.externalReferrer())
		}
		switch kind {
		case searchEngine:
			return PaidSearch
		case socialNetwork:
			return PaidSocial
		}
		return Other
	case "email":
		return Email
	case "social", "socialmedia":
		return Social
	}
	if ref := t.externalReferrer(); ref != "" {
		switch hostKind(ref) {
		case searchEngine:
			return OrganicSearch
		case socialNetwork:
			return Social
		}
		return Referral
	}
	if t.hasUTM() {
		switch utmSourceKind(t.UTMSource) {
		case searchEngine:
			return OrganicSearch
		case socialNetwork:
			return Social
		}
		return Other
	}
	return Direct
}
