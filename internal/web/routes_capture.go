package web

import "net/http"

// captureRoutes are the routes of the form builder, CSV imports and proof of work.
func (s *Server) captureRoutes(u *ui) []route {
	return []route{
		// Public: a fresh proof-of-work challenge for a form (see form_pow.go).
		{pattern: "GET /f/{slug}/challenge", handler: http.HandlerFunc(s.handleFormChallenge)},
	}
}
