package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/insights"
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
	Reasons             string
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
	link := url.Values{"created_from": {page.From}, "created_to": {page.To}}
	if q.Channel != "" {
		link.Set("channel", q.Channel)
	}
	if byCampaign {
		link.Set("campaign", "none")
		if q.CampaignID != 0 {
			link.Set("campaign", strconv.FormatInt(q.CampaignID, 10))
		}
	}
	at := func(stage string) string {
		l := cloneValues(link)
		l.Set("reached", stage)
		return "/contacts?" + l.Encode()
	}
	row := qualityRow{Channel: q.Channel, Campaign: q.CampaignName, NewLeads: q.NewLeads, Customers: q.Customers,
		LeadsURL: "/contacts?" + link.Encode(), CustomersURL: at("customer"), SQLsURL: at("sql"),
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
	var reasons []string
	for i, rs := range q.TopReasons() {
		if i == 3 {
			break
		}
		reasons = append(reasons, cmp.Or(rs.Reason, "no reason given")+" ("+formatCount(rs.Count)+")")
	}
	row.Reasons = strings.Join(reasons, ", ")
	return row
}
