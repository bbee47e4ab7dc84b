package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

var ctx = context.Background()

func mustIngest(t *testing.T, s *store.Store, caps ...store.Capture) []store.Captured {
	t.Helper()
	out, err := s.Ingest(ctx, caps)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustContact(t *testing.T, s *store.Store, id int64) *store.Contact {
	t.Helper()
	c, err := s.Contact(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMigrationsApplyOnce(t *testing.T) {
	opt := storetest.Options(t)
	for range 2 {
		s, err := store.Open(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		names, err := s.Migrations(ctx)
		if err != nil || len(names) == 0 || names[0] != "0001_init.sql" {
			t.Fatalf("migrations = %v, %v", names, err)
		}
		s.Close()
	}
}

func TestCaptureCreatesOneContactPerEmail(t *testing.T) {
	s := storetest.Open(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@example.com", OccurredAt: at, Touch: true,
		Fields: store.ContactFields{FirstName: "Ada", CompanyName: "Example"}, CompanyDomain: "example.com", Stage: lifecycle.Lead})
	if !r[0].Created {
		t.Fatal("first capture did not create the contact")
	}
	r2 := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@example.com", OccurredAt: at.Add(time.Hour), Touch: true,
		Fields: store.ContactFields{LastName: "Lovelace"}})
	if r2[0].Created || r2[0].ContactID != r[0].ContactID {
		t.Fatalf("second capture = %+v, want the same contact", r2[0])
	}
	c := mustContact(t, s, r[0].ContactID)
	if c.FirstName != "Ada" || c.LastName != "Lovelace" || c.Stage != "lead" || !c.CreatedAt.Equal(at) {
		t.Fatalf("contact = %+v", c)
	}
	if c.Company == nil || c.Company.Domain != "example.com" {
		t.Fatalf("company = %+v", c.Company)
	}
	if c.FirstTouch == nil || c.FirstTouch.Channel != "direct" || !c.FirstTouch.At.Equal(at) {
		t.Fatalf("first touch = %+v", c.FirstTouch)
	}
}

// Fifty concurrent submissions of one address (already normalised by the capture
// layer from different letter cases) make exactly one contact, on both paths.
func TestConcurrentCapturesOfOneAddress(t *testing.T) {
	s := storetest.Open(t)
	var wg sync.WaitGroup
	ids := make(chan int64, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := store.Capture{Type: "form_submit", Email: "same@example.com", Touch: true, Stage: lifecycle.Lead}
			var out []store.Captured
			var err error
			if i%2 == 0 {
				out, err = s.IngestGrouped(ctx, []store.Capture{c})
			} else {
				out, err = s.Ingest(ctx, []store.Capture{c})
			}
			if err != nil {
				t.Error(err)
				return
			}
			ids <- out[0].ContactID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		seen[id] = true
	}
	n, _ := s.CountContacts(ctx)
	if len(seen) != 1 || n != 1 {
		t.Fatalf("got contact ids %v and %d contacts, want one", seen, n)
	}
}

func TestBatchIsAllOrNothing(t *testing.T) {
	s := storetest.Open(t)
	_, err := s.Ingest(ctx, []store.Capture{
		{Type: "form_submit", Email: "a@example.com", Touch: true},
		{Type: "email_open", ContactID: 999999},
	})
	if errs.Code(err) != errs.NotFound {
		t.Fatalf("err = %v", err)
	}
	var e *errs.Error
	if ee, ok := err.(*errs.Error); ok {
		e = ee
	}
	if e == nil || e.Details.(map[string]any)["index"] != 1 {
		t.Fatalf("error does not name the item: %#v", err)
	}
	if n, _ := s.CountContacts(ctx); n != 0 {
		t.Fatalf("%d contacts written by a refused batch", n)
	}
}

func TestGroupCommitIsolatesBadSubmissions(t *testing.T) {
	s := storetest.Open(t)
	var wg sync.WaitGroup
	errsSeen := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@example.com", i), Touch: true}
			if i%4 == 0 {
				c = store.Capture{Type: "note", ContactID: 424242}
			}
			_, err := s.IngestGrouped(ctx, []store.Capture{c})
			errsSeen <- err
		}()
	}
	wg.Wait()
	close(errsSeen)
	bad := 0
	for err := range errsSeen {
		if err != nil {
			bad++
		}
	}
	n, _ := s.CountContacts(ctx)
	if bad != 10 || n != 30 {
		t.Fatalf("bad = %d, contacts = %d; want 10 and 30", bad, n)
	}
}

