package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/insights"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// insightWorld is a March cohort of four, worked out by hand in the tests below, and
// one contact from February outside it:
//
//	ann   03-02 Spring search form, DE Berlin, interests routing and scoring, director at
//	      acme.de (Software, 11-50); views /pricing twice; SQL accepted; won 100.00 and
//	      50.00; referred a friend, who came in by that referral on 04-02
//	ben   03-03 Spring search form, DE München, interest routing; views /pricing and
//	      /blog?x=1#top; made an SQL; rejected: "no budget"
//	cat   03-04 organic search form, GB; views https://www.example.com (the path "/");
//	      rejected ("no budget"), later accepted; won 30.00
//	dan   03-05 a webinar, no touch (direct), FR; made an SQL; rejected: "student"
//	ben's referral of a pal on 04-02 is no customer's
//	      (ann and ben are 25-34, cat 45-54, dan gave no age band)
//	eve   02-20 Spring search form, DE; won 10.00 (not in the cohort)
func insightWorld(t *testing.T) (*store.Store, map[string]int64, int64) {
	t.Helper()
	s := storetest.Open(t)
	ctx := context.Background()
	s.Now = func() time.Time { return time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC) }
	spring, err := s.CreateCampaign(ctx, store.Campaign{Name: "Spring search", Channel: "paid_search"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	ingest := func(c store.Capture) {
		t.Helper()
		out, err := s.Ingest(ctx, []store.Capture{c})
		if err != nil {
			t.Fatal(err)
		}
		if c.Email != "" {
			ids[c.Email[:3]] = out[0].ContactID
		}
	}
	ageBands := map[string]string{"ann": "25-34", "ben": "25-34", "cat": "45-54"}
	create := func(who string, at time.Time, channel string, campaign int64, country, city, domain string, custom map[string]any) {
		c := store.Capture{Type: "form_submit", Email: who + "@" + domain, OccurredAt: at, Touch: channel != "", Channel: channel, CampaignID: campaign,
			Fields: store.ContactFields{FirstName: who, Country: country, City: city, Custom: custom, AgeBand: ageBands[who]}}
		if channel == "" {
			c.Type = "webinar"
		}
		if domain == "acme.de" {
			c.CompanyDomain = domain
		}
		ingest(c)
	}
	create("ann", mar(2, 9), "paid_search", spring.ID, "DE", "Berlin", "acme.de", map[string]any{"interest": []any{"routing", "scoring"}})
	create("ben", mar(3, 9), "paid_search", spring.ID, "DE", "München", "example.org", map[string]any{"interest": "routing"})
	create("cat", mar(4, 9), "organic_search", 0, "GB", "", "example.org", nil)
	create("dan", mar(5, 9), "", 0, "FR", "", "example.org", nil)
	create("eve", time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC), "paid_search", spring.ID, "DE", "", "example.org", nil)

	event := func(who, typ string, at time.Time, props map[string]any) {
		t.Helper()
		ingest(store.Capture{Type: typ, ContactID: ids[who], OccurredAt: at, Properties: props,
			Web: attribution.WebTouch{PageURL: func() string { s, _ := props["page_url"].(string); return s }()}})
	}
	view := func(who, url string, day int) { event(who, "page_view", mar(day, 12), map[string]any{"page_url": url}) }
	view("ann", "https://www.example.com/pricing", 6)
	view("ann", "https://www.example.com/pricing?plan=growth", 7)
	view("ben", "https://www.example.com/pricing", 6)
	view("ben", "https://www.example.com/blog?x=1#top", 7)
	view("cat", "https://www.example.com", 6)
	for _, who := range []string{"ben", "dan"} {
		if _, err := s.SetStage(ctx, ids[who], "sql", "test", "test"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SetStage(ctx, ids["cat"], "sql", "test", "test"); err != nil {
		t.Fatal(err)
	}
	event("ann", "sql_accepted", mar(8, 9), nil)
	event("ben", "sql_rejected", mar(8, 9), map[string]any{"reason": "no budget"})
	event("cat", "sql_rejected", mar(8, 9), map[string]any{"reason": "no budget"})
	event("cat", "sql_accepted", mar(9, 9), nil)
	event("dan", "sql_rejected", mar(8, 10), map[string]any{"reason": "student"})
	// A referral is recorded on the person referred, naming the referrer: ann referred a
	// friend, who came in on 04-02 (after the period); ben's referral does not count, as
	// he is no customer.
	referral := func(email string, at time.Time, by any) {
		t.Helper()
		if _, err := s.Ingest(ctx, []store.Capture{{Type: "referral", Email: email, OccurredAt: at, Touch: true, Channel: "referral",
			Properties: map[string]any{"referred_by": by}}}); err != nil {
			t.Fatal(err)
		}
	}
	referral("friend@example.net", time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC), "ann@acme.de")
	referral("pal@example.net", time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC), ids["ben"])
	won := func(who string, amount int64, day int) {
		t.Helper()
		if _, err := s.CreateDeal(ctx, store.Deal{ContactID: ids[who], Amount: amount, Status: store.DealWon, ClosedAt: mar(day, 15)}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	won("ann", 10000, 10)
	won("ann", 5000, 25)
	won("cat", 3000, 12)
	won("eve", 1000, 12)
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: ids["cat"], Amount: 9900, Status: store.DealLost, ClosedAt: mar(13, 15)}, "test"); err != nil {
		t.Fatal(err)
	}
	emp := int64(42)
	if err := s.SetProfiles(ctx, []store.Profile{{ContactID: ids["ann"], Seniority: "director", Department: "marketing", EmailType: "work",
		Industry: "Software", Size: "11-50", Employees: &emp}, {ContactID: ids["ben"], EmailType: "free"}}); err != nil {
		t.Fatal(err)
	}
	return s, ids, spring.ID
}

