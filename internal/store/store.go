// Package store holds all of Lodestone's SQL: one package, two engines (embedded
// SQLite and PostgreSQL), migrations per engine, and queries shared wherever the SQL
// is the same. Exported methods are transaction boundaries; unexported helpers take
// a *Tx.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Engine names the database behind a Store.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Store is Lodestone's database.
type Store struct {
	engine Engine
	// read serves queries; write runs transactions. On SQLite write is a single
	// connection, since SQLite allows one writer at a time and queueing in Go is cheaper
	// than spinning on a busy database. On PostgreSQL both are the same pool.
	read  *sql.DB
	write *sql.DB
	path  string // the SQLite file, for backups

	// Now is the clock; tests set it.
	Now func() time.Time

	ingest *groupCommitter
	// profiler, when set, derives a new contact's enrichment from its capture on the
	// caller's goroutine (see SetCaptureProfiler).
	profiler atomic.Pointer[captureProfiler]
	// words indexes new contacts' search words in the background (SQLite).
	words *wordIndexer
	// analyseAbove is the contact id past which keepPlannerInformed looks again
	// (PostgreSQL).
	analyseAbove atomic.Int64
	// analyseEventsAbove is the event id past which it looks at events again.
	analyseEventsAbove atomic.Int64
	// views counts the tracking hits written, for viewsWritten.
	views atomic.Int64
	// predModel is the newest predictive model as ScorePredictiveChanges last
	// loaded it.
	predModel atomic.Pointer[PredictiveModel]
	// decayAfter is the contact id after which the decay refresh looks next
	// (PostgreSQL; see RefreshDecay).
	decayAfter atomic.Int64
	// analyses counts the ANALYZE statements analyseWhenGrown ran.
	analyses atomic.Int64
	// beforeAnalyse, set by tests, runs before each such ANALYZE.
	beforeAnalyse func()
	// afterScoreRead, set by tests, runs after the event scorer has read and scored
	// a batch and before it writes the batch.
	afterScoreRead func()
	// afterDecayWrite, set by tests, runs in the decay refresh's transaction after it
	// wrote the scores of the contacts listed; an error fails the transaction.
	afterDecayWrite func(ids []int64) error
	// afterScanPass, set by tests, runs after a recompute's scan of the events table
	// has read a pass and before its batches are staged.
	afterScanPass func()
	// background counts the work the store started on its own goroutines (planner
	// statistics); Close waits for it.
	background sync.WaitGroup
	// eventsIn holds a signal once a transaction that recorded events commits (see
	// EventsRecorded).
	eventsIn chan struct{}
}

// Options says where the database is.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or postgresql://.
	DatabaseURL string
	// Path is the SQLite file used when DatabaseURL is empty.
	Path string
}

// IsPostgresURL reports whether a URL names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Open connects to the database and applies any migrations it lacks.
func Open(ctx context.Context, opt Options) (*Store, error) {
	s := &Store{Now: func() time.Time { return time.Now().UTC() }, eventsIn: make(chan struct{}, 1)}
	if opt.DatabaseURL != "" {
		if !IsPostgresURL(opt.DatabaseURL) {
			return nil, fmt.Errorf("database URL must start with postgres:// (leave it empty for the embedded SQLite database)")
		}
		db, err := sql.Open("pgx", opt.DatabaseURL)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(4 * runtime.NumCPU())
		db.SetMaxIdleConns(4 * runtime.NumCPU())
		db.SetConnMaxIdleTime(5 * time.Minute)
		s.engine, s.read, s.write = Postgres, db, db
	} else {
		if opt.Path == "" {
			return nil, errors.New("no database: give a SQLite path or a PostgreSQL URL")
		}
		if err := os.MkdirAll(filepath.Dir(opt.Path), 0o750); err != nil {
			return nil, err
		}
		w, err := sql.Open(sqliteWriterDriver, sqliteDSN(opt.Path, false))
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r, err := sql.Open(sqliteDriver, sqliteDSN(opt.Path, true))
		if err != nil {
			w.Close()
			return nil, err
		}
		n := max(4, runtime.NumCPU())
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		s.engine, s.read, s.write, s.path = SQLite, r, w, opt.Path
	}
	if err := s.write.PingContext(ctx); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("connect to %s: %w", s.engine, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.closeDBs()
		return nil, err
	}
	if err := s.Optimize(ctx); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("sqlite: planner statistics: %w", err)
	}
	s.ingest = newGroupCommitter(s)
	if s.engine == SQLite {
		s.words = newWordIndexer(s)
	}
	return s, nil
}

