package store

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Contact search matches word prefixes: "lov" finds "Ada Lovelace", "acme" finds
// jo@acme.com. Each contact's words are kept twice: in contact_terms, indexed, for
// rare words, and in contacts.search, for common words, where scanning the newest
// contacts finds a page of matches sooner than reading thousands of index entries.
// On SQLite the index is written behind the captures, by a background indexer, and
// searches read the newest contacts it has not reached from contacts.search
// (search_index.go).

const (
	maxTerms = 32
	maxTerm  = 64
)

// rareLimit is the number of matches under which a word is looked up in the index.
var rareLimit = 5000

// searchTerms splits text into lower-case words of letters and digits.
func searchTerms(parts ...string) []string {
	var out []string
	for _, p := range parts {
		for _, w := range strings.FieldsFunc(strings.ToLower(p), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if len(w) > maxTerm {
				// Cut on a character boundary: half a letter is invalid UTF-8,
				// which PostgreSQL refuses to store.
				n := maxTerm
				for n > 0 && !utf8.RuneStart(w[n]) {
					n--
				}
				w = w[:n]
			}
			if !slices.Contains(out, w) && len(out) < maxTerms {
				out = append(out, w)
			}
		}
	}
	return out
}

// searchText is the scan form of the terms: each word preceded by a space, so
// LIKE '% word%' matches a word prefix.
func searchText(parts ...string) string {
	terms := searchTerms(parts...)
	if len(terms) == 0 {
		return ""
	}
	return " " + strings.Join(terms, " ")
}

// writeTerms replaces a contact's indexed words when its search text changed.
func writeTerms(ctx context.Context, tx *Tx, id int64, oldText, newText string) error {
	if oldText == newText {
		return nil
	}
	if err := deleteTerms(ctx, tx, id, oldText); err != nil {
		return err
	}
	return insertTerms(ctx, tx, id, newText)
}

// deleteTerms deletes a contact's indexed words, those of its search text oldText.
// SQLite has no index of the words by contact (migration 0024): it deletes the words
// of the old text through the key (term, contact_id). Those are all the contact's
// words: every writer of contact_terms writes the words of the search column (the
// word indexer those of contacts above its watermark, which may include none yet).
// PostgreSQL deletes by contact.
func deleteTerms(ctx context.Context, tx *Tx, id int64, oldText string) error {
	if tx.s.engine != SQLite {
		_, err := tx.exec(ctx, `DELETE FROM contact_terms WHERE contact_id = ?`, id)
		return err
	}
	old := strings.Fields(oldText)
	if len(old) == 0 {
		return nil
	}
	list := make([]any, len(old))
	for i, w := range old {
		list[i] = w
	}
	list = tx.inList(list)
	_, err := tx.exec(ctx, `DELETE FROM contact_terms WHERE term IN (`+placeholders(len(list))+`) AND contact_id = ?`, append(list, id)...)
	return err
}

// newContactTerms writes the words of a contact just created, on PostgreSQL; on
// SQLite the word indexer writes them after the commit (search_index.go).
func newContactTerms(ctx context.Context, tx *Tx, id int64, search string) error {
	if tx.s.engine == SQLite {
		tx.contactsCreated()
		return nil
	}
	return insertTerms(ctx, tx, id, search)
}

// insertTerms writes the words of a contact's search text, for a contact that has
// none yet.
func insertTerms(ctx context.Context, tx *Tx, id int64, newText string) error {
	terms := strings.Fields(newText)
	if len(terms) == 0 {
		return nil
	}
	if tx.s.engine == Postgres {
		ids := make([]int64, len(terms))
		for i := range ids {
			ids[i] = id
		}
		return insertTermArrays(ctx, tx, terms, ids)
	}
	// One statement for all words: per-statement cost dominates small writes.
	q := `INSERT INTO contact_terms (term, contact_id) VALUES ` + strings.Repeat(`(?, ?), `, len(terms)-1) + `(?, ?) ON CONFLICT DO NOTHING`
	args := make([]any, 0, 2*len(terms))
	for _, t := range terms {
		args = append(args, t, id)
	}
	_, err := tx.exec(ctx, q, args...)
	return err
}

