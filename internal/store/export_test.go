package store

// Hooks for the package's external tests.

var SearchTerms = searchTerms

// SetRareLimit changes when searches use the word index, and returns the undo.
func SetRareLimit(n int) func() {
	old := rareLimit
	rareLimit = n
	return func() { rareLimit = old }
}
