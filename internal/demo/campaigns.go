package demo

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// site is the demo workspace's own website; example.com is reserved for examples.
const site = "https://www.example.com"

// partnerSite is the co-marketing partner's site, invented like the companies.
const partnerSite = "https://www.quillstone-analytics.com/"

// campaign is a campaign to create and the cost entries to book on it.
type campaign struct {
	store.Campaign
	start, end time.Time // the first and last day it runs
	costs      []store.CostEntry
}

// running reports whether the campaign runs at t.
func (c *campaign) running(t time.Time) bool {
	return !t.Before(c.start) && t.Before(c.end.AddDate(0, 0, 1))
}

// campaigns plans six months of marketing around today: paid search and social,
// a newsletter, a trade fair, a postcard, a partner webinar, a bought list and a
// guide shared for free. Costs run up to yesterday; future days are not yet spent.
func (g *gen) planCampaigns() {
	day := func(daysAgo int) time.Time { return g.today.AddDate(0, 0, -daysAgo) }
	add := func(name, channel, utm string, from, to time.Time, notes string) *campaign {
		c := &campaign{start: from, end: to, Campaign: store.Campaign{Name: name, Channel: channel, UTMCampaign: utm,
			StartsOn: from.Format(time.DateOnly), EndsOn: to.Format(time.DateOnly), Notes: notes}}
		g.campaigns = append(g.campaigns, c)
		return c
	}

	from := day(165)
	season := seasonOf(from)
	g.search = add(fmt.Sprintf("%s search %d", season, from.Year()), "paid_search",
		fmt.Sprintf("%s-search-%d", strings.ToLower(season), from.Year()), from, day(75),
		"Google Ads on non-brand keywords around lead management and attribution.")
	g.daily(g.search, 5500, 14000, "Google Ads")

	g.brand = add("Brand search (always on)", "paid_search", "brand-search", day(182), day(-90),
		"Google Ads on our own name, so competitors do not buy it.")
	g.daily(g.brand, 1200, 3800, "Google Ads")

	g.linkedin = add("LinkedIn decision makers", "paid_social", "linkedin-decision-makers", day(128), day(30),
		"Sponsored posts to heads of marketing and sales at companies with 50-1000 employees.")
	g.weekly(g.linkedin, 65000, 115000, 150, 300, "LinkedIn Campaign Manager")

	g.facebook = add("Facebook retargeting", "paid_social", "facebook-retargeting", day(95), day(-30),
		"Retargets visitors of the pricing page.")
	g.weekly(g.facebook, 18000, 42000, 50, 100, "Meta Ads")

	g.newsletter = add("Monthly newsletter", "email", "newsletter", day(182), day(-180),
		"First Tuesday of the month: one guide, one customer story, one product tip.")
	for m := g.newsletterDay(day(182)); m.Before(g.today); m = g.newsletterDay(m.AddDate(0, 1, 0)) {
		g.cost(g.newsletter, m, 7900, 250+int64(g.rng.IntN(200)), "Email tool and writing")
	}

	fair := day(104)
	g.fair = add(fmt.Sprintf("North Sea B2B Expo %d, Hamburg", fair.Year()), "event", fmt.Sprintf("north-sea-expo-%d", fair.Year()), fair, fair.AddDate(0, 0, 2),
		"Stand B12 in hall 4; badge scans imported the day after, and the flyers carry the campaign's QR code.")
	g.cost(g.fair, fair.AddDate(0, 0, -45), 680000, 600, "Stand space, 24 m²")
	g.cost(g.fair, fair.AddDate(0, 0, -20), 345000, 1000, "Stand construction")
	g.cost(g.fair, fair.AddDate(0, 0, -3), 62000, 400, "Flyers and roll-ups")
	for i := range 3 {
		g.cost(g.fair, fair.AddDate(0, 0, i), 71000+int64(g.rng.IntN(12000)), 2700+int64(g.rng.IntN(600)), "Travel, hotel and catering; three people on the stand")
	}
	g.cost(g.fair, fair.AddDate(0, 0, 4), 0, 800, "Follow-up of the badge scans")

	from = day(72)
	season = seasonOf(from)
	g.postcard = add(fmt.Sprintf("%s postcard mailing", season), "direct_mail", fmt.Sprintf("postcard-%s-%d", strings.ToLower(season), from.Year()),
		from, day(40), "5,000 postcards with a QR code to the offer page.")
	g.cost(g.postcard, from.AddDate(0, 0, -14), 65000, 800, "Design")
	g.cost(g.postcard, from.AddDate(0, 0, -3), 138000, 100, "Printing")
	g.cost(g.postcard, from, 115000, 200, "Postage, first wave")
	g.cost(g.postcard, from.AddDate(0, 0, 14), 115000, 200, "Postage, second wave")

	g.partner = add("Webinar with Quillstone Analytics", "partner", "quillstone-webinar", day(62), day(45),
		"Joint webinar on lead scoring; both sides invite their audience.")
	g.cost(g.partner, day(62), 120000, 600, "Co-marketing fee")
	g.cost(g.partner, day(48), 25000, 1000, "Webinar tool, rehearsal and hosting")

	g.list = add("DACH manufacturing list", "purchased_list", "dach-list-outreach", day(140), day(110),
		"Bought from a list broker: marketing and sales leads at manufacturers in Germany, Austria and Switzerland.")
	g.cost(g.list, day(140), 360000, 200, "List purchase")
	g.cost(g.list, day(139), 0, 500, "Cleaning and import")

	g.guide = add("Lead scoring guide", "social", "lead-scoring-guide", day(150), day(-120),
		"Free guide shared on LinkedIn and in communities; costs only our time.")
	for w, i := day(150), 0; w.Before(g.today); w, i = w.AddDate(0, 0, 7), i+1 {
		hours := int64(100 + g.rng.IntN(100))
		if i < 6 {
			hours = int64(400 + g.rng.IntN(400)) // writing it
		}
		g.cost(g.guide, w, 0, hours, "Writing and sharing")
	}
}

