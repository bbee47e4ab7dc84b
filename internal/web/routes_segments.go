package web

import "github.com/lodestone-hq/lodestone/internal/auth"

// segmentRoutes are the routes of segments: the API and the screens.
func (s *Server) segmentRoutes(u *ui) []route {
	api := s.apiRoute
	return append(u.segmentScreens(),
		api("GET /api/v1/segments", auth.Read, s.handleListSegments, apiDoc{
			summary: "List segments with their member counts", tag: "segments", response: "SegmentList"}),
		api("POST /api/v1/segments", auth.ManageMarketing, s.handleCreateSegment, apiDoc{
			summary: "Create a segment: dynamic with a filter, or static with a list of contact ids", tag: "segments", body: "SegmentInput", response: "Segment", created: true}),
		api("POST /api/v1/segments/count", auth.Read, s.handleCountFilter, apiDoc{
			summary: "Count the contacts a filter matches now, while it is being edited", tag: "segments", body: "FilterInput", response: "FilterCount"}),
		api("GET /api/v1/segments/fields", auth.Read, s.handleFilterFields, apiDoc{
			summary: "The fields a filter can use, with their types, choices and operators", tag: "segments", response: "FilterFields"}),
		api("GET /api/v1/segments/{id}", auth.Read, s.handleGetSegment, apiDoc{
			summary: "A segment with its member count", tag: "segments", response: "Segment"}),
		api("PUT /api/v1/segments/{id}", auth.ManageMarketing, s.handleUpdateSegment, apiDoc{
			summary: "Change a segment's name, description or filter; fields left out stay", tag: "segments", body: "SegmentInput", response: "Segment"}),
		api("DELETE /api/v1/segments/{id}", auth.ManageMarketing, s.handleDeleteSegment, apiDoc{
			summary: "Delete a segment; its contacts stay", tag: "segments", response: "Object"}),
		api("GET /api/v1/segments/{id}/members", auth.Read, s.handleSegmentMembers, apiDoc{
			summary: "A segment's members, newest first", tag: "segments", response: "ContactPage",
			query: []param{{"limit", "1 to 500, default 50"}, {"cursor", "next_cursor of the previous page"}}}),
		api("GET /api/v1/segments/{id}/members.csv", auth.ManageMarketing, s.handleSegmentCSV, apiDoc{
			summary: "Every member of a segment as CSV, safe to open in a spreadsheet", tag: "segments", response: "Binary"}),
		api("POST /api/v1/segments/{id}/members", auth.ManageMarketing, s.handleAddSegmentMembers, apiDoc{
			summary: "Add contacts to a static segment", tag: "segments", body: "SegmentMembersChange", response: "SegmentMembersChanged"}),
		api("POST /api/v1/segments/{id}/members/remove", auth.ManageMarketing, s.handleRemoveSegmentMembers, apiDoc{
			summary: "Take contacts out of a static segment", tag: "segments", body: "SegmentMembersChange", response: "SegmentMembersChanged"}),
	)
}
