package demo

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

var (
	opportunityReasons = []string{"discovery call done: budget and timeline confirmed", "proposal requested after the demo",
		"pilot agreed with the sales team"}
	lostReasons = []string{"deal lost: chose a competitor; back to nurture", "deal lost: no decision this year; back to nurture",
		"deal lost: went quiet after the proposal; back to nurture"}
	noteTemplates = []string{
		"Call with %s: leads arrive in spreadsheets from three sources today. Wants routing by territory; sending a proposal this week.",
		"%s compares us with Leadforge. Decision by the end of the quarter; budget is approved.",
		"Demo went well. %s wants a two-week pilot with the sales team first.",
		"%s asked for the security whitepaper and our DPA; their legal team reviews next week.",
		"%s needs the fair badge import before their next trade show. Follow up on Thursday.",
	}
)

// outcomes applies what a person or a deal decides, after the captures: a rep moves
// opportunities and disqualifies, deals are won, lost or still open, and reps leave
// notes on the hottest contacts.
func (g *gen) outcomes(ctx context.Context, s *store.Store, sum *Summary) error {
	var hot []*person
	for _, p := range g.people {
		if p.id == 0 {
			continue
		}
		var err error
		switch p.fate {
		case fateOpportunity, fateCustomer, fateLost:
			err = g.assign(ctx, s, p)
		case fateSQL:
			if p.decision != "rejected" {
				err = g.assign(ctx, s, p)
			}
		}
		if err != nil {
			return fmt.Errorf("demo: owner of contact %d: %w", p.id, err)
		}
		switch p.fate {
		case fateSubscriber:
			_, err = s.SetStage(ctx, p.id, lifecycle.Subscriber, "reads the newsletter only; not in the market yet", actor)
		case fateOpportunity:
			if _, err = s.SetStage(ctx, p.id, lifecycle.Opportunity, pick(g.rng, opportunityReasons), actor); err == nil && chance(g.rng, 0.5) {
				err = g.deal(ctx, s, p, store.DealOpen, sum)
				hot = append(hot, p)
			}
		case fateCustomer:
			if err = g.deal(ctx, s, p, store.DealWon, sum); err == nil {
				err = g.afterTheSale(ctx, s, p, sum)
			}
		case fateLost:
			if err = g.deal(ctx, s, p, store.DealLost, sum); err == nil {
				_, err = s.SetStage(ctx, p.id, lifecycle.Lead, pick(g.rng, lostReasons), actor)
			}
		case fateDisqualified:
			_, err = s.SetStage(ctx, p.id, lifecycle.Disqualified, p.reason, actor)
		case fateSQL:
			if p.decision == "rejected" {
				_, err = s.SetStage(ctx, p.id, lifecycle.Lead, "rejected by sales: "+p.rejectReason+"; back to nurture", fmt.Sprintf("user:%d", p.rep.ID))
				break
			}
			if g.now.Sub(p.sqlAt) < 14*day {
				hot = append(hot, p)
			}
		}
		if err != nil {
			return fmt.Errorf("demo: outcome of contact %d: %w", p.id, err)
		}
	}
	for i := range min(len(hot), max(3, len(g.people)/250)) {
		p := hot[len(hot)-1-i] // the most recent first
		body := fmt.Sprintf(pick(g.rng, noteTemplates), p.first)
		if _, err := s.AddNote(ctx, p.id, body, fmt.Sprintf("user:%d", p.rep.ID)); err != nil {
			return fmt.Errorf("demo: note on contact %d: %w", p.id, err)
		}
	}
	return nil
}

// assign makes the person's rep the owner of their contact: sales works every lead
// it accepted, and keeps its opportunities and customers.
func (g *gen) assign(ctx context.Context, s *store.Store, p *person) error {
	_, err := s.AssignOwner(ctx, p.id, p.rep.ID, "", actor)
	return err
}

// plans are the subscriptions the demo workspace sells, per month in cents.
var plans = []struct {
	name    string
	monthly int64
}{{"Starter", 9900}, {"Growth", 29900}, {"Business", 59900}}

// deal records p's deal, sized to their company: a plan for one to three teams a
// year, or an enterprise contract for the largest.
func (g *gen) deal(ctx context.Context, s *store.Store, p *person, status string, sum *Summary) error {
	var tier int
	switch p.size {
	case "1-10":
		tier = 0
	case "11-50":
		tier = g.rng.IntN(2)
	case "51-200":
		tier = 1 + g.rng.IntN(2)
	default:
		tier = 2 + g.rng.IntN(2)
	}
	var name string
	var amount int64
	if tier < len(plans) {
		name, amount = plans[tier].name, plans[tier].monthly*12*int64(1+g.rng.IntN(3))
	} else {
		name, amount = "Enterprise", 1800000+50000*g.rng.Int64N(45)
	}
	org := p.company
	if org == "" {
		org = p.first + " " + p.last
	}
	d := store.Deal{ContactID: p.id, Name: fmt.Sprintf("%s – %s, annual", org, name), Amount: amount, Status: status, ClosedAt: p.closeAt}
	if _, err := s.CreateDeal(ctx, d, fmt.Sprintf("user:%d", p.rep.ID)); err != nil {
		return err
	}
	sum.Deals++
	return nil
}

// afterTheSale gives some customers a second purchase (another team, an upgrade) and
// has some recommend Lodestone to a peer; the better the fit, the likelier both are.
func (g *gen) afterTheSale(ctx context.Context, s *store.Store, p *person, sum *Summary) error {
	if at := p.closeAt.Add(time.Duration(20+g.rng.IntN(40)) * day); at.Before(g.now) && chance(g.rng, math.Min(0.6, 0.15*p.quality)) {
		org := cmp.Or(p.company, p.first+" "+p.last)
		d := store.Deal{ContactID: p.id, Name: org + " – second team, annual", Amount: plans[g.rng.IntN(2)].monthly * 12, Status: store.DealWon, ClosedAt: at}
		if _, err := s.CreateDeal(ctx, d, fmt.Sprintf("user:%d", p.rep.ID)); err != nil {
			return err
		}
		sum.Deals++
	}
	if at := p.closeAt.Add(time.Duration(7+g.rng.IntN(60)) * day); at.Before(g.now) && chance(g.rng, math.Min(0.7, 0.2*p.quality)) {
		// The referral is recorded on the peer referred, naming the customer who referred
		// them (docs/capture.md): one of the people who came in by a referral after it.
		if q := g.peerReferredAfter(at); q != nil {
			by := any(p.email)
			if p.email == "" { // known by phone only
				by = p.id
			}
			if _, err := s.Ingest(ctx, []store.Capture{{Type: "referral", ContactID: q.id, OccurredAt: q.created, Actor: fmt.Sprintf("user:%d", p.rep.ID),
				Touch: true, Channel: string(attribution.Referral),
				Properties: map[string]any{"referred_by": by, "note": "Introduced by " + p.first + " " + p.last + ", a customer"}}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// peerReferredAfter picks the first person not yet referred who came in by a referral
// after at, nil when there is none left; g.people is in the order they were created.
func (g *gen) peerReferredAfter(at time.Time) *person {
	if g.referred == nil {
		g.referred = map[*person]bool{}
	}
	i, _ := slices.BinarySearchFunc(g.people, at, func(p *person, t time.Time) int { return p.created.Compare(t) })
	for _, q := range g.people[i:] {
		if q.id != 0 && q.src != nil && q.src.channel == string(attribution.Referral) && q.created.After(at) && !g.referred[q] {
			g.referred[q] = true
			return q
		}
	}
	return nil
}
