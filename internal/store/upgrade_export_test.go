package store

import (
	"io/fs"
	"path"
	"sort"
)

// Hooks for the upgrade test, which builds a database as an older release did.

// MigrationFiles returns an engine's embedded migrations by file name, in order.
func MigrationFiles(e Engine) ([]string, map[string][]byte, error) {
	names, err := fs.Glob(migrationFS, "migrations/"+string(e)+"/*.sql")
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	bodies := map[string][]byte{}
	var out []string
	for _, n := range names {
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, path.Base(n))
		bodies[path.Base(n)] = b
	}
	return out, bodies, nil
}

// SQLiteDriver and SQLiteDSN open the SQLite file as the store's writer does.
const SQLiteDriver = sqliteDriver

func SQLiteDSN(path string) string { return sqliteDSN(path, false) }

// Rebind writes a query with ? placeholders for an engine.
func Rebind(e Engine, q string) string { return (&Store{engine: e}).rebind(q) }

// SearchText is what a contact's search column holds.
var SearchText = searchText
