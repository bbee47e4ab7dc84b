package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

var groupNow = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// groupStore is a fresh store with what the group meets again: a campaign named by
// a UTM key, people known with and without a first touch, a merged one, a subscriber,
// page views of a known person, people who share a phone or a name at one company.
func groupStore(t *testing.T) *store.Store {
	t.Helper()
	s := storetest.Open(t)
	s.Now = func() time.Time { return groupNow }
	if _, err := s.CreateCampaign(ctx, store.Campaign{Name: "Spring sale", Channel: "paid_social", UTMCampaign: "spring-sale"}, "test"); err != nil {
		t.Fatal(err)
	}
	early := groupNow.Add(-48 * time.Hour)
	mustIngest(t, s,
		store.Capture{Type: "form_submit", Email: "known@acme.example", Touch: true, OccurredAt: early, CompanyDomain: "acme.example",
			Fields: store.ContactFields{FirstName: "Ana", LastName: "Known", CompanyName: "Acme"}},
		store.Capture{Type: "import", Email: "untouched@beta.example", OccurredAt: early},
		store.Capture{Type: "newsletter_signup", Email: "sub@news.example", Stage: "subscriber", Touch: true, Channel: "email", OccurredAt: early},
		store.Capture{Type: "form_submit", Email: "winner@gamma.example", Touch: true, Channel: "referral", OccurredAt: early},
		store.Capture{Type: "form_submit", Email: "loser@gamma.example", Touch: true, Channel: "referral", OccurredAt: early},
		store.Capture{Type: "form_submit", Email: "max@muster.example", Phone: "+4930555555", Touch: true, OccurredAt: early,
			Fields: store.ContactFields{FirstName: "Max", LastName: "Muster", CompanyName: "Muster GmbH"}},
		store.Capture{Type: "page_view", Email: "known@acme.example", OccurredAt: groupNow.Add(-10 * time.Minute),
			Properties: map[string]any{"page_url": "https://www.acme.example/pricing"}},
		store.Capture{Type: "page_view", Email: "known@acme.example", OccurredAt: groupNow.Add(-5 * time.Hour),
			Properties: map[string]any{"page_url": "https://www.acme.example/blog"}},
	)
	if _, err := s.MergeContacts(ctx, contactID(t, s, "winner@gamma.example"), contactID(t, s, "loser@gamma.example"), "test"); err != nil {
		t.Fatal(err)
	}
	return s
}

