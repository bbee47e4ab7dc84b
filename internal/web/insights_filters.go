package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/insights"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// contactSourceFilter reads the filters that lead from a report's number to its
// contacts: channel and campaign of the first touch, a stage reached ever, and an
// audience insight's attribute and value.
func contactSourceFilter(q url.Values, f *store.ContactFilter) error {
	if ch := q.Get("channel"); ch != "" {
		if !attribution.Channel(ch).Valid() {
			return errs.Field("channel", "is not a channel; one of %s", channelNames())
		}
		f.Channel = ch
	}
	if c := q.Get("campaign"); c != "" {
		if c == "none" {
			f.NoCampaign = true
		} else {
			id, err := strconv.ParseInt(c, 10, 64)
			if err != nil || id <= 0 {
				return errs.Field("campaign", "must be a campaign id or none")
			}
			f.CampaignID = id
		}
	}
	if st := q.Get("reached"); st != "" {
		if !lifecycle.Valid(st) {
			return errs.Field("reached", "is not a stage; one of %s", strings.Join(lifecycle.Stages, ", "))
		}
		f.Reached = st
	}
	if o := q.Get("outcome"); o != "" {
		if !slices.Contains(insights.Outcomes, o) {
			return errs.Field("outcome", "must be one of %s", strings.Join(insights.Outcomes, ", "))
		}
		f.Outcome = o
	}
	attr, hasValue := q.Get("attribute"), q.Has("value")
	switch {
	case attr == "" && hasValue:
		return errs.Field("attribute", "is required with value")
	case attr != "" && !insights.ValidAttribute(attr):
		return errs.Field("attribute", "is not an attribute; one of %s, or custom.KEY", attributeNames())
	case attr != "" && !hasValue:
		return errs.Field("value", "is required with attribute")
	case attr != "":
		v := q.Get("value")
		if len(v) > 500 {
			return errs.Field("value", "must be at most 500 characters")
		}
		if !validUTF8(v) || strings.ContainsRune(v, 0) {
			return errs.Field("value", "must be valid UTF-8 text without NUL characters")
		}
		if attr == "campaign" {
			if id, err := strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
				return errs.Field("value", "must be a campaign id for the campaign attribute")
			}
		}
		f.Attribute, f.AttributeValue = attr, v
	}
	return nil
}

func attributeNames() string {
	names := make([]string, len(insights.Attributes))
	for i, a := range insights.Attributes {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}
