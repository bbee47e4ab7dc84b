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