// An anonymous visitor's page views join the contact when it identifies, and the
// earliest of them becomes the original source.
func TestVisitorHistoryJoinsOnIdentify(t *testing.T) {
	s := storetest.Open(t)
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	web := attribution.WebTouch{PageURL: "https://shop.example/landing?utm_source=google&utm_medium=cpc&utm_campaign=spring", Referrer: "https://www.google.com/"}
	mustIngest(t, s,
		store.Capture{Type: "page_view", VisitorID: "v1", OccurredAt: t0, Web: web},
		store.Capture{Type: "page_view", VisitorID: "v1", OccurredAt: t0.Add(5 * time.Minute), Web: attribution.WebTouch{PageURL: "https://shop.example/pricing", Referrer: "https://shop.example/landing"}},
	)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", VisitorID: "v1", Email: "vis@example.com", OccurredAt: t0.Add(10 * time.Minute), Touch: true,
		Web: attribution.WebTouch{PageURL: "https://shop.example/pricing"}})
	c := mustContact(t, s, r[0].ContactID)
	if c.FirstTouch == nil || c.FirstTouch.Channel != "paid_search" || !c.FirstTouch.At.Equal(t0) {
		t.Fatalf("first touch = %+v", c.FirstTouch)
	}
	tl, err := s.Timeline(ctx, c.ID, store.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	touches := 0
	for _, e := range tl {
		types = append(types, e.Type)
		if e.IsTouch() {
			touches++
		}
	}
	got := strings.Join(types, ",")
	if !strings.Contains(got, "form_submit") || strings.Count(got, "page_view") != 2 || touches != 2 {
		t.Fatalf("timeline = %s with %d touches; want both page views (one a touch) and the submit", got, touches)
	}
}

func TestCampaignClassifiesTouch(t *testing.T) {
	s := storetest.Open(t)
	camp, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair 2026", Channel: "event", UTMCampaign: "Fair26"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "f@example.com", Touch: true,
		Web: attribution.WebTouch{PageURL: "https://x.example/?utm_campaign=fair26&utm_medium=cpc&utm_source=google"}})
	c := mustContact(t, s, r[0].ContactID)
	if c.FirstTouch.Channel != "event" || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.ID != camp.ID {
		t.Fatalf("first touch = %+v", c.FirstTouch)
	}
	if _, err := s.CreateCampaign(ctx, store.Campaign{Name: "Other", Channel: "email", UTMCampaign: "FAIR26"}, "test"); errs.Code(err) != errs.Conflict {
		t.Fatalf("duplicate utm key: %v", err)
	}
	if _, err := s.AddCost(ctx, store.CostEntry{CampaignID: camp.ID, Date: "2026-03-02", Amount: 150000, HoursHundredths: 350}, "test"); err != nil {
		t.Fatal(err)
	}
	list, _ := s.Campaigns(ctx)
	if len(list) != 1 || list[0].Cost != 150000 || list[0].Hours != 350 {
		t.Fatalf("campaigns = %+v", list[0])
	}
	if _, err := s.AddCost(ctx, store.CostEntry{CampaignID: 777, Date: "2026-03-02"}, "test"); errs.Code(err) != errs.NotFound {
		t.Fatalf("cost on unknown campaign: %v", err)
	}
}

