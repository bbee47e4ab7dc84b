package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// importList mixes what a real list holds: new people, several at one company, the
// same email twice in different case, people known already (one merged away, one a
// subscriber, one without a first touch), phones only, shared phones, shared names at
// one company, rows to reject, free-mail addresses with a website, custom fields.
const importList = `Email,First Name,Last Name,Company,Job Title,Phone,Website,City,custom.source
New@Epsilon.example,Eva,New,Epsilon AG,CTO,030 3333333,,Berlin,fair
second.new@epsilon.example,Sam,Second,Epsilon AG,,,,,fair
KNOWN@acme.example,Ana,Known,Acme,Head of IT,,,Munich,
new@EPSILON.example,,,,,,,Hamburg,
loser@gamma.example,Lou,Loser,Gamma,,,,,
not-an-email,Bad,Row,,,,,,
,No,Contact,,,,,,
,Pia,Phone,,,030 2222222,,,
,Olaf,Only,,,030 4444444,,,
max2@muster.example,Max,Muster,Muster GmbH,,,,,
max3@muster.example,Max,Muster,Muster GmbH,,,,,
p4@delta.example,Paul,Four,Delta,,030 2222222,,,
p5@delta.example,Paula,Five,Delta,,030 2222222,,,
bad.phone@row.example,Bad,Phone,,,12,,,
someone@gmail.com,Some,One,Zeta,,,https://www.zeta.example/about,,
sub@news.example,Sue,Subscriber,,,,,,
oldtimer@beta.example,Otto,Timer,,,,,,
custom@theta.example,Cus,Tom,Theta,,,,,booth 12
  UPPER@Eta.Example  ,Up,Per,Eta,,,,,
newbie@acme.example,New,Bie,,,,,,
New@Epsilon.example,Eva,New-Again,,,,,,
p6@delta.example,Pat,Six,Delta,,030 4444444,,,
max4@muster.example,Max,Muster,Muster GmbH,,,,,
`

// seedKnown gives a store the people the list meets again.
func seedKnown(t *testing.T, s *store.Store) int64 {
	t.Helper()
	camp, err := s.CreateCampaign(ctx, store.Campaign{Name: "Fair 2026", Channel: "event"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, s,
		store.Capture{Type: "form_submit", Email: "known@acme.example", Phone: "+4930111111", Touch: true, Channel: "organic_search",
			Fields: store.ContactFields{FirstName: "Ana", CompanyName: "Acme"}, CompanyDomain: "acme.example"},
		store.Capture{Type: "form_submit", Email: "oldtimer@beta.example"},
		store.Capture{Type: "newsletter_signup", Email: "sub@news.example", Stage: "subscriber", Touch: true, Channel: "email"},
		store.Capture{Type: "form_submit", Email: "winner@gamma.example", Touch: true, Channel: "referral"},
		store.Capture{Type: "form_submit", Email: "loser@gamma.example", Touch: true, Channel: "referral"},
		store.Capture{Type: "form_submit", Email: "max@muster.example", Fields: store.ContactFields{FirstName: "Max", LastName: "Muster", CompanyName: "Muster GmbH"}},
	)
	for i := 1; i <= 3; i++ {
		mustIngest(t, s, store.Capture{Type: "form_submit", Email: fmt.Sprintf("p%d@delta.example", i), Phone: "+4930222222"})
	}
	winner, loser := contactID(t, s, "winner@gamma.example"), contactID(t, s, "loser@gamma.example")
	if _, err := s.MergeContacts(ctx, winner, loser, "test"); err != nil {
		t.Fatal(err)
	}
	return camp.ID
}

func contactID(t *testing.T, s *store.Store, email string) int64 {
	t.Helper()
	page, err := s.Contacts(ctx, store.ContactFilter{Email: email})
	if err != nil || len(page.Contacts) != 1 {
		t.Fatalf("contact %s: %v, %d found", email, err, len(page.Contacts))
	}
	return page.Contacts[0].ID
}

// importInto imports the list into a fresh store with the given ingest, and returns
// the report, the rejected rows' file and every stored row.
func importInto(t *testing.T, ingest func(*store.Store) capture.IngestFunc, batch int, existing string) (capture.ImportReport, string, map[string][]string) {
	t.Helper()
	s := storetest.Open(t)
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	camp := seedKnown(t, s)
	var rejects bytes.Buffer
	opt := capture.ImportOptions{FileName: "fair.csv", Channel: "event", CampaignID: camp, Consent: "legitimate_interest", Region: "DE",
		Existing: existing, BatchSize: batch, Now: now.Add(-time.Hour)}
	src := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(importList)), nil }
	rep, err := capture.ImportCSV(ctx, src, ingest(s), opt, &rejects, nil)
	if err != nil {
		t.Fatal(err)
	}
	dump, err := s.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rep, rejects.String(), dump
}

