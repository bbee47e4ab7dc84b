//go:build !cgo

package store

import (
	"net/url"
	"strconv"

	_ "modernc.org/sqlite" // registers "sqlite"; pure Go, so `go run` needs no C compiler
)

// One driver for readers and the writer: the writer's DSN carries its checkpoint
// distance (serverCheckpointPages), applied on every connection it opens.
const (
	sqliteDriver       = "sqlite"
	sqliteWriterDriver = "sqlite"
)

// SQLiteDriverName says which SQLite driver this binary was built with.
const SQLiteDriverName = "modernc.org/sqlite (pure Go)"

func sqliteDSN(path string, readOnly bool) string {
	v := url.Values{}
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(FULL)")
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "foreign_keys(1)")
	v.Add("_pragma", "cache_size(-32000)")
	v.Add("_pragma", "temp_store(memory)")
	if readOnly {
		v.Add("_pragma", "query_only(1)")
	} else {
		v.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(serverCheckpointPages)+")")
	}
	v.Set("_txlock", "immediate")
	return "file:" + path + "?" + v.Encode()
}
