package report

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
)

// Grouping says what a row of the sources report is.
type Grouping string

// The groupings of SPEC section 8; their names are API values.
const (
	ByChannel         Grouping = "channel"
	ByCampaign        Grouping = "campaign"
	ByChannelCampaign Grouping = "channel,campaign"
)

// ErrUnknownGrouping is the error ParseGrouping wraps for a name that is not a grouping.
var ErrUnknownGrouping = errors.New("unknown grouping")

// ParseGrouping reads channel, campaign, or the two joined by a comma in either order.
func ParseGrouping(s string) (Grouping, error) {
	switch strings.ReplaceAll(s, " ", "") {
	case "channel":
		return ByChannel, nil
	case "campaign":
		return ByCampaign, nil
	case "channel,campaign", "campaign,channel":
		return ByChannelCampaign, nil
	}
	return "", fmt.Errorf("%w %q", ErrUnknownGrouping, s)
}

// Campaign is what the report shows of a campaign.
type Campaign struct {
	ID      int64
	Name    string
	Channel string
}

// Source is where a touch came from: a channel and, where known, a campaign (0: none).
// An empty channel, as on a contact without touches, reads as direct.
type Source struct {
	Channel    string
	CampaignID int64
}

// Cohort is the new leads whose first touch is one source, as the database counted them.
type Cohort struct {
	Source
	NewLeads, MQLs, SQLs, Customers int64
	// Revenue is the sum of the won deals of those customers: the first_touch credit.
	Revenue int64
}

// Cost is the money and time spent on one campaign in the period.
type Cost struct {
	CampaignID      int64
	Amount          int64
	HoursHundredths int64
}

// Touch is one touch of a customer's journey.
type Touch struct {
	At time.Time
	Source
}

// Deal is a won deal of a customer.
type Deal struct {
	Amount   int64
	ClosedAt time.Time
}

// Customer is a cohort member that became a customer, with what the multi-touch models
// need to share its conversion and its revenue.
type Customer struct {
	ID            int64     // the contact, for the lists of who a row's figures count
	FirstTouch    Source    // where the cohort counts it; used when it has no touches
	CreatedAt     time.Time // finds the lead-creating touch
	OpportunityAt time.Time // when it entered opportunity; zero if never
	ConvertedAt   time.Time // its first won deal, or when it entered customer without one
	Touches       []Touch
	Deals         []Deal
}

// SpeedSample is a cohort member that entered SQL and had a sales touch after it: the
// time between the two, in microseconds. See Metrics.SpeedToLead.
type SpeedSample struct {
	Source
	Micros int64
}

// Data is what the store read for one period.
type Data struct {
	// Speed holds a sample per member with a sales touch after entering SQL; it counts
	// in the member's first-touch group, as mqls and sqls do.
	Speed     []SpeedSample
	Campaigns map[int64]Campaign
	Cohorts   []Cohort
	Costs     []Cost
	// Customers are needed only by the models other than first_touch, unless the store
	// has shared them already: then Credited is set and Credits holds the shares.
	Customers []Customer
	// Credits are the customers and revenue the model gives each source, summed over
	// the cohort's customers, as CustomerCredits gives them one customer at a time.
	Credits  []Credit
	Credited bool
	// CreditedCustomers is how many customers Credits adds up.
	CreditedCustomers int64
}

// Credit is the share of customers and revenue a model gives one source.
type Credit struct {
	Source
	Customers *big.Rat
	Revenue   int64
}

// Options are the caller's choices; an empty grouping reads as channel and an empty or
// unknown model as first_touch.
type Options struct {
	Grouping Grouping
	Model    attribution.Model
	// HourlyRate, in minor units per hour, prices the hours of the loaded cost; nil: no rate set.
	HourlyRate *int64
}

// Row is the metrics of one group. Campaign is nil on a row of touches without one and
// on every row of the channel grouping.
type Row struct {
	Channel  string
	Campaign *Campaign
	Metrics
}

// Report is the sources report: its rows, ordered by channel as SPEC section 2 lists
// them and then by campaign name, and the totals over all of them.
type Report struct {
	Rows   []Row
	Totals Metrics
}

