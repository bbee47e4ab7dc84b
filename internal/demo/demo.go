// Package demo fills a fresh workspace with realistic sample data: six months of
// campaigns with their costs, a few thousand contacts with their history, and the
// stages and deals they reached, so a newcomer sees a living product at once.
//
// It writes through the store's public API only, as a busy workspace would have been
// written: captures (page views, forms, emails, calls, imports), cost entries, a
// person's stage changes and deals.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// Options says how much to make and from which seed.
type Options struct {
	Contacts int       // default 3000
	Now      time.Time // the end of the six months; default time.Now()
	Seed     int64     // default 1; the same seed and Now give the same data
}

// Summary counts what Load wrote. Events counts the captures (page views, forms,
// emails, calls, imports); the stage changes, deal events and notes the store records
// besides are not in it.
type Summary struct {
	Campaigns, CostEntries, Contacts, Events, Deals int
}

// ErrNotEmpty is returned when the workspace already has contacts: demo data must
// never mix with real people.
var ErrNotEmpty = errors.New("demo: the workspace already has contacts; demo data goes only into an empty one")

// actor is who the loader's own changes are recorded as.
const actor = "demo"

// ingestBatch is how many captures share one transaction.
const ingestBatch = 200

// Load fills an empty workspace with demo data. It refuses a workspace that has
// contacts. It is not one transaction: after an error, start again from a fresh database.
func Load(ctx context.Context, s *store.Store, opt Options) (Summary, error) {
	if opt.Contacts <= 0 {
		opt.Contacts = 3000
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if opt.Seed == 0 {
		opt.Seed = 1
	}
	var sum Summary
	n, err := s.CountContacts(ctx)
	if err != nil {
		return sum, err
	}
	if n > 0 {
		return sum, ErrNotEmpty
	}
	g := newGen(opt)
	if err := g.createUsers(ctx, s); err != nil {
		return sum, fmt.Errorf("demo: users: %w", err)
	}
	// The workspace's website, where the printed links of campaigns without a
	// landing page lead, unless the admin has set one.
	if v, err := s.Setting(ctx, store.SettingWebsiteURL); err != nil || v == "" {
		if err == nil {
			err = s.SetSetting(ctx, store.SettingWebsiteURL, site, actor)
		}
		if err != nil {
			return sum, fmt.Errorf("demo: website: %w", err)
		}
	}
	g.planCampaigns()
	for _, c := range g.campaigns {
		created, err := s.CreateCampaign(ctx, c.Campaign, actor)
		if err != nil {
			return sum, fmt.Errorf("demo: campaign %q: %w", c.Name, err)
		}
		c.ID = created.ID
		sum.Campaigns++
		for _, e := range c.costs {
			e.CampaignID = c.ID
			if _, err := s.AddCost(ctx, e, actor); err != nil {
				return sum, fmt.Errorf("demo: cost of %q: %w", c.Name, err)
			}
			sum.CostEntries++
		}
	}
	g.planSources()
	g.invent(opt.Contacts)
	g.assignFates()
	g.ageBands()
	for _, p := range g.people {
		g.history(p)
	}
	if err := g.ingest(ctx, s, &sum); err != nil {
		return sum, err
	}
	if err := g.profiles(ctx, s); err != nil {
		return sum, err
	}
	if err := g.outcomes(ctx, s, &sum); err != nil {
		return sum, err
	}
	return sum, score(ctx, s)
}

// gen holds the plan of the demo workspace while it is made. Everything random comes
// from one seeded generator, drawn in a fixed order, so a seed always gives the same data.
type gen struct {
	rng        *rand.Rand
	now, today time.Time
	start      time.Time // six months ago
	reps       []*store.User
	marketer   *store.User
	campaigns  []*campaign
	sources    []*source
	companies  []*company
	people     []*person
	referred   map[*person]bool // the people a customer's referral was recorded on
	emails     map[string]bool
	phones     map[string]bool
	competitor *company
	countryW   []float64
	titleW     []float64
	search     *campaign
	brand      *campaign
	linkedin   *campaign
	facebook   *campaign
	newsletter *campaign
	fair       *campaign
	postcard   *campaign
	partner    *campaign
	list       *campaign
	guide      *campaign
	fairSource *source
	listSource *source
	callSource *source
}

func newGen(opt Options) *gen {
	now := opt.Now.UTC().Truncate(time.Second)
	g := &gen{
		rng:      rand.New(rand.NewPCG(uint64(opt.Seed), 0x6c6f6465)),
		now:      now,
		today:    time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
		start:    now.AddDate(0, -6, 0),
		emails:   map[string]bool{},
		phones:   map[string]bool{},
		countryW: countryWeights(),
		titleW:   titleWeights(),
	}
	g.competitor = &company{name: "Leadforge Systems GmbH", domain: "leadforge-systems.de", ctry: countries[0],
		industry: "Software", size: "51-200", employees: 140}
	return g
}

// The demo team: a marketer and two sales reps. They have no password, so nobody can
// log in as them until an admin gives them one.
var team = []store.User{
	{Email: "maja.lindqvist@example.com", Name: "Maja Lindqvist", Role: store.RoleMarketer},
	{Email: "tobias.brenner@example.com", Name: "Tobias Brenner", Role: store.RoleSales},
	{Email: "grace.okafor@example.com", Name: "Grace Okafor", Role: store.RoleSales},
}

func (g *gen) createUsers(ctx context.Context, s *store.Store) error {
	for _, u := range team {
		created, err := s.CreateUser(ctx, u, actor)
		if err != nil {
			// A workspace may have users and still no contacts; reuse a teammate who exists.
			if existing, lookupErr := s.UserByEmail(ctx, u.Email); lookupErr == nil {
				created, err = existing, nil
			}
		}
		if err != nil {
			return err
		}
		if created.Role == store.RoleMarketer {
			g.marketer = created
		} else {
			g.reps = append(g.reps, created)
		}
	}
	return nil
}

// ingest records every person's captures in three passes, each in batches:
//
//  1. the anonymous browsing before people identified themselves, newest person first;
//  2. the captures that make the contacts, oldest first, so contact ids follow time;
//  3. everything afterwards, naming the contact by id.
//
// Each person's history still goes in in time order. The rest is speed: the store
// finds a page view's predecessor with a query whose index each engine picks well for
// one of its two forms only (while a new database has no statistics, the planner
// prefers events_type otherwise and walks every earlier page view): SQLite for a
// contact, PostgreSQL for a browser. So later page views name the browser on
// PostgreSQL and only the contact on SQLite, and anonymous views go in newest first,
// while few earlier ones exist. Passes 1 and 3 share no rows between people, so on
// PostgreSQL they run on several connections.
func (g *gen) ingest(ctx context.Context, s *store.Store, sum *Summary) error {
	workers := 1
	if s.Engine() == store.Postgres {
		workers = 4
	}
	var anonymous, after [][]store.Capture
	for i := len(g.people) - 1; i >= 0; i-- {
		anonymous = append(anonymous, g.people[i].caps[:g.people[i].identify])
	}
	if err := g.ingestAll(ctx, s, anonymous, workers, sum); err != nil {
		return err
	}
	var batch []store.Capture
	var owners []*person
	flush := func() error {
		out, err := s.Ingest(ctx, batch)
		if err != nil {
			return fmt.Errorf("demo: ingest: %w", err)
		}
		for i, r := range out {
			owners[i].id = r.ContactID
			if r.Created {
				sum.Contacts++
			}
		}
		sum.Events += len(out)
		batch, owners = batch[:0], owners[:0]
		return nil
	}
	for _, p := range g.people {
		batch, owners = append(batch, p.caps[p.identify]), append(owners, p)
		if len(batch) == ingestBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	for _, p := range g.people {
		rest := p.caps[p.identify+1:]
		for i := range rest {
			c := &rest[i]
			c.ContactID = p.id
			c.Email = ""
			if c.Fields.FirstName == "" {
				c.Phone = ""
			}
			if c.Type == "page_view" && s.Engine() == store.SQLite {
				c.VisitorID = ""
			}
		}
		after = append(after, rest)
	}
	return g.ingestAll(ctx, s, after, workers, sum)
}

// ingestAll records groups of captures, each group in order, on workers connections.
func (g *gen) ingestAll(ctx context.Context, s *store.Store, groups [][]store.Capture, workers int, sum *Summary) error {
	var wg sync.WaitGroup
	errs := make([]error, workers)
	events := make([]int, workers)
	for w := range workers {
		wg.Go(func() {
			var batch []store.Capture
			for i := w; i < len(groups) && errs[w] == nil; i += workers {
				batch = append(batch, groups[i]...)
				if len(batch) == 0 || len(batch) < ingestBatch && i+workers < len(groups) {
					continue
				}
				if _, err := s.Ingest(ctx, batch); err != nil {
					errs[w] = fmt.Errorf("demo: ingest: %w", err)
					return
				}
				events[w] += len(batch)
				batch = batch[:0]
			}
		})
	}
	wg.Wait()
	for w := range workers {
		sum.Events += events[w]
	}
	return errors.Join(errs...)
}

// Small helpers for drawing from the generator.

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

func pow(x, y float64) float64 { return math.Pow(x, y) }

// weighted returns an index drawn in proportion to weights.
func weighted(r *rand.Rand, weights []float64) int {
	var total float64
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// between returns a time drawn uniformly in [a, b).
func (g *gen) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(g.rng.Int64N(int64(b.Sub(a)))))
}

// minutes returns a duration of lo to hi minutes.
func (g *gen) minutes(lo, hi int) time.Duration {
	return time.Duration(lo*60+g.rng.IntN((hi-lo)*60+1)) * time.Second
}

// workTime puts t on a working hour of its day in the person's time zone.
func (g *gen) workTime(t time.Time, p *person) time.Time {
	h := math.Min(math.Max(11.5+g.rng.NormFloat64()*2.3, 7), 21)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.Add(time.Duration(h*float64(time.Hour)) + time.Duration(g.rng.IntN(3600))*time.Second - time.Duration(p.ctry.utcOffset)*time.Hour)
}

// businessTime puts t on a working hour of a working day, as a sales rep's calls are.
func (g *gen) businessTime(t time.Time, p *person) time.Time {
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, 1)
	}
	return g.workTime(t, p)
}

// weekday moves most weekend days to the nearest working day: B2B buyers rest too.
func (g *gen) weekday(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		if chance(g.rng, 0.75) {
			return t.AddDate(0, 0, -1)
		}
	case time.Sunday:
		if chance(g.rng, 0.75) {
			return t.AddDate(0, 0, 1)
		}
	}
	return t
}

func sortByTime(caps []store.Capture) {
	slices.SortStableFunc(caps, func(a, b store.Capture) int { return a.OccurredAt.Compare(b.OccurredAt) })
}
