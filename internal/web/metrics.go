package web

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// metrics are Prometheus metrics on a registry of the server's own, so two servers
// in one test process never collide.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// series holds each route's and status's counter and histogram once found:
	// WithLabelValues hashes and looks its labels up again on every request.
	mu     sync.RWMutex
	series map[routeStatus]routeSeries
}

type routeStatus struct {
	route  string
	status int
}

type routeSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func newMetrics(s *store.Store) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(), series: map[routeStatus]routeSeries{},
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lodestone_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lodestone_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	contacts := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "lodestone_contacts", Help: "Contacts in the workspace (merged ones not counted).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := s.CountContacts(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	m.reg.MustRegister(m.requests, m.duration, contacts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	k := routeStatus{route, status}
	m.mu.RLock()
	rs, ok := m.series[k]
	m.mu.RUnlock()
	if !ok {
		// A series appears in /metrics from its first request, as before.
		rs = routeSeries{requests: m.requests.WithLabelValues(route, strconv.Itoa(status)), duration: m.duration.WithLabelValues(route)}
		m.mu.Lock()
		m.series[k] = rs
		m.mu.Unlock()
	}
	rs.requests.Inc()
	rs.duration.Observe(d.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// guardMetrics keeps the metrics (request counts, the number of contacts, the
// process's memory) from the public. With a metrics token configured, a scrape
// must send it as a bearer token; without one, only a direct request from this
// machine is answered: one a reverse proxy forwards carries its forwarding
// headers and is refused, since the proxy's own address is loopback too.
func (s *Server) guardMetrics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token := s.cfg.MetricsToken; token != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				s.writeError(w, r, errs.E(errs.Unauthorized, "", "GET /metrics needs the metrics token (LODESTONE_METRICS_TOKEN) as a bearer token"))
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		if !directFromLoopback(r) {
			s.writeError(w, r, errs.E(errs.Forbidden, "", "GET /metrics answers only this machine; set LODESTONE_METRICS_TOKEN to scrape it from elsewhere"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// directFromLoopback reports a request from this machine that no proxy forwarded.
func directFromLoopback(r *http.Request) bool {
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
