// Package storetest opens a fresh, real database for a test: embedded SQLite in a
// temporary folder, or a new schema on the PostgreSQL server that
// LODESTONE_TEST_DATABASE_URL names. Tests never mock the database.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// EnvURL is the variable that selects PostgreSQL for the test suite.
const EnvURL = "LODESTONE_TEST_DATABASE_URL"

// Options returns where a fresh database for this test is: a SQLite file in a
// temporary folder, or a new PostgreSQL schema dropped when the test ends.
func Options(t testing.TB) store.Options {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return store.Options{Path: filepath.Join(t.TempDir(), "lodestone.db")}
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", EnvURL, err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Options{DatabaseURL: u.String()}
}

// Open opens a fresh store, closed when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), Options(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
