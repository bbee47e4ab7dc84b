//go:build cgo

package store

import (
	"database/sql"
	"net/url"
	"strconv"

	"github.com/mattn/go-sqlite3" // the faster driver where cgo is available
)

// sqliteDriver is mattn's driver with the pragmas its DSN cannot carry, run on every
// new connection: temporary tables, sorts and statement journals stay in memory instead
// of temporary files (a form post wrote about fifty of those pages to disk otherwise).
// sqliteWriterDriver adds the writer's checkpoint distance (serverCheckpointPages), so
// that a writer connection database/sql discards and opens again (it does after a
// cancelled transaction) keeps it.
const (
	sqliteDriver       = "sqlite3-lodestone"
	sqliteWriterDriver = "sqlite3-lodestone-writer"
)

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec("PRAGMA temp_store = MEMORY", nil)
			return err
		},
	})
	sql.Register(sqliteWriterDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec("PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = "+strconv.Itoa(serverCheckpointPages), nil)
			return err
		},
	})
}

// SQLiteDriverName says which SQLite driver this binary was built with.
const SQLiteDriverName = "mattn/go-sqlite3 (cgo)"

func sqliteDSN(path string, readOnly bool) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", "FULL")
	v.Set("_busy_timeout", "10000")
	v.Set("_foreign_keys", "on")
	v.Set("_txlock", "immediate")
	v.Set("_cache_size", "-32000")
	// Reuse prepared statements: preparing costs more than running most of our queries.
	v.Set("_stmt_cache_size", "256")
	if readOnly {
		v.Set("_query_only", "true")
	}
	return "file:" + path + "?" + v.Encode()
}