func TestLifecycle(t *testing.T) {
	s := storetest.Open(t)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "l@example.com", Touch: true, Stage: lifecycle.Lead})
	id := r[0].ContactID
	mustIngest(t, s, store.Capture{Type: "demo_request", ContactID: id, Stage: lifecycle.SQL})
	c := mustContact(t, s, id)
	if c.Stage != "sql" {
		t.Fatalf("stage after demo request = %s", c.Stage)
	}
	for _, st := range []string{"lead", "mql", "sql"} {
		if _, ok := c.StageEnteredAt[st]; !ok {
			t.Errorf("stage %s has no entered_at: %v", st, c.StageEnteredAt)
		}
	}
	// Automatic moves never go back.
	mustIngest(t, s, store.Capture{Type: "form_submit", ContactID: id, Touch: true, Stage: lifecycle.Lead})
	if c := mustContact(t, s, id); c.Stage != "sql" {
		t.Fatalf("stage moved back to %s", c.Stage)
	}
	// A person moves it anywhere, with a reason.
	c, err := s.SetStage(ctx, id, "lead", "not ready yet", "user:1")
	if err != nil || c.Stage != "lead" {
		t.Fatalf("SetStage: %v %v", c, err)
	}
	if _, err := s.SetStage(ctx, id, "won", "x", "user:1"); errs.Code(err) != errs.Invalid {
		t.Fatalf("bad stage: %v", err)
	}
	d, err := s.CreateDeal(ctx, store.Deal{ContactID: id, Amount: 990000, Status: store.DealWon}, "user:1")
	if err != nil || d.ClosedAt.IsZero() {
		t.Fatalf("deal: %+v %v", d, err)
	}
	if c := mustContact(t, s, id); c.Stage != "customer" {
		t.Fatalf("stage after won deal = %s", c.Stage)
	}
	tl, _ := s.Timeline(ctx, id, store.TimelineOptions{})
	changes := 0
	for _, e := range tl {
		if e.Type == "stage_changed" {
			changes++
			if e.Properties["reason"] == "" || e.Actor == "" {
				t.Errorf("stage change without actor or reason: %+v", e)
			}
		}
	}
	if changes != 3 {
		t.Fatalf("%d stage changes on the timeline, want 3", changes)
	}
}

func TestDuplicateFlagsMergeAndUndo(t *testing.T) {
	s := storetest.Open(t)
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	a := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "jo@acme.com", Phone: "+4930123456", OccurredAt: t0.Add(time.Hour), Touch: true,
		Fields: store.ContactFields{FirstName: "Jo"}})[0].ContactID
	b := mustIngest(t, s, store.Capture{Type: "call", Phone: "+4930123456", OccurredAt: t0, Touch: true, Channel: "phone",
		Fields: store.ContactFields{FirstName: "Jo", LastName: "Meyer", City: "Berlin"}})[0]
	if b.Created {
		t.Fatal("a phone-only capture with a known phone created a new contact")
	}
	c := mustIngest(t, s, store.Capture{Type: "import", Email: "jo.meyer@acme.com", Phone: "+4930123456", OccurredAt: t0.Add(-time.Hour), Touch: true, Channel: "event"})[0].ContactID
	flags, err := s.DuplicateFlags(ctx, c)
	if err != nil || len(flags) != 1 || flags[0].Reason != "same phone" {
		t.Fatalf("flags = %+v %v", flags, err)
	}
	m, err := s.MergeContacts(ctx, a, c, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	winner := mustContact(t, s, a)
	if winner.FirstTouch.Channel != "event" {
		t.Fatalf("winner's first touch after merge = %+v, want the loser's earlier event touch", winner.FirstTouch)
	}
	tl, _ := s.Timeline(ctx, a, store.TimelineOptions{})
	hasImport := false
	for _, e := range tl {
		hasImport = hasImport || e.Type == "import"
	}
	if !hasImport {
		t.Fatal("the merged contact's history is missing from the winner's timeline")
	}
	if flags, _ := s.DuplicateFlags(ctx, c); len(flags) != 0 {
		t.Fatalf("flag still open after merge: %+v", flags)
	}
	// A new capture of the loser's email lands on the winner.
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "jo.meyer@acme.com", Touch: true})
	if r[0].ContactID != a {
		t.Fatalf("capture of merged email went to %d, want %d", r[0].ContactID, a)
	}
	list, _ := s.Contacts(ctx, store.ContactFilter{})
	if len(list.Contacts) != 1 {
		t.Fatalf("%d contacts listed after merge, want 1", len(list.Contacts))
	}
	if err := s.UndoMerge(ctx, m.ID, "user:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.UndoMerge(ctx, m.ID, "user:1"); errs.Code(err) != errs.Conflict {
		t.Fatalf("second undo: %v", err)
	}
	if w := mustContact(t, s, a); w.FirstTouch.Channel != "phone" {
		t.Fatalf("winner's first touch after undo = %+v", w.FirstTouch)
	}
	if l := mustContact(t, s, c); l.MergedIntoID != 0 {
		t.Fatal("loser still merged after undo")
	}
	audit, _ := s.Audit(ctx, 10)
	actions := ""
	for _, e := range audit {
		actions += e.Action + " "
	}
	if !strings.Contains(actions, "contact.merge ") || !strings.Contains(actions, "contact.merge_undo") {
		t.Fatalf("audit = %s", actions)
	}
}

