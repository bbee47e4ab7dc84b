package demo

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// fate is how far a person gets, decided before their history is written so that the
// history leads there.
type fate int

const (
	fateLead fate = iota
	fateSubscriber
	fateMQL
	fateSQL
	fateOpportunity
	fateCustomer
	fateLost // a lost deal, recycled to lead
	fateDisqualified
)

// person is one demo contact and their history until it is written.
type person struct {
	first, last, email, phone, title, company, domain, size, city, region string

	ctry    *country
	home    city
	free    bool
	ageBand string  // one of contact.AgeBands, "" when their forms never asked
	quality float64 // how likely they buy, relative to 1

	src        *source
	created    time.Time
	fate       fate
	reason     string // why they were disqualified
	rep        *store.User
	visitor    string
	newsletter bool      // receives the monthly newsletter
	sqlAt      time.Time // when they raised their hand
	closeAt    time.Time // when their deal was won or lost
	// decision is sales' answer to their hand-raise: accepted, rejected (with
	// rejectReason) or "" while undecided.
	decision, rejectReason string

	caps     []store.Capture
	identify int   // index in caps of the capture that creates the contact
	id       int64 // the contact, once ingested
}

// The share of each source beside the web, and of each fate (SPEC section 3).
const (
	fairShare, listShare, callShare = 0.05, 0.05, 0.05
	freeMailShare                   = 0.29 // of web contacts, so about a quarter of all
)

var fateShares = []struct {
	fate  fate
	share float64
}{
	// Demanding fates first, so they get the people old enough to have reached them.
	{fateCustomer, 0.06}, {fateLost, 0.02}, {fateOpportunity, 0.06}, {fateSQL, 0.12},
	{fateDisqualified, 0.05}, {fateSubscriber, 0.03}, {fateMQL, 0.25},
}

// invent makes n people with where they came from and when.
func (g *gen) invent(n int) {
	g.companies = companies(g.rng, max(30, n/5))
	nFair, nList, nCall := share(n, fairShare), share(n, listShare), share(n, callShare)
	fairAt := g.fair.end.AddDate(0, 0, 1).Add(9*time.Hour + 40*time.Minute)
	for i := range nFair {
		p := g.newPersonWhere(chance(g.rng, 0.08), func(p *person) bool { return near(p.ctry.code) || chance(g.rng, 0.15) })
		p.src, p.created = g.fairSource, fairAt.Add(time.Duration(i)*time.Second)
		g.people = append(g.people, p)
	}
	listAt := g.list.start.AddDate(0, 0, 1).Add(14*time.Hour + 5*time.Minute)
	for i := range nList {
		p := g.newPersonWhere(false, func(p *person) bool { return dach(p.ctry.code) })
		p.src, p.created = g.listSource, listAt.Add(time.Duration(i)*time.Second)
		g.people = append(g.people, p)
	}
	for range nCall {
		p := g.phoneOnly()
		p.src = g.callSource
		if p.email != "" { // no number left to call: they found the site themselves
			p.src = g.webSource("direct")
		}
		p.created = g.createdAt(p)
		g.people = append(g.people, p)
	}
	for range n - nFair - nList - nCall {
		p := g.newPerson(chance(g.rng, freeMailShare))
		p.created = g.createdAt(p)
		var running []*source
		var weights []float64
		for _, s := range g.sources {
			if s.campaign == nil || s.campaign.running(p.created) {
				running = append(running, s)
				weights = append(weights, s.weight)
			}
		}
		p.src = running[weighted(g.rng, weights)]
		g.people = append(g.people, p)
	}
	slices.SortStableFunc(g.people, func(a, b *person) int { return a.created.Compare(b.created) })
	for _, p := range g.people {
		p.quality *= p.src.quality
		p.rep = g.reps[0]
		if !near(p.ctry.code) {
			p.rep = g.reps[len(g.reps)-1]
		}
	}
}

// webSource returns the web source of a channel that has no campaign.
func (g *gen) webSource(channel string) *source {
	for _, s := range g.sources {
		if s.channel == channel && s.campaign == nil {
			return s
		}
	}
	return g.sources[0]
}

func share(n int, s float64) int { return int(math.Round(float64(n) * s)) }

