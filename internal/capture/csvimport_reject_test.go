package capture

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func TestImportRejectsRowsWithReasons(t *testing.T) {
	s := storetest.Open(t)
	rep, rejects, err := importFile(t, s, filepath.Join("testdata", "import", "problems.csv"), ImportOptions{Region: "US"})
	if err != nil {
		t.Fatal(err)
	}
	// Line 6 is blank and is no row; line 9 repeats line 2's email and updates that contact.
	if rep.Rows != 7 || rep.Created != 1 || rep.Updated != 1 || rep.Rejected != 5 || len(rep.Rejections) != 5 {
		t.Fatalf("report %+v", rep)
	}
	want := []struct {
		row         int
		column, why string
	}{
		{3, "email", "is not a valid email address"},
		{4, "", `cannot be read: bare " in non-quoted-field`},
		{5, "email", "has neither an email address nor a phone number"},
		{7, "email", "is not a valid email address"},
		{8, "phone", "is not a valid phone number"},
	}
	for i, w := range want {
		got := rep.Rejections[i]
		if got.Row != w.row || got.Column != w.column || !strings.HasPrefix(got.Reason, w.why) {
			t.Errorf("rejection %d = %+v, want %+v", i, got, w)
		}
	}
	cr := csv.NewReader(strings.NewReader(rejects))
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 6 || strings.Join(records[0], ",") != "row,column,reason,email,first_name,last_name,phone,custom.interest" ||
		strings.Join(records[1], "|") != "3|email|is not a valid email address|not-an-email|Bad|Email|+1 415 555 2671|demo" {
		t.Fatalf("rejects file:\n%s", rejects)
	}
	c := contactByEmail(t, s, "good@acme-corp.com")
	if c.FirstName != "Again" || c.LastName != "Later" || c.Custom["interest"] != "support" {
		t.Fatalf("the later row did not update the contact: %+v %v", viewOf(c), c.Custom)
	}
}

func TestImportExistingSkipLeavesContactAlone(t *testing.T) {
	s := storetest.Open(t)
	first := "email,first_name,job_title\nada@analytical.example.com,Ada,Analyst\n"
	if rep, _, err := importBytes(t, s, []byte(first), ImportOptions{}); err != nil || rep.Created != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	again := "email,first_name,job_title\nada@analytical.example.com,Augusta,Countess\nnew@analytical.example.com,New,Person\n"
	rep, _, err := importBytes(t, s, []byte(again), ImportOptions{Existing: ExistingSkip, Consent: "consent"})
	if err != nil || rep.Skipped != 1 || rep.Created != 1 || rep.Updated != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	c := contactByEmail(t, s, "ada@analytical.example.com")
	if c.FirstName != "Ada" || c.JobTitle != "Analyst" {
		t.Fatalf("skipped contact changed: %+v", viewOf(c))
	}
	if consents, err := s.Consents(context.Background(), c.ID); err != nil || len(consents) != 0 {
		t.Fatalf("skipped contact got consent %v %v", consents, err)
	}
	if rep, _, err := importBytes(t, s, []byte(again), ImportOptions{}); err != nil || rep.Updated != 2 {
		t.Fatalf("update run: %+v %v", rep, err)
	}
	if c := contactByEmail(t, s, "ada@analytical.example.com"); c.FirstName != "Augusta" {
		t.Fatalf("updated contact: %+v", viewOf(c))
	}
}

func TestImportBrokenFileImportsNothing(t *testing.T) {
	good := "email,first_name\n" + strings.Repeat("someone@acme-corp.com,Some\n", 3)
	tests := []struct {
		name    string
		content string
		line    int
		message string
	}{
		{"mixed encodings", good + "zoe@cafe.example.com,Zoë\n" + "bjorn@fjord.example.com,Bj\xf8rn\n" + good, 6, "mixes encodings"},
		{"Windows-1252 then UTF-8", "email,first_name\nbjorn@fjord.example.com,Bj\xf8rn\nzoe@cafe.example.com,Zoë\n", 3, "mixes encodings"},
		{"a UTF-8 byte order mark, then Windows-1252", "\xef\xbb\xbf" + good + "bjorn@fjord.example.com,Bj\xf8rn\n", 5, "line 1 is UTF-8"},
		{"old Mac line ends", "email,first_name\rx@acme-corp.com,X\r", 1, "bare carriage return"},
		{"byte outside Windows-1252", good + "x@acme-corp.com,\x81\n", 5, "0x81"},
		{"a line of 2 MiB", good + "x@acme-corp.com," + strings.Repeat("a", 2<<20) + "\n" + good, 5, "longer than 1 MiB"},
		{"a quote never closed", good + "x@acme-corp.com,\"open\n" + strings.Repeat("more@acme-corp.com,Text\n", 60000), 0, "never closed"},
		{"NUL byte", good + "x@acme-corp.com,a\x00b\n", 5, "NUL"},
		{"empty file", "", 0, "empty"},
		{"no email or phone column", "name,city\nAda,London\n", -1, "no column holds an email"},
	}
	s := storetest.Open(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			ingest := func(ctx context.Context, caps []store.Capture) ([]store.Captured, error) {
				calls++
				return s.Ingest(ctx, caps)
			}
			path := filepath.Join(t.TempDir(), "broken.csv")
			writeFile(t, path, tt.content)
			_, err := ImportCSV(context.Background(), openFile(path), ingest, ImportOptions{Channel: "event", Now: now}, io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %v, want one saying %q", err, tt.message)
			}
			var fe *FileError
			if tt.line >= 0 && (!errors.As(err, &fe) || (tt.line > 0 && fe.Line != tt.line)) {
				t.Fatalf("error %#v, want a FileError on line %d", err, tt.line)
			}
			if n, _ := s.CountContacts(context.Background()); n != 0 || calls != 0 {
				t.Fatalf("%d contacts imported in %d batches from a broken file", n, calls)
			}
		})
	}
}

