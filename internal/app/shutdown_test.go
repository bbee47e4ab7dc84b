package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/app"
	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// lockedBuffer is a log written by the server's goroutines while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// A server stopped while a request is in flight and tracking hits are queued stops
// in order: it waits for the request, which is answered and stored; it writes the
// queued hits; it stops the workers; and only then closes the database, so nothing
// logs a closed database and Close reports no error. On both engines.
func TestCloseFinishesRequestsThenWorkersThenDatabase(t *testing.T) {
	opt := storetest.Options(t)
	dir := t.TempDir()
	if opt.Path != "" {
		dir = filepath.Dir(opt.Path)
	}
	var log lockedBuffer
	a := &app.App{Config: config.Config{Addr: "127.0.0.1:0", DataDir: dir, DatabaseURL: opt.DatabaseURL, Region: "US"},
		Log: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	ctx := context.Background()
	if err := a.Open(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	key, shown := auth.NewAPIKey()
	if _, err := a.Store.CreateAPIKey(ctx, store.APIKey{Name: "test", Role: store.RoleAdmin, Prefix: shown}, auth.HashToken(key), "test"); err != nil {
		t.Fatal(err)
	}
	base := a.URL()
	for i := range 21 {
		body := `{"type":"page_view","visitor_id":"vis-shutdown","page_url":"https://shop.example/pricing?n=` + itoa(int64(i)) + `"}`
		if i == 20 {
			body = `{"type":"identify","visitor_id":"vis-shutdown","email":"visitor@example.com"}`
		}
		req, _ := http.NewRequest("POST", base+"/collect", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 204 {
			t.Fatalf("collect: %d", r.StatusCode)
		}
	}

	// A batch of events whose body is still arriving when the server is told to stop.
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", base+"/api/v1/events", pr)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	answered := make(chan int, 1)
	go func() {
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			answered <- 0
			return
		}
		r.Body.Close()
		answered <- r.StatusCode
	}()
	if _, err := io.WriteString(pw, `{"events":[{"type":"form_submit","email":"late@example.com"},`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the handler is reading the body
	closed := make(chan error, 1)
	go func() {
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		closed <- a.Close(cctx)
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the request in flight was answered", err)
	default:
	}
	if _, err := io.WriteString(pw, `{"type":"form_submit","email":"later@example.com"}]}`); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if code := <-answered; code != http.StatusAccepted {
		t.Fatalf("the request in flight was answered %d, want 202", code)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if l := log.String(); strings.Contains(l, "database is closed") || strings.Contains(l, "closed pool") || strings.Contains(l, "level=ERROR") {
		t.Fatalf("the server logged errors while stopping:\n%s", l)
	}

	s, err := store.Open(ctx, store.Options{DatabaseURL: opt.DatabaseURL, Path: filepath.Join(dir, "lodestone.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, email := range []string{"late@example.com", "later@example.com"} {
		if p, err := s.Contacts(ctx, store.ContactFilter{Email: email}); err != nil || len(p.Contacts) != 1 {
			t.Errorf("%s: %v %v", email, p, err)
		}
	}
	p, err := s.Contacts(ctx, store.ContactFilter{Email: "visitor@example.com"})
	if err != nil || len(p.Contacts) != 1 {
		t.Fatalf("the identified visitor: %v %v", p, err)
	}
	tl, err := s.Timeline(ctx, p.Contacts[0].ID, store.TimelineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	views := 0
	for _, e := range tl {
		if e.Type == "page_view" {
			views++
		}
	}
	if views != 20 {
		t.Errorf("%d page views stored, want the 20 acknowledged", views)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
