package store

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Backup writes a consistent copy of the SQLite database to path while the server
// keeps running (VACUUM INTO). PostgreSQL has its own tools for this (pg_dump).
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.engine != SQLite {
		return errors.New("backup copies the embedded SQLite database; for PostgreSQL use pg_dump")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists already; choose a new file", path)
	}
	_, err := s.write.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// IntegrityCheck runs SQLite's own consistency check; "ok" when the file is sound.
// PostgreSQL guards its own files, so there it only checks that the server answers.
func (s *Store) IntegrityCheck(ctx context.Context) (string, error) {
	if s.engine != SQLite {
		return "ok", s.Ping(ctx)
	}
	var out string
	err := s.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&out)
	return out, err
}

// ContactRowCounts counts, per table, the rows that belong to the contacts with ids up
// to upTo: their events, stage entries and consents. A backup holds the same counts
// as the database it was copied from, for the contacts it holds.
func (s *Store) ContactRowCounts(ctx context.Context, upTo int64) (map[string]int64, error) {
	out := map[string]int64{}
	for _, table := range []string{"events", "contact_stages", "consents"} {
		var n int64
		if err := s.queryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE contact_id <= ?`, upTo).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", table, err)
		}
		out[table] = n
	}
	return out, nil
}