func TestContactListFiltersAndPages(t *testing.T) {
	s := storetest.Open(t)
	t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	for i := range 25 {
		stage := lifecycle.Lead
		if i%5 == 0 {
			stage = lifecycle.SQL
		}
		mustIngest(t, s, store.Capture{Type: "form_submit", Email: fmt.Sprintf("user%02d@corp%d.example", i, i%3), OccurredAt: t0.Add(time.Duration(i) * time.Hour),
			Touch: true, Stage: stage, Fields: store.ContactFields{FirstName: fmt.Sprintf("Name%02d", i), CompanyName: fmt.Sprintf("Corp %d", i%3)}})
	}
	var all []int64
	cursor := ""
	for {
		p, err := s.Contacts(ctx, store.ContactFilter{Limit: 10, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Contacts {
			all = append(all, c.ID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(all) != 25 || all[0] < all[24] {
		t.Fatalf("paged %d contacts, newest first wanted: %v", len(all), all)
	}
	count := func(f store.ContactFilter) int {
		f.Limit = 100
		p, err := s.Contacts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Contacts)
	}
	if n := count(store.ContactFilter{Stage: "sql"}); n != 5 {
		t.Errorf("stage filter: %d", n)
	}
	if n := count(store.ContactFilter{Query: "corp1"}); n != 8 {
		t.Errorf("company search: %d", n)
	}
	if n := count(store.ContactFilter{Query: "NAME07"}); n != 1 {
		t.Errorf("name search: %d", n)
	}
	if n := count(store.ContactFilter{Email: "user03@corp0.example"}); n != 1 {
		t.Errorf("email filter: %d", n)
	}
	if n := count(store.ContactFilter{CreatedFrom: t0.Add(10 * time.Hour), CreatedTo: t0.Add(20 * time.Hour)}); n != 10 {
		t.Errorf("created range: %d", n)
	}
	if n := count(store.ContactFilter{Query: "50%_"}); n != 0 {
		t.Errorf("wildcards in search matched %d", n)
	}
	if _, err := s.Contacts(ctx, store.ContactFilter{Cursor: "garbage!"}); errs.Code(err) != errs.Invalid {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestIdempotencyKeyClaim(t *testing.T) {
	s := storetest.Open(t)
	var wg sync.WaitGroup
	winners := make(chan bool, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev, err := s.ClaimIdempotencyKey(ctx, "key:1", "k1", "hash")
			if err != nil {
				t.Error(err)
				return
			}
			winners <- prev == nil
		}()
	}
	wg.Wait()
	close(winners)
	n := 0
	for w := range winners {
		if w {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d claims won, want 1", n)
	}
	if err := s.CompleteIdempotencyKey(ctx, "key:1", "k1", 201, `{"id":1}`); err != nil {
		t.Fatal(err)
	}
	prev, _ := s.ClaimIdempotencyKey(ctx, "key:1", "k1", "hash")
	if prev == nil || prev.Status != 201 || prev.Response != `{"id":1}` {
		t.Fatalf("replay = %+v", prev)
	}
}

func TestUsersSessionsAndKeys(t *testing.T) {
	s := storetest.Open(t)
	if err := s.CreateSetupToken(ctx, "tokhash", time.Hour); err != nil {
		t.Fatal(err)
	}
	u, err := s.UseSetupToken(ctx, "tokhash", store.User{Email: "admin@example.com", PasswordHash: "h"})
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("setup: %+v %v", u, err)
	}
	if _, err := s.UseSetupToken(ctx, "tokhash", store.User{Email: "x@example.com"}); errs.Code(err) != errs.Unauthorized {
		t.Fatalf("token reuse: %v", err)
	}
	if _, err := s.CreateUser(ctx, store.User{Email: "admin@example.com", Role: "sales"}, "test"); errs.Code(err) != errs.Conflict {
		t.Fatalf("duplicate user: %v", err)
	}
	if err := s.CreateSession(ctx, "sess", u.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SessionUser(ctx, "sess"); err != nil || got.ID != u.ID {
		t.Fatalf("session user: %v %v", got, err)
	}
	if err := s.SetPassword(ctx, u.ID, "h2", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, "sess"); errs.Code(err) != errs.Unauthorized {
		t.Fatalf("session survived a password change: %v", err)
	}
	k, err := s.CreateAPIKey(ctx, store.APIKey{Name: "ci", Role: "admin", Prefix: "ls_abc"}, "keyhash", "test")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.APIKeyByHash(ctx, "keyhash"); err != nil || got.ID != k.ID {
		t.Fatalf("key lookup: %v %v", got, err)
	}
	if err := s.RevokeAPIKey(ctx, k.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APIKeyByHash(ctx, "keyhash"); errs.Code(err) != errs.Unauthorized {
		t.Fatalf("revoked key still works: %v", err)
	}
}

func TestConsentAndOnlyNew(t *testing.T) {
	s := storetest.Open(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "c@example.com", OccurredAt: t0, Touch: true,
		Consents: []store.Consent{{Purpose: store.PurposeMarketingEmail, Granted: true, Basis: "consent", Source: "form:news", Wording: "v1", IP: "192.0.2.1"}}})
	id := r[0].ContactID
	mustIngest(t, s, store.Capture{Type: "unsubscribe", ContactID: id, OccurredAt: t0.Add(time.Hour),
		Consents: []store.Consent{{Purpose: store.PurposeMarketingEmail, Granted: false, Basis: "withdrawn", Source: "email"}}})
	cs, err := s.Consents(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c := cs[store.PurposeMarketingEmail]; c.Granted || c.Basis != "withdrawn" || !c.RecordedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("consent in force = %+v", c)
	}
	out := mustIngest(t, s, store.Capture{Type: "import", Email: "c@example.com", OnlyNew: true, Touch: true, Channel: "event",
		Fields: store.ContactFields{FirstName: "Changed"}})
	if !out[0].Skipped || out[0].ContactID != id {
		t.Fatalf("OnlyNew on an existing contact = %+v", out[0])
	}
	if c := mustContact(t, s, id); c.FirstName == "Changed" {
		t.Fatal("a skipped import row changed the contact")
	}
}

func TestForwardMoveRecordsPassedStagesOnly(t *testing.T) {
	s := storetest.Open(t)
	id := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "f@example.com", Touch: true, Stage: lifecycle.Lead})[0].ContactID
	if _, err := s.SetStage(ctx, id, "opportunity", "pilot agreed", "user:1"); err != nil {
		t.Fatal(err)
	}
	c := mustContact(t, s, id)
	for st, want := range map[string]bool{"subscriber": false, "lead": true, "mql": true, "sql": true, "opportunity": true, "customer": false, "disqualified": false} {
		if _, ok := c.StageEnteredAt[st]; ok != want {
			t.Errorf("stage %s recorded = %v, want %v", st, ok, want)
		}
	}
	if _, err := s.SetStage(ctx, id, "disqualified", "no budget", "user:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetStage(ctx, id, "customer", "came back and bought", "user:1"); err != nil {
		t.Fatal(err)
	}
	c = mustContact(t, s, id)
	if _, ok := c.StageEnteredAt["disqualified"]; !ok {
		t.Error("disqualified not recorded")
	}
	if _, ok := c.StageEnteredAt["customer"]; !ok {
		t.Error("customer not recorded")
	}
}

func TestNewsletterSignupStages(t *testing.T) {
	s := storetest.Open(t)
	sub := mustIngest(t, s, store.Capture{Type: "newsletter_signup", Email: "sub@example.com", Touch: true, Stage: lifecycle.Subscriber})[0].ContactID
	mql := mustIngest(t, s, store.Capture{Type: "newsletter_signup", Email: "mql@example.com", Touch: true, Stage: lifecycle.MQL})[0].ContactID
	if c := mustContact(t, s, sub); c.Stage != "subscriber" {
		t.Fatalf("subscriber sign-up made %s", c.Stage)
	}
	if c := mustContact(t, s, mql); c.Stage != "mql" {
		t.Fatalf("default sign-up made %s", c.Stage)
	}
	// A subscriber who then fills a lead form becomes a lead.
	mustIngest(t, s, store.Capture{Type: "form_submit", ContactID: sub, Touch: true, Stage: lifecycle.Lead})
	if c := mustContact(t, s, sub); c.Stage != "lead" {
		t.Fatalf("subscriber after a lead form: %s", c.Stage)
	}
}

// Concurrent batches that touch the same companies and contacts in different orders
// all succeed: PostgreSQL may pick one as a deadlock victim, and the store runs it again.
func TestConcurrentOverlappingBatches(t *testing.T) {
	s := storetest.Open(t)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range 8 {
				var caps []store.Capture
				for i := range 15 {
					k := (i*7 + w*3 + b) % 15
					if w%2 == 1 {
						k = 14 - k
					}
					caps = append(caps, store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@shared%d.com", k, k%3), Touch: true,
						CompanyDomain: fmt.Sprintf("shared%d.com", k%3), Fields: store.ContactFields{FirstName: fmt.Sprintf("W%d", w)}})
				}
				var err error
				if b%2 == 0 {
					_, err = s.Ingest(ctx, caps)
				} else {
					_, err = s.IngestGrouped(ctx, caps)
				}
				if err != nil {
					t.Errorf("worker %d batch %d: %v", w, b, err)
				}
			}
		}()
	}
	wg.Wait()
	if n, _ := s.CountContacts(ctx); n != 15 {
		t.Fatalf("%d contacts, want 15", n)
	}
}

func TestSetSettingHidesSecretValues(t *testing.T) {
	s := storetest.Open(t)
	if err := s.SetSetting(ctx, "adleads.google.key", "hunter2", "user:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "newsletter_stage", "subscriber", "user:1"); err != nil {
		t.Fatal(err)
	}
	entries, _ := s.Audit(ctx, 10)
	for _, e := range entries {
		if e.Details["value"] == "hunter2" {
			t.Fatal("a secret setting's value is in the audit log")
		}
	}
	if entries[0].Details["value"] != "subscriber" {
		t.Fatalf("ordinary setting not audited: %+v", entries[0])
	}
}
