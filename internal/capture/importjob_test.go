package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// uploadList stores a CSV of n people (every 1000th with a broken email) as a
// started import, and returns its id.
func uploadList(t *testing.T, s *store.Store, n int) int64 {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("Email,First Name,Notes\n")
	for i := 1; i <= n; i++ {
		email := fmt.Sprintf("person%d@example.com", i)
		if i%1000 == 0 {
			email = fmt.Sprintf("=1+%d", i)
		}
		fmt.Fprintf(&b, "%s,Name %d,%s\n", email, i, strings.Repeat("n", 400))
	}
	ctx := context.Background()
	opts, _ := json.Marshal(ImportSettings{Channel: "event", Mapping: map[string]string{"Notes": ""}})
	imp, err := s.CreateImport(ctx, "fair.csv", opts, &b, 64<<20, "test")
	if err != nil {
		t.Fatal(err)
	}
	if imp.Status != store.ImportDraft || imp.SizeBytes < 1<<20 {
		t.Fatalf("upload = %+v; want a draft over one chunk", imp)
	}
	if _, err := s.StartImport(ctx, imp.ID, opts, "test"); err != nil {
		t.Fatal(err)
	}
	return imp.ID
}

// TestImportJobResumes: an import stopped after its first committed batch (a crash,
// a restart) resumes where it stopped; no row is recorded twice, every rejected row
// is kept with its reason, and the stored file is dropped at the end.
func TestImportJobResumes(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	id := uploadList(t, s, 2500)
	if err := s.ImportRunning(ctx, id); err != nil {
		t.Fatal(err)
	}
	// The first run dies after one committed batch.
	crash := errors.New("the node stopped")
	calls := 0
	opt := ImportSettings{Channel: "event", Mapping: map[string]string{"Notes": ""}}.Options("fair.csv", "DE")
	opt.Commit = func(ctx context.Context, b ImportBatch) ([]store.Captured, error) {
		if calls++; calls > 1 {
			return nil, crash
		}
		rej := []store.ImportRejection{}
		for _, r := range b.Rejections {
			rej = append(rej, store.ImportRejection{Row: r.Row, Column: r.Column, Reason: r.Reason, Values: r.Values})
		}
		return s.RecordImportBatch(ctx, id, b.Captures, rej, b.RowsDone)
	}
	if _, err := ImportCSV(ctx, func() (io.ReadCloser, error) { return s.ImportFile(ctx, id), nil }, nil, opt, nil, nil); !errors.Is(err, crash) {
		t.Fatalf("first run: %v", err)
	}
	imp, _ := s.Import(ctx, id)
	if imp.RowsDone != 1001 || imp.Created != 1000 || imp.Rejected != 1 {
		t.Fatalf("after the crash: %+v", imp)
	}
	// The job runs it again.
	ir := &ImportRunner{Store: s, Region: "DE"}
	payload, _ := json.Marshal(map[string]int64{"import_id": id})
	if err := ir.Handlers()[store.ImportJobKind](ctx, payload); err != nil {
		t.Fatal(err)
	}
	imp, _ = s.Import(ctx, id)
	if imp.Status != store.ImportDone || imp.RowsDone != 2500 || imp.Created != 2498 || imp.Updated != 0 || imp.Rejected != 2 ||
		imp.RowsTotal == nil || *imp.RowsTotal != 2500 || imp.Encoding != "UTF-8" {
		t.Fatalf("after the resumed run: %+v", imp)
	}
	if n, _ := s.CountContacts(ctx); n != 2498 {
		t.Fatalf("%d contacts, want 2498", n)
	}
	var rows []int
	err := s.ImportRejections(ctx, id, func(r store.ImportRejection) error {
		if r.Column != "Email" || !strings.Contains(r.Reason, "email") || len(r.Values) != 3 {
			t.Errorf("rejection = %+v", r)
		}
		rows = append(rows, r.Row)
		return nil
	})
	if err != nil || fmt.Sprint(rows) != "[1001 2001]" {
		t.Fatalf("rejected rows %v, %v", rows, err)
	}
	// Done: the stored file is gone, and running the job again changes nothing.
	if b, _ := io.ReadAll(s.ImportFile(ctx, id)); len(b) != 0 {
		t.Fatalf("the file is still stored: %d bytes", len(b))
	}
	if err := ir.Handlers()[store.ImportJobKind](ctx, payload); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Import(ctx, id); again.Created != 2498 {
		t.Fatalf("a second run changed the import: %+v", again)
	}
}

// TestImportJobBrokenFile: a file the import cannot read ends the import as failed,
// with the reason, and nothing written.
func TestImportJobBrokenFile(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	opts, _ := json.Marshal(ImportSettings{Channel: "event"})
	imp, err := s.CreateImport(ctx, "bad.csv", opts, strings.NewReader("Name,City\nAda,Berlin\n"), 1<<20, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartImport(ctx, imp.ID, opts, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartImport(ctx, imp.ID, opts, "test"); err == nil {
		t.Fatal("an import started twice")
	}
	payload, _ := json.Marshal(map[string]int64{"import_id": imp.ID})
	if err := (&ImportRunner{Store: s}).Handlers()[store.ImportJobKind](ctx, payload); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Import(ctx, imp.ID)
	if got.Status != store.ImportFailed || !strings.Contains(got.Error, "email address or a phone") {
		t.Fatalf("import = %+v", got)
	}
	if n, _ := s.CountContacts(ctx); n != 0 {
		t.Fatalf("%d contacts written", n)
	}
}

func TestPreviewCSV(t *testing.T) {
	p, err := PreviewCSV(strings.NewReader("\uFEFFE-Mail;Vorname;Lieblingsfarbe\na@example.com;Ada;blau\n;;\nb@example.com;Bo;grün\nc@example.com;Cy;rot\n"), 2)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p.Header) != "[E-Mail Vorname Lieblingsfarbe]" || fmt.Sprint(p.Guess) != "[email first_name ]" || len(p.Rows) != 2 ||
		p.Rows[1][1] != "Bo" || p.Delimiter != "semicolon" {
		t.Fatalf("preview = %+v", p)
	}
}

// FuzzPreviewCSV: the mapping step reads any uploaded bytes without panicking, and
// never shows more rows than asked for.
func FuzzPreviewCSV(f *testing.F) {
	f.Add([]byte("Email,Name\na@example.com,Ada\n"))
	f.Add([]byte("\xff\xfeE\x00m\x00a\x00i\x00l\x00\n\x00"))
	f.Add([]byte("a;b;c\n\"unclosed;x\n"))
	f.Add([]byte("\uFEFFE-Mail\tTelefon\n\n\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := PreviewCSV(bytes.NewReader(b), 3)
		if err == nil && (len(p.Rows) > 3 || len(p.Guess) != len(p.Header)) {
			t.Fatalf("preview = %+v", p)
		}
	})
}
