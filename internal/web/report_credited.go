package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The contacts behind a sources report row's customers and revenue under any model:
// the report's numbers link to the contacts list with these parameters, read into a
// store.CreditedFilter. credited names the model; the rest say which row, which figure
// and which period.
//
//	credited           the model: first_touch, last_touch, linear, …
//	credited_by        the report's grouping: channel (the default), campaign or channel,campaign
//	credited_channel   the row's channel
//	credited_campaign  the row's campaign id, or none; required unless credited_by is channel
//	credited_kind      customers (the default) or revenue
//	credited_from      the first day of the report's period
//	credited_to        its last day
var creditedParams = []string{"credited", "credited_by", "credited_channel", "credited_campaign", "credited_kind", "credited_from", "credited_to"}

// creditedFilterFrom reads the credited parameters, if any, into f.
func creditedFilterFrom(q url.Values, f *store.ContactFilter) error {
	has := false
	for _, k := range creditedParams {
		has = has || q.Has(k)
	}
	if !has {
		return nil
	}
	c := &store.CreditedFilter{Grouping: report.ByChannel}
	m, err := attribution.ParseModel(q.Get("credited"))
	if err != nil {
		return errs.Field("credited", "must be one of %s", modelNames())
	}
	c.Model = m
	if g := q.Get("credited_by"); g != "" {
		if c.Grouping, err = report.ParseGrouping(g); err != nil {
			return errs.Field("credited_by", "must be channel, campaign or channel,campaign")
		}
	}
	ch := q.Get("credited_channel")
	if !attribution.Channel(ch).Valid() {
		return errs.Field("credited_channel", "must be a channel; one of %s", channelNames())
	}
	c.Channel = ch
	switch v := q.Get("credited_campaign"); {
	case c.Grouping == report.ByChannel && v == "":
	case v == "none":
	default:
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return errs.Field("credited_campaign", "must be a campaign id or none")
		}
		c.CampaignID = id
	}
	switch q.Get("credited_kind") {
	case "", "customers":
	case "revenue":
		c.Revenue = true
	default:
		return errs.Field("credited_kind", "must be customers or revenue")
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"credited_from", &c.From}, {"credited_to", &c.To}} {
		t, err := time.Parse(time.DateOnly, q.Get(p.name))
		if err != nil {
			return errs.Field(p.name, "must be a date such as 2026-03-01")
		}
		*p.dst = t
	}
	if c.To.Before(c.From) {
		return errs.Field("credited_to", "is before credited_from")
	}
	c.To = c.To.AddDate(0, 0, 1) // the last day, whole
	f.Credited = c
	return nil
}

// creditedLink is the query of the contacts behind a row's customers (or revenue) under
// the model, for the report of the days from to to, inclusive.
func creditedLink(m attribution.Model, g report.Grouping, row *report.Row, revenue bool, from, to string) url.Values {
	v := url.Values{"credited": {string(m)}, "credited_by": {string(g)}, "credited_channel": {row.Channel},
		"credited_from": {from}, "credited_to": {to}}
	if g != report.ByChannel {
		v.Set("credited_campaign", "none")
		if row.Campaign != nil {
			v.Set("credited_campaign", itoa(row.Campaign.ID))
		}
	}
	if revenue {
		v.Set("credited_kind", "revenue")
	}
	return v
}

// creditedChip words the filter for the contacts list, such as "Paid search · Spring
// under linear, customers, 2026-01-01 – 2026-03-31"; campaign names the row's campaign.
func creditedChip(q url.Values, campaign func(id int64) string) string {
	row := channelLabel(q.Get("credited_channel"))
	if c := q.Get("credited_campaign"); c != "" && q.Get("credited_by") != string(report.ByChannel) && q.Get("credited_by") != "" {
		name := "no campaign"
		if id, err := strconv.ParseInt(c, 10, 64); err == nil {
			name = campaign(id)
		}
		row += " · " + name
	}
	kind := "customers"
	if q.Get("credited_kind") == "revenue" {
		kind = "revenue"
	}
	model := modelLabels[attribution.Model(q.Get("credited"))]
	return row + " under " + model + ", " + kind + ", " + q.Get("credited_from") + " – " + q.Get("credited_to")
}