// insertTermArrays writes words on PostgreSQL, terms[i] for contacts ids[i], in one
// statement of two arrays: its text is the same for any number of words, so the
// server plans it once per connection. As a multi-row VALUES list (two parameters a
// word, about two hundred words for a group commit of twenty form posts) each size was
// a statement of its own, parsed and planned again at nearly every group.
func insertTermArrays(ctx context.Context, tx *Tx, terms []string, ids []int64) error {
	if len(terms) == 0 {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO contact_terms (term, contact_id) SELECT * FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[])) ON CONFLICT DO NOTHING`, terms, ids)
	return err
}

// prefixEnd is the exclusive upper bound of the words that start with w, in byte
// order: U+10FFFF sorts after every other character.
func prefixEnd(w string) string { return w + "\U0010FFFF" }

// textSearch is a text query made into conditions: every word must match a word
// prefix of the contact (conds), and, when one word is rare, ids are the contacts
// that hold it, newest first.
type textSearch struct {
	conds []string
	args  []any
	rare  bool
	ids   []int64
	// terms, on PostgreSQL, are the indexed words a common word stands for, when
	// they are few: its contacts are read newest first from each word's index
	// entries (see termIDs).
	terms []string
}

// searchFilter turns a text query into conditions and, when one word is rare, the
// contacts it matches, read from the index.
func (s *Store) searchFilter(ctx context.Context, query string) (textSearch, error) {
	var ts textSearch
	words := searchTerms(query)
	if len(words) == 0 {
		return ts, nil
	}
	for _, w := range words {
		ts.conds = append(ts.conds, `c.search LIKE ? ESCAPE '\'`)
		ts.args = append(ts.args, "% "+likeEscape(w)+"%")
	}
	// On PostgreSQL one word that stands for few indexed words is read from the
	// index newest first, without counting: a count of a common word's index
	// entries visits as many table pages as it counts (index-only scans need a
	// vacuumed table), which made most of the cost of its page.
	if s.engine == Postgres && streamTerms > 0 && len(words) == 1 {
		terms, err := s.wordTerms(ctx, words[0], streamTerms+1)
		if err != nil {
			return ts, err
		}
		if len(terms) == 0 {
			ts.rare = true // no contact holds it
			return ts, nil
		}
		if len(terms) <= streamTerms {
			ts.terms = terms
			return ts, nil
		}
	}
	// On SQLite the words of the contacts above the watermark may not be in the
	// index yet (search_index.go): those contacts, the tail, are matched on their
	// search column, a range of ids read after the watermark and the index. The
	// watermark is read first: the index holds, from then on, the words of every
	// contact up to it, and the tail holds every contact above it. The index is
	// read up to the watermark only, so that the words the indexer adds meanwhile
	// neither count twice nor push older contacts past the read's limit.
	var mark int64
	upto, uptoArgs := "", []any(nil)
	tails := map[string][]int64{}
	if s.engine == SQLite {
		var err error
		if mark, err = s.searchWatermark(ctx); err != nil {
			return ts, err
		}
		// The unary plus keeps SQLite on the word key, off the contact index.
		upto, uptoArgs = ` AND +contact_id <= ?`, []any{mark}
	}
	// Count each word's index rows (with its tail's contacts), up to one more than
	// rare; the rarest word's contacts, when it is rare, come from the index and
	// the tail.
	rarest, fewest := "", rareLimit+2
	for _, w := range words {
		var n int
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM contact_terms WHERE term >= ? AND term < ?`+upto+` LIMIT ?) t`,
			slices.Concat([]any{w, prefixEnd(w)}, uptoArgs, []any{rareLimit + 1})...).Scan(&n); err != nil {
			return ts, err
		}
		if s.engine == SQLite && n <= rareLimit {
			ids, err := idRows(s.query(ctx, `SELECT id FROM contacts WHERE id > ? AND search LIKE ? ESCAPE '\' LIMIT ?`,
				mark, "% "+likeEscape(w)+"%", rareLimit+1))
			if err != nil {
				return ts, err
			}
			tails[w], n = ids, n+len(ids)
		}
		if n < fewest {
			rarest, fewest = w, n
		}
	}
	if fewest > rareLimit {
		if s.engine == Postgres && streamTerms > 0 && len(words) > 1 {
			terms, err := s.wordTerms(ctx, rarest, streamTerms+1)
			if err != nil {
				return ts, err
			}
			if len(terms) <= streamTerms {
				ts.terms = terms
			}
		}
		return ts, nil
	}
	ids, err := s.termContacts(ctx, rarest, upto, uptoArgs)
	if err != nil {
		return ts, err
	}
	ids = append(ids, tails[rarest]...)
	slices.SortFunc(ids, func(a, b int64) int { return cmp.Compare(b, a) })
	ts.rare, ts.ids = true, slices.Compact(ids)
	return ts, nil
}

