package web

// insightRoutes are the routes of the dashboard, audience insights, client and lead quality.
func (s *Server) insightRoutes(u *ui) []route {
	return nil
}
