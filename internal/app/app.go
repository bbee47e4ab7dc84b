// Package app wires Lodestone together: it opens the store, starts the web server and
// the background workers, and stops them in order (HTTP, then workers, then the
// database).
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/jobs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/web"
)

// App is one running Lodestone server.
type App struct {
	Config config.Config
	Log    *slog.Logger
	// Out receives what a person starting the server must read (the setup link).
	Out io.Writer

	Store *store.Store
	web   *web.Server
	http  *http.Server
	ln    net.Listener

	stopWorkers context.CancelFunc
	workers     sync.WaitGroup
}

// OpenStore opens the database the configuration names.
func OpenStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	return store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, Path: cfg.SQLitePath()})
}

// Open connects to the database and prepares the server, without listening yet.
func (a *App) Open(ctx context.Context) error {
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	if a.Out == nil {
		a.Out = io.Discard
	}
	s, err := OpenStore(ctx, a.Config)
	if err != nil {
		return err
	}
	a.Store = s
	a.web = web.New(s, a.Config, a.Log)
	return nil
}

// Run starts listening and the workers; it returns once the server accepts requests.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return err
	}
	a.ln = ln
	if err := a.firstRun(ctx); err != nil {
		ln.Close()
		return err
	}
	a.http = &http.Server{
		Handler:           a.web,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := a.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("http server stopped", "err", err)
		}
	}()
	wctx, cancel := context.WithCancel(context.Background())
	a.stopWorkers = cancel
	a.workers.Add(1)
	go a.housekeeping(wctx)
	// The job worker drains the durable queue (ad leads to fetch, …); on Close it
	// finishes the jobs in flight, or leaves their leases to expire for another node.
	fetcher := &capture.AdLeadFetcher{Store: a.Store, Region: a.Config.Region, Client: &http.Client{Timeout: 30 * time.Second}}
	handlers := fetcher.Handlers()
	for _, f := range a.features() {
		maps.Copy(handlers, f.jobs)
		if f.run != nil {
			a.workers.Add(1)
			go func() {
				defer a.workers.Done()
				f.run(wctx)
			}()
		}
	}
	worker := &jobs.Worker{Store: a.Store, Handlers: handlers, Log: a.Log.With("component", "jobs")}
	a.workers.Add(1)
	go func() {
		defer a.workers.Done()
		if err := worker.Run(wctx); err != nil {
			a.Log.Error("job worker stopped", "err", err)
		}
	}()
	a.Log.Info("lodestone is serving", "url", a.URL(), "engine", a.Store.Engine())
	return nil
}

// URL is where the server answers, with the real port when it listened on port 0.
func (a *App) URL() string {
	if a.ln == nil {
		return a.Config.PublicURL()
	}
	if a.Config.BaseURL != "" {
		return a.Config.PublicURL()
	}
	return "http://" + a.ln.Addr().String()
}

// firstRun prints a one-time link to create the first admin while there is none.
func (a *App) firstRun(ctx context.Context) error {
	n, err := a.Store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	token := auth.NewToken()
	if err := a.Store.CreateSetupToken(ctx, auth.HashToken(token), 24*time.Hour); err != nil {
		return err
	}
	fmt.Fprintf(a.Out, "\nNo user exists yet. Open this link to create the first admin (valid 24 hours, once):\n\n    %s/setup?token=%s\n\n", a.URL(), token)
	return nil
}

// housekeeping runs the periodic chores of a node.
func (a *App) housekeeping(ctx context.Context) {
	defer a.workers.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	// The planner's statistics follow the data: a table that grows from a few rows to
	// a million in one import is analysed again within minutes.
	stats := time.NewTicker(10 * time.Minute)
	defer stats.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stats.C:
			if err := a.Store.Optimize(ctx); err != nil && ctx.Err() == nil {
				a.Log.Warn("refresh the planner's statistics", "err", err)
			}
		case <-t.C:
			if n, err := a.Store.ExpireIdempotencyKeys(ctx, 24*time.Hour); err != nil {
				a.Log.Warn("expire idempotency keys", "err", err)
			} else if n > 0 {
				a.Log.Debug("expired idempotency keys", "count", n)
			}
		}
	}
}

// Close stops the server in order: HTTP (finishing requests in flight), then the
// workers, then the database.
func (a *App) Close(ctx context.Context) error {
	var err error
	if a.web != nil {
		a.web.Drain()
	}
	if a.http != nil {
		err = a.http.Shutdown(ctx)
	}
	if a.web != nil {
		a.web.Close()
	}
	if a.stopWorkers != nil {
		a.stopWorkers()
		a.workers.Wait()
	}
	if a.Store != nil {
		err = errors.Join(err, a.Store.Close())
	}
	return err
}