// TestImportRaggedRowImportsNothing: a row with more or fewer fields than the header
// makes the file broken, wherever it is: the import ends with an error naming the
// row and both counts, before a single batch is written.
func TestImportRaggedRowImportsNothing(t *testing.T) {
	var good strings.Builder
	for i := range 2500 {
		fmt.Fprintf(&good, "p%d@acme-corp.com,Name %d,Berlin\n", i, i)
	}
	tests := []struct {
		name, row, says string
		delim           string
	}{
		{"too many", "x@acme-corp.com,X,Berlin,extra", "this row has 4 fields, but the header has 3 columns", "comma"},
		{"too few", "x@acme-corp.com,X", "this row has 2 fields, but the header has 3 columns", "comma"},
		{"a quoted line break", "\"x@acme-corp.com\",\"two\nlines\"", "this row has 2 fields, but the header has 3 columns", "comma"},
		{"semicolons", "x@acme-corp.com;X", "this row has 2 fields, but the header has 3 columns", "semicolon"},
	}
	s := storetest.Open(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := "email,first_name,city\n" + good.String() + tt.row + "\n" + good.String()
			if tt.delim == "semicolon" {
				content = strings.ReplaceAll(content, ",", ";")
			}
			calls := 0
			ingest := func(ctx context.Context, caps []store.Capture) ([]store.Captured, error) {
				calls++
				return s.IngestImport(ctx, caps)
			}
			path := filepath.Join(t.TempDir(), "ragged.csv")
			writeFile(t, path, content)
			rep, err := ImportCSV(context.Background(), openFile(path), ingest, ImportOptions{Channel: "event", Now: now, BatchSize: 100}, io.Discard, nil)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Line != 2502 || !strings.Contains(err.Error(), "line 2502: "+tt.says) ||
				!strings.Contains(err.Error(), "a value that holds a "+tt.delim+" must be in double quotes") {
				t.Fatalf("error %v, want a FileError on line 2502 saying %q", err, tt.says)
			}
			if n, _ := s.CountContacts(context.Background()); n != 0 || calls != 0 || rep.Rows != 0 {
				t.Fatalf("%d contacts imported in %d batches from a file with a ragged row (report %+v)", n, calls, rep)
			}
		})
	}
}

// TestImportBlankLinesAreNoRows: blank lines, at the end or between rows, and rows of
// empty values are no rows, so they are never ragged.
func TestImportBlankLinesAreNoRows(t *testing.T) {
	s := storetest.Open(t)
	content := "email,first_name,city\r\na@acme-corp.com,A,Berlin\r\n\r\n,,\r\n  \r\n,\r\nb@acme-corp.com,B,Bonn\r\n\r\n\r\n"
	rep, _, err := importBytes(t, s, []byte(content), ImportOptions{})
	if err != nil || rep.Rows != 2 || rep.Created != 2 || rep.Rejected != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestImportBadQuoteIsARejectedRow(t *testing.T) {
	s := storetest.Open(t)
	content := "email,first_name\nok@acme-corp.com,Ok\nbad@acme-corp.com,Ba\"d\nlast@acme-corp.com,Last\n"
	rep, rejects, err := importBytes(t, s, []byte(content), ImportOptions{})
	if err != nil || rep.Created != 2 || rep.Rejected != 1 || rep.Rejections[0].Row != 3 {
		t.Fatalf("%+v %v", rep, err)
	}
	if !strings.Contains(rejects, `3,,"cannot be read: bare "" in non-quoted-field (line 3`) {
		t.Fatalf("rejects:\n%s", rejects)
	}
}

func TestImportRejectsWhatTheStoreRefuses(t *testing.T) {
	s := storetest.Open(t)
	ingest := func(ctx context.Context, caps []store.Capture) ([]store.Captured, error) {
		for i, c := range caps {
			if c.Email == "refuse@acme-corp.com" {
				return nil, &errs.Error{Code: errs.Invalid, Field: "email", Message: "is suppressed", Details: map[string]any{"index": i}}
			}
		}
		return s.Ingest(ctx, caps)
	}
	path := filepath.Join(t.TempDir(), "list.csv")
	writeFile(t, path, "email\na@acme-corp.com\nrefuse@acme-corp.com\nb@acme-corp.com\n")
	var rejects bytes.Buffer
	rep, err := ImportCSV(context.Background(), openFile(path), ingest, ImportOptions{Channel: "event"}, &rejects, nil)
	if err != nil || rep.Created != 2 || rep.Rejected != 1 || rep.Rejections[0].Row != 3 || !strings.Contains(rep.Rejections[0].Reason, "suppressed") {
		t.Fatalf("%+v %v", rep, err)
	}
	// A database failure is no row's fault: it ends the import and says so.
	failing := func(context.Context, []store.Capture) ([]store.Captured, error) { return nil, errors.New("disk full") }
	if _, err := ImportCSV(context.Background(), openFile(path), failing, ImportOptions{Channel: "event"}, io.Discard, nil); err == nil ||
		!strings.Contains(err.Error(), "disk full") {
		t.Fatalf("database failure: %v", err)
	}
}

func TestImportOptionsAreChecked(t *testing.T) {
	for _, opt := range []ImportOptions{{}, {Channel: "fax"}, {Channel: "event", Consent: "because"}, {Channel: "event", Existing: "merge"}} {
		_, err := ImportCSV(context.Background(), nil, nil, opt, nil, nil)
		if errs.Code(err) != errs.Invalid {
			t.Errorf("%+v: %v", opt, err)
		}
	}
}
