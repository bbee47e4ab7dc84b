package store_test

import (
	"database/sql"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// contactsTable is what PostgreSQL tells of the contacts table that migration 0025
// and the VACUUM after it change.
type contactsTable struct {
	fillfactor bool  // the table keeps half of each page free
	clustered  bool  // CLUSTER rewrote it in the order of its primary key
	vacuums    int64 // VACUUM statements run on it (autovacuum not counted)
	inIDOrder  bool  // its rows lie in the table in id order
}

func readContactsTable(t *testing.T, db *sql.DB) contactsTable {
	t.Helper()
	var c contactsTable
	var options sql.NullString
	// Whether the VACUUM marked the pages all-visible is not asked: it cannot while
	// a transaction older than the rows runs anywhere in the database.
	if err := db.QueryRow(`SELECT array_to_string(c.reloptions, ','), i.indisclustered, s.vacuum_count
		FROM pg_class c JOIN pg_index i ON i.indexrelid = 'contacts_pkey'::regclass JOIN pg_stat_user_tables s ON s.relid = c.oid
		WHERE c.oid = 'contacts'::regclass`).Scan(&options, &c.clustered, &c.vacuums); err != nil {
		t.Fatal(err)
	}
	c.fillfactor = slices.Contains(strings.Split(options.String, ","), "fillfactor=50")
	rows, err := db.Query(`SELECT id FROM contacts ORDER BY ctid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	c.inIDOrder = slices.IsSorted(ids)
	return c
}

// seedContactsBackwards writes 400 contacts into a bare database, the highest id
// first, so the table holds them in the reverse of id order.
func seedContactsBackwards(o *oldDatabase) {
	o.exec(`INSERT INTO contacts (id, email, first_name, stage, search, created_at, updated_at)
		SELECT g, 'c' || g || '@seed.example', 'Contact', 'lead', '', 0, 0 FROM generate_series(400, 1, -1) AS g ORDER BY g DESC`)
	o.exec(`SELECT setval(pg_get_serial_sequence('contacts', 'id'), 400)`)
}

// reopen opens the store on opt and closes it again, checking that the migrations
// it lists are the embedded ones, without the records of work done after them.
func reopen(t *testing.T, opt store.Options) {
	t.Helper()
	s, err := store.Open(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names, _, err := store.MigrationFiles(s.Engine())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, names) {
		t.Fatalf("migrations %v, want %v", got, names)
	}
}

func postgresOnly(t *testing.T) store.Options {
	t.Helper()
	opt := storetest.Options(t)
	if opt.DatabaseURL == "" {
		t.Skip("PostgreSQL only: migration 0025 and the VACUUM after it")
	}
	return opt
}

// TestContactsRewriteSkippedWhenEmpty: a new database gets the fillfactor of
// migration 0025, but neither its CLUSTER nor the VACUUM after it, which have nothing
// to do; the skipped VACUUM is not run later, once there are contacts.
func TestContactsRewriteSkippedWhenEmpty(t *testing.T) {
	opt := postgresOnly(t)
	reopen(t, opt)
	o := openOldDatabase(t, opt)
	got := readContactsTable(t, o.db)
	if !got.fillfactor || got.clustered || got.vacuums != 0 {
		t.Fatalf("new database: %+v, want fillfactor 50, no CLUSTER, no VACUUM", got)
	}
	seedContactsBackwards(o)
	reopen(t, opt)
	if got := readContactsTable(t, o.db); got.clustered || got.vacuums != 0 {
		t.Errorf("started again with contacts: %+v, want no CLUSTER, no VACUUM", got)
	}
}

// migrateSeedingAt0025 applies the migrations up to last by hand, without what the
// store runs after them, seeding contacts in reverse id order right before 0025.
func migrateSeedingAt0025(o *oldDatabase, last string) {
	o.migrateTo(last, func(base string, _ []byte) {
		if strings.HasPrefix(base, "0025_") {
			seedContactsBackwards(o)
		}
	})
}

// startsWithoutVacuum opens the store again and checks that contacts, vacuumed once
// already, are not vacuumed again.
func startsWithoutVacuum(t *testing.T, opt store.Options, o *oldDatabase) {
	t.Helper()
	reopen(t, opt)
	if again := readContactsTable(t, o.db); again.vacuums != 1 {
		t.Errorf("started again: %d VACUUMs, want 1", again.vacuums)
	}
}

// TestContactsRewrittenOnUpgrade: a database with contacts, migrated up to 0025 by
// the store, has its contacts table rewritten in id order with half of each page
// free, and vacuumed once. Starting again vacuums nothing more.
func TestContactsRewrittenOnUpgrade(t *testing.T) {
	opt := postgresOnly(t)
	o := openOldDatabase(t, opt)
	o.migrateTo("0024", nil)
	seedContactsBackwards(o)
	if got := readContactsTable(t, o.db); got.inIDOrder || got.clustered || got.fillfactor {
		t.Fatalf("before the upgrade: %+v", got)
	}
	reopen(t, opt)
	got := readContactsTable(t, o.db)
	if !got.fillfactor || !got.clustered || !got.inIDOrder || got.vacuums != 1 {
		t.Fatalf("after the upgrade: %+v, want fillfactor 50, clustered in id order, one VACUUM", got)
	}
	startsWithoutVacuum(t, opt, o)
}

// TestContactsVacuumedAfterAStopBeforeIt: a process that applied migration 0025 to
// a table with contacts and stopped before the VACUUM after it (the migration
// committed, nothing else) has the next start run the VACUUM, once.
func TestContactsVacuumedAfterAStopBeforeIt(t *testing.T) {
	opt := postgresOnly(t)
	o := openOldDatabase(t, opt)
	migrateSeedingAt0025(o, "0025")
	got := readContactsTable(t, o.db)
	if !got.clustered || !got.inIDOrder || got.vacuums != 0 {
		t.Fatalf("stopped after the migration: %+v, want clustered, never vacuumed", got)
	}
	reopen(t, opt)
	got = readContactsTable(t, o.db)
	if got.vacuums != 1 {
		t.Fatalf("the next start: %+v, want one VACUUM", got)
	}
	startsWithoutVacuum(t, opt, o)
}

// TestContactsVacuumThatFailsDoesNotStopTheStart: when the VACUUM after migration
// 0025 fails (here it waits longer than the lock_timeout of the connection for a
// transaction that holds the table), the store starts all the same, and the next
// start runs the VACUUM.
func TestContactsVacuumThatFailsDoesNotStopTheStart(t *testing.T) {
	opt := postgresOnly(t)
	o := openOldDatabase(t, opt)
	// Every migration is applied (later ones alter contacts too, and would wait for
	// the lock below as well); only the VACUUM after 0025 is left for the start.
	migrateSeedingAt0025(o, "9999")
	u, err := url.Parse(opt.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("lock_timeout", "200ms")
	u.RawQuery = q.Encode()
	hold, err := o.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = hold.Rollback() }) // before the schema is dropped, should the test stop early
	if _, err := hold.Exec(`LOCK TABLE contacts IN SHARE UPDATE EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	reopen(t, store.Options{DatabaseURL: u.String()})
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := readContactsTable(t, o.db); got.vacuums != 0 {
		t.Fatalf("while the table was held: %d VACUUMs, want 0", got.vacuums)
	}
	reopen(t, opt)
	if got := readContactsTable(t, o.db); got.vacuums != 1 {
		t.Errorf("the next start: %d VACUUMs, want 1", got.vacuums)
	}
}