func TestInsightCounts(t *testing.T) {
	s, _, spring := insightWorld(t)
	c, err := s.InsightCounts(context.Background(), "customer", march[0], march[1], "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Baseline != (insights.Count{Contacts: 4, Converted: 2}) {
		t.Errorf("baseline %+v, want 4 contacts and 2 customers", c.Baseline)
	}
	sp := itoa(spring)
	want := map[string]map[string]insights.Count{
		"channel":         {"paid_search": cnt(2, 1), "organic_search": cnt(1, 1), "direct": cnt(1, 0)},
		"campaign":        {sp: cnt(2, 1)},
		"country":         {"DE": cnt(2, 1), "GB": cnt(1, 1), "FR": cnt(1, 0)},
		"city":            {"Berlin": cnt(1, 1), "München": cnt(1, 0)},
		"industry":        {"Software": cnt(1, 1)},
		"company_size":    {"11-50": cnt(1, 1)},
		"seniority":       {"director": cnt(1, 1)},
		"department":      {"marketing": cnt(1, 1)},
		"email_type":      {"work": cnt(1, 1), "free": cnt(1, 0)},
		"age_band":        {"25-34": cnt(2, 1), "45-54": cnt(1, 1)},
		"content":         {"/pricing": cnt(2, 1), "/blog": cnt(1, 0), "/": cnt(1, 1)},
		"custom.interest": {"routing": cnt(2, 1), "scoring": cnt(1, 1)},
	}
	for attr, vals := range want {
		for v, n := range vals {
			if got := c.Values[attr][v]; got != n {
				t.Errorf("%s = %s: %+v, want %+v", attr, v, got, n)
			}
		}
		if len(c.Values[attr]) != len(vals) {
			t.Errorf("%s: values %v, want %v", attr, c.Values[attr], vals)
		}
	}
	if c.Labels["campaign"][sp] != "Spring search" {
		t.Errorf("campaign labels %v", c.Labels)
	}

	// SQL as the outcome: all four reached SQL, ann and cat on their way to customer.
	c, err = s.InsightCounts(context.Background(), "sql", march[0], march[1], "country")
	if err != nil {
		t.Fatal(err)
	}
	if c.Baseline != (insights.Count{Contacts: 4, Converted: 4}) || len(c.Values) != 1 || c.Values["country"]["DE"] != cnt(2, 2) {
		t.Errorf("sql outcome, country only: %+v %v", c.Baseline, c.Values)
	}
}

