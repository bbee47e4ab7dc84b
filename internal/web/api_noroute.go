package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// apiNoRoute answers a request under /api/v1/ that no route takes, in the error shape
// of the API rather than the mux's plain text: 405 with Allow when the path has
// routes for other methods, else 404.
func (s *Server) apiNoRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/v1/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeError(w, r, errs.E(errs.NotAllowed, "", "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
		return
	}
	s.writeError(w, r, errs.NotFoundf("no API route is %s %s; the routes are listed in /api/v1/openapi.json", r.Method, r.URL.Path))
}
