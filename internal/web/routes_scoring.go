package web

import "github.com/lodestone-hq/lodestone/internal/auth"

// scoringRoutes are the routes of scoring rules, lifecycle thresholds and qualification.
func (s *Server) scoringRoutes(u *ui) []route {
	api := s.apiRoute
	return []route{
		api("GET /api/v1/scoring/rules", auth.Read, s.handleGetScoringRules, apiDoc{
			summary: "The latest scoring rules, the version in force and the last recompute's progress", tag: "scoring", response: "ScoringRules"}),
		api("PUT /api/v1/scoring/rules", auth.ManageMarketing, s.handlePutScoringRules, apiDoc{
			summary: "Replace the fit and engagement rules; a recompute puts them in force for every contact at once", tag: "scoring", body: "ScoringRulesInput", response: "ScoringRules", accepted: true}),
		api("GET /api/v1/scoring/settings", auth.Read, s.handleGetScoringSettings, apiDoc{
			summary: "MQL and SQL thresholds, the default half-life and the disqualify reasons", tag: "scoring", response: "ScoringSettings"}),
		api("PUT /api/v1/scoring/settings", auth.ManageMarketing, s.handlePutScoringSettings, apiDoc{
			summary: "Change the scoring settings; fields left out keep their value; contacts are rescored", tag: "scoring", body: "ScoringSettings", response: "ScoringSettings"}),
		api("POST /api/v1/scoring/recompute", auth.ManageMarketing, s.handleStartRecompute, apiDoc{
			summary: "Rescore every contact under the latest rules", tag: "scoring", response: "Recompute", accepted: true}),
		api("GET /api/v1/scoring/recompute", auth.Read, s.handleGetRecompute, apiDoc{
			summary: "The progress of the latest recompute", tag: "scoring", response: "Recompute"}),
		api("GET /api/v1/contacts/{id}/scores", auth.Read, s.handleContactScores, apiDoc{
			summary: "A contact's scores with the rules and events behind them, and their history", tag: "scoring", response: "ContactScores"}),
		api("POST /api/v1/contacts/{id}/accept", auth.WriteLeads, s.handleAcceptSQL, apiDoc{
			summary: "Sales accepts a sales-qualified lead (an sql_accepted event)", tag: "lifecycle", body: "Accept", response: "Contact"}),
		api("POST /api/v1/contacts/{id}/reject", auth.WriteLeads, s.handleRejectSQL, apiDoc{
			summary: "Sales rejects a sales-qualified lead with a reason; it goes back to lead (recycled)", tag: "lifecycle", body: "Reason", response: "Contact"}),
		api("POST /api/v1/contacts/{id}/disqualify", auth.WriteLeads, s.handleDisqualify, apiDoc{
			summary: "Disqualify a contact with a reason from the workspace's list", tag: "lifecycle", body: "Reason", response: "Contact"}),
		api("POST /api/v1/contacts/{id}/qualification", auth.WriteLeads, s.handleQualify, apiDoc{
			summary: "Record a qualification (budget, authority, need, timeline, product fit, notes) as a qualified event", tag: "lifecycle", body: "Qualification", response: "Event", created: true}),

		{pattern: "GET /scoring", handler: u.page(auth.Read, u.scoringPage)},
		{pattern: "GET /scoring/progress", handler: u.page(auth.Read, u.scoringProgress)},
		{pattern: "POST /scoring/rules", handler: u.page(auth.ManageMarketing, u.saveScoringRules)},
		{pattern: "POST /scoring/settings", handler: u.page(auth.ManageMarketing, u.saveScoringSettings)},
		{pattern: "POST /scoring/recompute", handler: u.page(auth.ManageMarketing, u.startRecompute)},
		{pattern: "POST /contacts/{id}/accept", handler: u.page(auth.WriteLeads, u.acceptSQL)},
		{pattern: "POST /contacts/{id}/reject", handler: u.page(auth.WriteLeads, u.rejectSQL)},
		{pattern: "POST /contacts/{id}/disqualify", handler: u.page(auth.WriteLeads, u.disqualify)},
		{pattern: "POST /contacts/{id}/qualify", handler: u.page(auth.WriteLeads, u.qualify)},
	}
}
