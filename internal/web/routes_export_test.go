package web

import "net/http"

// AdminPagePatterns lists the GET screens of the routing table that need a login
// (pages that are not JSON API routes and not public), for the tests outside the
// package that open every screen.
func (s *Server) AdminPagePatterns() []string {
	var out []string
	for _, rt := range s.routes() {
		method, _, _ := cutPattern(rt.pattern)
		if method != http.MethodGet || rt.api != nil {
			continue
		}
		if _, public := publicRoutes[rt.pattern]; public {
			continue
		}
		out = append(out, rt.pattern)
	}
	return out
}

func cutPattern(p string) (method, path string, ok bool) {
	for i := 0; i < len(p); i++ {
		if p[i] == ' ' {
			return p[:i], p[i+1:], true
		}
	}
	return "", p, false
}
