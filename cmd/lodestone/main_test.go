package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// syncBuffer is written by the server goroutine while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// dbArgs points a command at a fresh test database: SQLite in a folder, or a
// PostgreSQL schema when the suite runs against PostgreSQL.
func dbArgs(t *testing.T) []string {
	opt := storetest.Options(t)
	if opt.DatabaseURL != "" {
		return []string{"--database-url", opt.DatabaseURL, "--data", t.TempDir()}
	}
	return []string{"--data", filepath.Dir(opt.Path)}
}

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(string) string { return "" })
	return out.String() + errOut.String(), err
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestServeFirstRunAndAPIKey(t *testing.T) {
	db := dbArgs(t)
	out, err := runCmd(t, "", append([]string{"apikey", "create", "--name", "ci", "--role", "admin"}, db...)...)
	if err != nil {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	key := lines[len(lines)-1]
	if !strings.HasPrefix(key, "lsk_") {
		t.Fatalf("last line is not the key: %q", out)
	}

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr}, db...), strings.NewReader(""), stdout, io.Discard, func(string) string { return "" })
	}()
	base := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, stdout.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !regexp.MustCompile(`/setup\?token=[A-Za-z0-9_-]{20,}`).MatchString(stdout.String()) {
		t.Fatalf("no first-run setup link printed:\n%s", stdout.String())
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(`{"events":[{"type":"form_submit","email":"cli@example.com"}]}`))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 202 {
		t.Fatalf("event ingest with the CLI's key: %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}

	out, err = runCmd(t, "", append([]string{"apikey", "list"}, db...)...)
	if err != nil || !strings.Contains(out, "ci") || !strings.Contains(out, "live") {
		t.Fatalf("apikey list: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "", append([]string{"apikey", "revoke", "1"}, db...)...); err != nil {
		t.Fatalf("revoke: %v %s", err, out)
	}
	if out, err := runCmd(t, "", append([]string{"apikey", "revoke", "1"}, db...)...); err == nil {
		t.Fatalf("second revoke succeeded: %s", out)
	}
}

func TestUserCreateMigrateBackupVersion(t *testing.T) {
	db := dbArgs(t)
	if out, err := runCmd(t, "short\n", append([]string{"user", "create", "--email", "a@example.com"}, db...)...); err == nil {
		t.Fatalf("short password accepted: %s", out)
	}
	if out, err := runCmd(t, "a long enough password\n", append([]string{"user", "create", "--email", "Boss@Example.com", "--role", "marketer"}, db...)...); err != nil || !strings.Contains(out, "boss@example.com") {
		t.Fatalf("user create: %v %s", err, out)
	}
	if out, err := runCmd(t, "x\n", append([]string{"user", "create", "--email", "a@example.com", "--role", "king"}, db...)...); err == nil {
		t.Fatalf("bad role accepted: %s", out)
	}
	out, err := runCmd(t, "", append([]string{"migrate"}, db...)...)
	if err != nil || !strings.Contains(out, "0001_init.sql") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	if out, _ := runCmd(t, "", "version"); !strings.HasPrefix(out, "lodestone ") {
		t.Fatalf("version: %s", out)
	}
	if _, err := runCmd(t, "", "frobnicate"); err == nil {
		t.Fatal("unknown command accepted")
	}
	if _, err := runCmd(t, "", "serve", "--database-url", "mysql://x"); err == nil {
		t.Fatal("mysql URL accepted")
	}
	// The roles as SPEC section 10 spells them.
	if out, err := runCmd(t, "", append([]string{"apikey", "create", "--name", "reader", "--role", "Read-only"}, db...)...); err != nil || !strings.Contains(out, "read_only") {
		t.Fatalf("apikey create --role Read-only: %v %s", err, out)
	}
	// A backup of PostgreSQL is refused before anything touches the database (an
	// unreachable server: the refusal, not a connection error).
	out, err = runCmd(t, "", "backup", "--database-url", "postgres://127.0.0.1:1/none", filepath.Join(t.TempDir(), "pg.db"))
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup of PostgreSQL: %v %s", err, out)
	}
	if strings.HasPrefix(db[0], "--database-url") {
		return // backups copy the SQLite file only
	}
	file := filepath.Join(t.TempDir(), "copy.db")
	if out, err := runCmd(t, "", append([]string{"backup"}, append(db, file)...)...); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	// The copy is a working database with the same user.
	out, err = runCmd(t, "a long enough password\n", "user", "create", "--email", "boss@example.com", "--data", restoreDir(t, file))
	if err == nil || !strings.Contains(fmt.Sprint(err), "exists already") {
		t.Fatalf("restored copy lacks the user: %v %s", err, out)
	}
}

func restoreDir(t *testing.T, file string) string {
	dir := t.TempDir()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lodestone.db"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestServeDemoFillsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("loads sample data")
	}
	db := dbArgs(t)
	if db[0] == "--database-url" {
		t.Skip("the full demo is timed on SQLite; internal/demo tests loading on PostgreSQL")
	}
	for round := range 2 {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		stdout := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, append([]string{"serve", "--demo", "--addr", addr}, db...), strings.NewReader(""), stdout, io.Discard, func(string) string { return "" })
		}()
		for deadline := time.Now().Add(5 * time.Minute); !strings.Contains(stdout.String(), "Lodestone is running"); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("server did not start:\n%s", stdout.String())
			}
			select {
			case err := <-done:
				t.Fatalf("serve ended: %v\n%s", err, stdout.String())
			default:
			}
		}
		want := "Sample data ready"
		if round == 1 {
			want = "no sample data added"
		}
		if !strings.Contains(stdout.String(), want) {
			t.Fatalf("round %d output lacks %q:\n%s", round, want, stdout.String())
		}
		if round == 0 {
			// The demo's teammates have no password: the newcomer still gets the
			// one-time link, and it opens the setup form.
			link := regexp.MustCompile(`http://\S+/setup\?token=\S+`).FindString(stdout.String())
			if link == "" {
				t.Fatalf("no setup link after loading the demo:\n%s", stdout.String())
			}
			res, err := http.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(string(page), `name="password"`) {
				t.Fatalf("the setup link answers %d:\n%.400s", res.StatusCode, page)
			}
		}
		res, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "lodestone_contacts 3000") {
			t.Fatalf("metrics do not show 3000 contacts:\n%.300s", body)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
