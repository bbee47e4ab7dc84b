package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"

	"github.com/lodestone-hq/lodestone/internal/insights"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// qualityRow is one source's line of the quality table, formatted; "—" stands for a
// ratio whose denominator is zero.
type qualityRow struct {
	Channel, Campaign   string
	NewLeads, Customers int64
	LeadsURL            string
	CustomersURL        string
	SQLsURL             string
	RevenuePerCustomer  string
	Repeat              string
	Referrals           int64
	SQLs                int64
	Accepted, Rejected  string
	Undecided           int64
	Reasons             []reasonLink
	MoreReasons         int // reasons beyond the ones shown
	// The links from the ratios and the referrals to the contacts behind their
	// numerators, with a title that says so.
	Revenue, RepeatLink, ReferralsLink, AcceptedLink, RejectedLink figureLink
}

// figureLink is a figure's contacts list and the title that says who they are.
type figureLink struct{ URL, Title string }

// reasonLink is one rejection reason, its count and the SQLs rejected for it.
type reasonLink struct {
	Text, URL, Label string
}

func (u *ui) fillQuality(r *http.Request, page *insightsPage, q insightQuery) error {
	rows, err := u.s.store.Quality(r.Context(), q.from, q.to, page.QualityBy == "campaign")
	if err != nil {
		return err
	}
	var total insights.Quality
	for _, qr := range rows {
		total.Add(qr)
		page.Quality = append(page.Quality, toQualityRow(qr, page, page.QualityBy == "campaign"))
	}
	page.Total = toQualityRow(&total, page, false)
	return nil
}

func toQualityRow(q *insights.Quality, page *insightsPage, byCampaign bool) qualityRow {
	rowLink := url.Values{"created_from": {page.From}, "created_to": {page.To}}
	if q.Channel != "" {
		rowLink.Set("channel", q.Channel)
	}
	if byCampaign {
		rowLink.Set("campaign", "none")
		if q.CampaignID != 0 {
			rowLink.Set("campaign", strconv.FormatInt(q.CampaignID, 10))
		}
	}
	at := func(stage string) string {
		l := cloneValues(rowLink)
		l.Set("reached", stage)
		return "/contacts?" + l.Encode()
	}
	row := qualityRow{Channel: q.Channel, Campaign: q.CampaignName, NewLeads: q.NewLeads, Customers: q.Customers,
		LeadsURL: "/contacts?" + rowLink.Encode(), CustomersURL: at("customer"), SQLsURL: at("sql"),
		RevenuePerCustomer: "—", Repeat: "—", Accepted: "—", Rejected: "—",
		Referrals: q.Referrals, SQLs: q.SQLs, Undecided: q.Undecided()}
	if byCampaign && q.CampaignID == 0 {
		row.Campaign = "no campaign"
	}
	if v := q.RevenuePerCustomer(); v != nil {
		row.RevenuePerCustomer = formatMoney(*v)
	}
	if v := q.RepeatRate(); v != nil {
		row.Repeat = formatCount(q.RepeatCustomers) + " (" + percent(*v) + ")"
	}
	if v := q.AcceptedRate(); v != nil {
		row.Accepted = percent(*v)
	}
	if v := q.RejectedRate(); v != nil {
		row.Rejected = percent(*v)
	}
	if q.Customers > 0 {
		row.Revenue = figureLink{qualityURL(rowLink, store.QualityRevenue),
			"Revenue per customer is revenue ÷ customers: opens the customers with won revenue"}
		row.RepeatLink = figureLink{qualityURL(rowLink, store.QualityRepeat),
			"Opens the " + formatCount(q.RepeatCustomers) + " customers with more than one won deal (the share is of all " + formatCount(q.Customers) + " customers)"}
	}
	if q.Referrals > 0 {
		row.ReferralsLink = figureLink{qualityURL(rowLink, store.QualityReferrers),
			formatCount(q.Referrals) + " referrals: opens the customers who made them"}
	}
	if q.SQLs > 0 {
		row.AcceptedLink = figureLink{qualityURL(rowLink, store.QualityAccepted),
			"Accepted ÷ SQLs: opens the " + formatCount(q.Accepted) + " SQLs sales accepted, of " + formatCount(q.SQLs)}
		row.RejectedLink = figureLink{qualityURL(rowLink, store.QualityRejected),
			"Rejected ÷ SQLs: opens the " + formatCount(q.Rejected) + " SQLs sales rejected, of " + formatCount(q.SQLs)}
	}
	for i, rs := range q.TopReasons() {
		if i == 3 {
			row.MoreReasons = len(q.Reasons) - 3
			break
		}
		text := cmp.Or(rs.Reason, "no reason given")
		row.Reasons = append(row.Reasons, reasonLink{Text: text + " (" + formatCount(rs.Count) + ")",
			URL: qualityURL(rowLink, store.QualityRejected, rs.Reason), Label: formatCount(rs.Count) + " SQLs rejected: " + text})
	}
	return row
}