// key identifies a row.
type key struct {
	channel    string
	campaignID int64
}

type builder struct {
	opt       Options
	campaigns map[int64]Campaign
	rows      map[key]*Row
	// customers are the shares of customers each row takes, added up at the end by SumRats.
	customers map[key][]*big.Rat
}

// addCustomers gives the row of src a share of customers.
func (b *builder) addCustomers(src Source, share *big.Rat) *Row {
	k := b.keyOf(src)
	b.customers[k] = append(b.customers[k], share)
	return b.row(k)
}

// Build computes the report from the data the store read.
func Build(d Data, opt Options) Report {
	if opt.Grouping == "" {
		opt.Grouping = ByChannel
	}
	if !opt.Model.Valid() {
		opt.Model = attribution.FirstTouch
	}
	b := &builder{opt: opt, campaigns: d.Campaigns, rows: map[key]*Row{}, customers: map[key][]*big.Rat{}}
	firstTouch := opt.Model == attribution.FirstTouch
	for _, c := range d.Cohorts {
		r := b.row(b.keyOf(c.Source))
		r.NewLeads += c.NewLeads
		r.MQLs += c.MQLs
		r.SQLs += c.SQLs
		if firstTouch {
			b.addCustomers(c.Source, new(big.Rat).SetInt64(c.Customers))
			r.Revenue += c.Revenue
		}
	}
	for _, sp := range d.Speed {
		r := b.row(b.keyOf(sp.Source))
		r.SpeedSamples = append(r.SpeedSamples, sp.Micros)
	}
	switch {
	case firstTouch:
	case d.Credited:
		for _, c := range d.Credits {
			b.addCustomers(c.Source, c.Customers).Revenue += c.Revenue
		}
	default:
		for i := range d.Customers {
			for _, c := range CustomerCredits(opt.Model, &d.Customers[i]) {
				b.addCustomers(c.Source, c.Customers).Revenue += c.Revenue
			}
		}
	}
	for _, c := range d.Costs {
		r := b.row(b.costKey(c.CampaignID))
		r.Cost += c.Amount
		r.HoursHundredths += c.HoursHundredths
	}

	rep := Report{Rows: make([]Row, 0, len(b.rows)), Totals: Metrics{Customers: new(big.Rat)}}
	var all []*big.Rat
	for k, r := range b.rows {
		r.Customers = SumRats(b.customers[k])
		all = append(all, b.customers[k]...)
		r.price(opt.HourlyRate)
		rep.Rows = append(rep.Rows, *r)
		rep.Totals.add(&r.Metrics)
	}
	// Every customer's shares add up to exactly one (attribution.Credits), so under a
	// multi-touch model the total is the number of customers: the same exact number as
	// the sum of the shares, which for time_decay is a fraction of hundreds of thousands
	// of digits before it reduces to that whole number.
	switch {
	case firstTouch:
		rep.Totals.Customers = SumRats(all)
	case d.Credited:
		rep.Totals.Customers.SetInt64(d.CreditedCustomers)
	default:
		rep.Totals.Customers.SetInt64(int64(len(d.Customers)))
	}
	rep.Totals.price(opt.HourlyRate)
	slices.SortFunc(rep.Rows, compareRows)
	return rep
}

// CustomerCredits shares one customer, and each of its won deals, over its touches by
// the model (not first_touch, which the cohorts count), summed per source in the order
// the sources first take a share. A customer without touches goes whole to its first touch.
func CustomerCredits(m attribution.Model, c *Customer) []Credit {
	if len(c.Touches) == 0 {
		out := Credit{Source: c.FirstTouch, Customers: big.NewRat(1, 1)}
		for _, d := range c.Deals {
			out.Revenue += d.Amount
		}
		return []Credit{out}
	}
	var out []Credit
	at := func(src Source) *Credit {
		for i := range out {
			if out[i].Source == src {
				return &out[i]
			}
		}
		out = append(out, Credit{Source: src, Customers: new(big.Rat)})
		return &out[len(out)-1]
	}
	touches, journey := journeyOf(c)
	for i, w := range attribution.Credits(m, journey, c.ConvertedAt) {
		if w.Sign() != 0 {
			cr := at(touches[i].Source)
			cr.Customers.Add(cr.Customers, w)
		}
	}
	for _, d := range c.Deals {
		parts := attribution.SplitMoney(d.Amount, attribution.Credits(m, journey, d.ClosedAt))
		for i, p := range parts {
			if p != 0 {
				at(touches[i].Source).Revenue += p
			}
		}
	}
	return out
}

