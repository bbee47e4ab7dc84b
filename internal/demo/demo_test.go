package demo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/demo"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

var now = time.Date(2026, 6, 15, 16, 30, 0, 0, time.UTC)

// load fills a fresh store whose clock stands at now.
func load(t *testing.T, contacts int, seed int64) (*store.Store, demo.Summary) {
	t.Helper()
	s := storetest.Open(t)
	s.Now = func() time.Time { return now }
	sum, err := demo.Load(context.Background(), s, demo.Options{Contacts: contacts, Now: now, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return s, sum
}

func allContacts(t *testing.T, s *store.Store) []*store.Contact {
	t.Helper()
	var out []*store.Contact
	f := store.ContactFilter{Limit: 500}
	for {
		page, err := s.Contacts(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Contacts...)
		if page.NextCursor == "" {
			return out
		}
		f.Cursor = page.NextCursor
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	s, sum := load(t, 300, 1)
	t.Logf("summary: %+v", sum)

	campaigns, err := s.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(campaigns) != sum.Campaigns || len(campaigns) < 9 {
		t.Fatalf("%d campaigns, summary says %d", len(campaigns), sum.Campaigns)
	}
	var cost int64
	channels := map[string]bool{}
	for _, c := range campaigns {
		channels[c.Channel] = true
		cost += c.Cost
		if c.Cost == 0 && c.Hours == 0 {
			t.Errorf("campaign %q has no cost entries", c.Name)
		}
	}
	if len(channels) < 7 {
		t.Errorf("campaigns in only %d channels: %v", len(channels), channels)
	}
	// Every campaign has a printed link, and the ones without a landing page lead
	// to the demo's website.
	if v, err := s.Setting(ctx, store.SettingWebsiteURL); err != nil || v != "https://www.example.com" {
		t.Errorf("website %q %v", v, err)
	}
	for _, c := range campaigns {
		if c.ShortCode == "" {
			t.Errorf("campaign %q has no printed link", c.Name)
		}
	}
	if cost < 40000_00 || cost > 80000_00 {
		t.Errorf("total cost %d cents, want 40k to 80k", cost)
	}

	contacts := allContacts(t, s)
	if len(contacts) != 300 || sum.Contacts != 300 {
		t.Fatalf("%d contacts listed, summary says %d; want 300", len(contacts), sum.Contacts)
	}
	// Every contact is scored under the demo's rules: most fit the profile a little,
	// the active ones show engagement, and the stages are those the story gave.
	fit, engaged, mqlReady := 0, 0, 0
	for _, c := range contacts {
		if c.FitScore > 0 {
			fit++
		}
		if c.EngagementScore > 0 {
			engaged++
		}
		if c.FitScore >= 40 && c.EngagementScore >= 25 {
			mqlReady++
		}
	}
	if fit < 150 || engaged < 60 || mqlReady == 0 {
		t.Errorf("scored contacts: %d with fit, %d with engagement, %d over both MQL thresholds", fit, engaged, mqlReady)
	}
	t.Logf("scores: %d of %d with fit, %d with engagement, %d over both MQL thresholds", fit, len(contacts), engaged, mqlReady)
	// Sales owns the leads it accepted and what came of them; nobody owns the rest.
	owned := 0
	for _, c := range contacts {
		if c.Owner == nil {
			continue
		}
		owned++
		if c.Owner.Name != "Tobias Brenner" && c.Owner.Name != "Grace Okafor" {
			t.Errorf("contact %d is owned by %q, not a sales rep", c.ID, c.Owner.Name)
		}
		if !slices.Contains([]string{lifecycle.SQL, lifecycle.Opportunity, lifecycle.Customer, lifecycle.Lead}, c.Stage) {
			t.Errorf("contact %d at %s has an owner", c.ID, c.Stage)
		}
	}
	if owned < 10 {
		t.Errorf("%d contacts have an owner, want sales to own some", owned)
	}
	if sum.Events < 300*5 {
		t.Errorf("only %d events for 300 contacts", sum.Events)
	}
	stages := map[string]int{}
	firstChannels := map[string]int{}
	var withEmail, withCompany, early, late int
	for _, c := range contacts {
		stages[c.Stage]++
		if c.FirstTouch == nil {
			t.Errorf("contact %d (%s) has no first touch", c.ID, c.Name())
			continue
		}
		firstChannels[c.FirstTouch.Channel]++
		if c.FirstTouch.At.After(c.CreatedAt) {
			t.Errorf("contact %d: first touch %v after creation %v", c.ID, c.FirstTouch.At, c.CreatedAt)
		}
		if c.Email != "" {
			withEmail++
		}
		if c.Company != nil {
			withCompany++
		}
		if c.CreatedAt.Before(now.AddDate(0, -6, 0)) || c.CreatedAt.After(now) {
			t.Errorf("contact %d created at %v, outside the six months", c.ID, c.CreatedAt)
		}
		if c.CreatedAt.Before(now.AddDate(0, -3, 0)) {
			early++
		} else {
			late++
		}
	}
	t.Logf("stages %v; first touches %v", stages, firstChannels)
	for _, st := range lifecycle.Stages {
		if stages[st] == 0 {
			t.Errorf("no contact at stage %s: %v", st, stages)
		}
	}
	if stages[lifecycle.Lead] < 60 || stages[lifecycle.MQL] < 40 {
		t.Errorf("stage mix off: %v", stages)
	}
	if len(firstChannels) < 8 {
		t.Errorf("first touches in only %d channels: %v", len(firstChannels), firstChannels)
	}
	if withEmail < 270 || withEmail == 300 {
		t.Errorf("%d of 300 contacts have an email; want most but not all (phone-only calls)", withEmail)
	}
	if withCompany < 150 || withCompany > 270 {
		t.Errorf("%d of 300 contacts have a company; free-mail addresses should have none", withCompany)
	}
	if late <= early {
		t.Errorf("recent months should be busier: %d early, %d late", early, late)
	}

	var buyers, repeat, deals int
	types := map[string]int{}
	reasons := map[string]int{}
	bands := map[string]int{}
	var profiled, industries int
	for _, c := range contacts {
		won := 0
		ds, err := s.Deals(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		deals += len(ds)
		for _, d := range ds {
			if d.Amount < 1000_00 || d.Amount > 40000_00 {
				t.Errorf("deal %q amount %d cents", d.Name, d.Amount)
			}
			if d.Status != store.DealWon {
				continue
			}
			won++
			if c.Stage != lifecycle.Customer {
				t.Errorf("contact %d won a deal but is %s", c.ID, c.Stage)
			}
			if !d.ClosedAt.After(c.FirstTouch.At) || !d.ClosedAt.Before(now) {
				t.Errorf("deal of contact %d closed at %v; first touch %v", c.ID, d.ClosedAt, c.FirstTouch.At)
			}
		}
		if c.Stage == lifecycle.Customer && len(ds) == 0 {
			t.Errorf("customer %d without a deal", c.ID)
		}
		if won > 0 {
			buyers++
		}
		if won > 1 {
			repeat++
		}
		if c.Seniority != "" || c.Department != "" {
			profiled++
		}
		if c.Company != nil && c.Company.Industry != "" {
			industries++
			bands[c.Company.Size]++
			if c.Company.Employees == nil || c.Company.Country == "" {
				t.Errorf("company %s lacks its head count or country", c.Company.Domain)
			}
		}
		events, err := s.Timeline(ctx, c.ID, store.TimelineOptions{Limit: 5000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			types[e.Type]++
			if e.Type == "sql_rejected" {
				reason, _ := e.Properties["reason"].(string)
				reasons[reason]++
			}
			// A referral is on the person referred and names the customer who referred them.
			if by := fmt.Sprint(e.Properties["referred_by"]); e.Type == "referral" && (by == "" || by == c.Email || by == fmt.Sprint(c.ID) || c.FirstTouch == nil || c.FirstTouch.Channel != "referral") {
				t.Errorf("contact %d (first touch %+v): a referral naming %q", c.ID, c.FirstTouch, by)
			}
			if u, _ := e.Properties["page_url"].(string); e.Type == "page_view" && strings.HasSuffix(u, "/pricing") {
				types["pricing view"]++
			}
			if e.OccurredAt.After(now) {
				t.Errorf("contact %d: %s at %v, after now", c.ID, e.Type, e.OccurredAt)
			}
		}
	}
	if deals != sum.Deals || buyers != stages[lifecycle.Customer] || buyers == 0 || repeat == 0 {
		t.Errorf("%d deals (summary %d), %d buyers for %d customers, %d of them repeat buyers", deals, sum.Deals, buyers, stages[lifecycle.Customer], repeat)
	}
	// What the dashboard and the audience insights read: sales' decisions with reasons,
	// qualifications, referrals, pricing page views, enriched profiles and companies.
	t.Logf("events %v; rejection reasons %v; size bands %v", types, reasons, bands)
	for _, typ := range []string{"qualified", "sql_accepted", "sql_rejected", "referral", "pricing view"} {
		if types[typ] == 0 {
			t.Errorf("no %s events: %v", typ, types)
		}
	}
	// Every referral names a customer, so the quality report counts each one once.
	quality, err := s.Quality(ctx, now.AddDate(-2, 0, 0), now.AddDate(0, 0, 1), false)
	if err != nil {
		t.Fatal(err)
	}
	var referrals int64
	for _, q := range quality {
		referrals += q.Referrals
	}
	if referrals != int64(types["referral"]) {
		t.Errorf("the quality report counts %d referrals made by customers; %d were recorded", referrals, types["referral"])
	}
	if len(reasons) < 2 || reasons[""] > 0 {
		t.Errorf("rejection reasons %v", reasons)
	}
	if profiled < 250 || industries < 150 || len(bands) < 4 {
		t.Errorf("%d contacts with seniority or department, %d with an industry, bands %v", profiled, industries, bands)
	}
	// Part of the people gave an age band, and the ones who decide (35 to 54) buy
	// more often than the youngest: the audience insights have a story to find.
	ageCounts := map[string][2]int{} // contacts, customers
	aged := 0
	for _, c := range contacts {
		if c.AgeBand == "" {
			continue
		}
		aged++
		n := ageCounts[c.AgeBand]
		n[0]++
		if c.Stage == lifecycle.Customer || c.Stage == lifecycle.Opportunity {
			n[1]++
		}
		ageCounts[c.AgeBand] = n
	}
	t.Logf("age bands (contacts, customers or opportunities): %v", ageCounts)
	if aged < 120 || aged > 220 {
		t.Errorf("%d of 300 contacts have an age band; want about 60 %% of those with an email", aged)
	}
	rate := func(bands ...string) float64 {
		var n, k int
		for _, b := range bands {
			n, k = n+ageCounts[b][0], k+ageCounts[b][1]
		}
		return float64(k) / float64(max(n, 1))
	}
	if old, young := rate("35-44", "45-54"), rate("18-24", "25-34"); old <= young {
		t.Errorf("35 to 54 year olds convert at %.2f, 18 to 34 at %.2f; the story wants the decision makers ahead", old, young)
	}
	for b := range bands {
		if !slices.Contains([]string{"1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+"}, b) {
			t.Errorf("size band %q is not one of the contract's", b)
		}
	}
	users, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 3 {
		t.Errorf("%d users, want a marketer and two sales reps", len(users))
	}
	for _, u := range users {
		if u.PasswordHash != "" {
			t.Errorf("user %s has a password", u.Email)
		}
	}
}

func emails(t *testing.T, s *store.Store) []string {
	var out []string
	for _, c := range allContacts(t, s) {
		out = append(out, c.Email+"|"+c.Phone+"|"+c.Stage)
	}
	slices.Sort(out)
	return out
}

func TestLoadIsDeterministic(t *testing.T) {
	a, sumA := load(t, 60, 7)
	b, sumB := load(t, 60, 7)
	if sumA != sumB {
		t.Errorf("summaries differ: %+v and %+v", sumA, sumB)
	}
	if ea, eb := emails(t, a), emails(t, b); !slices.Equal(ea, eb) {
		t.Errorf("the same seed made different contacts:\n%v\n%v", ea[:5], eb[:5])
	}
	c, _ := load(t, 60, 8)
	if slices.Equal(emails(t, a), emails(t, c)) {
		t.Error("another seed made the same contacts")
	}
}

func TestLoadRefusesANonEmptyStore(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "real.person@example.org"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, s, demo.Options{Contacts: 20}); !errors.Is(err, demo.ErrNotEmpty) {
		t.Fatalf("Load on a store with a contact: %v, want ErrNotEmpty", err)
	}
	campaigns, err := s.Campaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(campaigns) != 0 {
		t.Errorf("a refused load created %d campaigns", len(campaigns))
	}
}

func TestLoadSmallWorkspaces(t *testing.T) {
	for _, n := range []int{1, 12} {
		s, sum := load(t, n, 3)
		got, err := s.CountContacts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got != int64(n) || sum.Contacts != n {
			t.Errorf("asked for %d contacts, got %d (summary %d)", n, got, sum.Contacts)
		}
	}
}

// BenchmarkLoad times a full-size demo: go test -run X -bench Load -benchtime 1x ./internal/demo/
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s := storetest.Open(b)
		b.StartTimer()
		sum, err := demo.Load(context.Background(), s, demo.Options{Contacts: 3000, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(sum.Events), "events")
		b.Logf("%+v", sum)
	}
}
