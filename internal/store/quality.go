package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/insights"
	"github.com/lodestone-hq/lodestone/internal/report"
)

// Client and lead quality per source (SPEC section 8, issue 5 point 3), for the cohort of
// contacts created in [from, to) counted in the group of their first touch, as the
// sources report counts its new leads. A customer's history is its own and that of the
// contacts merged into it: its won deals, the referrals it made and the sales decisions
// on it all count.

var qualityQuery = `SELECT first_touch_channel, first_touch_campaign_id, COUNT(*), SUM(is_customer), SUM(revenue),
		SUM(CASE WHEN won > 1 THEN 1 ELSE 0 END), SUM(is_sql)
	FROM (SELECT c.first_touch_channel, c.first_touch_campaign_id,
		CASE WHEN ` + reached("customer") + ` THEN 1 ELSE 0 END AS is_customer,
		CASE WHEN ` + reached("customer") + ` THEN (
			SELECT COALESCE(SUM(CASE WHEN d.status = 'won' AND d.closed_at IS NOT NULL THEN d.amount ELSE 0 END), 0) FROM deals d
			WHERE d.contact_id IN (SELECT c.id UNION ALL SELECT m.id FROM contacts m WHERE m.merged_into_id = c.id)) ELSE 0 END AS revenue,
		CASE WHEN ` + reached("customer") + ` THEN (
			SELECT COALESCE(SUM(CASE WHEN d.status = 'won' AND d.closed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM deals d
			WHERE d.contact_id IN (SELECT c.id UNION ALL SELECT m.id FROM contacts m WHERE m.merged_into_id = c.id)) ELSE 0 END AS won,
		CASE WHEN ` + reached("sql") + ` THEN 1 ELSE 0 END AS is_sql
		FROM contacts c WHERE ` + cohortFilter + `) cohort
	GROUP BY first_touch_channel, first_touch_campaign_id`

// decisionQuery reads the sales decisions on each SQL of the cohort and on the contacts
// merged into it, for Quality to keep the latest of each: two index joins, where one
// join on "the contact or a contact merged into it" would leave PostgreSQL a nested
// loop over every decision for every contact. It binds from and to twice.
var decisionQuery = `SELECT c.id, c.first_touch_channel, c.first_touch_campaign_id, e.type, e.occurred_at, e.id, %[1]s
	FROM contacts c JOIN events e ON e.contact_id = c.id
	WHERE ` + cohortFilter + ` AND ` + reached("sql") + ` AND e.type IN ('sql_accepted', 'sql_rejected')
	UNION ALL
	SELECT c.id, c.first_touch_channel, c.first_touch_campaign_id, e.type, e.occurred_at, e.id, %[1]s
	FROM contacts c JOIN contacts m ON m.merged_into_id = c.id JOIN events e ON e.contact_id = m.id
	WHERE ` + cohortFilter + ` AND ` + reached("sql") + ` AND e.type IN ('sql_accepted', 'sql_rejected')`

