package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// CreditedFilter selects the contacts behind the customers or the revenue of one row of
// the sources report: the cohort's customers whose conversion (or won deals) the model
// credits, in part or whole, to the row. It reads the same facts as the report
// (report_credits, written by report.CustomerCredits), so the contacts it lists are
// exactly those the row's figures add up.
type CreditedFilter struct {
	Model    attribution.Model
	Grouping report.Grouping
	// Channel and CampaignID are the row's: CampaignID 0 is the row of touches without
	// a campaign, and is not read under the channel grouping.
	Channel    string
	CampaignID int64
	// Revenue selects the contacts with a share of the row's revenue; otherwise those
	// with a share of its customers (under a model that credits a later deal to a touch
	// after the conversion, the two differ).
	Revenue bool
	// From and To are the report's period [From, To): the customers created in it.
	From, To time.Time
}

// creditedContacts lists the contacts the filter selects, newest first.
func (s *Store) creditedContacts(ctx context.Context, f *CreditedFilter) ([]int64, error) {
	if err := s.refreshReportFacts(ctx); err != nil {
		return nil, err
	}
	cond, args := creditedCondition(f)
	ids, err := idRows(s.query(ctx, `SELECT rc.contact_id FROM report_credits rc WHERE `+cond, args...))
	if err != nil {
		return nil, err
	}
	// A contact credits a channel row through as many campaigns as it touched there.
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	return slices.Compact(ids), nil
}

// creditedCondition is the filter as a condition on the report_credits rows rc. A row's
// key is the report's (report.Build): a channel without a touch reads as direct, and a
// touch linked to a campaign falls in the row of the campaign's current channel.
func creditedCondition(f *CreditedFilter) (string, []any) {
	conds := []string{"rc.model = ?", "rc.created_at >= ?", "rc.created_at < ?"}
	args := []any{string(f.Model), ts(f.From), ts(f.To)}
	if f.Grouping != report.ByChannel {
		conds, args = append(conds, "rc.campaign_id = ?"), append(args, f.CampaignID)
	}
	conds, args = append(conds, countedChannelIs("rc.channel", "rc.campaign_id")), append(args, f.Channel, f.Channel)
	if f.Revenue {
		conds = append(conds, "rc.revenue <> 0")
	} else {
		// A share held as text (den 0) is never zero; see creditColumns.
		conds = append(conds, "(rc.num <> 0 OR rc.den = 0)")
	}
	return strings.Join(conds, " AND "), args
}

// countedChannel is the channel a touch or first touch with these channel and campaign
// columns counts in, as report.ChannelOf reads it: the current channel of its campaign,
// otherwise its own, and direct when it has none.
func countedChannel(channel, campaign string) string {
	return `COALESCE((SELECT NULLIF(k.channel, '') FROM campaigns k WHERE k.id = ` + campaign + `), NULLIF(` + channel + `, ''), 'direct')`
}

// countedChannelIs is countedChannel(channel, campaign) = ? as a filter over many rows: the
// campaigns of the channel are found once rather than looked up row by row. It binds the
// channel twice. Campaigns are never deleted and always have a channel (NOT NULL, checked
// on every write), so the two forms select the same rows.
func countedChannelIs(channel, campaign string) string {
	return `((COALESCE(` + campaign + `, 0) = 0 AND COALESCE(NULLIF(` + channel + `, ''), 'direct') = ?)
		OR ` + campaign + ` IN (SELECT k.id FROM campaigns k WHERE k.channel = ?))`
}
