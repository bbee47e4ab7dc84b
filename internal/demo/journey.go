package demo

import (
	"fmt"
	"math"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// sequence is a series of emails sent after a contact arrives, with the link each
// one carries and how often people open and click.
type sequence struct {
	source, campaign string // utm_source and utm_campaign of the links
	days             []int
	subjects         []string
	paths            []string
	open, click      float64
}

var (
	welcome = sequence{source: "nurture", campaign: "welcome", days: []int{0, 3, 8},
		subjects: []string{"", "How Brightwave Tools cut their cost per lead by a third", "Want to see your own numbers?"},
		paths:    []string{"/guides/lead-scoring", "/customers/brightwave-tools", "/demo"}, open: 0.48, click: 0.09}
	expoFollowUp = sequence{source: "nurture", campaign: "expo-follow-up", days: []int{1, 6, 14},
		subjects: []string{"Great to meet you at the North Sea B2B Expo", "The slides from our stand", "Shall we continue where we left off?"},
		paths:    []string{"/customers", "/features/attribution", "/demo"}, open: 0.55, click: 0.1}
	listOutreach = sequence{source: "outreach", days: []int{2, 7, 15},
		subjects: []string{"Lead management for manufacturers", "How a machine builder doubled qualified leads", "Worth a 15-minute call?"},
		paths:    []string{"/features", "/customers", "/demo"}, open: 0.18, click: 0.025}
)

// welcomeSubjects answer the first form, so the first email fits what was asked for.
var welcomeSubjects = map[string]string{
	"contact": "Thanks for getting in touch", "lead-scoring-guide": "Your guide: lead scoring in five steps",
	"attribution-checklist": "Your attribution checklist", "webinar-registration": "You're registered: the lead scoring webinar",
	"postcard-offer": "Your postcard offer", "pricing-sheet": "Our pricing, as promised", "newsletter": "Welcome to the newsletter",
	"demo": "About your demo", "trial": "Welcome to your trial",
}

var newsletterTopics = []string{"speed to lead", "what a lead really costs", "routing by territory", "scoring that sales trusts",
	"trade fair follow-up", "attribution without guesswork", "cleaning a purchased list"}

// afterwards writes what happened once someone with an address became a contact:
// the emails they got, their returns to the site, and their way to the stage they end at.
func (h *hist) afterwards() {
	g, p := h.g, h.p
	switch p.src {
	case g.fairSource:
		h.sequence(expoFollowUp)
	case g.listSource:
		seq := listOutreach
		seq.campaign = g.list.UTMCampaign
		h.sequence(seq)
	default:
		seq := welcome
		seq.subjects = append([]string{welcomeSubjects[h.firstForm]}, welcome.subjects[1:]...)
		h.sequence(seq)
	}
	visits := 1 // at most; the more interested come back more often
	switch {
	case p.src.land == nil:
		visits = 0 // an imported contact's browser is unknown until they click an email
	case p.fate == fateMQL:
		visits = 2
	case p.fate >= fateSQL && p.fate <= fateLost:
		visits = 3
	}
	for range g.rng.IntN(visits + 1) {
		t := g.workTime(g.between(p.created.Add(day), h.until), p)
		landing, ref := h.returnSource(t)
		pages := h.somePages(0, 2)
		if p.fate >= fateMQL && chance(g.rng, 0.6) {
			pages = append(pages, "/pricing")
		}
		h.visit(t, landing, ref, pages...)
	}
	signUp := p.fate == fateMQL || p.fate == fateSubscriber || p.fate >= fateSQL && chance(g.rng, 0.3)
	if signUp && h.signedUp.IsZero() {
		t := g.workTime(g.between(p.created.Add(day), minTime(p.created.Add(60*day), h.until)), p)
		if !t.Before(h.until) || t.Before(p.created) {
			t = p.created.Add(g.minutes(5, 40))
		}
		landing, ref := h.returnSource(t)
		end := h.visit(t, landing, ref, "/blog")
		h.signedUp = end.Add(g.minutes(1, 3))
		h.form(h.signedUp, lifecycle.EventNewsletterSignup, "newsletter", landing, ref)
	}
	if p.newsletter {
		from := p.created
		if !h.signedUp.IsZero() {
			from = h.signedUp
		}
		for m := g.newsletterDay(from); m.Before(h.until); m = g.newsletterDay(m.AddDate(0, 1, 0)) {
			at := m.Add(8*time.Hour + g.minutes(0, 20))
			if at.After(from) {
				topic := newsletterTopics[(int(m.Month())+m.Year())%len(newsletterTopics)]
				h.email(at, fmt.Sprintf("%s newsletter: %s", m.Month(), topic), "newsletter", g.newsletter.UTMCampaign, "/blog", 0.36, 0.06)
			}
		}
	}
	if !p.sqlAt.IsZero() {
		h.sales()
	}
	if p.fate == fateDisqualified {
		t := g.workTime(g.between(p.created.Add(day), h.until), p)
		h.add(h.who(store.Capture{Type: "call", OccurredAt: t, Actor: h.repActor(),
			Properties: map[string]any{"disposition": "not a fit", "direction": "outbound", "duration_seconds": 60 + g.rng.IntN(300), "reason": p.reason}}))
	}
}

// sequence sends the emails of s.
func (h *hist) sequence(s sequence) {
	for i, d := range s.days {
		at := h.g.workTime(h.p.created.Add(time.Duration(d)*day), h.p)
		if d == 0 {
			at = h.p.created.Add(h.g.minutes(1, 5))
		}
		h.email(at, s.subjects[i], s.source, s.campaign, s.paths[i], s.open, s.click)
	}
}

// email writes one email sent and, when it was opened or clicked, those too. A
// click is a touch and identifies the browser it lands in.
func (h *hist) email(at time.Time, subject, src, campaign, path string, open, click float64) {
	g := h.g
	props := func() map[string]any { return map[string]any{"subject": subject, "campaign": campaign} }
	h.add(h.who(store.Capture{Type: "email_sent", OccurredAt: at, Properties: props()}))
	if !chance(g.rng, open) {
		return
	}
	opened := at.Add(g.minutes(3, 600))
	h.add(h.who(store.Capture{Type: "email_open", OccurredAt: opened, Properties: props()}))
	if !chance(g.rng, click/open) {
		return
	}
	link := utm(path, src, "email", campaign)
	clicked := opened.Add(g.minutes(0, 4))
	c := h.who(store.Capture{Type: "email_click", OccurredAt: clicked, VisitorID: h.visitor(), Touch: true,
		Web: attribution.WebTouch{PageURL: link}, Properties: props()})
	c.Properties["url"] = link
	h.add(c)
	h.visit(clicked.Add(2*time.Second), link, "", h.somePages(0, 1)...)
}

// sales writes the hand-raise, if it came after the first form, and the sales
// conversation that followed: the rep's call, the demo meeting, the proposal.
func (h *hist) sales() {
	g, p := h.g, h.p
	if p.sqlAt.After(p.created) {
		landing, ref := h.returnSource(p.sqlAt)
		typ, slug := lifecycle.EventDemoRequest, "demo"
		if chance(g.rng, 0.3) {
			typ, slug = lifecycle.EventTrialSignup, "trial"
		}
		end := h.visit(p.sqlAt.Add(-g.minutes(3, 10)), landing, ref, "/pricing", formPages[slug])
		p.sqlAt = end.Add(g.minutes(1, 3))
		h.form(p.sqlAt, typ, slug, landing, ref)
	}
	call := p.sqlAt.Add(g.minutes(4, 90))
	if chance(g.rng, 0.3) {
		call = g.businessTime(p.sqlAt.Add(day), p) // it came in after hours
	}
	h.add(h.who(store.Capture{Type: "call", OccurredAt: call, Actor: h.repActor(),
		Properties: map[string]any{"disposition": "connected", "direction": "outbound", "duration_seconds": 180 + g.rng.IntN(900), "outcome": "demo booked"}}))
	if h.qualify(call); p.decision == "rejected" {
		return
	}
	meeting := g.businessTime(call.Add(time.Duration(2+g.rng.IntN(5))*day), p)
	h.add(h.who(store.Capture{Type: "meeting_booked", OccurredAt: call.Add(g.minutes(1, 5)), Actor: h.repActor(),
		Properties: map[string]any{"title": "Product demo", "with": p.rep.Name, "starts_at": meeting.Format(time.RFC3339)}}))
	if p.fate == fateSQL {
		return
	}
	h.visit(meeting.Add(day+g.minutes(0, 300)), site+"/pricing", "", "/features/routing", "/security")
	proposal := meeting.Add(time.Duration(3+g.rng.IntN(6)) * day)
	h.add(h.who(store.Capture{Type: "email_sent", OccurredAt: g.businessTime(proposal, p), Actor: h.repActor(),
		Properties: map[string]any{"subject": "Your proposal", "from": p.rep.Email}}))
	h.add(h.who(store.Capture{Type: "call", OccurredAt: g.businessTime(proposal.Add(3*day), p), Actor: h.repActor(),
		Properties: map[string]any{"disposition": "connected", "direction": "outbound", "duration_seconds": 300 + g.rng.IntN(1500), "outcome": "proposal discussed"}}))
}

// rejectReasons are why sales sends an SQL back to marketing, most common first.
var rejectReasons = []string{"no budget", "not the decision maker", "no need right now", "timeline over a year", "too small for us", "wrong region"}

// qualify writes the rep's BANT qualification after the first call and their decision
// on the hand-raise: people far along were accepted; of the SQLs that stopped there,
// weaker leads are likelier to be sent back, with a reason.
func (h *hist) qualify(call time.Time) {
	g, p := h.g, h.p
	if p.fate == fateSQL {
		switch x := g.rng.Float64() * (0.4 + 0.6*p.quality); {
		case x < 0.35:
			p.decision = "rejected"
			p.rejectReason = rejectReasons[weighted(g.rng, []float64{5, 3, 3, 2, 1.5, 1})]
			if p.quality < 0.6 && chance(g.rng, 0.5) {
				p.rejectReason = "too small for us"
			}
		case x < 0.75 || g.now.Sub(p.sqlAt) > 10*day:
			p.decision = "accepted"
		}
	} else {
		p.decision = "accepted"
	}
	fits := func(q float64) bool { return chance(g.rng, math.Min(0.95, q)) }
	at := call.Add(g.minutes(2, 30))
	h.add(h.who(store.Capture{Type: "qualified", OccurredAt: at, Actor: h.repActor(), Properties: map[string]any{
		"budget": fits(0.3 + p.quality/2), "authority": fits(0.2 + p.quality/2), "need": fits(0.5 + p.quality/3),
		"timeline": pick(g.rng, []string{"this quarter", "next quarter", "this year", "next year"}), "product_fit": fits(0.4 + p.quality/3),
		"notes": fmt.Sprintf("First call with %s (%s).", p.first, p.title)}}))
	switch p.decision {
	case "accepted":
		h.add(h.who(store.Capture{Type: "sql_accepted", OccurredAt: at.Add(g.minutes(1, 20)), Actor: h.repActor()}))
	case "rejected":
		h.add(h.who(store.Capture{Type: "sql_rejected", OccurredAt: at.Add(g.minutes(1, 20)), Actor: h.repActor(),
			Properties: map[string]any{"reason": p.rejectReason}}))
	}
}
