package store_test

import (
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// TestSQLiteConnectionSettings: every SQLite connection, the writer and the readers,
// runs with the settings the store relies on, whichever driver the binary was built
// with: write-ahead log, full sync, foreign keys, and temporary data kept in memory.
func TestSQLiteConnectionSettings(t *testing.T) {
	s := storetest.Open(t)
	if s.Engine() != store.SQLite {
		t.Skip("SQLite only")
	}
	for name, want := range map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"temp_store":   "2", // MEMORY
	} {
		w, r, err := s.SQLitePragma(name)
		if err != nil {
			t.Fatal(err)
		}
		if w != want || r != want {
			t.Errorf("PRAGMA %s = %q on the writer, %q on a reader; want %q", name, w, r, want)
		}
	}
}
