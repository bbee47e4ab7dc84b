package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// raggedList is the fair list with 1,500 more people, then a row with one field too
// many on line 1,525, then more people: more than a batch of good rows comes before
// the broken one.
func raggedList() (string, int) {
	var b strings.Builder
	b.WriteString(importList)
	for i := range 1500 {
		fmt.Fprintf(&b, "p%d@iota.example,Person,%d,Iota,,,,,\n", i, i)
	}
	line := strings.Count(b.String(), "\n") + 1
	b.WriteString("known@acme.example,Ana,Known,Acme,,,,,Berlin,extra\n")
	for i := range 100 {
		fmt.Fprintf(&b, "q%d@iota.example,Person,%d,Iota,,,,,\n", i, i)
	}
	return b.String(), line
}

// TestImportRaggedRowWritesNothing: a file with a ragged row in the middle is refused
// whole, by the command line's import (store.IngestImport) and by the uploaded
// import's job alike: not one of its contacts, events, stages, consents or search
// words is stored, and the job's import shows it failed, naming the row.
func TestImportRaggedRowWritesNothing(t *testing.T) {
	list, line := raggedList()
	says := fmt.Sprintf("line %d: this row has 10 fields, but the header has 9 columns", line)
	// The import's own records (the upload, its job, the audit log) are not its rows.
	bookkeeping := []string{"imports", "import_chunks", "import_rejections", "jobs", "audit_log"}
	setup := func(t *testing.T) (*store.Store, int64, map[string][]string) {
		s := storetest.Open(t)
		now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return now }
		camp := seedKnown(t, s)
		before, err := s.DumpTables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return s, camp, before
	}
	unchanged := func(t *testing.T, s *store.Store, before map[string][]string) {
		t.Helper()
		after, err := s.DumpTables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range bookkeeping {
			delete(before, name)
			delete(after, name)
		}
		compareDumps(t, after, before)
	}

	t.Run("command line", func(t *testing.T) {
		s, camp, before := setup(t)
		opt := capture.ImportOptions{FileName: "fair.csv", Channel: "event", CampaignID: camp, Consent: "legitimate_interest", Region: "DE"}
		src := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(list)), nil }
		rep, err := capture.ImportCSV(ctx, src, s.IngestImport, opt, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), says) || rep.Created+rep.Updated+rep.Rejected != 0 {
			t.Fatalf("import: %+v, %v; want an error saying %q", rep, err, says)
		}
		unchanged(t, s, before)
	})

	t.Run("uploaded", func(t *testing.T) {
		s, camp, before := setup(t)
		opts, _ := json.Marshal(capture.ImportSettings{Channel: "event", CampaignID: camp, Consent: "legitimate_interest"})
		imp, err := s.CreateImport(ctx, "fair.csv", opts, strings.NewReader(list), 1<<20, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartImport(ctx, imp.ID, opts, "test"); err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(map[string]int64{"import_id": imp.ID})
		run := (&capture.ImportRunner{Store: s, Region: "DE"}).Handlers()[store.ImportJobKind]
		if err := run(context.Background(), payload); err != nil {
			t.Fatalf("the job itself failed: %v", err)
		}
		got, err := s.Import(ctx, imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != store.ImportFailed || !strings.HasPrefix(got.Error, says) || got.RowsDone != 0 || got.Created+got.Updated+got.Rejected != 0 {
			t.Fatalf("import = %+v; want failed, saying %q, with nothing done", got, says)
		}
		unchanged(t, s, before)
	})
}