// groupCalls is a burst of form posts and API event batches arriving together.
func groupCalls() []*store.GroupCall {
	at := func(min int) time.Time { return groupNow.Add(time.Duration(min) * time.Minute) }
	form := func(email, first, last, company string, min int) store.Capture {
		return store.Capture{Type: "form_submit", Email: email, Touch: true, OccurredAt: at(min), Stage: "lead", Actor: "form:contact",
			Fields: store.ContactFields{FirstName: first, LastName: last, CompanyName: company, JobTitle: "Buyer"}, CompanyDomain: domainOf(email),
			Properties: map[string]any{"page_url": "https://shop.example/offer?utm_source=google&utm_medium=cpc"},
			Consents:   []store.Consent{{Purpose: "marketing", Granted: true, Basis: "consent", Source: "form:contact", Wording: "v1", IP: "192.0.2.1"}}}
	}
	one := func(c store.Capture) *store.GroupCall { return &store.GroupCall{Caps: []store.Capture{c}} }
	campaignPost := form("eva@epsilon.example", "Eva", "New", "Epsilon AG", 1)
	campaignPost.Properties = map[string]any{"page_url": "https://epsilon.example/?utm_campaign=%20Spring-Sale&utm_source=facebook"}
	newsletter := store.Capture{Type: "newsletter_signup", Email: "news@zeta.example", Touch: true, Stage: "mql", OccurredAt: at(2),
		Web: attribution.WebTouch{Referrer: "https://www.google.com/"}, Consents: []store.Consent{{Purpose: "newsletter", Granted: true, Basis: "consent"}}}
	subscriber := store.Capture{Type: "newsletter_signup", Email: "subscriber@zeta.example", Touch: true, Stage: "subscriber", OccurredAt: at(2)}
	demo := form("demo@eta.example", "Dee", "Mo", "Eta", 3)
	demo.Type, demo.Stage = "demo_request", "sql"
	visitor := form("visitor@theta.example", "Vi", "Sitor", "Theta", 4)
	visitor.VisitorID = "v-123"
	custom := form("custom@iota.example", "Cus", "Tom", "Iota", 5)
	custom.Fields.Custom = map[string]any{"booth": "12"}
	api := &store.GroupCall{Caps: []store.Capture{
		{Type: "email_open", Email: "known@acme.example", OccurredAt: at(6), Properties: map[string]any{"email": "spring-news-1"}, Actor: "api:key"},
		{Type: "email_click", Email: "known@acme.example", OccurredAt: at(7), Touch: true, Channel: "email", Stage: "lead",
			Properties: map[string]any{"page_url": "https://www.acme.example/spring?utm_source=newsletter&utm_medium=email"}},
		// Within the half hour of the stored view: no touch; then a new campaign: a touch.
		{Type: "page_view", Email: "known@acme.example", OccurredAt: at(8), Properties: map[string]any{"page_url": "https://www.acme.example/docs"}},
		{Type: "page_view", Email: "known@acme.example", OccurredAt: at(9), Properties: map[string]any{"page_url": "https://www.acme.example/?utm_campaign=spring-sale"}},
		// Backdated between the two stored views, and the first of a contact.
		{Type: "page_view", Email: "known@acme.example", OccurredAt: at(-200), Properties: map[string]any{"page_url": "https://www.acme.example/about"}},
		{Type: "page_view", Email: "sub@news.example", OccurredAt: at(10), Properties: map[string]any{"page_url": "https://news.example/"}},
		{Type: "page_view", Email: "sub@news.example", OccurredAt: at(11), Properties: map[string]any{"page_url": "https://news.example/2"}},
		{Type: "webinar_attended", Email: "sub@news.example", OccurredAt: at(12)},
		// A touch for a contact without a first touch, a stage move, a merged contact,
		// a profile update, a phone only, an unknown contact id: all one by one.
		{Type: "email_click", Email: "untouched@beta.example", OccurredAt: at(13), Touch: true, Channel: "email", Stage: "lead"},
		{Type: "email_click", Email: "sub@news.example", OccurredAt: at(14), Touch: true, Channel: "email", Stage: "lead"},
		{Type: "email_open", Email: "loser@gamma.example", OccurredAt: at(15)},
		{Type: "email_open", Email: "known@acme.example", OccurredAt: at(16), Fields: store.ContactFields{City: "Munich"}},
		{Type: "call", Phone: "+4930555555", OccurredAt: at(17), Touch: true, Channel: "phone"},
		// After the profile update: one by one too.
		{Type: "email_open", Email: "known@acme.example", OccurredAt: at(18)},
		{Type: "email_open", Email: "max@muster.example", OccurredAt: at(19)},
	}}
	return []*store.GroupCall{
		one(form("new1@shop.example", "Sam", "Ng", "Shop", 0)),
		one(campaignPost),
		one(newsletter),
		one(subscriber),
		api,
		one(demo),
		one(visitor),
		one(custom),
		// The same person again with nothing new, then events and a page view about
		// the contact the group created, then again with a profile (one by one).
		one(store.Capture{Type: "form_submit", Email: "new1@shop.example", Touch: true, OccurredAt: at(20), CompanyDomain: "shop.example"}),
		{Caps: []store.Capture{
			{Type: "email_open", Email: "new1@shop.example", OccurredAt: at(21)},
			{Type: "page_view", Email: "new1@shop.example", OccurredAt: at(22), Properties: map[string]any{"page_url": "https://shop.example/"}},
			{Type: "email_open", Email: "news@zeta.example", OccurredAt: at(23)},
		}},
		// Duplicates of people known: a shared phone, a name at the same company.
		one(store.Capture{Type: "form_submit", Email: "max2@muster.example", Phone: "+4930555555", Touch: true, Channel: "event", OccurredAt: at(24),
			Fields: store.ContactFields{FirstName: "Max", LastName: "Muster", CompanyName: "Muster GmbH"}, CompanyDomain: "muster.example"}),
		one(store.Capture{Type: "form_submit", Email: "max3@muster.example", Touch: true, Channel: "event", OccurredAt: at(25),
			Fields: store.ContactFields{FirstName: "Max", LastName: "Muster", CompanyName: "Muster GmbH"}, CompanyDomain: "muster.example"}),
		{Caps: []store.Capture{form("a@kappa.example", "Al", "Pha", "Kappa", 26), form("b@kappa.example", "Be", "Ta", "Kappa", 26)}, Proof: "challenge-1"},
		one(form("new1@shop.example", "Sam", "Ng", "Shop", 27)),
		one(store.Capture{Type: "email_open", Email: "new1@shop.example", OccurredAt: at(28)}),
	}
}

func domainOf(email string) string {
	for i := range email {
		if email[i] == '@' {
			return email[i+1:]
		}
	}
	return ""
}

func allCaps(calls []*store.GroupCall) []store.Capture {
	var caps []store.Capture
	for _, c := range calls {
		caps = append(caps, c.Caps...)
	}
	return caps
}

