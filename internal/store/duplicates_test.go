package store_test

import (
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// Two contacts with the same full name at the same company (written differently) are
// flagged as possible duplicates and never merged, whether the second arrives alone
// or in an import's set-based batch; another company or a missing name is no flag.
func TestSameNameAtSameCompanyIsFlagged(t *testing.T) {
	s := storetest.Open(t)
	jo := store.ContactFields{FirstName: "Jo", LastName: "Meyer", CompanyName: "Acme GmbH"}
	first := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "jo@acme.example", Fields: jo})[0].ContactID
	alone := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "jo.meyer@gmail.com",
		Fields: store.ContactFields{FirstName: "JO", LastName: "meyer", CompanyName: "ACME GMBH"}})[0].ContactID
	batch, err := s.IngestImport(ctx, []store.Capture{
		{Type: "import", Email: "j.meyer@acme-mail.example", Fields: jo},
		{Type: "import", Email: "jo@other.example", Fields: store.ContactFields{FirstName: "Jo", LastName: "Meyer", CompanyName: "Other AG"}},
		{Type: "import", Email: "nameless@acme.example", Fields: store.ContactFields{CompanyName: "Acme GmbH"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reasons := func(id int64) map[int64]string {
		t.Helper()
		flags, err := s.DuplicateFlags(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for _, f := range flags {
			other := f.OtherID
			if other == id {
				other = f.ContactID
			}
			out[other] = f.Reason
		}
		return out
	}
	const why = "same name at the same company"
	if got := reasons(alone); len(got) != 2 || got[first] != why || got[batch[0].ContactID] != why {
		t.Errorf("the second Jo Meyer at Acme: %v", got)
	}
	if got := reasons(batch[0].ContactID); len(got) != 2 || got[first] != why || got[alone] != why {
		t.Errorf("the imported Jo Meyer at Acme: %v", got)
	}
	if got := reasons(batch[1].ContactID); len(got) != 0 {
		t.Errorf("Jo Meyer at another company: %v", got)
	}
	if got := reasons(batch[2].ContactID); len(got) != 0 {
		t.Errorf("a contact without a name: %v", got)
	}
	for _, id := range []int64{first, alone, batch[0].ContactID} {
		if c := mustContact(t, s, id); c.MergedIntoID != 0 {
			t.Errorf("contact %d was merged", id)
		}
	}
}
