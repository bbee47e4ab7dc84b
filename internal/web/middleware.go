package web

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijacking not supported")
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request once and feeds the metrics.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		s.metrics.observe(pattern, sw.status, d)
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelError
		}
		// Checked first so that a request not logged (debug is off by default) does
		// not pay for boxing the attributes.
		if s.log.Enabled(r.Context(), level) {
			s.log.LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Int("bytes", sw.bytes), slog.Float64("duration_ms", float64(d.Microseconds())/1000))
		}
	})
}

// recoverPanics turns a panic into a logged 500, never a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				if r.Pattern == formPostPattern && browserPost(r) {
					s.refusePost(w, r, s.forms.cached(r.PathValue("slug")), http.StatusInternalServerError, ourFailure)
					return
				}
				s.writeError(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// The security headers' values, each a slice of its own that no request changes
// (a handler's Set replaces it, an Add appends past its capacity into a new array):
// assigning them costs no allocation, on every request.
var (
	hdrNosniff        = []string{"nosniff"}
	hdrReferrerPolicy = []string{"strict-origin-when-cross-origin"}
	hdrFrameDeny      = []string{"DENY"}
	hdrCSP            = []string{"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"}
)

// securityHeaders sets a strict Content-Security-Policy: pages run only our own
// scripts, so a payload that slipped into a lead's fields could not run.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = hdrNosniff[:1:1]
		h["Referrer-Policy"] = hdrReferrerPolicy[:1:1]
		if !strings.HasPrefix(r.URL.Path, "/f/") && !strings.HasPrefix(r.URL.Path, "/t.js") {
			h["X-Frame-Options"] = hdrFrameDeny[:1:1]
			h["Content-Security-Policy"] = hdrCSP[:1:1]
		}
		next.ServeHTTP(w, r)
	})
}

// route sends a request to its handler. POST /collect, the one route hit thousands
// of times a second, goes straight to its handler: the cross-origin check exempts it
// and the mux would only find it, both at a cost on every page view. r.Pattern is
// set as the mux would, for the request log and the metrics.
func (s *Server) route(next http.Handler) http.Handler {
	collect := http.HandlerFunc(s.handleCollect)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/collect" {
			r.Pattern = collectPattern
			collect(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses cross-site state-changing browser requests (CSRF) on every
// route but the public capture endpoints, which exist to be posted to from anywhere.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /f/{slug}")
	cop.AddInsecureBypassPattern(collectPattern)
	cop.AddInsecureBypassPattern("POST /webhooks/google-ads")
	cop.AddInsecureBypassPattern("POST /webhooks/facebook")
	cop.AddInsecureBypassPattern("POST /webhooks/linkedin")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeJSON(w, http.StatusForbidden, errorBody{errorDetail{Code: "forbidden", Message: "cross-origin request refused"}})
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "<!doctype html><title>Refused</title><p>This request came from another site and was refused, to protect your account. Go back to Lodestone and try again from there.</p>")
	}))
	return cop.Handler(next)
}

// limitBody caps the body a handler may read; reading past it yields a 413.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > MaxBody {
			writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{errorDetail{Code: "too_large",
				Message: "the body is larger than " + strconv.Itoa(MaxBody) + " bytes"}})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		next.ServeHTTP(w, r)
	})
}
