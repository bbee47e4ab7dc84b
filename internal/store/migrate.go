package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed migrations
var migrationFS embed.FS

// afterMigration is a statement that cannot run inside a transaction, run once right
// after a migration (engine/name) is applied, unless its table is empty. If the
// process stops between the two, autovacuum does the same work later.
var afterMigration = map[string]struct{ table, stmt string }{
	// The rewritten contacts table has no page marked all-visible: until a vacuum,
	// counts answered from an index alone (by stage, of live contacts) read every
	// row of the table too (1,000,000 contacts: 0.45 s against 0.06 s).
	string(Postgres) + "/0025_contacts_scores_in_place.sql": {"contacts", `VACUUM (ANALYZE) contacts`},
}

// migrate applies, in name order, the embedded migrations of this engine that the
// database has not recorded yet, each in its own transaction. On PostgreSQL an
// advisory lock keeps two nodes starting together from applying one twice.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	dir := "migrations/" + string(s.engine)
	names, err := fs.Glob(migrationFS, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		base := name[len(dir)+1:]
		applied := false
		err = s.RunInTx(ctx, func(tx *Tx) error {
			if err := advisoryLock(ctx, tx, lockMigrate); err != nil {
				return err
			}
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, base).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, base, ts(s.Now()))
			applied = err == nil
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if q := afterMigration[string(s.engine)+"/"+base]; q.stmt != "" && applied {
			var rows bool
			if err := s.write.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+q.table+`)`).Scan(&rows); err != nil {
				return fmt.Errorf("after migration %s: %w", base, err)
			}
			if !rows {
				continue
			}
			if _, err := s.write.ExecContext(ctx, q.stmt); err != nil {
				return fmt.Errorf("after migration %s: %w", base, err)
			}
		}
	}
	return nil
}

// Migrations lists the names of the migrations the database has recorded.
func (s *Store) Migrations(ctx context.Context) ([]string, error) {
	return columnRows[string](s.query(ctx, `SELECT name FROM schema_migrations ORDER BY name`))
}
