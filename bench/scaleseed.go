package main

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Seeding the scale data set. The harness applies Lodestone's migrations up to the
// first one that builds roll-ups from existing rows (rollupMigration), writes the
// rows straight into the tables with the secondary indexes dropped (multi-row
// inserts in large transactions on SQLite, COPY on PostgreSQL), builds the indexes
// again from their own definitions, and leaves the remaining migrations to
// "lodestone" itself: their fills (report_cohorts, the dashboard's lead_days,
// stage_days and stage_now, and any later roll-up) run on the seeded rows with the
// product's own SQL, and their triggers keep them exact from then on. checkRollups
// then holds the roll-ups to a direct count. The scorer's and enrichment's
// watermarks are set past the seeded rows, as on a server that had scored and
// enriched them as they came, so the server does no catching up while it is measured.

// rollupMigration is the first migration that derives a table from existing rows;
// the harness applies the migrations before it and seeds.
const rollupMigration = "0011"

// seedStats says what a seeding wrote and how long its parts took.
type seedStats struct {
	contacts, events, stages, terms, deals, companies int
	rows, indexes, total                              time.Duration
}

// seedConn opens the harness's own connection for seeding: on SQLite without fsync
// and foreign-key checks, with a large page cache (the file is switched to the
// store's settings when Lodestone opens it).
func seedConn(db database) (*sql.DB, error) {
	if db.engine == "postgres" {
		return sql.Open("pgx", db.url)
	}
	conn, err := sql.Open("sqlite3", "file:"+filepath.Join(db.dir, "lodestone.db")+
		"?_journal_mode=WAL&_synchronous=OFF&_foreign_keys=off&_busy_timeout=10000&_cache_size=-1000000")
	if err == nil {
		conn.SetMaxOpenConns(1)
	}
	return conn, err
}

// applyMigrations applies Lodestone's migrations of the engine whose names sort
// before upto, each in its own transaction, recording them as the store does.
func (e *env) applyMigrations(ctx context.Context, conn *sql.DB, engine, upto string) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(e.opt.repo, "internal/store/migrations", engine, "*.sql"))
	if err != nil {
		return err
	}
	slices.Sort(files)
	for _, f := range files {
		name := filepath.Base(f)
		if name >= upto {
			break
		}
		body, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, rebind(engine, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), name, time.Now().UnixMicro()); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// secondaryIndexes drops the indexes of tables that are not primary keys or
