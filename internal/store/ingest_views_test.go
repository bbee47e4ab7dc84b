package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

var viewsStart = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

// seedViews gives a store what tracking hits meet: campaigns with UTM keys, a
// visitor who is a contact, one whose contact was merged into another, and one with
// a page view stored after the hits to come.
func seedViews(t *testing.T, s *store.Store) {
	t.Helper()
	for _, c := range []store.Campaign{
		{Name: "Brand Q4", Channel: "paid_search", UTMCampaign: "brand-q4"},
		{Name: "Webinar Q4", Channel: "paid_social", UTMCampaign: "webinar-q4"},
	} {
		if _, err := s.CreateCampaign(ctx, c, "test"); err != nil {
			t.Fatal(err)
		}
	}
	early := viewsStart.Add(-48 * time.Hour)
	mustIngest(t, s,
		store.Capture{Type: "page_view", VisitorID: "known", OccurredAt: early, Web: attribution.WebTouch{PageURL: "https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=brand-q4"}},
		store.Capture{Type: "identify", VisitorID: "known", Email: "known@firm.example", OccurredAt: early.Add(time.Minute)},
		store.Capture{Type: "identify", VisitorID: "loser", Email: "loser@firm.example", OccurredAt: early},
		store.Capture{Type: "form_submit", Email: "winner@firm.example", OccurredAt: early, Touch: true, Channel: "referral"},
		store.Capture{Type: "page_view", VisitorID: "future", OccurredAt: viewsStart.Add(2 * time.Minute), Web: attribution.WebTouch{PageURL: "https://shop.example/pricing", Referrer: "https://www.bing.com/"}},
		store.Capture{Type: "page_view", VisitorID: "recent", OccurredAt: viewsStart.Add(-10 * time.Minute), Web: attribution.WebTouch{PageURL: "https://shop.example/", Referrer: "https://t.co/x"}},
	)
	id := func(email string) int64 {
		page, err := s.Contacts(ctx, store.ContactFilter{Email: email})
		if err != nil || len(page.Contacts) != 1 {
			t.Fatalf("contact %s: %v", email, err)
		}
		return page.Contacts[0].ID
	}
	winner, loser := id("winner@firm.example"), id("loser@firm.example")
	if _, err := s.MergeContacts(ctx, winner, loser, "test"); err != nil {
		t.Fatal(err)
	}
}

var (
	viewPages = []string{"/", "/pricing", "/blog/lead-scoring", "/contact", "/#/offer?utm_source=newsletter&utm_medium=email"}
	viewUTMs  = []string{"", "", "", "utm_source=google&utm_medium=cpc&utm_campaign=brand-q4", "utm_source=linkedin&utm_medium=paid_social&utm_campaign=WEBINAR-Q4",
		"utm_source=facebook&utm_medium=social&utm_campaign=unknown", "utm_campaign=+brand-q4+"}
	viewReferrers = []string{"", "", "https://shop.example/pricing", "https://www.google.com/", "https://www.linkedin.com/feed/", "https://t.co/abc", " https://www.google.com/search?q=x "}
	viewVisitors  = []string{"known", "loser", "future", "recent", "v1", "v2", "v3", "v4", "v5", "v6"}
)

// randomHits makes a batch as the tracker sends them, and then some: page views of
// returning and new visitors at nanosecond times, mostly in time order with some out
// of order, some of one visitor at the same instant, some without a time, some after
// half an hour; identify hits; page views that name their own channel or carry a web
// field in their properties.
func randomHits(r *rand.Rand, n int, at *time.Time, batch int) []store.Capture {
	caps := make([]store.Capture, 0, n)
	for i := range n {
		switch r.IntN(20) {
		case 0:
			*at = at.Add(31 * time.Minute)
		case 1:
			// The same instant as the hit before.
		case 2, 3:
			*at = at.Add(time.Duration(r.IntN(5)) * time.Second)
		default:
			*at = at.Add(time.Duration(r.IntN(90_000_000_000)))
		}
		when := *at
		if r.IntN(20) == 1 {
			when = at.Add(-time.Duration(r.IntN(120)) * time.Second)
		}
		if r.IntN(30) == 0 {
			when = time.Time{}
		}
		visitor := viewVisitors[r.IntN(len(viewVisitors))]
		if r.IntN(4) == 0 {
			visitor = fmt.Sprintf("new-%d-%d", batch, i)
		}
		if i > 0 && r.IntN(8) == 0 {
			// Two views of one visitor at the same microsecond (a double click, two tabs).
			visitor, when = caps[i-1].VisitorID, caps[i-1].OccurredAt
		}
		url := "https://shop.example" + viewPages[r.IntN(len(viewPages))]
		if u := viewUTMs[r.IntN(len(viewUTMs))]; u != "" {
			url += "?" + u
		}
		props := map[string]any{"title": "Page " + fmt.Sprint(r.IntN(5)), "user_agent": "Mozilla/5.0"}
		c := store.Capture{Type: "page_view", VisitorID: visitor, OccurredAt: when, Actor: "tracking",
			Web: attribution.WebTouch{PageURL: url, Referrer: viewReferrers[r.IntN(len(viewReferrers))]}}
		switch r.IntN(25) {
		case 0:
			c = store.Capture{Type: "identify", VisitorID: visitor, Email: fmt.Sprintf("person%d@firm%d.example", r.IntN(4), r.IntN(2)),
				CompanyDomain: "firm.example", Fields: store.ContactFields{FirstName: "Pat"}, OccurredAt: when, Actor: "tracking"}
			props["page_url"] = url
		case 1:
			props["utm_campaign"] = "webinar-q4"
			props["page_url"] = "https://shop.example/elsewhere"
		case 2:
			c.Channel = "partner"
		case 3:
			props = nil
		}
		c.Properties = props
		caps = append(caps, c)
	}
	return caps
}

