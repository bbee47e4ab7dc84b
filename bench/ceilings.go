package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx", for the PostgreSQL figures
	"github.com/lodestone-hq/lodestone/internal/store"
	_ "github.com/mattn/go-sqlite3" // registers "sqlite3": the driver Lodestone uses with cgo
)

// sqliteDSN opens a SQLite file with the settings of Lodestone's store
// (internal/store/sqlite_cgo.go): WAL, synchronous=FULL, immediate transactions.
func sqliteDSN(path string) string {
	v := url.Values{}
	v.Set("_journal_mode", "WAL")
	v.Set("_synchronous", "FULL")
	v.Set("_busy_timeout", "10000")
	v.Set("_foreign_keys", "on")
	v.Set("_txlock", "immediate")
	v.Set("_cache_size", "-32000")
	return "file:" + path + "?" + v.Encode()
}

// fsyncRate writes 4 KiB and fsyncs it in a loop in dir, for d: the disk's ceiling
// on durable commits that each wait for their own flush.
func fsyncRate(dir string, d time.Duration) (float64, error) {
	f, err := os.Create(filepath.Join(dir, "fsync.bin"))
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	start := time.Now()
	n := 0
	for ; n < 10_000_000 && time.Since(start) < d; n++ {
		buf[0] = byte(n)
		if _, err := f.WriteAt(buf, int64(n%256)*4096); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// rawInsertRate inserts events rows into a fresh database that Lodestone's store has
// migrated (every migration of the engine: the schema, indexes and triggers the
// server writes through), for d, in transactions of 100 rows: the driver's batched
// insert ceiling for that table. SQLite runs one prepared statement per row (in
// process, the fastest way); PostgreSQL one multi-row INSERT of the 100 rows (a
// statement per row would measure round trips, not the database).
func (e *env) rawInsertRate(ctx context.Context, db database, d time.Duration) (float64, error) {
	opt := store.Options{DatabaseURL: db.url, Path: filepath.Join(db.dir, "raw.db")}
	st, err := store.Open(ctx, opt)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	st.Close()
	var conn *sql.DB
	ph := func(i int) string { return "?" }
	if db.engine == "postgres" {
		conn, err = sql.Open("pgx", db.url)
		ph = func(i int) string { return fmt.Sprintf("$%d", i) }
	} else {
		conn, err = sql.Open("sqlite3", sqliteDSN(opt.Path))
		conn.SetMaxOpenConns(1)
	}
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	// The events rows reference contacts: make a thousand, as the foreign keys need.
	now := time.Now().UnixMicro()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	for i := range 1000 {
		q := fmt.Sprintf(`INSERT INTO contacts (email, stage, created_at, updated_at) VALUES (%s, 'lead', %s, %s)`, ph(1), ph(2), ph(3))
		if _, err := tx.ExecContext(ctx, q, fmt.Sprintf("c%d@raw-insert.com", i), now, now); err != nil {
			tx.Rollback()
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	const cols = 9
	row := func(n int) string {
		var b strings.Builder
		b.WriteString("(")
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteString(ph(n*cols + c + 1))
		}
		b.WriteString(")")
		return b.String()
	}
	head := `INSERT INTO events (contact_id, visitor_id, type, occurred_at, received_at, properties, channel, campaign_id, actor) VALUES `
	ins := head + row(0)
	if db.engine == "postgres" {
		var rowsSQL []string
		for n := range 100 {
			rowsSQL = append(rowsSQL, row(n))
		}
		ins = head + strings.Join(rowsSQL, ", ")
	}
	values := func(n int) []any {
		props := fmt.Sprintf(`{"page_url":"https://www.example.com/pricing?utm_source=news&n=%d","utm_source":"news","utm_medium":"email","utm_campaign":"spring"}`, n)
		at := time.Now().UnixMicro()
		return []any{1 + n%1000, nil, "email_open", at, at, props, "email", nil, "api:raw"}
	}
	rows := 0
	start := time.Now()
	for rows < 50_000_000 && time.Since(start) < d {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		if db.engine == "postgres" {
			args := make([]any, 0, 100*cols)
			for range 100 {
				rows++
				args = append(args, values(rows)...)
			}
			if _, err := tx.ExecContext(ctx, ins, args...); err != nil {
				tx.Rollback()
				return 0, err
			}
		} else {
			stmt, err := tx.PrepareContext(ctx, ins)
			if err != nil {
				tx.Rollback()
				return 0, err
			}
			for range 100 {
				rows++
				if _, err := stmt.ExecContext(ctx, values(rows)...); err != nil {
					tx.Rollback()
					return 0, err
				}
			}
			stmt.Close()
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	return float64(rows) / time.Since(start).Seconds(), nil
}

// runCeilingServer is the hidden "ceiling-server" command: a server that shows what
// this machine can do without Lodestone's work.
//
//	ceiling-server hello --addr A               a hello-world net/http server
//	ceiling-server groupcommit --addr A --data D [--pg URL]
//	                                            form posts, group-committed, 303 after commit
func runCeilingServer(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("ceiling-server needs hello or groupcommit")
	}
	kind := args[0]
	fs := flag.NewFlagSet("ceiling-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	data := fs.String("data", "", "folder of the SQLite file (groupcommit)")
	pg := fs.String("pg", "", "PostgreSQL URL instead of SQLite (groupcommit)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var h http.Handler
	var gc *groupCommit
	switch kind {
	case "hello":
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "Hello, world!\n")
		})
	case "groupcommit":
		var err error
		if gc, err = openGroupCommit(*data, *pg); err != nil {
			return err
		}
		h = gc
	default:
		return fmt.Errorf("unknown ceiling server %q", kind)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		return err
	}
	if gc != nil {
		return gc.close()
	}
	return nil
}

// groupCommit is the bare group-commit server: it parses a URL-encoded form post,
// queues one row of the form's width, and answers 303 once the transaction holding
// it has committed. Concurrent posts share one transaction, as in Lodestone.
type groupCommit struct {
	db      *sql.DB
	insert  string
	reqs    chan *gcReq
	done    chan struct{}
	commits atomic.Int64
	rows    atomic.Int64
}

type gcReq struct {
	vals []any
	err  error
	done chan struct{}
}

var gcFields = []string{"email", "first_name", "last_name", "company", "job_title", "phone", "country", "message"}

func openGroupCommit(dir, pg string) (*groupCommit, error) {
	g := &groupCommit{reqs: make(chan *gcReq, 256), done: make(chan struct{})}
	cols := strings.Join(gcFields, " TEXT NOT NULL DEFAULT '',\n") + " TEXT NOT NULL DEFAULT ''"
	cols = strings.Replace(cols, "email TEXT NOT NULL DEFAULT ''", "email TEXT NOT NULL UNIQUE", 1)
	var err error
	workers := 1
	if pg != "" {
		g.db, err = sql.Open("pgx", pg)
		workers = 4
		if err == nil {
			_, err = g.db.Exec(`CREATE TABLE submissions (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ` + cols + `, created_at BIGINT NOT NULL)`)
		}
		g.insert = `INSERT INTO submissions (` + strings.Join(gcFields, ", ") + `, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	} else {
		g.db, err = sql.Open("sqlite3", sqliteDSN(filepath.Join(dir, "groupcommit.db")))
		g.db.SetMaxOpenConns(1)
		if err == nil {
			_, err = g.db.Exec(`CREATE TABLE submissions (id INTEGER PRIMARY KEY, ` + cols + `, created_at INTEGER NOT NULL)`)
		}
		g.insert = `INSERT INTO submissions (` + strings.Join(gcFields, ", ") + `, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	}
	if err != nil {
		return nil, err
	}
	exited := make(chan struct{}, workers)
	for range workers {
		go func() {
			g.run()
			exited <- struct{}{}
		}()
	}
	go func() {
		for range workers {
			<-exited
		}
		close(g.done)
	}()
	return g, nil
}

func (g *groupCommit) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusOK) // health checks
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	vals := make([]any, 0, len(gcFields)+1)
	for _, f := range gcFields {
		vals = append(vals, r.PostForm.Get(f))
	}
	req := &gcReq{vals: append(vals, time.Now().UnixMicro()), done: make(chan struct{})}
	g.reqs <- req
	<-req.done
	if req.err != nil {
		http.Error(w, req.err.Error(), http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/thanks", http.StatusSeeOther)
}

// run takes whatever requests are waiting (up to 256) into one transaction.
func (g *groupCommit) run() {
	for first := range g.reqs {
		batch := []*gcReq{first}
	fill:
		for len(batch) < 256 {
			select {
			case r, ok := <-g.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, r)
			default:
				break fill
			}
		}
		err := g.commit(batch)
		for _, r := range batch {
			if err != nil {
				r.err = err
			}
			close(r.done)
		}
	}
}

func (g *groupCommit) commit(batch []*gcReq) error {
	tx, err := g.db.Begin()
	if err != nil {
		return err
	}
	for _, r := range batch {
		if _, err := tx.Exec(g.insert, r.vals...); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	g.commits.Add(1)
	g.rows.Add(int64(len(batch)))
	return nil
}

func (g *groupCommit) close() error {
	close(g.reqs)
	<-g.done
	fmt.Printf("group commit: %d commits, %d rows\n", g.commits.Load(), g.rows.Load())
	return g.db.Close()
}
