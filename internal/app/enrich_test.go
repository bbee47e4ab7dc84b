package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/lodestone-hq/lodestone/internal/demo"
	"github.com/lodestone-hq/lodestone/internal/enrich"
	"github.com/lodestone-hq/lodestone/internal/predict"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func cityDB(t *testing.T) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoIP2-City", RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR("81.2.69.0/24")
	if err := tree.Insert(n, mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("GB")},
		"city": mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("London")}}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "city.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// One round enriches contacts from their title, email, phone and IP, and companies
// from the provider; a failing provider leaves companies waiting without stopping
// the contacts.
func TestEnrichmentRound(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	var calls atomic.Int32
	var down atomic.Bool
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/c/acme.com" && r.Header.Get("Authorization") == "Bearer k" {
			w.Write([]byte(`{"name":"Acme Inc","industry":"Software","employees":75,"country":"GB"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer provider.Close()
	for k, v := range map[string]string{enrich.SettingGeoIPPath: cityDB(t), enrich.SettingProviderURL: provider.URL + "/c/{domain}", enrich.SettingProviderKey: "k"} {
		if err := s.SetSetting(ctx, k, v, "test"); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	out, err := s.Ingest(ctx, []store.Capture{
		{Type: "form_submit", Email: "ada@acme.com", Phone: "+4915123456789", OccurredAt: at, Touch: true, Stage: "lead", CompanyDomain: "acme.com",
			Fields: store.ContactFields{JobTitle: "Head of Marketing"}, Properties: map[string]any{"ip": "81.2.69.142"}},
		{Type: "form_submit", Email: "info@initech.com", OccurredAt: at, Touch: true, Stage: "lead", CompanyDomain: "initech.com",
			Fields: store.ContactFields{JobTitle: "Geschäftsführer", Country: "DE"}, Properties: map[string]any{"ip": "81.2.69.10"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The provider runs on this machine: allowed as a provider on the office network is.
	e := &Enrichment{Store: s, Log: slog.New(slog.DiscardHandler), AllowPrivate: true}
	n, err := e.Round(ctx)
	if err != nil || n != 4 {
		t.Fatalf("round: %d, %v", n, err)
	}
	ada, _ := s.Contact(ctx, out[0].ContactID)
	if ada.Seniority != "director" || ada.Department != "marketing" || ada.EmailType != "work" || ada.PhoneType != "mobile" ||
		ada.PhoneRegion != "DE" || ada.Country != "GB" || ada.City != "London" {
		t.Fatalf("ada = %+v", ada)
	}
	if co := ada.Company; co.Name != "Acme Inc" || co.Industry != "Software" || co.Size != "51-200" {
		t.Fatalf("acme = %+v", co)
	}
	ini, _ := s.Contact(ctx, out[1].ContactID)
	if ini.Seniority != "executive" || ini.EmailType != "role" || ini.Country != "DE" || ini.City != "" {
		t.Fatalf("initech contact = %+v (the typed country must stay, and a London city must not join it)", ini)
	}
	if n, err := e.Round(ctx); n != 0 || err != nil {
		t.Fatalf("second round: %d, %v", n, err)
	}

	// A provider that is down: the new contact is enriched, its company waits.
	down.Store(true)
	if _, err := s.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "bo@hooli.com", OccurredAt: at, Touch: true, Stage: "lead", CompanyDomain: "hooli.com"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Round(ctx); err == nil {
		t.Fatal("a failing provider reported nothing")
	}
	st, _ := s.EnrichmentStatus(ctx)
	if st.Waiting != 0 || st.CompaniesWaiting != 1 {
		t.Fatalf("status after a provider failure: %+v", st)
	}
	// While the provider rests, rounds are quiet and do not ask it.
	n = int(calls.Load())
	if k, err := e.Round(ctx); err != nil || k != 0 || int(calls.Load()) != n {
		t.Fatalf("resting round: %d, %v, %d calls", k, err, calls.Load()-int32(n))
	}
}

// The demo workspace has customers and lost deals: the model trains on it.
func TestPredictiveTrainsOnDemo(t *testing.T) {
	if testing.Short() || os.Getenv(storetest.EnvURL) != "" {
		t.Skip("loads the demo data; timed on SQLite only, as the demo's own tests load it on PostgreSQL")
	}
	ctx := context.Background()
	s := storetest.Open(t)
	if _, err := demo.Load(ctx, s, demo.Options{Contacts: 1000, Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Enrichment{Store: s, Log: slog.New(slog.DiscardHandler)}).Round(ctx); err != nil {
		t.Fatal(err)
	}
	pm, err := TrainPredictive(ctx, s, "test")
	if err != nil {
		t.Fatal(err)
	}
	m := pm.Model
	if m.AUC == nil || *m.AUC < 0.7 || m.Positives < predict.DefaultMinPerClass || m.Negatives < predict.DefaultMinPerClass {
		t.Fatalf("model on the demo: AUC %v, %d customers, %d lost", m.AUC, m.Positives, m.Negatives)
	}
	t.Logf("demo model: AUC %.3f on %d held out; trained on %d", *m.AUC, m.Holdout, m.Trained)
	top, err := s.TopPredicted(ctx, 5)
	if err != nil || len(top) == 0 || top[0].PredictiveScore == nil {
		t.Fatalf("top predicted: %v, %v", top, err)
	}
}

// Captures enrich the contacts they create as they write them, through every way
// in, with exactly what the background round would derive later; the round then
// has nothing left but the contacts that changed.
func TestCapturesEnrichNewContactsAtOnce(t *testing.T) {
	ctx := context.Background()
	geo := cityDB(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	consent := func(ip string) []store.Consent {
		return []store.Consent{{Purpose: "marketing", Granted: true, Basis: "consent", Source: "form:t", Wording: "v1", IP: ip}}
	}
	batch := func(prefix string) []store.Capture {
		return []store.Capture{
			{Type: "form_submit", Email: prefix + "ada@acme.com", Phone: "+4915123456789", OccurredAt: at, Touch: true, Stage: "lead", CompanyDomain: "acme.com",
				Fields: store.ContactFields{JobTitle: "Head of Marketing"}, Properties: map[string]any{"ip": "81.2.69.142"}},
			{Type: "form_submit", Email: prefix + "info@initech.com", OccurredAt: at, Touch: true, Stage: "lead", CompanyDomain: "initech.com",
				Fields: store.ContactFields{JobTitle: "Geschäftsführer", Country: "DE"}, Properties: map[string]any{"ip": "81.2.69.10"}},
			{Type: "newsletter_signup", Email: prefix + "sam@gmail.com", OccurredAt: at, Touch: true, Stage: "subscriber",
				Fields: store.ContactFields{JobTitle: "VP Sales", City: "Leeds"}, Consents: consent("81.2.69.7")},
			{Type: "form_submit", Email: prefix + "kim@mailinator.com", Phone: "+442079460000", OccurredAt: at, Touch: true, Stage: "lead",
				Fields: store.ContactFields{JobTitle: "Software Engineer"}, Properties: map[string]any{"ip": "10.0.0.1"}, Consents: consent("81.2.69.8")},
			{Type: "import", Email: prefix + "lee@example.org", OccurredAt: at, Touch: true, Channel: "events", Stage: "lead"},
		}
	}
	// Each way in, in turn; each returns the contacts the captures made.
	ways := map[string]func(s *store.Store, caps []store.Capture) ([]int64, error){
		"Ingest": func(s *store.Store, caps []store.Capture) ([]int64, error) { return ids(s.Ingest(ctx, caps)) },
		"IngestGrouped": func(s *store.Store, caps []store.Capture) ([]int64, error) {
			var out []int64
			for _, c := range caps {
				got, err := ids(s.IngestGrouped(ctx, []store.Capture{c}))
				if err != nil {
					return nil, err
				}
				out = append(out, got...)
			}
			return out, nil
		},
		"IngestImport": func(s *store.Store, caps []store.Capture) ([]int64, error) { return ids(s.IngestImport(ctx, caps)) },
		// An ad-platform lead takes the capture-by-capture path (ingestOne).
		"IngestAdLead": func(s *store.Store, caps []store.Capture) ([]int64, error) {
			var out []int64
			for i, c := range caps {
				r, err := s.IngestAdLead(ctx, store.AdLead{Platform: "facebook", LeadID: fmt.Sprint(i), Capture: c})
				if err != nil {
					return nil, err
				}
				out = append(out, r.ContactID)
			}
			return out, nil
		},
	}
	open := func(publish bool) (*store.Store, *Enrichment) {
		s := storetest.Open(t)
		if err := s.SetSetting(ctx, enrich.SettingGeoIPPath, geo, "test"); err != nil {
			t.Fatal(err)
		}
		e := &Enrichment{Store: s, Log: slog.New(slog.DiscardHandler)}
		if publish {
			e.Publish = s.SetCaptureProfiler
		}
		if _, err := e.Round(ctx); err != nil { // the first round reads the settings
			t.Fatal(err)
		}
		return s, e
	}
	inline, inlineRound := open(true)
	later, laterRound := open(false)
	type profile struct{ Seniority, Department, EmailType, PhoneType, PhoneRegion, Country, City string }
	read := func(s *store.Store, id int64) profile {
		c, err := s.Contact(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return profile{c.Seniority, c.Department, c.EmailType, c.PhoneType, c.PhoneRegion, c.Country, c.City}
	}
	for name, way := range ways {
		a, err := way(inline, batch(name))
		if err != nil {
			t.Fatal(name, err)
		}
		if waiting, err := inline.ContactsToEnrich(ctx, 100); err != nil || len(waiting) != 0 {
			t.Fatalf("%s: contacts left to the background after their capture: %+v, %v", name, waiting, err)
		}
		b, err := way(later, batch(name))
		if err != nil {
			t.Fatal(name, err)
		}
		if n, err := laterRound.Round(ctx); err != nil || n != len(b) {
			t.Fatalf("%s: background round enriched %d of %d: %v", name, n, len(b), err)
		}
		for i := range a {
			got, want := read(inline, a[i]), read(later, b[i])
			if got != want {
				t.Errorf("%s capture %d: enriched on the way in %+v, by the background %+v", name, i, got, want)
			}
			if want.Seniority == "" && want.EmailType == "" {
				t.Errorf("%s capture %d: the background derived nothing, so the comparison proves nothing: %+v", name, i, want)
			}
		}
	}
	if n, err := inlineRound.Round(ctx); err != nil || n != 0 {
		t.Fatalf("round after captures that enriched their contacts: %d, %v", n, err)
	}
	// A contact whose title changes is enriched again by the background.
	if _, err := inline.Ingest(ctx, []store.Capture{{Type: "form_submit", Email: "Ingestada@acme.com", OccurredAt: at.Add(time.Hour),
		Fields: store.ContactFields{JobTitle: "Chief Executive Officer"}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := inlineRound.Round(ctx); err != nil || n != 1 {
		t.Fatalf("round after a title change: %d, %v", n, err)
	}
}

func ids(out []store.Captured, err error) ([]int64, error) {
	var ids []int64
	for _, c := range out {
		ids = append(ids, c.ContactID)
	}
	return ids, err
}
