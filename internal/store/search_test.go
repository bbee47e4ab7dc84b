package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func TestSearchTerms(t *testing.T) {
	got := store.SearchTerms("Zoë O'Brien-Smith", "zoe.obrien@ACME-Widgets.co.uk", "4930 123")
	want := []string{"zoë", "o", "brien", "smith", "zoe", "obrien", "acme", "widgets", "co", "uk", "4930", "123"}
	if !slices.Equal(got, want) {
		t.Fatalf("terms = %q", got)
	}
}

// A word longer than the index keeps is cut on a character boundary: cut in the
// middle of a multi-byte letter it was invalid UTF-8, which PostgreSQL refuses, so
// the capture of a lead with such a name failed. The contact is found by its word.
func TestLongWordsAreCutOnACharacterBoundary(t *testing.T) {
	long := "a" + strings.Repeat("ä", 40) // 81 bytes: byte 64 falls inside an "ä"
	for _, w := range store.SearchTerms(long, strings.Repeat("日本", 20)) {
		if !utf8.ValidString(w) || len(w) > 64 {
			t.Fatalf("word %q: valid %v, %d bytes", w, utf8.ValidString(w), len(w))
		}
	}
	s := storetest.Open(t)
	id := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "long@acme.example", Fields: store.ContactFields{LastName: long}})[0].ContactID
	for _, q := range []string{long, long[:20]} {
		p, err := s.Contacts(ctx, store.ContactFilter{Query: q})
		if err != nil || len(p.Contacts) != 1 || p.Contacts[0].ID != id {
			t.Fatalf("search %q: %v, %d found", q, err, len(p.Contacts))
		}
	}
}

// Both plans of a search, the index for rare words and the scan for common ones,
// find the same contacts.
func TestSearchPlansAgree(t *testing.T) {
	s := storetest.Open(t)
	mustIngest(t, s, searchPeople(0, 60)...)
	checkSearches(t, s, "captured")
	// Changing a name changes what finds the contact.
	id := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "p0@corp0.example", Fields: store.ContactFields{LastName: "Hopper"}})[0].ContactID
	p, _ := s.Contacts(ctx, store.ContactFilter{Query: "hopper"})
	if len(p.Contacts) != 1 || p.Contacts[0].ID != id {
		t.Fatalf("renamed contact not found: %d", len(p.Contacts))
	}
	if p, _ := s.Contacts(ctx, store.ContactFilter{Query: "lovelace"}); len(p.Contacts) != 2 {
		t.Fatalf("old name still finds the renamed contact: %d", len(p.Contacts))
	}
}

