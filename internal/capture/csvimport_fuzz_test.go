package capture

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// FuzzImportCSV throws arbitrary files and --map overrides at the importer. The
// ingest stub only records captures: this fuzzes reading and mapping, not storage.
func FuzzImportCSV(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "import", "*.csv"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add([]byte("email,notes\na@b.com,\"multi\nline\"\n"), "notes=custom.notes")
	f.Add([]byte("Kontakt;Telefon\nx;0301234567\n"), "Kontakt=email")
	f.Add([]byte("\xef\xbb\xbfphone\tname\n+4930123456\tAda Lovelace\n"), "name=full_name")
	f.Add([]byte("email,a,b\n\"q\"x,1\n,,\n"), "a=;b=website")
	f.Fuzz(func(t *testing.T, data []byte, mapSpec string) {
		overrides := map[string]string{}
		for _, kv := range strings.Split(mapSpec, ";") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				overrides[k] = v
			}
		}
		var caps []store.Capture
		ingest := func(_ context.Context, batch []store.Capture) ([]store.Captured, error) {
			out := make([]store.Captured, len(batch))
			for i := range out {
				out[i].Created = true
			}
			caps = append(caps, batch...)
			return out, nil
		}
		src := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		var rejects bytes.Buffer
		rep, err := ImportCSV(context.Background(), src, ingest, ImportOptions{Channel: "event", Region: "DE", Map: overrides, BatchSize: 7, Now: now}, &rejects, nil)
		if err != nil {
			if len(caps) > 0 {
				t.Fatalf("a refused file reached the store: %v", err)
			}
			return
		}
		if rep.Rows != rep.Created+rep.Updated+rep.Skipped+rep.Rejected || rep.Created != len(caps) {
			t.Fatalf("counts do not add up: %+v, %d captures", rep, len(caps))
		}
		for _, c := range caps {
			if c.Email == "" && c.Phone == "" {
				t.Fatalf("capture without identity: %+v", c)
			}
			if e, err := contact.NormalizeEmail(c.Email); c.Email != "" && (err != nil || e != c.Email) {
				t.Fatalf("email %q is not normalised", c.Email)
			}
			if p, err := contact.NormalizePhone(c.Phone, ""); c.Phone != "" && (err != nil || p != c.Phone) {
				t.Fatalf("phone %q is not E.164", c.Phone)
			}
			if c.Type != "import" || !c.Touch || c.Channel != "event" {
				t.Fatalf("capture %+v", c)
			}
		}
		if rep.Rejected == 0 {
			if rejects.Len() != 0 {
				t.Fatalf("rejects written without a rejected row")
			}
			return
		}
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(rejects.Bytes(), []byte("\xef\xbb\xbf"))))
		cr.FieldsPerRecord, cr.Comma = -1, []rune(rep.delimiterRune())[0]
		records, err := cr.ReadAll()
		if err != nil || len(records) != rep.Rejected+1 {
			t.Fatalf("rejects file does not read back (%d records, %d rejected): %v\n%q", len(records), rep.Rejected, err, rejects.String())
		}
	})
}

func (r ImportReport) delimiterRune() string {
	switch r.Delimiter {
	case "semicolon":
		return ";"
	case "tab":
		return "\t"
	}
	return ","
}
