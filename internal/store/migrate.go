package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
)

//go:embed migrations
var migrationFS embed.FS

// afterMigration is a statement that cannot run inside a transaction, run after a
// migration (engine/name) is applied, unless its table is empty. A row of
// schema_migrations, the migration's name followed by afterDone, records it done
// once it has run or found its table empty. Until then every start runs it: a
// process stopped between the migration's commit and the statement runs it at its
// next start, rather than leave it to autovacuum, which comes only once a fifth of
// the table has changed. Two nodes starting together may both run it; the second
// VACUUM waits for the first and finds little left to do.
var afterMigration = map[string]struct{ table, stmt string }{
	// The rewritten contacts table has no page marked all-visible: until a vacuum,
	// counts answered from an index alone (by stage, of live contacts) read every
	// row of the table too (1,000,000 contacts: 0.45 s against 0.06 s).
	string(Postgres) + "/0025_contacts_scores_in_place.sql": {"contacts", `VACUUM (ANALYZE) contacts`},
}

// afterDone follows a migration's name in the row of schema_migrations that records
// its afterMigration statement done.
const afterDone = " after"

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
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		// The statement after a migration makes the database faster, not right: when
		// it fails (a lock_timeout or statement_timeout of the role, say) the store
		// starts anyway and the next start tries again. Failing the start instead
		// would fail every start for as long as the cause lasts.
		if err := s.afterMigrationOnce(ctx, base); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("after migration %s: %w", base, err)
			}
			slog.Warn("the statement after a migration failed; it runs again at the next start", "migration", base, "err", err)
		}
	}
	return nil
}

// afterMigrationOnce runs the afterMigration statement of the applied migration
// base, if it has one not recorded done yet, and records it done.
func (s *Store) afterMigrationOnce(ctx context.Context, base string) error {
	q := afterMigration[string(s.engine)+"/"+base]
	if q.stmt == "" {
		return nil
	}
	var done bool
	if err := s.write.QueryRowContext(ctx, s.rebind(`SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = ?)`), base+afterDone).Scan(&done); err != nil || done {
		return err
	}
	var rows bool
	if err := s.write.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+q.table+`)`).Scan(&rows); err != nil {
		return err
	}
	if rows {
		if _, err := s.write.ExecContext(ctx, q.stmt); err != nil {
			return err
		}
	}
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`),
		base+afterDone, ts(s.Now()))
	return err
}

// Migrations lists the names of the migrations the database has recorded (not the
// rows that record their afterMigration statements done).
func (s *Store) Migrations(ctx context.Context) ([]string, error) {
	return columnRows[string](s.query(ctx, `SELECT name FROM schema_migrations WHERE name LIKE '%.sql' ORDER BY name`))
}