// journeyOf orders a customer's touches, earliest first, and marks the lead-creating and
// opportunity-creating ones for attribution.Credits. The earliest touch comes first, so
// SplitMoney gives it the rounding remainder, as SPEC section 8 asks.
func journeyOf(c *Customer) ([]Touch, []attribution.Touch) {
	touches := slices.Clone(c.Touches)
	slices.SortStableFunc(touches, func(a, b Touch) int { return a.At.Compare(b.At) })
	journey := make([]attribution.Touch, len(touches))
	lead, opp := -1, -1
	for i, t := range touches {
		journey[i].At = t.At
		if lead < 0 && t.At.Equal(c.CreatedAt) {
			lead = i
		}
		if !c.OpportunityAt.IsZero() && !t.At.After(c.OpportunityAt) {
			opp = i
		}
	}
	if lead >= 0 {
		journey[lead].LeadCreating = true
	}
	if opp >= 0 {
		journey[opp].OpportunityCreating = true
	}
	return touches, journey
}

// keyOf is the row of a lead or a touch from src. A touch linked to a campaign counts in
// the campaign's current channel in every grouping, where its cost counts too: a campaign
// is one piece of marketing work in one channel (SPEC section 2), whatever channel the
// touch was classified in or the campaign had when the touch came.
func (b *builder) keyOf(src Source) key {
	ch := ChannelOf(src, b.campaigns)
	if b.opt.Grouping == ByChannel || src.CampaignID == 0 {
		return key{channel: ch}
	}
	return key{channel: ch, campaignID: src.CampaignID}
}

// ChannelOf is the channel a source counts in: its campaign's current channel when it has
// a known campaign, otherwise its own, and direct when it has none.
func ChannelOf(src Source, campaigns map[int64]Campaign) string {
	if src.CampaignID != 0 {
		if c, ok := campaigns[src.CampaignID]; ok && c.Channel != "" {
			return c.Channel
		}
	}
	return cmp.Or(src.Channel, string(attribution.Direct))
}

// costKey is the row of a campaign's cost: always its own channel.
func (b *builder) costKey(campaignID int64) key {
	c := b.campaigns[campaignID]
	k := key{channel: cmp.Or(c.Channel, string(attribution.Other)), campaignID: campaignID}
	if b.opt.Grouping == ByChannel {
		k.campaignID = 0
	}
	return k
}

func (b *builder) row(k key) *Row {
	if r, ok := b.rows[k]; ok {
		return r
	}
	r := &Row{Channel: k.channel, Metrics: Metrics{Customers: new(big.Rat)}}
	if k.campaignID != 0 {
		c, ok := b.campaigns[k.campaignID]
		if !ok {
			c = Campaign{ID: k.campaignID, Channel: k.channel}
		}
		r.Campaign = &c
	}
	b.rows[k] = r
	return r
}

// compareRows orders by channel in the order of SPEC section 2 (unknown names after, by
// name), then campaigns by name and id, then the row of touches without a campaign.
func compareRows(a, b Row) int {
	if c := cmp.Compare(channelRank(a.Channel), channelRank(b.Channel)); c != 0 {
		return c
	}
	if c := strings.Compare(a.Channel, b.Channel); c != 0 {
		return c
	}
	switch {
	case a.Campaign == nil && b.Campaign == nil:
		return 0
	case a.Campaign == nil:
		return 1
	case b.Campaign == nil:
		return -1
	}
	return cmp.Or(strings.Compare(a.Campaign.Name, b.Campaign.Name), cmp.Compare(a.Campaign.ID, b.Campaign.ID))
}

func channelRank(ch string) int {
	if i := slices.Index(attribution.Channels, attribution.Channel(ch)); i >= 0 {
		return i
	}
	return len(attribution.Channels)
}
