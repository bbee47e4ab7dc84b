package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// importDB is a fresh database as the store sees it and as the command line names it.
func importDB(t *testing.T) (store.Options, []string) {
	opt := storetest.Options(t)
	if opt.DatabaseURL != "" {
		return opt, []string{"--database-url", opt.DatabaseURL, "--data", t.TempDir()}
	}
	return opt, []string{"--data", filepath.Dir(opt.Path)}
}

func withStore(t *testing.T, opt store.Options, fn func(*store.Store)) {
	t.Helper()
	s, err := store.Open(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fn(s)
}

const fairList = "Email Address,First Name,Last Name,Company Name,Phone Number,Notes\n" +
	"ada@analytical-engines.example.com,Ada,Lovelace,Analytical Engines,+44 20 7946 0000,met at booth\n" +
	"not-an-email,Bad,Email,Nowhere,,\n" +
	"grace@cobol.example.com,Grace,Hopper,Cobol Inc,12,\n" +
	",Phone,Only,,+1 415 555 2671,\n" +
	"last@fair-visitors.example.com,Last,Visitor,Fair Visitors,,wants a demo\n"

func TestImportContactsCommand(t *testing.T) {
	opt, db := importDB(t)
	withStore(t, opt, func(s *store.Store) {
		if _, err := s.CreateCampaign(context.Background(), store.Campaign{Name: "Fair 2026", Channel: "event", StartsOn: "2026-03-01", EndsOn: "2026-03-03"}, "test"); err != nil {
			t.Fatal(err)
		}
	})
	file := filepath.Join(t.TempDir(), "fair.csv")
	if err := os.WriteFile(file, []byte(fairList), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"import", "contacts", file, "--channel", "event", "--campaign", "Fair 2026", "--consent", "consent", "--map", "Notes=custom.notes"}, db...)
	out, err := runCmd(t, "", args...)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for _, want := range []string{"created: 3\n", "updated: 0\n", "skipped: 0\n", "rejected: 2\n", "Rejected rows, with their reasons: " + file + ".rejected.csv"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	rejected, err := os.ReadFile(file + ".rejected.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(rejected)), "\n")
	if len(lines) != 3 || lines[0] != "row,column,reason,Email Address,First Name,Last Name,Company Name,Phone Number,Notes" ||
		!strings.HasPrefix(lines[1], "3,Email Address,is not a valid email address,not-an-email,Bad,Email") ||
		!strings.HasPrefix(lines[2], `4,Phone Number,"is not a valid phone number (default region `) {
		t.Fatalf("rejected rows:\n%s", rejected)
	}
	withStore(t, opt, func(s *store.Store) {
		ctx := context.Background()
		page, err := s.Contacts(ctx, store.ContactFilter{Email: "last@fair-visitors.example.com"})
		if err != nil || len(page.Contacts) != 1 {
			t.Fatalf("%v %v", page, err)
		}
		c := page.Contacts[0]
		if c.FirstTouch == nil || c.FirstTouch.Channel != "event" || c.FirstTouch.Campaign == nil || c.FirstTouch.Campaign.Name != "Fair 2026" {
			t.Fatalf("first touch %+v", c.FirstTouch)
		}
		if c.Custom["notes"] != "wants a demo" || c.Stage != "lead" {
			t.Fatalf("contact %+v", c)
		}
		consents, err := s.Consents(ctx, c.ID)
		if err != nil || consents["marketing_email"].Basis != "consent" || consents["marketing_email"].Source != "import:fair.csv" {
			t.Fatalf("consents %+v %v", consents, err)
		}
	})

	// Again, leaving existing contacts alone: nothing new, the three are skipped.
	out, err = runCmd(t, "", append([]string{"import", "contacts", file, "--channel", "event", "--existing", "skip"}, db...)...)
	if err != nil || !strings.Contains(out, "created: 0\n") || !strings.Contains(out, "skipped: 3\n") {
		t.Fatalf("skip run: %v\n%s", err, out)
	}
}

func TestImportCommandRefusesBeforeReading(t *testing.T) {
	opt, db := importDB(t)
	file := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(file, []byte(fairList), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		says string
	}{
		{[]string{"import", "contacts", file, "--channel", "event", "--campaign", "No Such Fair"}, `no campaign named "No Such Fair"`},
		{[]string{"import", "contacts", file}, "--channel is required"},
		{[]string{"import", "contacts", file, "--channel", "fax"}, `--channel: "fax" is not a channel`},
		{[]string{"import", "contacts", file, "--channel", "event", "--consent", "yes"}, `--consent: "yes" is not a basis`},
		{[]string{"import", "contacts", file, "--channel", "event", "--existing", "merge"}, "--existing: must be update or skip"},
		{[]string{"import", "contacts", file, "--channel", "event", "--map", "Notes"}, "is not COLUMN=FIELD"},
		{[]string{"import", "contacts", file, "--channel", "event", "--map", "Notes=remarks"}, `"remarks" is not a field`},
		{[]string{"import", "contacts", file + ".missing", "--channel", "event"}, "cannot read"},
		{[]string{"import", "people", file, "--channel", "event"}, "import needs what to import"},
	}
	for _, tt := range tests {
		out, err := runCmd(t, "", append(tt.args, db...)...)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%v: error %v, want one saying %s\n%s", tt.args, err, tt.says, out)
		}
	}
	if _, err := os.Stat(file + ".rejected.csv"); !os.IsNotExist(err) {
		t.Errorf("a refused import left a rejects file: %v", err)
	}
	withStore(t, opt, func(s *store.Store) {
		if n, err := s.CountContacts(context.Background()); err != nil || n != 0 {
			t.Fatalf("%d contacts after refused imports (%v)", n, err)
		}
	})
}

func TestImportCommandBrokenFileImportsNothing(t *testing.T) {
	opt, db := importDB(t)
	file := filepath.Join(t.TempDir(), "broken.csv")
	content := fairList + "bjorn@fjord.example.com,Bj\xf8rn,Berg,Fjord,,\n" + "zoe@cafe.example.com,Zoë,Martin,Café,,\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "", append([]string{"import", "contacts", file, "--channel", "event"}, db...)...)
	if err == nil || !strings.Contains(err.Error(), "line 8") || !strings.Contains(err.Error(), "mixes encodings") {
		t.Fatalf("error %v\n%s", err, out)
	}
	withStore(t, opt, func(s *store.Store) {
		if n, err := s.CountContacts(context.Background()); err != nil || n != 0 {
			t.Fatalf("%d contacts imported from a broken file (%v)", n, err)
		}
	})
}

// TestImportCommandRaggedRowImportsNothing: a row with a field too many or too few
// makes the file broken: the command fails naming the row and both counts, and
// nothing of the file is imported, not even the rows before it.
func TestImportCommandRaggedRowImportsNothing(t *testing.T) {
	opt, db := importDB(t)
	file := filepath.Join(t.TempDir(), "ragged.csv")
	content := fairList + "lin@fair-visitors.example.com,Lin,Short,Fair Visitors\n" + fairList[strings.IndexByte(fairList, '\n')+1:]
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCmd(t, "", append([]string{"import", "contacts", file, "--channel", "event"}, db...)...)
	if err == nil || !strings.Contains(err.Error(), "line 7: this row has 4 fields, but the header has 6 columns") {
		t.Fatalf("error %v\n%s", err, out)
	}
	if _, err := os.Stat(file + ".rejected.csv"); !os.IsNotExist(err) {
		t.Errorf("a refused import left a rejects file: %v", err)
	}
	withStore(t, opt, func(s *store.Store) {
		if n, err := s.CountContacts(context.Background()); err != nil || n != 0 {
			t.Fatalf("%d contacts imported from a file with a ragged row (%v)", n, err)
		}
	})
}

func TestImportProgressLogsEvery100000Rows(t *testing.T) {
	var out strings.Builder
	p := newImportProgress(&out)
	p.counted(250_000)
	for done := 1000; done <= 250_000; done += 1000 {
		p.update(done)
	}
	p.finish()
	want := "The file is readable: 250,000 rows to import.\n100,000 of 250,000 rows imported\n200,000 of 250,000 rows imported\n"
	if out.String() != want {
		t.Fatalf("progress:\n%s\nwant:\n%s", out.String(), want)
	}
}
