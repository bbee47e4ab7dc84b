package store_test

import (
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func TestEnrichmentQueueAndSave(t *testing.T) {
	s := storetest.Open(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := mustIngest(t, s,
		store.Capture{Type: "form_submit", Email: "ada@acme.com", Phone: "+4915123456789", OccurredAt: at, Touch: true, Stage: lifecycle.Lead,
			Fields: store.ContactFields{JobTitle: "CTO", Country: "DE"}, CompanyDomain: "acme.com", Properties: map[string]any{"ip": "81.2.69.142"}},
		store.Capture{Type: "form_submit", Email: "bob@gmail.com", OccurredAt: at, Touch: true, Stage: lifecycle.Lead})
	ada, bob := r[0].ContactID, r[1].ContactID

	cands, err := s.ContactsToEnrich(ctx, 10)
	if err != nil || len(cands) != 2 {
		t.Fatalf("candidates = %+v, %v", cands, err)
	}
	want := store.EnrichCandidate{ID: ada, JobTitle: "CTO", Email: "ada@acme.com", Phone: "+4915123456789", Country: "DE", IP: "81.2.69.142"}
	if cands[0] != want {
		t.Fatalf("candidate = %+v, want %+v", cands[0], want)
	}
	n, err := s.SaveEnrichment(ctx, []store.ContactEnrichment{
		{ID: ada, Seniority: "executive", Department: "engineering", EmailType: "work", PhoneType: "mobile", PhoneRegion: "DE",
			Country: "GB", City: "London", From: cands[0]},
		{ID: bob, EmailType: "free", Country: "GB", City: "London", From: cands[1]},
	})
	if err != nil || n != 2 {
		t.Fatalf("saved %d, %v", n, err)
	}
	c := mustContact(t, s, ada)
	// The typed country stays; the empty city is filled.
	if c.Seniority != "executive" || c.Department != "engineering" || c.EmailType != "work" || c.PhoneType != "mobile" ||
		c.PhoneRegion != "DE" || c.Country != "DE" || c.City != "London" {
		t.Fatalf("enriched contact = %+v", c)
	}
	if c := mustContact(t, s, bob); c.Country != "GB" || c.EmailType != "free" {
		t.Fatalf("bob = %+v", c)
	}
	if cands, _ := s.ContactsToEnrich(ctx, 10); len(cands) != 0 {
		t.Fatalf("still waiting: %+v", cands)
	}

	// A new title sends the contact back to the queue; another field does not.
	mustIngest(t, s, store.Capture{Type: "form_submit", Email: "bob@gmail.com", OccurredAt: at.Add(time.Hour), Touch: true,
		Fields: store.ContactFields{FirstName: "Bob"}})
	if cands, _ := s.ContactsToEnrich(ctx, 10); len(cands) != 0 {
		t.Fatalf("a first name re-queued: %+v", cands)
	}
	mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@acme.com", OccurredAt: at.Add(time.Hour), Touch: true,
		Fields: store.ContactFields{JobTitle: "CEO"}})
	cands, _ = s.ContactsToEnrich(ctx, 10)
	if len(cands) != 1 || cands[0].ID != ada || cands[0].JobTitle != "CEO" {
		t.Fatalf("after a title change: %+v", cands)
	}
	// An enrichment computed from the old title is not written over the new one.
	stale := cands[0]
	stale.JobTitle = "CTO"
	if n, err := s.SaveEnrichment(ctx, []store.ContactEnrichment{{ID: ada, Seniority: "executive", Department: "engineering", From: stale}}); err != nil || n != 0 {
		t.Fatalf("stale enrichment saved %d, %v", n, err)
	}

	st, err := s.EnrichmentStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Contacts != 2 || st.Enriched != 1 || st.Waiting != 1 || st.ByEmailType["free"] != 1 || st.Companies != 1 || st.CompaniesWaiting != 1 {
		t.Fatalf("status = %+v", st)
	}
}

func TestImportCompaniesAndProviderData(t *testing.T) {
	s := storetest.Open(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@acme.com", OccurredAt: at, Touch: true, Stage: lifecycle.Lead,
		Fields: store.ContactFields{CompanyName: "Acme"}, CompanyDomain: "acme.com"},
		store.Capture{Type: "form_submit", Email: "eve@globex.com", OccurredAt: at, Touch: true, Stage: lifecycle.Lead, CompanyDomain: "globex.com"})
	created, updated, err := s.ImportCompanies(ctx, []store.CompanyData{
		{Domain: "acme.com", Name: "Acme GmbH", Industry: "Manufacturing", Size: "1001-5000", Employees: 1300, Country: "DE"},
		{Domain: "initech.com", Name: "Initech", Industry: "Software"},
	}, "user:1")
	if err != nil || created != 1 || updated != 1 {
		t.Fatalf("import: %d created, %d updated, %v", created, updated, err)
	}
	c := mustContact(t, s, r[0].ContactID)
	if co := c.Company; co == nil || co.Name != "Acme GmbH" || co.Industry != "Manufacturing" || co.Size != "1001-5000" ||
		co.Employees == nil || *co.Employees != 1300 || co.Country != "DE" {
		t.Fatalf("company = %+v", c.Company)
	}
	// Only globex waits for the provider.
	todo, err := s.CompaniesToEnrich(ctx, 10)
	if err != nil || len(todo) != 1 || todo[0].Domain != "globex.com" {
		t.Fatalf("to enrich = %+v, %v", todo, err)
	}
	if err := s.SaveCompanyData(ctx, todo[0].ID, &store.CompanyData{Industry: "Energy", Employees: 40, Size: "11-50"}); err != nil {
		t.Fatal(err)
	}
	g := mustContact(t, s, r[1].ContactID).Company
	if g.Industry != "Energy" || g.Size != "11-50" || g.Name == "" {
		t.Fatalf("globex = %+v", g)
	}
	st, _ := s.EnrichmentStatus(ctx)
	if st.Companies != 3 || st.CompaniesListed != 2 || st.CompaniesProvided != 1 || st.CompaniesWaiting != 0 {
		t.Fatalf("status = %+v", st)
	}
}
