package attribution

import (
	"strings"
	"time"
)

// SessionTimeout is the inactivity after which a page view starts a new visit (SPEC section 2).
const SessionTimeout = 30 * time.Minute

// PageView is one tracked page view of a visitor or contact.
type PageView struct {
	At    time.Time
	Touch WebTouch
}

// StartsSession reports whether cur starts a new visit, which makes it a touch. It does when
// there is no previous view, when more than SessionTimeout passed since prev, when it carries
// UTM parameters different from prev's, or when it has an external referrer whose host
// differs from prev's external referrer. So a reload of the landing page or a second result
// clicked on the same search engine within the half hour stays one visit, while arriving
// again from another site or another campaign link is a new touch.
//
// prev is the visitor's view just before cur; the caller feeds views in time order.
func StartsSession(prev *PageView, cur PageView) bool {
	if prev == nil {
		return true
	}
	if cur.At.Sub(prev.At) > SessionTimeout {
		return true
	}
	if cur.Touch.hasUTM() && utmOf(cur.Touch) != utmOf(prev.Touch) {
		return true
	}
	if ref := cur.Touch.externalReferrer(); ref != "" {
		prevRef := prev.Touch.externalReferrer()
		return prevRef == "" || !sameSite(ref, prevRef)
	}
	return false
}

// utmSet is the UTM parameters of a touch folded for comparison, so "Google" and "google " are one campaign link.
type utmSet struct {
	source, medium, campaign, term, content string
}

func utmOf(t WebTouch) utmSet {
	fold := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	return utmSet{fold(t.UTMSource), fold(t.UTMMedium), fold(t.UTMCampaign), fold(t.UTMTerm), fold(t.UTMContent)}
}