// Every value's contacts list holds exactly the contacts the insight counted.
// listedNames are the names, in ids, of the contacts the list gives for f, sorted.
func listedNames(t *testing.T, s *store.Store, f store.ContactFilter, ids map[string]int64) []string {
	t.Helper()
	page, err := s.Contacts(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ct := range page.Contacts {
		for who, id := range ids {
			if id == ct.ID {
				got = append(got, who)
			}
		}
	}
	slices.Sort(got)
	return got
}

func TestContactFilterFollowsInsights(t *testing.T) {
	s, ids, spring := insightWorld(t)
	ctx := context.Background()
	cohort := store.ContactFilter{CreatedFrom: march[0], CreatedTo: march[1]}
	for _, c := range []struct {
		name string
		f    store.ContactFilter
		want []string
	}{
		{"channel", store.ContactFilter{Channel: "paid_search"}, []string{"ann", "ben", "eve"}},
		{"direct", store.ContactFilter{Channel: "direct"}, []string{"dan"}},
		{"campaign", store.ContactFilter{CampaignID: spring}, []string{"ann", "ben", "eve"}},
		{"no campaign", store.ContactFilter{NoCampaign: true}, []string{"cat", "dan"}},
		{"reached customer", store.ContactFilter{Reached: "customer"}, []string{"ann", "cat", "eve"}},
		{"reached customer in march", store.ContactFilter{Reached: "customer", CreatedFrom: march[0], CreatedTo: march[1]}, []string{"ann", "cat"}},
		{"content", store.ContactFilter{Attribute: "content", AttributeValue: "/pricing"}, []string{"ann", "ben"}},
		{"content root", store.ContactFilter{Attribute: "content", AttributeValue: "/"}, []string{"cat"}},
		{"custom list", store.ContactFilter{Attribute: "custom.interest", AttributeValue: "scoring"}, []string{"ann"}},
		{"custom", store.ContactFilter{Attribute: "custom.interest", AttributeValue: "routing"}, []string{"ann", "ben"}},
		{"country", store.ContactFilter{Attribute: "country", AttributeValue: "DE", CreatedFrom: march[0], CreatedTo: march[1]}, []string{"ann", "ben"}},
		{"industry", store.ContactFilter{Attribute: "industry", AttributeValue: "Software"}, []string{"ann"}},
		{"age band", store.ContactFilter{Attribute: "age_band", AttributeValue: "25-34"}, []string{"ann", "ben"}},
		{"campaign attribute", store.ContactFilter{Attribute: "campaign", AttributeValue: itoa(spring), CreatedFrom: cohort.CreatedFrom, CreatedTo: cohort.CreatedTo}, []string{"ann", "ben"}},
	} {
		if got := listedNames(t, s, c.f, ids); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := s.Contacts(ctx, store.ContactFilter{Attribute: "custom.x'--"}); err == nil {
		t.Error("a custom field name with a quote was accepted")
	}
	if _, err := s.Contacts(ctx, store.ContactFilter{Attribute: "campaign", AttributeValue: "x"}); err == nil {
		t.Error("a campaign value that is no id was accepted")
	}
}

func TestQuality(t *testing.T) {
	s, _, spring := insightWorld(t)
	rows, err := s.Quality(context.Background(), march[0], march[1], false)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Channel != "direct" || rows[1].Channel != "organic_search" || rows[2].Channel != "paid_search" {
		t.Fatalf("rows %+v", rows)
	}
	direct, organic, paid := rows[0], rows[1], rows[2]
	check := func(name string, q *insights.Quality, leads, customers, revenue, repeat, referrals, sqls, accepted, rejected int64) {
		t.Helper()
		got := [...]int64{q.NewLeads, q.Customers, q.Revenue, q.RepeatCustomers, q.Referrals, q.SQLs, q.Accepted, q.Rejected}
		if want := [...]int64{leads, customers, revenue, repeat, referrals, sqls, accepted, rejected}; got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
	check("paid_search", paid, 2, 1, 15000, 1, 1, 2, 1, 1)
	check("organic_search", organic, 1, 1, 3000, 0, 0, 1, 1, 0)
	check("direct", direct, 1, 0, 0, 0, 0, 1, 0, 1)
	if v := paid.RevenuePerCustomer(); v == nil || *v != 15000 {
		t.Errorf("paid revenue per customer %v", v)
	}
	if *paid.RepeatRate() != 1 || *paid.ReferralsPerCustomer() != 1 || *paid.AcceptedRate() != 0.5 || *paid.RejectedRate() != 0.5 {
		t.Errorf("paid rates %v %v %v %v", *paid.RepeatRate(), *paid.ReferralsPerCustomer(), *paid.AcceptedRate(), *paid.RejectedRate())
	}
	if paid.Reasons["no budget"] != 1 || len(organic.Reasons) != 0 || direct.Reasons["student"] != 1 {
		t.Errorf("reasons %v %v %v", paid.Reasons, organic.Reasons, direct.Reasons)
	}
	if direct.RevenuePerCustomer() != nil || direct.RepeatRate() != nil || direct.ReferralsPerCustomer() != nil || *direct.RejectedRate() != 1 {
		t.Error("direct: ratios over no customers should be null")
	}

	rows, err = s.Quality(context.Background(), march[0], march[1], true)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2].CampaignID != spring || rows[2].CampaignName != "Spring search" || rows[2].Revenue != 15000 {
		t.Errorf("by campaign: %+v", rows[2])
	}
	// A period nobody was created in has no rows.
	rows, err = s.Quality(context.Background(), march[1].AddDate(0, 1, 0), march[1].AddDate(0, 2, 0), false)
	if err != nil || len(rows) != 0 {
		t.Errorf("empty period: %v %v", rows, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func cnt(contacts, converted int64) insights.Count {
	return insights.Count{Contacts: contacts, Converted: converted}
}

// Pages seen count only before the outcome, or before now for a contact without it:
// ann, a customer since 03-10, views /careers on 03-26; dan, never a customer and an SQL
// only since 04-20 (now), views it on 03-26 too; ben views it on 05-02, after now.
// As customer the outcome, /careers has dan alone, not converted; as SQL, ann (an SQL
// since her win on 03-10) is still left out and dan counts as converted.
func TestPagesSeenBeforeOutcome(t *testing.T) {
	s, ids, _ := insightWorld(t)
	ctx := context.Background()
	for _, v := range []struct {
		who string
		at  time.Time
	}{{"ann", mar(26, 12)}, {"dan", mar(26, 12)}, {"ben", time.Date(2026, 5, 2, 12, 0, 0, 0, time.UTC)}} {
		if _, err := s.Ingest(ctx, []store.Capture{{Type: "page_view", ContactID: ids[v.who], OccurredAt: v.at,
			Properties: map[string]any{"page_url": "https://www.example.com/careers"}}}); err != nil {
			t.Fatal(err)
		}
	}
	for outcome, want := range map[string]insights.Count{"customer": cnt(1, 0), "sql": cnt(1, 1)} {
		c, err := s.InsightCounts(ctx, outcome, march[0], march[1], "content")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Values["content"]["/careers"]; got != want {
			t.Errorf("%s: /careers %+v, want %+v", outcome, got, want)
		}
		// The pages seen before are still there.
		if outcome == "customer" && c.Values["content"]["/pricing"] != cnt(2, 1) {
			t.Errorf("customer: /pricing %+v", c.Values["content"]["/pricing"])
		}
	}
	// The contacts behind the number: the same contacts, given the outcome (or reached).
	for _, c := range []struct {
		name string
		f    store.ContactFilter
		want []string
	}{
		{"customer outcome", store.ContactFilter{Outcome: "customer"}, []string{"dan"}},
		{"customers reached", store.ContactFilter{Reached: "customer"}, nil},
		{"sql outcome, converted", store.ContactFilter{Outcome: "sql", Reached: "sql"}, []string{"dan"}},
		{"no outcome: every page seen up to now", store.ContactFilter{}, []string{"ann", "dan"}},
	} {
		c.f.Attribute, c.f.AttributeValue = "content", "/careers"
		if got := listedNames(t, s, c.f, ids); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// Referrals, like revenue, count the customer's own and those of contacts merged into
// it: zed, who referred two friends (named once by id, once by email), is merged into ann
// (one referral of her own); a referral by yan, merged into ben (no customer), still does
// not count.
func TestQualityReferralsOfMergedContacts(t *testing.T) {
	s, ids, _ := insightWorld(t)
	ctx := context.Background()
	dup := func(who, into string, referrals int) {
		t.Helper()
		out, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: who + "@example.net", OccurredAt: mar(2, 10)}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range referrals {
			by := any(out[0].ContactID)
			if i%2 == 1 {
				by = " " + strings.ToUpper(who) + "@Example.net" // an email, as people type it
			}
			if _, err := s.Ingest(ctx, []store.Capture{{Type: "referral", Email: fmt.Sprintf("%s-friend%d@example.org", who, i),
				OccurredAt: time.Date(2026, 4, 3+i, 9, 0, 0, 0, time.UTC), Touch: true, Channel: "referral", Properties: map[string]any{"referred_by": by}}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.MergeContacts(ctx, ids[into], out[0].ContactID, "test"); err != nil {
			t.Fatal(err)
		}
	}
	dup("zed", "ann", 2)
	dup("yan", "ben", 1)
	rows, err := s.Quality(ctx, march[0], march[1], false)
	if err != nil {
		t.Fatal(err)
	}
	paid := rows[len(rows)-1]
	if paid.Channel != "paid_search" || paid.Customers != 1 || paid.Referrals != 3 || paid.Revenue != 15000 {
		t.Errorf("paid_search: %s customers %d referrals %d revenue %d, want 1, 3 and 15000", paid.Channel, paid.Customers, paid.Referrals, paid.Revenue)
	}
}

// A referral is a touch on the person referred, not a referral they made. Rex comes in on
// 03-15 by a referral naming ann and wins 200.00 on 03-16: his row, referral, has 1 lead,
// 1 customer, 200.00 and no referrals made; ann's row, paid_search, has 2 (the friend of
// the world and rex). Under last_touch ann's later deal (50.00 on 03-25) stays with her
// paid search touch; channel referral earns rex's 200.00 alone.
//
// Sales decisions count on merged contacts too: ben2, accepted on 03-09, after ben's
// rejection on 03-08, is merged into ben, whose latest decision is then an acceptance:
// paid_search has 2 accepted, 0 rejected and no reasons.
func TestQualityReferralOnTheReferred(t *testing.T) {
	s, ids, _ := insightWorld(t)
	ctx := context.Background()
	out, err := s.Ingest(ctx, []store.Capture{{Type: "referral", Email: "rex@example.org", OccurredAt: mar(15, 9), Touch: true, Channel: "referral",
		Properties: map[string]any{"referred_by": "ann@acme.de"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDeal(ctx, store.Deal{ContactID: out[0].ContactID, Amount: 20000, Status: store.DealWon, ClosedAt: mar(16, 9)}, "test"); err != nil {
		t.Fatal(err)
	}
	out, err = s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "ben2@example.org", OccurredAt: mar(3, 10)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "sql_accepted", ContactID: out[0].ContactID, OccurredAt: mar(9, 9)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MergeContacts(ctx, ids["ben"], out[0].ContactID, "test"); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Quality(ctx, march[0], march[1], false)
	if err != nil {
		t.Fatal(err)
	}
	byChannel := map[string]*insights.Quality{}
	for _, q := range rows {
		byChannel[q.Channel] = q
	}
	if r := byChannel["referral"]; r == nil || r.NewLeads != 1 || r.Customers != 1 || r.Revenue != 20000 || r.Referrals != 0 {
		t.Errorf("referral row %+v, want 1 lead, 1 customer, 20000, no referrals", r)
	}
	if p := byChannel["paid_search"]; p == nil || p.Referrals != 2 || p.Accepted != 2 || p.Rejected != 0 || len(p.Reasons) != 0 {
		t.Errorf("paid_search row %+v, want 2 referrals, 2 accepted, 0 rejected", p)
	}
	d, err := s.SourcesReport(ctx, march[0], march[1], attribution.LastTouch)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range report.Build(*d, report.Options{Grouping: report.ByChannel, Model: attribution.LastTouch}).Rows {
		if r.Channel == "referral" && r.Revenue != 20000 {
			t.Errorf("last_touch: referral earns %d, want 20000 (rex's deal alone)", r.Revenue)
		}
	}
}
