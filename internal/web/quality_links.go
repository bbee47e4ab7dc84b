package web

import (
	"net/url"
	"slices"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The contacts behind a figure of the client and lead quality table: its row's channel,
// campaign and created filters, and
//
//	quality  revenue (customers with won revenue), repeat (more than one won deal),
//	         referrers (customers who made a referral), accepted or rejected (SQLs by
//	         sales' latest decision)
//	reason   with quality=rejected, the reason given ("" for none)
var qualityParams = []string{"quality", "reason"}

var qualityLabels = map[string]string{store.QualityRevenue: "Customers with revenue", store.QualityRepeat: "Repeat customers",
	store.QualityReferrers: "Customers who referred someone", store.QualityAccepted: "SQLs accepted by sales", store.QualityRejected: "SQLs rejected by sales"}

// qualityFilterFrom reads the quality parameters, if any, into f.
func qualityFilterFrom(q url.Values, f *store.ContactFilter) error {
	if !q.Has("quality") && !q.Has("reason") {
		return nil
	}
	fig := q.Get("quality")
	if !slices.Contains(store.QualityFigures, fig) {
		return errs.Field("quality", "must be one of %s", strings.Join(store.QualityFigures, ", "))
	}
	f.Quality = &store.QualityFilter{Figure: fig}
	if q.Has("reason") {
		if fig != store.QualityRejected {
			return errs.Field("reason", "goes with quality=rejected")
		}
		r := store.TrimReason(q.Get("reason"))
		if len(r) > 500 || !validUTF8(r) || strings.ContainsRune(r, 0) {
			return errs.Field("reason", "must be valid UTF-8 text of at most 500 characters")
		}
		f.Quality.Reason = &r
	}
	return nil
}

// qualityChip words the filter for the contacts list.
func qualityChip(q url.Values) string {
	label := qualityLabels[q.Get("quality")]
	if q.Has("reason") {
		if r := q.Get("reason"); r != "" {
			label += ": " + r
		} else {
			label += ", no reason given"
		}
	}
	return label
}

// qualityURL is the contacts list of a quality row's link filter and the figure.
func qualityURL(link url.Values, figure string, reason ...string) string {
	l := cloneValues(link)
	l.Set("quality", figure)
	if len(reason) > 0 {
		l.Set("reason", reason[0])
	}
	return "/contacts?" + l.Encode()
}
