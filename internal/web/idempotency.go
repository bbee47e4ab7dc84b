package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// idempotent makes a POST with an Idempotency-Key safe to retry: the first request
// runs and its answer is stored; a retry with the same key and body gets that answer
// again, and the same key with another body is a 422. Concurrent retries wait for the
// first to finish rather than run twice.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if r.Method != http.MethodPost || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 || !utf8.ValidString(key) {
			s.writeError(w, r, errs.Field("Idempotency-Key", "must be UTF-8 text of at most 255 bytes"))
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.writeError(w, r, jsonError(err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		sum := sha256.New()
		sum.Write([]byte(r.Method + " " + r.URL.RequestURI() + "\n"))
		sum.Write(body)
		fingerprint := hex.EncodeToString(sum.Sum(nil))
		principal := principalOf(r.Context()).Actor()

		ctx := r.Context()
		prev, err := s.store.ClaimIdempotencyKey(ctx, principal, key, fingerprint)
		deadline := time.Now().Add(30 * time.Second)
		for err == nil && prev != nil && prev.Status == 0 {
			if prev.Request != fingerprint {
				break
			}
			if time.Now().After(deadline) {
				s.writeError(w, r, errs.E(errs.Conflict, "Idempotency-Key", "a request with this key is still in progress; retry later"))
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(25 * time.Millisecond):
			}
			prev, err = s.store.ClaimIdempotencyKey(ctx, principal, key, fingerprint)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if prev != nil {
			if prev.Request != fingerprint {
				s.writeError(w, r, errs.E(errs.Unprocessable, "Idempotency-Key", "this key was used with a different request"))
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(prev.Status)
			_, _ = io.WriteString(w, prev.Response)
			return
		}
		// A claimed request runs to its end even when its caller hangs up (a client
		// timeout is the very reason to retry), so that the retry finds its answer
		// rather than a claim that nobody completes or lets go.
		ctx = context.WithoutCancel(ctx)
		r = r.WithContext(ctx)
		rec := &recordingWriter{ResponseWriter: w}
		answered := false
		defer func() {
			if !answered {
				// The handler panicked: nothing to replay, let a retry run again.
				_ = s.store.ReleaseIdempotencyKey(ctx, principal, key)
			}
		}()
		next.ServeHTTP(rec, r)
		answered = true
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.status >= 500 {
			// Nothing useful to replay: let a retry run again.
			_ = s.store.ReleaseIdempotencyKey(ctx, principal, key)
			return
		}
		if err := s.store.CompleteIdempotencyKey(ctx, principal, key, rec.status, rec.buf.String()); err != nil {
			s.log.Error("store idempotent answer", "err", err, "status", strconv.Itoa(rec.status))
		}
	})
}

// recordingWriter passes a response through while keeping a copy of it.
type recordingWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}
