package web

// enrichRoutes are the routes of enrichment and the predictive score.
func (s *Server) enrichRoutes(u *ui) []route {
	return nil
}
