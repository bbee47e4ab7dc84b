package web

import "github.com/lodestone-hq/lodestone/internal/auth"

// reportRoutes are the routes of campaigns, costs, the sources report, trend and funnel.
func (s *Server) reportRoutes(u *ui) []route {
	api := s.apiRoute
	return []route{
		api("PUT /api/v1/campaigns/{id}", auth.ManageMarketing, s.handleUpdateCampaign, apiDoc{
			summary: "Change a campaign's name, channel, UTM key, dates, budget and notes; its printed link stays", tag: "campaigns", body: "CampaignUpdate", response: "Campaign"}),
		api("DELETE /api/v1/campaigns/{id}/costs/{cost}", auth.ManageMarketing, s.handleDeleteCost, apiDoc{
			summary: "Delete a cost entry recorded by mistake; the audit log keeps its figures", tag: "campaigns", response: "Deleted"}),
		api("POST /api/v1/costs/import", auth.ManageMarketing, s.handleImportCosts, apiDoc{
			summary: "Import cost entries from a CSV (date, campaign name or UTM key, amount, hours), as the body or the file field of a multipart form; all rows or none, every bad row listed in error.details.rows", tag: "campaigns", response: "CostImport", created: true,
			query: []param{{"dry_run", "true to check the file and import nothing (answers 200)"}}}),

		{pattern: "POST /campaigns", handler: u.page(auth.ManageMarketing, u.createCampaign)},
		{pattern: "POST /campaigns/import", handler: u.page(auth.ManageMarketing, u.importCostsForm)},
		{pattern: "GET /campaigns/{id}", handler: u.page(auth.Read, u.campaign)},
		{pattern: "POST /campaigns/{id}", handler: u.page(auth.ManageMarketing, u.updateCampaign)},
		{pattern: "POST /campaigns/{id}/costs", handler: u.page(auth.ManageMarketing, u.addCampaignCost)},
		{pattern: "POST /campaigns/{id}/costs/{cost}/delete", handler: u.page(auth.ManageMarketing, u.deleteCampaignCost)},
	}
}