func seasonOf(t time.Time) string {
	switch t.Month() {
	case time.March, time.April, time.May:
		return "Spring"
	case time.June, time.July, time.August:
		return "Summer"
	case time.September, time.October, time.November:
		return "Autumn"
	}
	return "Winter"
}

// newsletterDay is the first Tuesday of t's month.
func (g *gen) newsletterDay(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	for d.Weekday() != time.Tuesday {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// cost books one entry, unless its day has not come yet.
func (g *gen) cost(c *campaign, day time.Time, amount, hours int64, note string) {
	if !day.Before(g.today) {
		return
	}
	c.costs = append(c.costs, store.CostEntry{Date: day.Format(time.DateOnly), Amount: amount, HoursHundredths: hours, Note: note})
}

func (g *gen) amount(lo, hi int64) int64 { return lo + g.rng.Int64N(hi-lo+1) }

// daily books ad spend for every day so far, lighter at weekends, with an hour or two
// of bid management on Mondays.
func (g *gen) daily(c *campaign, lo, hi int64, note string) {
	for d := c.start; !d.After(c.end); d = d.AddDate(0, 0, 1) {
		a, h := g.amount(lo, hi), int64(0)
		switch d.Weekday() {
		case time.Saturday, time.Sunday:
			a = a * 55 / 100
		case time.Monday:
			h = g.amount(75, 200)
		}
		g.cost(c, d, a, h, note)
	}
}

// weekly books an invoice and the hours of managing it every seven days.
func (g *gen) weekly(c *campaign, lo, hi, hoursLo, hoursHi int64, note string) {
	for d := c.start; !d.After(c.end); d = d.AddDate(0, 0, 7) {
		g.cost(c, d, g.amount(lo, hi), g.amount(hoursLo, hoursHi), note)
	}
}

// source is where a new contact first came from: a channel, perhaps a campaign, and for
// web sources the page they landed on and the referrer that brought them.
type source struct {
	channel  string
	campaign *campaign
	weight   float64 // how many of the web's new contacts come from here while it runs
	quality  float64 // how likely they buy, relative to 1
	forms    []string
	land     func(g *gen, p *person) (page, referrer string)
}

// formPages maps a form to the page that holds it.
var formPages = map[string]string{
	"contact": "/contact", "lead-scoring-guide": "/guides/lead-scoring", "attribution-checklist": "/guides/attribution-checklist",
	"webinar-registration": "/webinar/lead-scoring", "postcard-offer": "/postcard", "pricing-sheet": "/pricing",
	"newsletter": "/blog", "demo": "/demo", "trial": "/signup",
}

var contentPages = []string{"/", "/blog/lead-scoring-basics", "/blog/speed-to-lead", "/blog/attribution-models-explained",
	"/blog/cost-per-lead-by-channel", "/guides/lead-scoring", "/features", "/customers"}

var sitePages = []string{"/features", "/pricing", "/customers", "/integrations", "/blog", "/about", "/features/attribution",
	"/features/routing", "/customers/brightwave-tools"}

// utm returns a page of the site with UTM parameters, as a campaign link has them.
func utm(path, src, medium, campaign string, more ...string) string {
	q := url.Values{"utm_source": {src}, "utm_medium": {medium}, "utm_campaign": {campaign}}
	for i := 0; i+1 < len(more); i += 2 {
		q.Set(more[i], more[i+1])
	}
	return site + path + "?" + q.Encode()
}

// searchReferrer is the search engine a person from that country most likely used.
func (g *gen) searchReferrer(p *person) string {
	switch {
	case chance(g.rng, 0.1):
		return pick(g.rng, []string{"https://www.bing.com/", "https://duckduckgo.com/", "https://www.ecosia.org/"})
	case p.ctry.code == "DE" || p.ctry.code == "AT":
		return "https://www.google.de/"
	case p.ctry.code == "GB":
		return "https://www.google.co.uk/"
	case p.ctry.code == "FR":
		return "https://www.google.fr/"
	}
	return "https://www.google.com/"
}

func (g *gen) planSources() {
	g.sources = []*source{
		{channel: "organic_search", weight: 20, quality: 1.2, forms: []string{"lead-scoring-guide", "attribution-checklist", "contact"},
			land: func(g *gen, p *person) (string, string) { return site + pick(g.rng, contentPages), g.searchReferrer(p) }},
		{channel: "direct", weight: 7, quality: 1.3, forms: []string{"contact", "pricing-sheet"},
			land: func(g *gen, p *person) (string, string) {
				return site + pick(g.rng, []string{"/", "/", "/pricing"}), ""
			}},
		{channel: "social", weight: 4, quality: 0.7, forms: []string{"attribution-checklist", "contact"},
			land: func(g *gen, p *person) (string, string) {
				return site + pick(g.rng, contentPages[1:5]), pick(g.rng, []string{"https://www.linkedin.com/", "https://t.co/", "https://www.xing.com/"})
			}},
		{channel: "referral", weight: 4, quality: 1.5, forms: []string{"contact", "pricing-sheet"},
			land: func(g *gen, p *person) (string, string) {
				return site + "/", pick(g.rng, []string{"https://www.g2.com/categories/lead-management", "https://www.capterra.com/lead-management-software/"})
			}},
		{channel: "paid_search", campaign: g.search, weight: 22, quality: 1.1, forms: []string{"contact", "pricing-sheet", "attribution-checklist"},
			land: func(g *gen, p *person) (string, string) {
				term := pick(g.rng, []string{"lead management software", "lead scoring tool", "marketing attribution", "b2b lead tracking", "cost per lead report"})
				return utm("/lp/lead-management", "google", "cpc", g.search.UTMCampaign, "utm_term", term), g.searchReferrer(p)
			}},
		{channel: "paid_search", campaign: g.brand, weight: 6, quality: 1.6, forms: []string{"contact", "pricing-sheet"},
			land: func(g *gen, p *person) (string, string) {
				return utm("/", "google", "cpc", g.brand.UTMCampaign), g.searchReferrer(p)
			}},
		{channel: "paid_social", campaign: g.linkedin, weight: 9, quality: 1, forms: []string{"attribution-checklist", "contact"},
			land: func(g *gen, p *person) (string, string) {
				ad := pick(g.rng, []string{"video-attribution", "carousel-roi", "single-image-cpl"})
				return utm("/lp/attribution", "linkedin", "paid_social", g.linkedin.UTMCampaign, "utm_content", ad), "https://www.linkedin.com/"
			}},
		{channel: "paid_social", campaign: g.facebook, weight: 5, quality: 0.6, forms: []string{"pricing-sheet", "contact"},
			land: func(g *gen, p *person) (string, string) {
				return utm("/lp/free-trial", "facebook", "paid_social", g.facebook.UTMCampaign, "utm_content", "pricing-reminder"), "https://l.facebook.com/"
			}},
		{channel: "email", campaign: g.newsletter, weight: 2, quality: 1, forms: []string{"lead-scoring-guide", "contact"},
			land: func(g *gen, p *person) (string, string) {
				return utm(pick(g.rng, contentPages[1:5]), "newsletter", "email", g.newsletter.UTMCampaign), ""
			}},
		{channel: "direct_mail", campaign: g.postcard, weight: 8, quality: 0.8, forms: []string{"postcard-offer"},
			land: func(g *gen, p *person) (string, string) {
				return utm("/postcard", "postcard", "print", g.postcard.UTMCampaign), "" // scanned the QR code
			}},
		{channel: "partner", campaign: g.partner, weight: 25, quality: 1.8, forms: []string{"webinar-registration"},
			land: func(g *gen, p *person) (string, string) {
				return utm("/webinar/lead-scoring", "quillstone", "partner", g.partner.UTMCampaign), partnerSite
			}},
		{channel: "social", campaign: g.guide, weight: 5, quality: 0.8, forms: []string{"lead-scoring-guide"},
			land: func(g *gen, p *person) (string, string) {
				return utm("/guides/lead-scoring", "linkedin", "social", g.guide.UTMCampaign), "https://www.linkedin.com/"
			}},
	}
	g.fairSource = &source{channel: "event", campaign: g.fair, quality: 1.5}
	g.listSource = &source{channel: "purchased_list", campaign: g.list, quality: 0.3}
	g.callSource = &source{channel: "phone", quality: 0.7}
}