func dach(code string) bool { return code == "DE" || code == "AT" || code == "CH" }

func near(code string) bool { return dach(code) || code == "NL" }

// newPersonWhere invents people until one fits; the ones that do not give back their
// address and number.
func (g *gen) newPersonWhere(free bool, ok func(*person) bool) *person {
	for {
		p := g.newPerson(free)
		if ok(p) {
			return p
		}
		delete(g.emails, p.email)
		delete(g.phones, p.phone)
	}
}

// createdAt draws when a web or phone contact first identified themselves: across
// the six months, busier as the marketing grows, mostly on working days and hours.
func (g *gen) createdAt(p *person) time.Time {
	span := g.now.Sub(g.start)
	for {
		// Density rising linearly from 1 to 1.8 over the period, by inverting its CDF.
		u := g.rng.Float64()
		frac := (math.Sqrt(1+2.24*u) - 1) / 0.8
		t := g.workTime(g.weekday(g.start.Add(time.Duration(frac*float64(span)))), p)
		if t.After(g.start) && t.Before(g.now.Add(-30*time.Minute)) {
			return t
		}
	}
}

// assignFates gives each person the stage they will end at, in the proportions of
// fateShares. Better-fitting people from better sources are likelier to get far, so
// the reports have a story to tell; only old enough contacts can have closed a deal.
func (g *gen) assignFates() {
	taken := make([]bool, len(g.people))
	for _, fs := range fateShares {
		type cand struct {
			i   int
			key float64
		}
		var cands []cand
		for i, p := range g.people {
			if taken[i] {
				continue
			}
			if w := g.fateWeight(p, fs.fate); w > 0 {
				// Weighted sampling without replacement (Efraimidis and Spirakis).
				cands = append(cands, cand{i, g.rng.ExpFloat64() / w})
			}
		}
		slices.SortStableFunc(cands, func(a, b cand) int {
			switch {
			case a.key < b.key:
				return -1
			case a.key > b.key:
				return 1
			}
			return 0
		})
		for _, c := range cands[:min(len(cands), share(len(g.people), fs.share))] {
			taken[c.i] = true
			g.people[c.i].fate = fs.fate
		}
	}
	for _, p := range g.people {
		if p.fate == fateDisqualified {
			g.disqualify(p)
		}
		p.newsletter = p.email != "" && (p.fate == fateMQL || p.fate == fateSubscriber || chance(g.rng, 0.2))
	}
}

// fateWeight is how likely p is to end at f; 0 when p cannot.
func (g *gen) fateWeight(p *person, f fate) float64 {
	age := g.now.Sub(p.created)
	day := 24 * time.Hour
	if p.email == "" && f != fateDisqualified {
		return 0 // without an address nobody signs up or asks for a demo
	}
	switch f {
	case fateCustomer, fateLost:
		if age < 35*day {
			return 0
		}
		return p.quality * p.quality
	case fateOpportunity:
		if age < 10*day {
			return 0
		}
		return p.quality * p.quality
	case fateSQL:
		if age < 2*day {
			return 0
		}
		return p.quality
	case fateDisqualified:
		return 1 / (0.2 + p.quality)
	case fateSubscriber:
		if p.src.channel == "organic_search" || p.src.channel == "social" {
			return 3
		}
		return 1
	}
	return 1
}

// disqualify picks the reason a rep disqualified p, from the workspace's default
// disqualify reasons (a move to disqualified takes one of them), and makes the
// person fit it.
func (g *gen) disqualify(p *person) {
	switch {
	case p.email == "":
		p.reason = "No budget"
	case p.free && chance(g.rng, 0.7):
		p.reason, p.title, p.company = "Student or job seeker", "Student", ""
	case chance(g.rng, 0.15):
		delete(g.emails, p.email)
		p.reason, p.company, p.domain = "Competitor", g.competitor.name, g.competitor.domain
		p.email, p.free = g.workAddress(p.first, p.last, g.competitor.domain), false
	default:
		p.reason = "No budget"
	}
}

// newVisitor returns a first-party browser id as the tracking snippet makes them.
func (g *gen) newVisitor() string {
	return fmt.Sprintf("v%016x", g.rng.Uint64())
}
