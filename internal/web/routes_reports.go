package web

import "github.com/lodestone-hq/lodestone/internal/auth"

// sourcesParams are the query parameters of the sources report and its CSV.
var sourcesParams = []param{{"from", "first day, YYYY-MM-DD (UTC), required"}, {"to", "day after the last, YYYY-MM-DD (UTC), required"},
	{"group_by", "channel (default), campaign, or channel,campaign"}, {"model", "first_touch (default), last_touch, linear, u_shaped, w_shaped, full_path, j_shaped, inverse_j or time_decay"}}

// reportRoutes are the routes of campaigns, costs, the sources report, trend and funnel.
func (s *Server) reportRoutes(u *ui) []route {
	api := s.apiRoute
	return []route{
		api("PUT /api/v1/campaigns/{id}", auth.ManageMarketing, s.handleUpdateCampaign, apiDoc{
			summary: "Change a campaign's name, channel, UTM key, dates, budget and notes; its printed link stays; answers as GET does, with the cost entries", tag: "campaigns", body: "CampaignUpdate", response: "CampaignDetail"}),
		api("DELETE /api/v1/campaigns/{id}/costs/{cost}", auth.ManageMarketing, s.handleDeleteCost, apiDoc{
			summary: "Delete a cost entry recorded by mistake; the audit log keeps its figures", tag: "campaigns", response: "Deleted"}),
		api("POST /api/v1/costs/import", auth.ManageMarketing, s.handleImportCosts, apiDoc{
			summary: "Import cost entries from a CSV (date, campaign name or UTM key, amount, hours), as the body or the file field of a multipart form; all rows or none, every bad row listed in error.details.rows", tag: "campaigns", response: "CostImport", created: true,
			query: []param{{"dry_run", "true to check the file and import nothing (answers 200)"}}}),
		api("GET /api/v1/reports/sources.csv", auth.Read, s.handleSourcesCSV, apiDoc{
			summary: "The sources report as CSV, with a last row of totals; the same parameters as /api/v1/reports/sources", tag: "reports", response: "Binary",
			query: sourcesParams}),
		api("GET /api/v1/reports/trend", auth.Read, s.handleTrend, apiDoc{
			summary: "Month by month: new leads, cost, cost per lead and conversion per group; the customers, and so the conversion, credited by the model", tag: "reports", response: "Trend",
			query: sourcesParams}),
		api("GET /api/v1/reports/funnel", auth.Read, s.handleFunnel, apiDoc{
			summary: "The funnel of the new leads of a period: contacts that reached each stage, conversion to the next, median time in stage", tag: "reports", response: "Funnel",
			query: sourcesParams[:2]}),

		{pattern: "GET /reports", handler: u.page(auth.Read, u.reports)},
		{pattern: "POST /campaigns", handler: u.page(auth.ManageMarketing, u.createCampaign)},
		{pattern: "POST /campaigns/import", handler: u.page(auth.ManageMarketing, u.importCostsForm)},
		{pattern: "GET /campaigns/{id}", handler: u.page(auth.Read, u.campaign)},
		{pattern: "POST /campaigns/{id}", handler: u.page(auth.ManageMarketing, u.updateCampaign)},
		{pattern: "POST /campaigns/{id}/costs", handler: u.page(auth.ManageMarketing, u.addCampaignCost)},
		{pattern: "POST /campaigns/{id}/costs/{cost}/delete", handler: u.page(auth.ManageMarketing, u.deleteCampaignCost)},
	}
}