// TestBulkImportEqualsCaptureByCapture: an import recorded with set-based inserts
// stores exactly what recording it one capture at a time stores, row for row and id
// for id in every table (contacts, companies, search words, stages, consents, events,
// duplicate flags, roll-ups, report marks), with the same report and rejected rows,
// whatever the batch size and the choice for existing contacts.
func TestBulkImportEqualsCaptureByCapture(t *testing.T) {
	perCapture := func(s *store.Store) capture.IngestFunc { return s.Ingest }
	bulk := func(s *store.Store) capture.IngestFunc { return s.IngestImport }
	for _, existing := range []string{capture.ExistingUpdate, capture.ExistingSkip} {
		for _, batch := range []int{1, 3, 7, 1000} {
			t.Run(fmt.Sprintf("%s/batch%d", existing, batch), func(t *testing.T) {
				wantRep, wantRej, want := importInto(t, perCapture, batch, existing)
				gotRep, gotRej, got := importInto(t, bulk, batch, existing)
				if wantRep.Created < 10 || wantRep.Rejected != 3 || len(want["duplicate_flags"]) < 5 {
					t.Fatalf("the list does not test what it should: %+v, %d duplicate flags", wantRep, len(want["duplicate_flags"]))
				}
				if !reflect.DeepEqual(gotRep, wantRep) {
					t.Errorf("report\n got %+v\nwant %+v", gotRep, wantRep)
				}
				if gotRej != wantRej {
					t.Errorf("rejected rows\n got %s\nwant %s", gotRej, wantRej)
				}
				compareDumps(t, got, want)
			})
		}
	}
}

func compareDumps(t *testing.T, got, want map[string][]string) {
	t.Helper()
	var tables []string
	for name := range want {
		tables = append(tables, name)
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			tables = append(tables, name)
		}
	}
	slices.Sort(tables)
	for _, name := range tables {
		g, w := got[name], want[name]
		if slices.Equal(g, w) {
			continue
		}
		for _, l := range w {
			if !slices.Contains(g, l) {
				t.Errorf("%s: missing %s", name, l)
			}
		}
		for _, l := range g {
			if !slices.Contains(w, l) {
				t.Errorf("%s: extra %s", name, l)
			}
		}
	}
}

// TestBulkImportRecordsBatchWhole: the import job's batch (store.RecordImportBatch)
// records through the set-based path the same contacts as capture by capture, with
// its counters; and a batch refused by the database leaves nothing of itself.
func TestBulkImportRecordsBatchWhole(t *testing.T) {
	_, _, want := importInto(t, func(s *store.Store) capture.IngestFunc { return s.Ingest }, 5, capture.ExistingUpdate)

	s := storetest.Open(t)
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	camp := seedKnown(t, s)
	settings := capture.ImportSettings{Channel: "event", CampaignID: camp, Consent: "legitimate_interest"}
	opts, _ := json.Marshal(settings)
	imp, err := s.CreateImport(ctx, "fair.csv", opts, strings.NewReader(importList), 1<<20, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartImport(ctx, imp.ID, opts, "test"); err != nil {
		t.Fatal(err)
	}
	if err := s.ImportRunning(ctx, imp.ID); err != nil {
		t.Fatal(err)
	}
	opt := settings.Options("fair.csv", "DE")
	opt.BatchSize, opt.Now = 5, now.Add(-time.Hour)
	opt.Commit = func(ctx context.Context, b capture.ImportBatch) ([]store.Captured, error) {
		rej := []store.ImportRejection{}
		for _, r := range b.Rejections {
			rej = append(rej, store.ImportRejection{Row: r.Row, Column: r.Column, Reason: r.Reason, Values: r.Values})
		}
		return s.RecordImportBatch(ctx, imp.ID, b.Captures, rej, b.RowsDone)
	}
	rep, err := capture.ImportCSV(ctx, func() (io.ReadCloser, error) { return s.ImportFile(ctx, imp.ID), nil }, nil, opt, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.DumpTables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"imports", "import_chunks", "import_rejections", "jobs", "audit_log"} {
		delete(got, name)
		delete(want, name)
	}
	compareDumps(t, got, want)
	stored, err := s.Import(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Created != int64(rep.Created) || stored.Updated != int64(rep.Updated) || stored.Rejected != int64(rep.Rejected) || stored.RowsDone != int64(rep.Rows) {
		t.Errorf("stored counters %+v; the run reported %+v", stored, rep)
	}

	// A batch with a capture the database refuses is refused whole, then recorded
	// without it; nothing of the first attempt stays.
	before, _ := s.DumpTables(ctx)
	_, err = s.RecordImportBatch(ctx, imp.ID, []store.Capture{
		{Type: "import", Email: "fresh@iota.example", Touch: true, Channel: "event"},
		{Type: "import", ContactID: 999999},
	}, nil, rep.Rows+2)
	if err == nil {
		t.Fatal("a batch with a missing contact was recorded")
	}
	after, _ := s.DumpTables(ctx)
	compareDumps(t, after, before)
}

// TestPrepareForImportLetsTheLogGrow: a server's writer copies its write-ahead log
// into the database every 10,000 pages instead of SQLite's 1,000, the import
// command's every 20,000; readers keep the default.
func TestPrepareForImportLetsTheLogGrow(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		if err := s.PrepareForImport(ctx); err != nil {
			t.Fatal(err)
		}
		t.Skip("PostgreSQL has no write-ahead log setting here")
	}
	if w, r, err := s.SQLitePragma("wal_autocheckpoint"); err != nil || w != "10000" || r != "1000" {
		t.Fatalf("before: writer %s, reader %s, %v; want 10000 and 1000", w, r, err)
	}
	if err := s.PrepareForImport(ctx); err != nil {
		t.Fatal(err)
	}
	w, r, err := s.SQLitePragma("wal_autocheckpoint")
	if err != nil || w != "20000" || r != "1000" {
		t.Fatalf("after: writer %s, reader %s, %v; want 20000 and 1000", w, r, err)
	}
}

// TestWriterKeepsItsCheckpointAfterACancelledTransaction: database/sql throws away
// the writer's connection when a transaction's context is cancelled (a client that
// hangs up mid-request) and opens another; the new one checkpoints every 10,000
// pages too.
func TestWriterKeepsItsCheckpointAfterACancelledTransaction(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		t.Skip("PostgreSQL has no write-ahead log setting here")
	}
	if _, _, err := s.SQLiteWriterConnection(); err != nil {
		t.Fatal(err)
	}
	cut, cancel := context.WithCancel(ctx)
	err := s.RunInTx(cut, func(tx *store.Tx) error {
		cancel()
		time.Sleep(50 * time.Millisecond) // database/sql rolls back on its own goroutine
		return cut.Err()
	})
	if err == nil {
		t.Fatal("a cancelled transaction committed")
	}
	same, pages, err := s.SQLiteWriterConnection()
	if err != nil {
		t.Fatal(err)
	}
	if same {
		t.Skip("this driver keeps the writer's connection after a cancelled transaction")
	}
	if pages != "10000" {
		t.Fatalf("a new writer connection checkpoints every %s pages, want 10000", pages)
	}
}