// TestGroupCommitEqualsCaptureByCapture: a group of form posts and API batches,
// recorded as one set-based batch, stores exactly what recording its captures one at
// a time stores, row for row and id for id (contacts, companies, search words, stages,
// consents, events, duplicate flags, first touches, roll-ups), and answers each caller
// with the same results.
func TestGroupCommitEqualsCaptureByCapture(t *testing.T) {
	want := groupStore(t)
	wantOut, err := want.IngestOneByOne(ctx, allCaps(groupCalls()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := want.IngestProved(ctx, "challenge-0", groupNow.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	got := groupStore(t)
	if _, err := got.IngestProved(ctx, "challenge-0", groupNow.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	calls := groupCalls()
	got.CommitGroup(calls)
	var gotOut []store.Captured
	for i, c := range calls {
		if c.Err != nil {
			t.Fatalf("call %d: %v", i, c.Err)
		}
		gotOut = append(gotOut, c.Out...)
	}
	if !reflect.DeepEqual(gotOut, wantOut) {
		t.Errorf("results\n got %+v\nwant %+v", gotOut, wantOut)
	}
	wantDump, err := want.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotDump, err := got.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	delete(wantDump, "pow_spent")
	delete(gotDump, "pow_spent")
	if len(wantDump["duplicate_flags"]) < 2 || len(wantDump["consents"]) < 5 {
		t.Fatalf("the group does not test what it should: %d duplicate flags, %d consents", len(wantDump["duplicate_flags"]), len(wantDump["consents"]))
	}
	compareDumps(t, gotDump, wantDump)
}

// TestGroupCommitRecordsTypicalCapturesSetBased: form posts of new people (classified
// touches, campaigns by UTM key, newsletter sign-ups, consents) and events about known
// people that bring nothing new take the set-based path; what needs more (a visitor,
// a hand-raise, a profile update, a first touch to move) goes one by one.
func TestGroupCommitRecordsTypicalCapturesSetBased(t *testing.T) {
	s := groupStore(t)
	caps := allCaps(groupCalls())
	plan, err := s.BatchPlan(ctx, caps)
	if err != nil {
		t.Fatal(err)
	}
	var slow []string
	fast := 0
	for i, ok := range plan {
		if ok {
			fast++
			continue
		}
		slow = append(slow, fmt.Sprintf("%s %s%s", caps[i].Type, caps[i].Email, caps[i].Phone))
	}
	want := []string{"email_click untouched@beta.example", "email_click sub@news.example", "email_open loser@gamma.example",
		"email_open known@acme.example", "call +4930555555", "email_open known@acme.example", "demo_request demo@eta.example",
		"form_submit visitor@theta.example", "form_submit new1@shop.example", "email_open new1@shop.example"}
	if !reflect.DeepEqual(slow, want) || fast != len(caps)-len(want) {
		t.Errorf("one by one: %q\nwant %q", slow, want)
	}
}

// TestGroupCommitRefusesOnlyTheBadCaller: a group with a capture about a contact that
// does not exist and a proof of work spent before answers those two callers with
// their errors and records every other caller's captures, once.
func TestGroupCommitRefusesOnlyTheBadCaller(t *testing.T) {
	s := groupStore(t)
	if _, err := s.IngestProved(ctx, "challenge-1", groupNow.Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	calls := groupCalls()
	bad := &store.GroupCall{Caps: []store.Capture{{Type: "form_submit", Email: "fine@lambda.example", Touch: true}, {Type: "call", ContactID: 999999}}}
	calls = append(calls[:3], append([]*store.GroupCall{bad}, calls[3:]...)...)
	s.CommitGroup(calls)
	for i, c := range calls {
		switch {
		case c == bad:
			if c.Err == nil || c.Out != nil {
				t.Errorf("the bad caller: %v, %+v", c.Err, c.Out)
			}
		case c.Proof != "":
			if !errors.Is(c.Err, store.ProofSpent) {
				t.Errorf("the spent proof: %v", c.Err)
			}
		case c.Err != nil || len(c.Out) != len(c.Caps):
			t.Errorf("call %d: %v, %d results", i, c.Err, len(c.Out))
		}
	}
	for _, email := range []string{"fine@lambda.example", "a@kappa.example"} {
		if page, _ := s.Contacts(ctx, store.ContactFilter{Email: email}); len(page.Contacts) != 0 {
			t.Errorf("%s of a refused caller was recorded", email)
		}
	}
	// Every other caller's captures are there, as capture by capture records them.
	want := groupStore(t)
	var good []*store.GroupCall
	for _, c := range groupCalls() {
		if c.Proof == "" {
			good = append(good, c)
		}
	}
	if _, err := want.IngestOneByOne(ctx, allCaps(good)); err != nil {
		t.Fatal(err)
	}
	wantDump, _ := want.DumpTables(ctx)
	gotDump, _ := s.DumpTables(ctx)
	if s.Engine() == store.Postgres {
		// The first attempt's rolled-back inserts spent sequence numbers: compare counts.
		for name, rows := range wantDump {
			if name != "pow_spent" && len(gotDump[name]) != len(rows) {
				t.Errorf("%s: %d rows, capture by capture %d", name, len(gotDump[name]), len(rows))
			}
		}
		return
	}
	delete(wantDump, "pow_spent")
	delete(gotDump, "pow_spent")
	compareDumps(t, gotDump, wantDump)
}
