package store

// Hooks for the package's external tests.

var SearchTerms = searchTerms

// SetRareLimit changes when searches use the word index, and returns the undo.
func SetRareLimit(n int) func() {
	old := rareLimit
	rareLimit = n
	return func() { rareLimit = old }
}

// SQLitePragma reads a pragma on the writer and on a reader connection.
func (s *Store) SQLitePragma(name string) (write, read string, err error) {
	if err = s.write.QueryRow("PRAGMA " + name).Scan(&write); err != nil {
		return
	}
	err = s.read.QueryRow("PRAGMA " + name).Scan(&read)
	return
}

// SetFirstWindow changes the first id window of a common-word search on
// PostgreSQL, and returns the undo.
func SetFirstWindow(n int) func() {
	old := firstWindow
	firstWindow = n
	return func() { firstWindow = old }
}