// constraints and returns the statements that make them again.
func secondaryIndexes(ctx context.Context, conn *sql.DB, engine string, tables []string) ([]string, error) {
	list := "'" + strings.Join(tables, "', '") + "'"
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (` + list + `)`
	if engine == "postgres" {
		q = `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN (` + list + `)
			AND indexname NOT IN (SELECT conname FROM pg_constraint)`
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var n, d string
		if err := rows.Scan(&n, &d); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, n), append(defs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, err := conn.ExecContext(ctx, `DROP INDEX `+n); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// loader writes rows into one table, pushed by a generator.
type loader interface {
	load(ctx context.Context, table string, cols []string, gen func(emit func(vals ...any) error) error) (int, error)
}

// sqliteLoader inserts with multi-row prepared statements, committing every
// 200,000 rows.
type sqliteLoader struct{ conn *sql.Conn }

func (l sqliteLoader) load(ctx context.Context, table string, cols []string, gen func(emit func(vals ...any) error) error) (int, error) {
	per := max(1, min(500, 10000/len(cols)))
	ins := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	stmt, err := l.conn.PrepareContext(ctx, ins+values(per, len(cols)))
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	if _, err := l.conn.ExecContext(ctx, `BEGIN`); err != nil {
		return 0, err
	}
	args := make([]any, 0, per*len(cols))
	n, inTx := 0, 0
	flush := func(final bool) error {
		if len(args) == per*len(cols) {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
		} else if len(args) > 0 {
			if _, err := l.conn.ExecContext(ctx, ins+values(len(args)/len(cols), len(cols)), args...); err != nil {
				return err
			}
		}
		args = args[:0]
		if final || inTx >= 200_000 {
			if _, err := l.conn.ExecContext(ctx, `COMMIT`); err != nil {
				return err
			}
			inTx = 0
			if !final {
				if _, err := l.conn.ExecContext(ctx, `BEGIN`); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err = gen(func(vals ...any) error {
		args = append(args, vals...)
		n++
		inTx++
		if len(args) == per*len(cols) {
			if err := ctx.Err(); err != nil {
				return err
			}
			return flush(false)
		}
		return nil
	})
	if err == nil {
		err = flush(true)
	}
	if err != nil {
		l.conn.ExecContext(context.Background(), `ROLLBACK`)
	}
	return n, err
}

// pgLoader copies rows in with COPY, fed by the generator in batches.
type pgLoader struct{ conn *sql.Conn }

type copyBatches struct {
	ch   chan [][]any
	cur  [][]any
	i    int
	errp *error
}

func (c *copyBatches) Next() bool {
	c.i++
	for c.i >= len(c.cur) {
		b, ok := <-c.ch
		if !ok {
			return false
		}
		c.cur, c.i = b, 0
	}
	return true
}
func (c *copyBatches) Values() ([]any, error) { return c.cur[c.i], nil }
func (c *copyBatches) Err() error             { return *c.errp }

func (l pgLoader) load(ctx context.Context, table string, cols []string, gen func(emit func(vals ...any) error) error) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan [][]any, 4)
	var genErr error
	src := &copyBatches{ch: ch, i: -1, errp: &genErr}
	go func() {
		defer close(ch)
		batch := make([][]any, 0, 2000)
		genErr = gen(func(vals ...any) error {
			batch = append(batch, slices.Clone(vals))
			if len(batch) == cap(batch) {
				select {
				case ch <- batch:
				case <-ctx.Done():
					return ctx.Err()
				}
				batch = make([][]any, 0, 2000)
			}
			return nil
		})
		if genErr == nil && len(batch) > 0 {
			select {
			case ch <- batch:
			case <-ctx.Done():
			}
		}
	}()
	var n int64
	err := l.conn.Raw(func(dc any) error {
		var err error
		n, err = dc.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, src)
		return err
	})
	cancel()
	for range ch { // let the generator finish
	}
	if err == nil {
		err = genErr
	}
	return int(n), err
}

// scaleSeed writes the scale data set into a database that has no migrations yet.
func (e *env) scaleSeed(ctx context.Context, db database, s *scaleSet) (seedStats, error) {
	var st seedStats
	t0 := time.Now()
	pool, err := seedConn(db)
	if err != nil {
		return st, err
	}
	defer pool.Close()
	if err := e.applyMigrations(ctx, pool, db.engine, rollupMigration); err != nil {
		return st, err
	}
	defs, err := secondaryIndexes(ctx, pool, db.engine, []string{"contacts", "events", "contact_stages", "contact_terms", "deals", "companies", "cost_entries"})
	if err != nil {
		return st, err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return st, err
	}
	defer conn.Close()
	var l loader = sqliteLoader{conn}
	if db.engine == "postgres" {
		l = pgLoader{conn}
		// Foreign keys are checked by triggers on PostgreSQL; a superuser may skip
		// them for the bulk load (the rows are consistent by construction).
		if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
			logf("seeding without session_replication_role (foreign keys are checked row by row): %v", err)
		}
	}
	// Campaigns with a cost entry per month.
	if _, err := l.load(ctx, "campaigns", []string{"id", "name", "channel", "utm_campaign", "starts_on", "budget", "created_at"}, func(emit func(...any) error) error {
		for k, c := range scaleCampaigns {
			if err := emit(int64(k+1), c.Name, string(c.Channel), c.UTM, time.UnixMicro(s.start).UTC().Format("2006-01-02"), c.Monthly*12, s.start); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return st, fmt.Errorf("campaigns: %w", err)
	}
	if _, err := l.load(ctx, "cost_entries", []string{"campaign_id", "spent_on", "amount", "note", "created_at"}, func(emit func(...any) error) error {
		for k, c := range scaleCampaigns {
			for m := range 12 {
				on := time.UnixMicro(s.start).UTC().AddDate(0, m, 0)
				amount := c.Monthly * int64(80+mix(uint64(k*12+m))%41) / 100
				if err := emit(int64(k+1), on.Format("2006-01-02"), amount, "monthly invoice", on.UnixMicro()); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return st, fmt.Errorf("cost entries: %w", err)
	}
	if st.companies, err = l.load(ctx, "companies", []string{"id", "domain", "name", "industry", "size", "employees", "country", "data_source", "enriched_at", "created_at"},
		func(emit func(...any) error) error {
			for k := range s.companies {
				c := scaleCompanyOf(k)
				if err := emit(c.ID, c.Domain, c.Name, c.Industry, c.Size, c.Employees, c.CC, "list", s.start, s.start); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return st, fmt.Errorf("companies: %w", err)
	}
	logf("  campaigns, costs and %d companies written", st.companies)
	chName := func(ch uint8) any {
		if ch == 0 {
			return nil
		}
		return string(scaleChannels[ch-1])
	}
	campID := func(camp uint8) any {
		if camp == 0 {
			return nil
		}
		return int64(camp)
	}
	if st.contacts, err = l.load(ctx, "contacts", []string{"id", "email", "first_name", "last_name", "job_title", "company_name", "company_id",
		"city", "country", "custom", "stage", "first_touch_at", "first_touch_channel", "first_touch_campaign_id", "dedupe_key", "search",
		"seniority", "department", "email_type", "enriched_at", "created_at", "updated_at"}, func(emit func(...any) error) error {
		for i := range s.contacts {
			c := s.get(i)
			search, _ := c.terms()
			updated := c.stages[len(c.stages)-1].at
			if err := emit(int64(i+1), c.email, c.first, c.last, c.title, c.companyName, c.company, c.city, c.country, c.custom, c.stage,
				c.created, chName(c.ch), campID(c.camp), c.dedupe(), search, c.seniority, c.department, c.mailKind,
				c.created+5_000_000, c.created, updated); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return st, fmt.Errorf("contacts: %w", err)
	}
	logf("  %d contacts written (%s)", st.contacts, time.Since(t0).Round(time.Second))
	if st.stages, err = l.load(ctx, "contact_stages", []string{"contact_id", "stage", "entered_at"}, func(emit func(...any) error) error {
		for i := range s.contacts {
			c := s.get(i)
			for _, sa := range c.stages {
				if err := emit(int64(i+1), sa.stage, sa.at); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return st, fmt.Errorf("contact stages: %w", err)
	}
	if st.terms, err = l.load(ctx, "contact_terms", []string{"term", "contact_id"}, func(emit func(...any) error) error {
		for i := range s.contacts {
			c := s.get(i)
			_, terms := c.terms()
			for _, t := range terms {
				if err := emit(t, int64(i+1)); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return st, fmt.Errorf("contact terms: %w", err)
	}
	dealOf := make([]int32, s.contacts)
	if st.deals, err = l.load(ctx, "deals", []string{"id", "contact_id", "name", "amount", "status", "closed_at", "created_at"}, func(emit func(...any) error) error {
		id := int64(0)
		for i := range s.contacts {
			c := s.get(i)
			if c.deal == 0 {
				continue
			}
			id++
			dealOf[i] = int32(id)
			status, closed := "open", any(nil)
			if c.dealWon != 0 {
				status, closed = "won", c.dealWon
			}
			if err := emit(id, int64(i+1), c.dealName(), c.deal, status, closed, c.dealOpened); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return st, fmt.Errorf("deals: %w", err)
	}
	logf("  %d stage entries, %d search words, %d deals written (%s)", st.stages, st.terms, st.deals, time.Since(t0).Round(time.Second))

	evs := s.allEvents()
	logf("  %d events generated and sorted (%s)", len(evs), time.Since(t0).Round(time.Second))
	if st.events, err = l.load(ctx, "events", []string{"id", "contact_id", "type", "occurred_at", "received_at", "properties", "channel", "campaign_id", "actor"},
		func(emit func(...any) error) error {
			for k, ev := range evs {
				typ, actor := scaleEventType[ev.kind], scaleActor
				var c *scaleContact
				switch ev.kind {
				case evCapture, evDealWon:
					c = s.get(int(ev.contact))
					if ev.kind == evCapture {
						typ = c.capture
					}
				case evStage:
					actor = "system"
				}
				var dealID int64
				if ev.kind == evDealWon {
					dealID = int64(dealOf[ev.contact])
				}
				if err := emit(int64(k+1), int64(ev.contact)+1, typ, ev.at, ev.at+2_000_000, ev.props(c, dealID), chName(ev.ch), campID(ev.camp), actor); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return st, fmt.Errorf("events: %w", err)
	}
	st.rows = time.Since(t0)
	logf("  %d events written (%s); building the indexes again", st.events, st.rows.Round(time.Second))
	t1 := time.Now()
	if db.engine == "postgres" {
		conn.ExecContext(ctx, `SET maintenance_work_mem = '512MB'`)
	}
	for _, d := range defs {
		if _, err := conn.ExecContext(ctx, d); err != nil {
			return st, fmt.Errorf("%s: %w", d, err)
		}
	}
	st.indexes = time.Since(t1)
	// Watermarks past the seeded rows, and the identity sequences after the ids.
	maxEnriched := int64(s.contacts) // contacts are enriched 5 s after creation; the last is the latest
	var lastEnriched int64
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(enriched_at), 0) FROM contacts`).Scan(&lastEnriched); err != nil {
		return st, err
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE scoring_watermark SET event_id = ?, gaps = '' WHERE name = 'events'`, []any{int64(len(evs))}},
		{`UPDATE scoring_watermark SET event_id = ?, gaps = ? WHERE name = 'contacts_enriched'`, []any{lastEnriched, strconv.FormatInt(maxEnriched, 10)}},
		{`UPDATE scoring_watermark SET event_id = ?, gaps = ? WHERE name = 'companies_enriched'`, []any{s.start, strconv.Itoa(s.companies)}},
	} {
		if _, err := conn.ExecContext(ctx, rebind(db.engine, q.sql), q.args...); err != nil {
			return st, err
		}
	}
	if db.engine == "postgres" {
		for _, t := range []string{"contacts", "events", "companies", "campaigns", "cost_entries", "deals"} {
			if _, err := conn.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM `+t+`), false)`); err != nil {
				return st, err
			}
		}
		conn.ExecContext(ctx, `RESET session_replication_role`)
		// A long-lived database has been vacuumed and analysed by autovacuum.
		for _, t := range []string{"contacts", "events", "contact_stages", "contact_terms", "deals", "companies", "campaigns", "cost_entries"} {
			if _, err := conn.ExecContext(ctx, `VACUUM ANALYZE `+t); err != nil {
				return st, err
			}
		}
	} else if _, err := conn.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return st, err
	}
	st.indexes = time.Since(t1)
	st.total = time.Since(t0)
	return st, nil
}

// allEvents is every contact's events, --scale-events in all, sorted by time as
// they would have arrived. The activity is spread over the contacts at random
// (exponentially: most do little, a few a lot); the last contact takes what is left.
func (s *scaleSet) allEvents() []sev {
	evs := make([]sev, 0, s.events+s.contacts)
	budget := s.events
	for i := range s.contacts {
		c := s.get(i)
		fixed := 1 + len(c.moves)
		if c.dealWon != 0 {
			fixed++
		}
		left := s.contacts - i
		n := 0
		if left == 1 {
			n = budget - fixed
		} else {
			avg := float64(budget-fixed*left) / float64(left)
			u := (float64(mix(uint64(i)+99)>>11) + 0.5) / float64(1<<53)
			n = int(math.Round(max(0, avg) * -math.Log(u)))
		}
		n = max(0, min(n, budget-fixed))
		before := len(evs)
		evs = s.activity(c, n, evs)
		budget -= len(evs) - before
	}
	slices.SortFunc(evs, func(a, b sev) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		if a.contact != b.contact {
			return cmp.Compare(a.contact, b.contact)
		}
		return cmp.Compare(a.kind, b.kind)
	})
	return evs
}
