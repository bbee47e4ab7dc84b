package capture

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// importFile imports a file into a real store and returns the report and the rejects CSV.
func importFile(t *testing.T, s *store.Store, path string, opt ImportOptions) (ImportReport, string, error) {
	t.Helper()
	if opt.Channel == "" {
		opt.Channel = attribution.Event
	}
	if opt.FileName == "" {
		opt.FileName = filepath.Base(path)
	}
	if opt.Now.IsZero() {
		opt.Now = now
	}
	var rejects bytes.Buffer
	rep, err := ImportCSV(context.Background(), func() (io.ReadCloser, error) { return os.Open(path) }, s.Ingest, opt, &rejects, nil)
	return rep, rejects.String(), err
}

// importBytes writes content to a temporary file and imports it.
func importBytes(t *testing.T, s *store.Store, content []byte, opt ImportOptions) (ImportReport, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return importFile(t, s, path, opt)
}

func contactByEmail(t *testing.T, s *store.Store, email string) *store.Contact {
	t.Helper()
	page, err := s.Contacts(context.Background(), store.ContactFilter{Email: email})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Contacts) != 1 {
		t.Fatalf("%d contacts with email %s", len(page.Contacts), email)
	}
	return page.Contacts[0]
}

// contactView is what an import test checks of a contact.
type contactView struct {
	Email, Phone, FirstName, LastName, JobTitle, Company, Street, PostalCode, City, Region, Country, Domain string
}

func viewOf(c *store.Contact) contactView {
	v := contactView{c.Email, c.Phone, c.FirstName, c.LastName, c.JobTitle, c.CompanyName, c.Street, c.PostalCode, c.City, c.Region, c.Country, ""}
	if c.Company != nil {
		v.Domain = c.Company.Domain
	}
	return v
}

func TestImportExports(t *testing.T) {
	tests := []struct {
		file      string
		region    string
		rows      int
		unmapped  string
		encoding  string
		delimiter string
		want      contactView // the contact of the first data row
	}{
		{"hubspot.csv", "US", 3, "Record ID, Lifecycle Stage, Contact owner, Create Date", "UTF-8", "comma",
			contactView{"maria.keller@brightfield.io", "+16175550142", "Maria", "Keller", "VP Marketing", "Brightfield", "100 Summer St", "02110", "Boston", "MA", "United States", "brightfield.io"}},
		{"salesforce.csv", "US", 2, "Lead Source, Contact ID", "UTF-8", "comma",
			contactView{"liam.oconnor@harborfreight.example.com", "+442079460958", "Liam", "O'Connor", "CFO", "Harbor Freight Partners", "12 Canary Wharf", "E14 5AB", "London", "", "United Kingdom", "example.com"}},
		{"mautic.csv", "DE", 2, "id, address2, points, date_added", "UTF-8", "comma",
			contactView{"lena.vogel@stadtwerke-beispiel.de", "+49301234567", "Lena", "Vogel", "Einkauf", "Stadtwerke Beispiel GmbH", "Hauptstraße 5", "10115", "Berlin", "Berlin", "Germany", "stadtwerke-beispiel.de"}},
		{"linkedin.csv", "US", 2, "Lead ID, Submitted At, Campaign Name, Form Name, Lead Type", "UTF-8", "comma",
			contactView{"aisha.khan@quantumleap.ai", "+12125550199", "Aisha", "Khan", "Director of Data", "QuantumLeap AI", "", "", "", "", "United States", "quantumleap.ai"}},
		{"facebook_utf16.csv", "US", 2, "id, created_time, ad_id, ad_name, adset_id, campaign_name, form_id, form_name, is_organic, platform", "UTF-16", "tab",
			contactView{"chloe.martin@atelier-lumiere.fr", "+33612345678", "Chloé", "Martin", "Gérante", "Atelier Lumière", "12 Rue de la République", "69002", "Lyon", "", "FR", "atelier-lumiere.fr"}},
		{"excel_semicolon_bom_crlf.csv", "DE", 2, "Notiz", "UTF-8", "semicolon",
			contactView{"anna.schmidt@beispiel-gmbh.de", "+498912345678", "Anna", "Schmidt", "", "Beispiel GmbH", "Marienplatz 1", "80331", "München", "", "Deutschland", "beispiel-gmbh.de"}},
		{"windows1252.csv", "US", 3, "", "Windows-1252", "comma",
			contactView{"zoe.dubois@cafe-creme.fr", "", "Zoë", "Dubois", "", "Café Crème", "", "", "Besançon", "", "", "cafe-creme.fr"}},
	}
	s := storetest.Open(t) // the files hold different people
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rep, rejects, err := importFile(t, s, filepath.Join("testdata", "import", tt.file), ImportOptions{Region: tt.region})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Rows != tt.rows || rep.Created != tt.rows || rep.Rejected != 0 || rejects != "" {
				t.Fatalf("report %+v\nrejects:\n%s", rep, rejects)
			}
			if got := strings.Join(rep.UnmappedColumns, ", "); got != tt.unmapped {
				t.Errorf("unmapped columns %q, want %q", got, tt.unmapped)
			}
			if rep.Encoding != tt.encoding || rep.Delimiter != tt.delimiter {
				t.Errorf("read as %s, %s; want %s, %s", rep.Encoding, rep.Delimiter, tt.encoding, tt.delimiter)
			}
			c := contactByEmail(t, s, tt.want.Email)
			if got := viewOf(c); got != tt.want {
				t.Errorf("contact\n got %+v\nwant %+v", got, tt.want)
			}
			if c.Stage != "lead" || c.FirstTouch == nil || c.FirstTouch.Channel != "event" {
				t.Errorf("stage %s, first touch %+v", c.Stage, c.FirstTouch)
			}
		})
	}
}