// On PostgreSQL the words have no foreign key to their contact (migration 0021): a
// statement that deletes contacts deletes their words with them, and leaves no word
// of a deleted contact behind.
func TestDeletedContactsLeaveNoWords(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.Postgres {
		t.Skip("on SQLite the words keep their foreign key: a contact with words is not deleted")
	}
	var ids []int64
	for i := range 3 {
		r, err := s.IngestGrouped(ctx, []store.Capture{{Type: "form_submit", Email: fmt.Sprintf("gone%d@words.example", i), Touch: true,
			Fields: store.ContactFields{FirstName: "Grace", LastName: fmt.Sprint("Hopper", i), CompanyName: "Words"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r[0].ContactID)
	}
	words := func(cond string) int64 {
		var n int64
		if err := store.ScanForTest(ctx, s, `SELECT COUNT(*) FROM contact_terms t WHERE `+cond, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, id := range ids {
		if words(fmt.Sprint(`t.contact_id = `, id)) == 0 {
			t.Fatalf("contact %d has no words", id)
		}
	}
	// Two of the three go, with what else refers to them, the contacts in one statement.
	for _, table := range []string{"events", "contact_stages", "contacts"} {
		col := "contact_id"
		if table == "contacts" {
			col = "id"
		}
		if err := store.ExecForTest(ctx, s, `DELETE FROM `+table+` WHERE `+col+` IN (?, ?)`, ids[0], ids[1]); err != nil {
			t.Fatalf("delete from %s: %v", table, err)
		}
	}
	if n := words(`NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id)`); n != 0 {
		t.Fatalf("%d words of deleted contacts are left", n)
	}
	if words(fmt.Sprint(`t.contact_id = `, ids[2])) == 0 {
		t.Fatal("the kept contact lost its words")
	}
	p, err := s.Contacts(ctx, store.ContactFilter{Query: "hopper2"})
	if err != nil || len(p.Contacts) != 1 || p.Contacts[0].ID != ids[2] {
		t.Fatalf("the kept contact is not found by its words: %v %v", p, err)
	}
}

// A contact whose search text changes keeps exactly the words of its new text in
// the index, whether the word indexer had reached it (SQLite deletes the old words
// through the word key, there being no index of the words by contact) or not yet:
// the old words find it no more, the new ones do, and the index holds no other.
func TestChangedContactKeepsOnlyItsNewWords(t *testing.T) {
	s := storetest.Open(t)
	indexed := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@engines.example", Touch: true,
		Fields: store.ContactFields{FirstName: "Ada", LastName: "Byron", CompanyName: "Analytical Engines"}, CompanyDomain: "engines.example"})[0].ContactID
	if err := s.IndexSearchWords(ctx); err != nil {
		t.Fatal(err)
	}
	// The second is created while the indexer is behind, and changed before it runs.
	release := store.HoldSearchIndexer(s)
	tail := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "grace@navy.example", Touch: true,
		Fields: store.ContactFields{FirstName: "Grace", LastName: "Murray"}})[0].ContactID
	mustIngest(t, s,
		store.Capture{Type: "form_submit", Email: "ada@engines.example", Fields: store.ContactFields{LastName: "Lovelace", JobTitle: "Countess"}},
		store.Capture{Type: "form_submit", Email: "grace@navy.example", Fields: store.ContactFields{LastName: "Hopper"}, Phone: "+4930123456"})
	words := func(id int64) []string {
		got, err := store.RowsForTest(ctx, s, `SELECT term FROM contact_terms WHERE contact_id = ? ORDER BY term`, id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := func(id int64) []string {
		var search string
		if err := store.ScanForTest(ctx, s, fmt.Sprint(`SELECT search FROM contacts WHERE id = `, id), &search); err != nil {
			t.Fatal(err)
		}
		w := strings.Fields(search)
		slices.Sort(w)
		return w
	}
	check := func(when string) {
		t.Helper()
		if got, w := words(indexed), want(indexed); !slices.Equal(got, w) {
			t.Errorf("%s: the indexed contact's words are %q, want %q", when, got, w)
		}
		for q, n := range map[string]int{"byron": 0, "lovelace": 1, "ada": 1, "murray": 0, "hopper": 1, "grace": 1, "4930123456": 1} {
			p, err := s.Contacts(ctx, store.ContactFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Contacts) != n {
				t.Errorf("%s: %q finds %d contacts, want %d", when, q, len(p.Contacts), n)
			}
		}
	}
	check("before the indexer reached the second")
	release()
	if err := s.IndexSearchWords(ctx); err != nil {
		t.Fatal(err)
	}
	check("after")
	if got, w := words(tail), want(tail); !slices.Equal(got, w) {
		t.Errorf("the second contact's words are %q, want %q", got, w)
	}
}

// TestMergedContactIsFoundByWhatItTookOver: a merge gives the winner the name,
// company and phone it lacked from the loser, and a search finds the winner by them;
// undoing the merge takes them back, and the words stay those of each search text.
func TestMergedContactIsFoundByWhatItTookOver(t *testing.T) {
	s := storetest.Open(t)
	winner := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "ada@engines.example", Touch: true})[0].ContactID
	loser := mustIngest(t, s, store.Capture{Type: "import", Email: "countess@lovelace.example", Phone: "+4930123456", Touch: true, Channel: "event",
		Fields: store.ContactFields{FirstName: "Augusta", LastName: "King", CompanyName: "Analytical Engines"}})[0].ContactID
	if err := s.IndexSearchWords(ctx); err != nil {
		t.Fatal(err)
	}
	finds := func(when string, want map[string][]int64) {
		t.Helper()
		for q, ids := range want {
			p, err := s.Contacts(ctx, store.ContactFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, c := range p.Contacts {
				got = append(got, c.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, ids) {
				t.Errorf("%s: %q finds %v, want %v", when, q, got, ids)
			}
		}
		words, texts, err := s.SearchIndex(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(words, texts) {
			t.Errorf("%s: words %q, want those of the search texts %q", when, words, texts)
		}
	}
	m, err := s.MergeContacts(ctx, winner, loser, "user:1")
	if err != nil {
		t.Fatal(err)
	}
	finds("after the merge", map[string][]int64{"augusta": {winner}, "analytical": {winner}, "4930123456": {winner}, "ada": {winner}})
	if err := s.UndoMerge(ctx, m.ID, "user:1"); err != nil {
		t.Fatal(err)
	}
	finds("after the undo", map[string][]int64{"augusta": {loser}, "analytical": {loser}, "4930123456": {loser}, "ada": {winner}})
}
