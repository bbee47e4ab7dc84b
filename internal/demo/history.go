package demo

import (
	"fmt"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

const day = 24 * time.Hour

// hist writes one person's captures.
type hist struct {
	g     *gen
	p     *person
	until time.Time // nothing of theirs happens from here on
	// signedUp is when they subscribed to the newsletter, if they did by a form.
	signedUp time.Time
	// raiseFirst says their first form asks for a demo or a trial.
	raiseFirst bool
	firstForm  string
}

// history writes what p did and what happened to them, from the first anonymous
// visit to the deal, as the captures the tracking snippet, the forms, the mailer,
// the phone system and the imports would have sent.
func (g *gen) history(p *person) {
	h := &hist{g: g, p: p, until: g.now.Add(-time.Minute)}
	h.plan()
	switch p.src {
	case g.fairSource:
		h.imported("north-sea-expo-badge-scans.csv", pick(g.rng, []string{"Interested in lead scoring", "Wants a trial for the sales team",
			"Asked about the CRM integration", "Collecting brochures", "Runs four trade fairs a year; wants the badge import"}))
	case g.listSource:
		h.imported("dach-manufacturing-list.csv", "")
	case g.callSource:
		h.called()
	default:
		h.browsed()
	}
	if p.email != "" {
		h.afterwards()
	}
	sortByTime(p.caps)
	for i, c := range p.caps {
		if c.Email != "" || c.Phone != "" {
			p.identify = i
			break
		}
	}
}

// plan fixes when a hand-raiser raised their hand and when their deal closed, so the
// rest of the history can keep before it.
func (h *hist) plan() {
	g, p := h.g, h.p
	var limit time.Time
	switch p.fate {
	case fateCustomer, fateLost:
		limit = minTime(p.created.Add(50*day), g.now.Add(-25*day))
	case fateOpportunity:
		limit = minTime(p.created.Add(40*day), g.now.Add(-5*day))
	case fateSQL:
		limit = minTime(p.created.Add(30*day), g.now.Add(-time.Hour))
	default:
		return
	}
	if chance(g.rng, 0.35) && p.src.land != nil {
		h.raiseFirst = true
		p.sqlAt = p.created // browsed moves it to the minute of the form
	} else {
		p.sqlAt = g.between(p.created.Add(time.Hour), limit)
	}
	if p.fate == fateCustomer || p.fate == fateLost {
		p.closeAt = g.businessTime(g.between(p.sqlAt.Add(12*day), minTime(p.sqlAt.Add(60*day), g.now.Add(-2*day))), p)
		p.closeAt = minTime(p.closeAt, g.now.Add(-2*time.Hour))
		h.until = p.closeAt.Add(-time.Hour)
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (h *hist) add(c store.Capture) {
	if c.OccurredAt.Before(h.until) {
		h.p.caps = append(h.p.caps, c)
	}
}

func (h *hist) visitor() string {
	if h.p.visitor == "" {
		h.p.visitor = h.g.newVisitor()
	}
	return h.p.visitor
}

// who names the person a capture is about: the address, or the number without one.
func (h *hist) who(c store.Capture) store.Capture {
	if h.p.email != "" {
		c.Email = h.p.email
	} else {
		c.Phone = h.p.phone
	}
	return c
}

// profile adds what a form or a list says about the person.
func (h *hist) profile(c *store.Capture, full bool) {
	p, r := h.p, h.g.rng
	c.Email, c.Phone = p.email, p.phone
	f := store.ContactFields{FirstName: p.first, LastName: p.last, CompanyName: p.company}
	if full || chance(r, 0.8) {
		f.JobTitle = p.title
	}
	if full || chance(r, 0.75) {
		f.Country = p.ctry.code
	}
	if full || chance(r, 0.45) {
		f.City, f.Region = p.city, p.region
	}
	f.AgeBand = p.ageBand
	c.Fields = f
	if d, ok := contact.CompanyDomain(p.email); ok {
		c.CompanyDomain = d
	}
}

func (h *hist) repActor() string { return fmt.Sprintf("user:%d", h.p.rep.ID) }

// visit appends a browsing session from landing through a few pages and returns the
// time of the last page.
func (h *hist) visit(t time.Time, landing, ref string, pages ...string) time.Time {
	h.pageView(t, landing, ref)
	prev := landing
	for _, pg := range pages {
		t = t.Add(20*time.Second + h.g.minutes(0, 3))
		h.pageView(t, site+pg, prev)
		prev = site + pg
	}
	return t
}

func (h *hist) pageView(t time.Time, page, ref string) {
	h.add(store.Capture{Type: "page_view", OccurredAt: t, VisitorID: h.visitor(), Web: attribution.WebTouch{PageURL: page, Referrer: ref}})
}

// somePages is a short walk through the site.
func (h *hist) somePages(lo, hi int) []string {
	n := lo + h.g.rng.IntN(hi-lo+1)
	out := make([]string, n)
	for i := range out {
		out[i] = pick(h.g.rng, sitePages)
	}
	return out
}

// form appends a form post at t that carries its session's source, as the form's
// hidden fields do.
func (h *hist) form(t time.Time, typ, slug, landing, ref string) {
	web := attribution.FromProperties(map[string]string{"page_url": landing, "referrer": ref})
	web.PageURL = site + formPages[slug]
	c := store.Capture{Type: typ, OccurredAt: t, VisitorID: h.visitor(), Touch: true, Web: web,
		Stage: lifecycle.StageForEvent(typ, lifecycle.MQL, true), Properties: map[string]any{"form": slug}}
	h.profile(&c, false)
	if typ == lifecycle.EventDemoRequest || typ == lifecycle.EventTrialSignup {
		c.Fields.JobTitle, c.Fields.Country = h.p.title, h.p.ctry.code
		c.Fields.Custom = map[string]any{"company_size": h.p.size}
	} else if chance(h.g.rng, 0.4) {
		c.Fields.Custom = map[string]any{"interest": pick(h.g.rng, []string{"lead scoring", "attribution", "routing", "nurture emails"})}
	}
	h.add(c)
}

// returnSource is where a known visitor comes back from.
func (h *hist) returnSource(t time.Time) (string, string) {
	g := h.g
	switch x := g.rng.Float64(); {
	case x < 0.15 && g.facebook.running(t):
		return utm("/lp/free-trial", "facebook", "paid_social", g.facebook.UTMCampaign, "utm_content", "pricing-reminder"), "https://l.facebook.com/"
	case x < 0.4:
		return site + pick(g.rng, contentPages), g.searchReferrer(h.p)
	}
	return site + pick(g.rng, []string{"/", "/", "/pricing", "/features"}), ""
}

// browsed writes a web contact's anonymous visits and the form that identified them.
func (h *hist) browsed() {
	g, p := h.g, h.p
	earliest := maxTime(g.start, p.created.Add(-21*day))
	if c := p.src.campaign; c != nil {
		earliest = maxTime(earliest, c.start)
	}
	before := weighted(g.rng, []float64{6, 3, 1})
	for i := range before {
		t := g.between(earliest, p.created.Add(-2*time.Hour))
		landing, ref := h.returnSource(t)
		if i == 0 {
			landing, ref = p.src.land(g, p)
		}
		h.visit(t, landing, ref, h.somePages(0, 2)...)
	}
	landing, ref := h.returnSource(p.created)
	if before == 0 || chance(g.rng, 0.3) && (p.src.campaign == nil || p.src.campaign.running(p.created)) {
		landing, ref = p.src.land(g, p)
	}
	typ, slug := "form_submit", pick(g.rng, p.src.forms)
	switch {
	case h.raiseFirst:
		typ, slug = lifecycle.EventDemoRequest, "demo"
		if chance(g.rng, 0.3) {
			typ, slug = lifecycle.EventTrialSignup, "trial"
		}
	case (p.fate == fateMQL || p.fate == fateSubscriber) && chance(g.rng, 0.5):
		typ, slug = lifecycle.EventNewsletterSignup, "newsletter"
	}
	pages := append(h.somePages(0, 1), formPages[slug])
	end := h.visit(p.created.Add(-g.minutes(2, 9)), landing, ref, pages...)
	p.created = end.Add(40*time.Second + g.minutes(0, 2))
	h.form(p.created, typ, slug, landing, ref)
	h.firstForm = slug
	switch typ {
	case lifecycle.EventDemoRequest, lifecycle.EventTrialSignup:
		p.sqlAt = p.created
	case lifecycle.EventNewsletterSignup:
		h.signedUp = p.created
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// imported writes a row of an imported list: a touch of the list's campaign.
func (h *hist) imported(file, note string) {
	p := h.p
	c := store.Capture{Type: "import", OccurredAt: p.created, Touch: true, Channel: p.src.channel, CampaignID: p.src.campaign.ID,
		Stage: lifecycle.StageForEvent("import", lifecycle.MQL, true), Actor: fmt.Sprintf("user:%d", h.g.marketer.ID),
		Properties: map[string]any{"file": file}}
	if note != "" {
		c.Properties["note"] = note
	}
	h.profile(&c, true)
	h.add(c)
}

// called writes the cold calls that reached someone known only by their number.
func (h *hist) called() {
	g, p := h.g, h.p
	calls := 1 + weighted(g.rng, []float64{5, 3, 2})
	for i := range calls {
		t := p.created
		if i > 0 {
			t = g.workTime(g.between(p.created.Add(day), h.until), p)
		}
		disposition := pick(g.rng, []string{"interested", "call back later", "send information", "no answer"})
		if i == calls-1 && p.fate == fateDisqualified {
			disposition = "not interested"
		}
		c := store.Capture{Type: "call", OccurredAt: t, Touch: true, Channel: string(attribution.Phone), Actor: h.repActor(),
			Properties: map[string]any{"disposition": disposition, "direction": "outbound", "duration_seconds": 30 + g.rng.IntN(570)}}
		if i == 0 {
			c.Stage = lifecycle.StageForEvent("call", lifecycle.MQL, true)
			h.profile(&c, true)
		} else {
			c = h.who(c)
		}
		h.add(c)
	}
}