func TestImportExportDetails(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	for _, f := range []string{"hubspot.csv", "mautic.csv", "facebook_utf16.csv", "windows1252.csv"} {
		if _, _, err := importFile(t, s, filepath.Join("testdata", "import", f), ImportOptions{Region: "US"}); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	// A free-mail address takes its company from the website; a quoted comma stays in the value.
	if c := contactByEmail(t, s, "jonas.berg@gmail.com"); c.Company == nil || c.Company.Domain != "bergconsulting.com" || c.Phone != "+14155552671" {
		t.Errorf("jonas: %+v", viewOf(c))
	}
	if c := contactByEmail(t, s, "priya.nair@northwind-traders.com"); c.Street != "1 Harbour Way, Suite 4" {
		t.Errorf("priya: %+v", viewOf(c))
	}
	// Windows-1252 letters, the euro sign included, arrive as the same text.
	if c := contactByEmail(t, s, "bjorn@fjord.no"); c.FirstName != "Bjørn" || c.LastName != "Ødegård" || c.City != "Tromsø" {
		t.Errorf("bjorn: %+v", viewOf(c))
	}
	if c := contactByEmail(t, s, "chris@euro-shop.example.com"); c.CompanyName != "Price € Co" {
		t.Errorf("chris: %+v", viewOf(c))
	}
	// Mautic's mobile fills in for an empty phone; Facebook's "p:" prefix and full name are understood.
	for _, q := range []struct{ phone, first, last string }{{"+491711234567", "Tom", "Becker"}, {"+81312345678", "Ken", "Tanaka"}} {
		page, err := s.Contacts(ctx, store.ContactFilter{Query: q.phone})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Contacts) != 1 || page.Contacts[0].Email != "" || page.Contacts[0].FirstName != q.first || page.Contacts[0].LastName != q.last {
			t.Errorf("phone-only contact %s: %+v", q.phone, page.Contacts)
		}
	}
}

func TestImportRecordsCampaignConsentAndEvent(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	camp, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair 2026", Channel: "event", StartsOn: "2026-03-01", EndsOn: "2026-03-03"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	rep, _, err := importFile(t, s, filepath.Join("testdata", "import", "linkedin.csv"),
		ImportOptions{Channel: attribution.PurchasedList, CampaignID: camp.ID, Consent: "legitimate_interest", Region: "US"})
	if err != nil || rep.Created != 2 {
		t.Fatalf("%+v %v", rep, err)
	}
	c := contactByEmail(t, s, "erik@lindqvist.se")
	if c.FirstTouch == nil || c.FirstTouch.Channel != "purchased_list" || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.Name != "Fair 2026" {
		t.Fatalf("first touch %+v", c.FirstTouch)
	}
	consents, err := s.Consents(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := consents[store.PurposeMarketingEmail]
	if !got.Granted || got.Basis != "legitimate_interest" || got.Source != "import:linkedin.csv" {
		t.Fatalf("consent %+v", got)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func openFile(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}
