package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// env is what every phase shares: the binary under test, the scratch folder, the
// optional PostgreSQL server, and the clean-up list that runs even on error.
type env struct {
	opt  options
	bin  string // the lodestone binary built for this run
	self string // this harness, re-executed for ceiling and profiled servers
	root string // scratch folder, removed at the end
	res  *results

	mu      sync.Mutex
	cleanup []func()
	seq     int
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, a...)...)
}

// onCleanup registers f to run at the end, latest first.
func (e *env) onCleanup(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cleanup = append(e.cleanup, f)
}

func (e *env) runCleanup() {
	e.mu.Lock()
	fs := e.cleanup
	e.cleanup = nil
	e.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// dir makes a fresh folder inside the scratch folder.
func (e *env) dir(name string) (string, error) {
	e.mu.Lock()
	e.seq++
	n := e.seq
	e.mu.Unlock()
	d := filepath.Join(e.root, fmt.Sprintf("%02d-%s", n, name))
	return d, os.MkdirAll(d, 0o750)
}

// database is where one Lodestone server keeps its data: a fresh SQLite folder or a
// fresh PostgreSQL schema.
type database struct {
	engine string // sqlite or postgres
	dir    string // data folder (SQLite file inside; logs in both cases)
	url    string // PostgreSQL URL with the schema on its search_path
}

func (d database) flags() []string {
	f := []string{"--data", d.dir}
	if d.url != "" {
		f = append(f, "--database-url", d.url)
	}
	return f
}

// open connects the harness itself to the database, for counts and checks.
func (d database) open() (*sql.DB, error) {
	if d.engine == "postgres" {
		return sql.Open("pgx", d.url)
	}
	return sql.Open("sqlite3", "file:"+filepath.Join(d.dir, "lodestone.db")+"?mode=ro&_query_only=true")
}

// freshDB makes an empty database for one server run.
func (e *env) freshDB(ctx context.Context, engine, name string) (database, error) {
	dir, err := e.dir(name + "-" + engine)
	if err != nil {
		return database{}, err
	}
	db := database{engine: engine, dir: dir}
	if engine == "postgres" {
		db.url, err = e.pgSchema(ctx, name)
	}
	return db, err
}

// pgSchema creates a schema for one run on the --pg server and returns a URL that
// puts it first on the search path; the schema is dropped at the end.
func (e *env) pgSchema(ctx context.Context, name string) (string, error) {
	e.mu.Lock()
	e.seq++
	schema := fmt.Sprintf("bench_%d_%02d_%s", os.Getpid(), e.seq, strings.ReplaceAll(name, "-", "_"))
	e.mu.Unlock()
	admin, err := sql.Open("pgx", e.opt.pg)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", fmt.Errorf("create schema on --pg: %w", err)
	}
	e.onCleanup(func() {
		if e.opt.keep {
			logf("schema kept on --pg: %s", schema)
			return
		}
		db, err := sql.Open("pgx", e.opt.pg)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			_, err = db.ExecContext(ctx, `DROP SCHEMA `+schema+` CASCADE`)
			cancel()
			db.Close()
		}
		if err != nil {
			logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(e.opt.pg)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// freePort asks the kernel for an unused port on the loopback interface.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// proc is a server the harness started: Lodestone, a ceiling server or a profiled
// Lodestone. Only processes started here are ever stopped here.
type proc struct {
	cmd  *exec.Cmd
	url  string
	log  string
	done chan struct{}
	err  error
}

// start runs a server command that listens on 127.0.0.1:port and waits for its
// health URL to answer 200.
func (e *env) start(ctx context.Context, logDir, name string, port int, health string, path string, args ...string) (*proc, error) {
	logFile, err := os.Create(filepath.Join(logDir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	p := &proc{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), log: logFile.Name(), done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	e.onCleanup(p.stop)
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s exited at start (%v); see %s", name, p.err, logFile.Name())
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		res, err := http.Get(p.url + health)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s did not become healthy within a minute; see %s", name, logFile.Name())
		}
	}
}

// stop asks the server to finish (SIGTERM), and kills it after 30 seconds.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// peakRSS reads the server's high-water mark of resident memory, in MiB.
func (p *proc) peakRSS() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// lodestone runs a command of the binary under test and returns its output.
func (e *env) lodestone(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, e.bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("lodestone %s: %v: %s", args[0], err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

const (
	benchUser     = "bench@bench-admin.com"
	benchPassword = "bench-password-0123"
)

// server is one Lodestone server under test, with an admin API key.
type server struct {
	*proc
	db       database
	key      string
	profiled bool
}

// prepare creates the admin API key and the admin user on a fresh database.
func (e *env) prepare(ctx context.Context, db database) (string, error) {
	out, err := e.lodestone(ctx, "", append([]string{"apikey", "create", "--name", "bench", "--role", "admin"}, db.flags()...)...)
	if err != nil {
		return "", err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if _, err := e.lodestone(ctx, benchPassword+"\n", append([]string{"user", "create", "--email", benchUser, "--role", "admin"}, db.flags()...)...); err != nil {
		return "", err
	}
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// startLodestone starts "lodestone serve" on a prepared database with the form rate
// limits off (the load comes from one IP). With profile set, the harness's own
// profiled copy of the server runs instead and writes a CPU profile there.
func (e *env) startLodestone(ctx context.Context, db database, key, profile string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--form-rate-ip", "0", "--form-rate-form", "0", "--log-level", "warn"}, db.flags()...)
	path, name := e.bin, "lodestone"
	if profile != "" {
		path, name = e.self, "lodestone-profiled"
		args = append([]string{"profile-serve", "--cpuprofile", profile}, args[1:]...)
	}
	p, err := e.start(ctx, db.dir, fmt.Sprintf("%s-%d", name, port), port, "/healthz", path, args...)
	if err != nil {
		return nil, err
	}
	return &server{proc: p, db: db, key: key, profiled: profile != ""}, nil
}

// freshLodestone makes a fresh database, prepares it and starts a server on it.
func (e *env) freshLodestone(ctx context.Context, engine, name, profile string) (*server, error) {
	db, err := e.freshDB(ctx, engine, name)
	if err != nil {
		return nil, err
	}
	key, err := e.prepare(ctx, db)
	if err != nil {
		return nil, err
	}
	return e.startLodestone(ctx, db, key, profile)
}

// checkLog stops a server and reports the internal errors it logged, grouped by
// message: a 5xx is a finding, never expected under load.
func (e *env) checkLog(p *proc, what string) {
	p.stop()
	b, err := os.ReadFile(p.log)
	if err != nil {
		return
	}
	counts := map[string]int{}
	var order []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, "level=ERROR") || strings.Contains(line, "msg=request ") {
			continue
		}
		msg := line
		if i := strings.Index(line, " err="); i >= 0 {
			msg = line[i+1:]
		} else if i := strings.Index(line, " msg="); i >= 0 {
			msg = line[i+1:]
		}
		if counts[msg] == 0 {
			order = append(order, msg)
		}
		counts[msg]++
	}
	for _, m := range order {
		e.res.warn("%s: the server logged %d× %s", what, counts[m], tail(m, 300))
	}
}