// TestIngestViewsEqualsIngestEach: tracking hits recorded set-based store exactly
// what IngestEach stores, row for row and id for id in every table (events with
// their sessions, channels and campaigns, visitors, contacts' first touches,
// roll-ups, report marks), with the same errors, over random batches that follow
// one another.
func TestIngestViewsEqualsIngestEach(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			record := func(ingest func(*store.Store, []store.Capture) []error) (map[string][]string, []string) {
				s := storetest.Open(t)
				now := viewsStart.Add(-time.Hour)
				s.Now = func() time.Time { return now }
				seedViews(t, s)
				r := rand.New(rand.NewPCG(seed, 42))
				at := viewsStart
				var errors []string
				for b := range 4 {
					now = at.Add(time.Minute)
					caps := randomHits(r, 20+r.IntN(120), &at, b)
					if b == 2 {
						// A hit that fails, first so that IngestEach's first try
						// (without savepoints) burns no ids on PostgreSQL.
						caps[0] = store.Capture{Type: "page_view", ContactID: 999999, OccurredAt: at}
					}
					for i, err := range ingest(s, caps) {
						if err != nil {
							errors = append(errors, fmt.Sprintf("batch %d hit %d: %v", b, i, err))
						}
					}
				}
				dump, err := s.DumpTables(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return dump, errors
			}
			want, wantErrs := record(func(s *store.Store, caps []store.Capture) []error { return s.IngestEach(ctx, caps) })
			got, gotErrs := record(func(s *store.Store, caps []store.Capture) []error { return s.IngestViews(ctx, caps) })
			if !slices.Equal(gotErrs, wantErrs) {
				t.Errorf("errors\n got %q\nwant %q", gotErrs, wantErrs)
			}
			touches := 0
			for _, e := range want["events"] {
				if strings.Contains(e, "type=page_view") && !strings.Contains(e, "channel=<nil>") {
					touches++
				}
			}
			if len(wantErrs) != 1 || touches < 20 || len(want["visitors"]) < 20 {
				t.Fatalf("the batches do not test what they should: %d errors, %d page-view touches, %d visitors", len(wantErrs), touches, len(want["visitors"]))
			}
			compareDumps(t, got, want)
		})
	}
}

// TestIngestViewsIsolatesABadHit: a hit the store refuses in the middle of a batch
// costs only itself: a page view naming an unknown contact (recorded alone), and on
// PostgreSQL a visitor id that is not UTF-8, which fails the set-based statements, so
// the run is recorded again hit by hit.
func TestIngestViewsIsolatesABadHit(t *testing.T) {
	s := storetest.Open(t)
	at := viewsStart
	var caps []store.Capture
	for i := range 30 {
		caps = append(caps, store.Capture{Type: "page_view", VisitorID: fmt.Sprintf("v%d", i%7), OccurredAt: at.Add(time.Duration(i) * time.Second),
			Web: attribution.WebTouch{PageURL: "https://shop.example/"}})
	}
	caps[10] = store.Capture{Type: "page_view", ContactID: 999999, OccurredAt: at}
	caps[20] = store.Capture{Type: "page_view", VisitorID: "bad\xff", OccurredAt: at}
	errs := s.IngestViews(ctx, caps)
	bad := map[int]bool{10: true, 20: s.Engine() == store.Postgres}
	stored := 0
	for i, err := range errs {
		if (err != nil) != bad[i] {
			t.Errorf("hit %d: error %v", i, err)
		}
		if err == nil {
			stored++
		}
	}
	dump, err := s.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(dump["events"]); n != stored || stored < 28 {
		t.Fatalf("%d events stored for %d hits acknowledged", n, stored)
	}
}
