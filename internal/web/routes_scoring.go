package web

// scoringRoutes are the routes of scoring rules, lifecycle thresholds and qualification.
func (s *Server) scoringRoutes(u *ui) []route {
	return nil
}
