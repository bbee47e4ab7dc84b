// Package web is Lodestone's HTTP face: the routes as one table, the JSON API, the
// server-rendered screens, and the middleware around them. It holds no business
// rules of its own: it checks input, calls the store, and renders what comes back.
package web

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/prometheus/client_golang/prometheus"
)

// MaxBody is the largest request body the API reads (SPEC: over 1 MiB is a 413).
const MaxBody = 1 << 20

// Server serves Lodestone over HTTP.
type Server struct {
	store   *store.Store
	cfg     config.Config
	log     *slog.Logger
	metrics *metrics
	keys    *keyCache
	// Public capture endpoints are limited per client IP and per form.
	ipLimit, formLimit *limiter
	formKey            atomic.Pointer[[]byte]
	collectLimit       *limiter
	tracker            *tracker
	settings           *settingsCache
	forms              *formCache
	mux                *http.ServeMux
	handler            http.Handler
	// draining is set during shutdown so /readyz tells load balancers to stop sending.
	draining atomic.Bool
	started  time.Time
}

// New builds the server and its routes.
func New(s *store.Store, cfg config.Config, log *slog.Logger) *Server {
	srv := &Server{store: s, cfg: cfg, log: log, metrics: newMetrics(s), keys: newKeyCache(), mux: http.NewServeMux(), started: time.Now(),
		ipLimit: newLimiter(cfg.FormRateIP, max(cfg.FormRateIP/3, 5)), formLimit: newLimiter(cfg.FormRateForm, max(cfg.FormRateForm/6, 50)),
		collectLimit: newLimiter(cfg.FormRateIP*20, max(cfg.FormRateIP*2, 50)), tracker: newTracker(s), settings: newSettingsCache(s), forms: newFormCache(s)}
	srv.metrics.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lodestone_collect_dropped_total",
			Help: "Tracking hits refused with a 503 because the write queue stayed full."}, func() float64 { return float64(srv.tracker.dropped.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "lodestone_collect_failed_total",
			Help: "Queued tracking hits the store refused."}, func() float64 { return float64(srv.tracker.failed.Load()) }))
	for _, rt := range srv.routes() {
		srv.mux.Handle(rt.pattern, rt.handler)
	}
	srv.mux.HandleFunc("/api/v1/", srv.apiNoRoute)
	srv.handler = srv.recoverPanics(srv.logRequests(srv.securityHeaders(srv.route(srv.crossOrigin(srv.mux)))))
	return srv
}

// ServeHTTP lets the Server be an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Drain marks the server as shutting down.
func (s *Server) Drain() { s.draining.Store(true) }

// Close writes the queued tracking hits; call it after the HTTP server has stopped.
func (s *Server) Close() { s.tracker.close() }

// route is one line of the routing table.
type route struct {
	pattern string
	handler http.Handler
	// api documents a JSON API route in the OpenAPI document; nil for pages.
	api *apiDoc
}
