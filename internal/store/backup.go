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
