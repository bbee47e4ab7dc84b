package web

// reportRoutes are the routes of campaigns, costs, the sources report, trend and funnel.
func (s *Server) reportRoutes(u *ui) []route {
	return nil
}
