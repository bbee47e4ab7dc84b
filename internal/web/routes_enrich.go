package web

import "github.com/lodestone-hq/lodestone/internal/auth"

// enrichRoutes are the routes of enrichment and the predictive score.
func (s *Server) enrichRoutes(u *ui) []route {
	api := s.apiRoute
	return []route{
		api("POST /api/v1/companies/import", auth.ManageMarketing, s.handleImportCompanies, apiDoc{
			summary: "Import a company list as CSV (text/csv body, header row with domain and any of name, industry, employees, country); known domains are updated", tag: "enrichment", response: "CompanyImportResult"}),
		api("GET /api/v1/enrichment", auth.Read, s.handleGetEnrichment, apiDoc{
			summary: "Enrichment status, its settings (never the provider key) and the job title rules", tag: "enrichment", response: "Enrichment"}),
		api("PUT /api/v1/enrichment/settings", auth.Admin, s.handlePutEnrichSettings, apiDoc{
			summary: "Set the IP database path and the company data provider; null leaves a setting, an empty string clears it", tag: "enrichment", body: "EnrichmentSettingsInput", response: "EnrichmentSettings"}),
		api("GET /api/v1/scoring/predictive", auth.Read, s.handleGetPredictive, apiDoc{
			summary: "The predictive score's model: holdout AUC, strongest features, known outcomes, and the best open leads", tag: "scoring", response: "PredictiveModel"}),
		api("POST /api/v1/scoring/predictive/train", auth.ManageMarketing, s.handleTrainPredictive, apiDoc{
			summary: "Queue a retraining of the predictive score; refused (422) while too few outcomes are known", tag: "scoring", response: "TrainQueued", accepted: true}),

		{pattern: "GET /enrichment", handler: u.page(auth.Read, u.enrichmentPage)},
		{pattern: "POST /enrichment/companies", handler: u.page(auth.ManageMarketing, u.importCompaniesPage)},
		{pattern: "POST /enrichment/settings", handler: u.page(auth.Admin, u.enrichSettingsPage)},
		{pattern: "GET /scoring/predictive", handler: u.page(auth.Read, u.predictivePage)},
		{pattern: "POST /scoring/predictive/train", handler: u.page(auth.ManageMarketing, u.trainPredictivePage)},
	}
}
