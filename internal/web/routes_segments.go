package web

// segmentRoutes are the routes of segments.
func (s *Server) segmentRoutes(u *ui) []route {
	return nil
}