// TestBulkImportFailsAsCaptureByCapture: a batch whose set-based insert the database
// refuses (on PostgreSQL an email too long for its index; SQLite takes it) is
// recorded again capture by capture, so it ends as that path ends: the same error,
// or the same rows.
func TestBulkImportFailsAsCaptureByCapture(t *testing.T) {
	caps := func() []store.Capture {
		return []store.Capture{
			{Type: "import", Email: "fine@kappa.example", Touch: true, Channel: "event", CompanyDomain: "kappa.example"},
			{Type: "import", Email: incompressible(3000) + "@kappa.example", Touch: true, Channel: "event", CompanyDomain: "kappa.example"},
		}
	}
	run := func(ingest func(*store.Store) func(context.Context, []store.Capture) ([]store.Captured, error)) (string, map[string][]string) {
		s := storetest.Open(t)
		now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		_, err := ingest(s)(ctx, caps())
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		dump, derr := s.DumpTables(ctx)
		if derr != nil {
			t.Fatal(derr)
		}
		return msg, dump
	}
	wantErr, want := run(func(s *store.Store) func(context.Context, []store.Capture) ([]store.Captured, error) { return s.Ingest })
	gotErr, got := run(func(s *store.Store) func(context.Context, []store.Capture) ([]store.Captured, error) {
		return s.IngestImport
	})
	if gotErr != wantErr {
		t.Errorf("error %q; capture by capture %q", gotErr, wantErr)
	}
	t.Logf("both ways: %.120s", wantErr)
	compareDumps(t, got, want)
	if wantErr == "" && len(want["contacts"]) != 2 {
		t.Errorf("%d contacts stored", len(want["contacts"]))
	}
}

// incompressible is n letters that PostgreSQL cannot compress into an index entry.
func incompressible(n int) string {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}

// TestImportKeepsPlannerInformed: on PostgreSQL an import that more than doubles the
// contacts has them analysed, so that its lookups keep using their indexes even where
// autovacuum is late or off.
func TestImportKeepsPlannerInformed(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.Postgres {
		t.Skip("SQLite's statistics are the store's own business")
	}
	caps := make([]store.Capture, 1500)
	for i := range caps {
		caps[i] = store.Capture{Type: "import", Email: fmt.Sprintf("p%d@lambda.example", i), Touch: true, Channel: "event"}
	}
	if _, err := s.IngestImport(ctx, caps); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PlannerContacts(ctx); err != nil || n < 1000 {
		t.Fatalf("the planner counts %v contacts (%v) after 1,500 were imported", n, err)
	}
}
