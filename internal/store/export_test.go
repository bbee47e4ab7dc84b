package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Hooks for the package's external tests.

var SearchTerms = searchTerms

// SetRareLimit changes when searches use the word index, and returns the undo.
func SetRareLimit(n int) func() {
	old := rareLimit
	rareLimit = n
	return func() { rareLimit = old }
}

// SetStreamTerms changes how many indexed words a common word may stand for to
// be read from the index on PostgreSQL, and returns the undo.
func SetStreamTerms(n int) func() {
	old := streamTerms
	streamTerms = n
	return func() { streamTerms = old }
}

// SQLitePragma reads a pragma on the writer and on a reader connection.
func (s *Store) SQLitePragma(name string) (write, read string, err error) {
	if err = s.write.QueryRow("PRAGMA " + name).Scan(&write); err != nil {
		return
	}
	err = s.read.QueryRow("PRAGMA " + name).Scan(&read)
	return
}

// SQLiteWriterConnection says whether the writer's connection is the one of the
// call before (a temporary table, which only its own connection sees, marks it) and
// how often it checkpoints.
func (s *Store) SQLiteWriterConnection() (same bool, pages string, err error) {
	var n int
	if err = s.write.QueryRow(`SELECT count(*) FROM temp.sqlite_master WHERE name = 'writer_mark'`).Scan(&n); err != nil {
		return
	}
	if _, err = s.write.Exec(`CREATE TEMP TABLE IF NOT EXISTS writer_mark (x)`); err != nil {
		return
	}
	err = s.write.QueryRow("PRAGMA wal_autocheckpoint").Scan(&pages)
	return n == 1, pages, err
}

// SetFirstWindow changes the first id window of a common-word search on
// PostgreSQL, and returns the undo.
func SetFirstWindow(n int) func() {
	old := firstWindow
	firstWindow = n
	return func() { firstWindow = old }
}

// QueryPlan is SQLite's EXPLAIN QUERY PLAN of a query on a reader, one line a step.
func (s *Store) QueryPlan(q string, args ...any) (string, error) {
	rows, err := s.read.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		out = append(out, detail)
	}
	return strings.Join(out, "\n"), rows.Err()
}

// ScanForTest reads one row of a query on the writer into dst.
func ScanForTest(ctx context.Context, s *Store, q string, dst ...any) error {
	return s.write.QueryRowContext(ctx, s.rebind(q)).Scan(dst...)
}

// SearchPlan says how a list finds the contacts of a text query: "rare" (a rare
// word's contacts from the index), "terms" (a common word's, newest first from
// its few indexed words), "scan" (the newest contacts), or "" without words.
func (s *Store) SearchPlan(ctx context.Context, query string) (string, error) {
	ts, err := s.searchFilter(ctx, query)
	switch {
	case err != nil:
		return "", err
	case ts.rare:
		return "rare", nil
	case len(ts.terms) > 0:
		return "terms", nil
	case len(ts.conds) > 0:
		return "scan", nil
	}
	return "", nil
}

// HoldSearchIndexer stops the background indexing of new contacts' search words
// (SQLite), as if it were behind, and returns the undo.
func HoldSearchIndexer(s *Store) func() {
	if s.words == nil {
		return func() {}
	}
	s.words.held.Store(true)
	return func() { s.words.held.Store(false); s.words.signal() }
}

// LeaveSearchTail makes Close leave the words of the contacts not yet indexed
// unwritten, as a crash would.
func LeaveSearchTail(s *Store) {
	if s.words != nil {
		s.words.noFlush.Store(true)
	}
}

// SetWordGather changes how long the word indexer of stores opened from now on
// lets new contacts gather, and returns the undo.
func SetWordGather(d time.Duration) func() {
	old := wordGather
	wordGather = d
	return func() { wordGather = old }
}

// SearchWatermark is the highest contact id whose search words are all indexed
// (SQLite).
func (s *Store) SearchWatermark(ctx context.Context) (int64, error) { return s.searchWatermark(ctx) }

// SearchIndex returns the rows of contact_terms ("word id"), and the rows writing
// every contact's words with it would have left: the words of its search column.
// Both sorted.
func (s *Store) SearchIndex(ctx context.Context) (got, want []string, err error) {
	rows, err := s.query(ctx, `SELECT term, contact_id FROM contact_terms`)
	err = eachRow(rows, err, func(r *sql.Rows) error {
		var w string
		var id int64
		err := r.Scan(&w, &id)
		got = append(got, fmt.Sprintf("%s %d", w, id))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	rows, err = s.query(ctx, `SELECT id, search FROM contacts`)
	err = eachRow(rows, err, func(r *sql.Rows) error {
		var search string
		var id int64
		err := r.Scan(&id, &search)
		for _, w := range strings.Fields(search) {
			want = append(want, fmt.Sprintf("%s %d", w, id))
		}
		return err
	})
	slices.Sort(got)
	slices.Sort(want)
	return got, want, err
}
