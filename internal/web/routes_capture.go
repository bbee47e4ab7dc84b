package web

// captureRoutes are the routes of forms builder, CSV import upload and proof of work.
func (s *Server) captureRoutes(u *ui) []route {
	return nil
}
