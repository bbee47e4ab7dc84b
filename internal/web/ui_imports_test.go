package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// TestImportPageShowsARaggedRow: a list started from the import screen whose file has
// a row with a field too few fails in its job, and the import's page says so, naming
// the row and the counts; none of its people were imported.
func TestImportPageShowsARaggedRow(t *testing.T) {
	f := newAuthzFixture(t)
	ctx := context.Background()
	s := f.srv.store
	opts, _ := json.Marshal(capture.ImportSettings{Channel: "event", Header: []string{"Email", "Name", "City"}})
	file := "Email,Name,City\nzoe@fair.example,Zoe,Berlin\nyan@fair.example,Yan\nxia@fair.example,Xia,Bonn\n"
	imp, err := s.CreateImport(ctx, "fair.csv", opts, strings.NewReader(file), 1<<20, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartImport(ctx, imp.ID, opts, "test"); err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]int64{"import_id": imp.ID})
	if err := (&capture.ImportRunner{Store: s, Region: "DE"}).Handlers()[store.ImportJobKind](ctx, payload); err != nil {
		t.Fatalf("the job itself failed: %v", err)
	}
	w := f.do("GET", "/imports/"+strconv.FormatInt(imp.ID, 10), credential{header: []string{"Cookie", f.sessions[store.RoleMarketer]}})
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "The import failed") ||
		!strings.Contains(body, "line 3: this row has 2 fields, but the header has 3 columns") {
		t.Fatalf("import page: %d\n%s", w.Code, body)
	}
	for _, email := range []string{"zoe@fair.example", "xia@fair.example"} {
		if list, err := s.Contacts(ctx, store.ContactFilter{Email: email}); err != nil || len(list.Contacts) != 0 {
			t.Errorf("%s was imported from a file with a ragged row (%v)", email, err)
		}
	}
}