// termContacts returns the contacts that have a word starting with w, once per
// such word, up to rare ones (the LIMIT keeps PostgreSQL on the index when it has
// no statistics), with the further condition cond on contact_id.
func (s *Store) termContacts(ctx context.Context, w, cond string, condArgs []any) ([]int64, error) {
	return idRows(s.query(ctx, `SELECT contact_id FROM contact_terms WHERE term >= ? AND term < ?`+cond+` LIMIT ?`,
		slices.Concat([]any{w, prefixEnd(w)}, condArgs, []any{rareLimit + 1})...))
}

// streamTerms is the most indexed words a common word may stand for ("oskar"
// for oskar, "ann", "anna" and "annika" for ann) for its contacts to be read
// from the index; a word that starts more of them ("a") is searched by a scan
// of the newest contacts.
var streamTerms = 16

// wordTerms lists up to max of the distinct indexed words that start with w, in
// order, one index probe each.
func (s *Store) wordTerms(ctx context.Context, w string, max int) ([]string, error) {
	return columnRows[string](s.query(ctx, `WITH RECURSIVE t(term, n) AS (
		SELECT (SELECT term FROM contact_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT 1), 1
		UNION ALL
		SELECT (SELECT k.term FROM contact_terms k WHERE k.term > t.term AND k.term < ? ORDER BY k.term LIMIT 1), t.n + 1
		FROM t WHERE t.term IS NOT NULL AND t.n < ?)
		SELECT term FROM t WHERE term IS NOT NULL`, w, prefixEnd(w), prefixEnd(w), max))
}

// termIDs returns the newest n contacts below the id hi that hold one of the
// indexed words, newest first, and whether there may be more. Each word's
// entries are read newest first from the (term, contact_id) key, at most n of
// them, so the cost follows the page, not how many contacts hold the word.
func (s *Store) termIDs(ctx context.Context, terms []string, hi int64, n int) ([]int64, bool, error) {
	parts := make([]string, len(terms))
	args := make([]any, 0, 3*len(terms)+1)
	for i, t := range terms {
		parts[i] = `(SELECT contact_id FROM contact_terms WHERE term = ? AND contact_id < ? ORDER BY contact_id DESC LIMIT ?)`
		args = append(args, t, hi, n)
	}
	ids, err := idRows(s.query(ctx, `SELECT contact_id FROM (`+strings.Join(parts, ` UNION ALL `)+`) k ORDER BY contact_id DESC LIMIT ?`, append(args, n)...))
	if err != nil {
		return nil, false, err
	}
	more := len(ids) == n
	// A contact holding two of the words comes twice.
	return slices.Compact(ids), more, nil
}