// Quality reads client and lead quality per channel, or per campaign when byCampaign is
// set (a row per channel for first touches without a campaign). Rows come in the order
// of SPEC section 2's channels, then by campaign name.
func (s *Store) Quality(ctx context.Context, from, to time.Time, byCampaign bool) ([]*insights.Quality, error) {
	campaigns, err := s.reportCampaigns(ctx)
	if err != nil {
		return nil, err
	}
	type key struct {
		channel  string
		campaign int64
	}
	groups := map[key]*insights.Quality{}
	row := func(channel sql.NullString, campaign sql.NullInt64) *insights.Quality {
		// A first touch of a campaign counts in the campaign's current channel, as in the sources report.
		k := key{channel: report.ChannelOf(report.Source{Channel: channel.String, CampaignID: campaign.Int64}, campaigns)}
		if byCampaign {
			k.campaign = campaign.Int64
		}
		q, ok := groups[k]
		if !ok {
			q = &insights.Quality{Channel: k.channel, CampaignID: k.campaign, CampaignName: campaigns[k.campaign].Name, Reasons: map[string]int64{}}
			groups[k] = q
		}
		return q
	}
	args := []any{ts(from), ts(to)}
	err = s.reportRows(ctx, qualityQuery, args, func(rows *sql.Rows) error {
		var channel sql.NullString
		var campaign sql.NullInt64
		var q insights.Quality
		if err := rows.Scan(&channel, &campaign, &q.NewLeads, &q.Customers, &q.Revenue, &q.RepeatCustomers, &q.SQLs); err != nil {
			return err
		}
		row(channel, campaign).Add(&q)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The latest decision on each SQL counts: the last in time, of two at one time the
	// one recorded last.
	type decision struct {
		channel, reason sql.NullString
		campaign        sql.NullInt64
		typ             string
		at, id          int64
	}
	latest := map[int64]decision{}
	err = s.reportRows(ctx, fmt.Sprintf(decisionQuery, s.jsonText("e.properties", "reason")), append(args, args...), func(rows *sql.Rows) error {
		var contact int64
		var d decision
		if err := rows.Scan(&contact, &d.channel, &d.campaign, &d.typ, &d.at, &d.id, &d.reason); err != nil {
			return err
		}
		if l, ok := latest[contact]; !ok || d.at > l.at || d.at == l.at && d.id > l.id {
			latest[contact] = d
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, d := range latest {
		q := row(d.channel, d.campaign)
		if d.typ == "sql_accepted" {
			q.Accepted++
		} else {
			q.Rejected++
			q.Reasons[TrimReason(d.reason.String)]++
		}
	}
	referrers, err := s.referralsMade(ctx)
	if err != nil {
		return nil, err
	}
	ids := slices.Collect(maps.Keys(referrers))
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, 500) {
		err = s.reportRows(ctx, `SELECT c.id, c.first_touch_channel, c.first_touch_campaign_id FROM contacts c
			WHERE c.id IN (`+placeholders(len(chunk))+`) AND `+cohortFilter+` AND `+reached("customer"),
			append(int64Args(chunk), args...), func(rows *sql.Rows) error {
				var id int64
				var channel sql.NullString
				var campaign sql.NullInt64
				if err := rows.Scan(&id, &channel, &campaign); err != nil {
					return err
				}
				row(channel, campaign).Referrals += referrers[id]
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	out := make([]*insights.Quality, 0, len(groups))
	for _, q := range groups {
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b *insights.Quality) int {
		return cmp.Or(cmp.Compare(channelOrder(a.Channel), channelOrder(b.Channel)), strings.Compare(a.Channel, b.Channel),
			cmp.Compare(noCampaignLast(a), noCampaignLast(b)), strings.Compare(a.CampaignName, b.CampaignName), cmp.Compare(a.CampaignID, b.CampaignID))
	})
	return out, nil
}

// referralsMade counts the referral events by the contact that made them: a referral is
// recorded on the person referred (a touch in channel referral), and its property
// referred_by names who referred them, by contact id or by email (docs/capture.md). The
// referrer counts as the contact it was merged into, if it was; a referral that names
// nobody known counts for no one.
func (s *Store) referralsMade(ctx context.Context) (map[int64]int64, error) {
	byID, byEmail := map[int64]int64{}, map[string]int64{}
	err := s.reportRows(ctx, `SELECT `+s.jsonText("e.properties", "referred_by")+` FROM events e WHERE e.type = 'referral'`, nil, func(rows *sql.Rows) error {
		var by sql.NullString
		if err := rows.Scan(&by); err != nil {
			return err
		}
		v := strings.TrimSpace(by.String)
		if strings.Contains(v, "@") {
			if email, err := contact.NormalizeEmail(v); err == nil {
				byEmail[email]++
			}
		} else if id := referrerID(v); id > 0 {
			byID[id]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	resolve := func(q string, keys []any, count func(key any) int64) error {
		for chunk := range slices.Chunk(keys, 500) {
			err := s.reportRows(ctx, fmt.Sprintf(q, placeholders(len(chunk))), chunk, func(rows *sql.Rows) error {
				var key any
				var survivor int64
				if err := rows.Scan(&key, &survivor); err != nil {
					return err
				}
				out[survivor] += count(key)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	ids := make([]any, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	err = resolve(`SELECT id, COALESCE(merged_into_id, id) FROM contacts WHERE id IN (%s)`, ids, func(key any) int64 { return byID[asInt64(key)] })
	if err != nil {
		return nil, err
	}
	emails := make([]any, 0, len(byEmail))
	for e := range byEmail {
		emails = append(emails, e)
	}
	err = resolve(`SELECT email, COALESCE(merged_into_id, id) FROM contacts WHERE email IN (%s)`, emails, func(key any) int64 { return byEmail[asString(key)] })
	return out, err
}

func asInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	}
	return 0
}

func asString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	}
	return ""
}

// channelOrder ranks a channel as SPEC section 2 lists them; unknown names come last.
func channelOrder(ch string) int {
	if i := slices.Index(attribution.Channels, attribution.Channel(ch)); i >= 0 {
		return i
	}
	return len(attribution.Channels)
}

// noCampaignLast puts a channel's row of first touches without a campaign after its campaigns.
func noCampaignLast(q *insights.Quality) int {
	if q.CampaignID == 0 {
		return 1
	}
	return 0
}

// TrimReason is a rejection reason as the quality table groups it: without the spaces
// around it, as SQL's TRIM takes them off, so a reason's figure and its list agree.
func TrimReason(reason string) string {
	return strings.Trim(reason, " ")
}

// referrerID reads a referred_by that names a contact id. A JSON number may reach here
// as "12" or, from PostgreSQL's text of a number written 12.0, as "12.0": both are 12.
func referrerID(v string) int64 {
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		return id
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || f < 1 || f > 1<<53 {
		return 0
	}
	return int64(f)
}