// Optimize refreshes SQLite's planner statistics of the tables that have changed
// much since they were last analysed (PRAGMA optimize, reading a sample of each
// index); Open runs it too. Without them SQLite guesses: it counted segments on
// an unindexed field by walking a partial index and looking up every contact, five to
// eight times slower than reading the table (docs/benchmark-log.md). PostgreSQL's
// autovacuum keeps its own statistics.
func (s *Store) Optimize(ctx context.Context) error {
	if s.engine != SQLite {
		return nil
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A sample of each index is enough for the planner: a million contacts and ten
	// million events are analysed in about a second, not minutes.
	if _, err := conn.ExecContext(ctx, `PRAGMA analysis_limit = 1000`); err != nil {
		return err
	}
	var analysed int
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'`).Scan(&analysed); err != nil {
		return err
	}
	// A database never analysed (new, or made before this release) is analysed
	// whole; after that, PRAGMA optimize analyses the tables that grew or shrank
	// much since.
	q := `PRAGMA optimize`
	if analysed == 0 {
		q = `ANALYZE`
	}
	_, err = conn.ExecContext(ctx, q)
	return err
}

// Engine tells which database this is.
func (s *Store) Engine() Engine { return s.engine }

// Close stops the group committer, indexes the search words of the contacts it
// created, and closes the connections.
func (s *Store) Close() error {
	if s.ingest != nil {
		s.ingest.close()
	}
	s.background.Wait()
	var err error
	if s.words != nil {
		err = s.words.close()
	}
	return errors.Join(err, s.closeDBs())
}

func (s *Store) closeDBs() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.read.PingContext(ctx)
}

// rebind turns the shared '?' placeholders into PostgreSQL's $1, $2, ….
// Queries never contain a literal question mark.
func (s *Store) rebind(q string) string {
	if s.engine != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return s.read.QueryContext(ctx, s.rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return s.read.QueryRowContext(ctx, s.rebind(q), args...)
}

// Tx is a transaction with the store's placeholder rewriting and after-commit callbacks.
type Tx struct {
	s     *Store
	tx    *sql.Tx
	after []func()
	// wakeWords: the transaction created contacts, and the word indexer is told
	// after the commit.
	wakeWords bool
	// wakeScorer: the transaction recorded events, and EventsRecorded is signalled
	// after the commit.
	wakeScorer bool
}

func (t *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.s.rebind(q), args...)
}

func (t *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.s.rebind(q), args...)
}

func (t *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.s.rebind(q), args...)
}

// AfterCommit runs f once the transaction has committed, and never if it rolls back.
func (t *Tx) AfterCommit(f func()) { t.after = append(t.after, f) }

// RunInTx runs fn in one transaction, committing when it returns nil. A panic in fn
// rolls the transaction back before it goes on up: the connection (SQLite's one
// writer) is not left holding it, whether or not ctx is ever cancelled.
func (s *Store) RunInTx(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
	}()
	tx := &Tx{s: s, tx: sqlTx}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}

// Times are stored as UTC microseconds in both engines.
func ts(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromTS(us int64) time.Time { return time.UnixMicro(us).UTC() }

func nullTS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ts(t), Valid: true}
}

func fromNullTS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromTS(n.Int64)
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
