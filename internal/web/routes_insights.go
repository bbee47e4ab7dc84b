package web

import "github.com/lodestone-hq/lodestone/internal/auth"

// insightRoutes are the routes of the dashboard, audience insights, client and lead quality.
func (s *Server) insightRoutes(u *ui) []route {
	api := s.apiRoute
	return []route{
		api("GET /api/v1/reports/insights", auth.Read, s.handleInsights, apiDoc{
			summary: "Audience insights: per attribute value, the conversion rate to an outcome and its lift over the baseline, with 95 % Wilson intervals", tag: "reports", response: "InsightsReport",
			query: []param{{"from", "first day of the cohort (contacts created), YYYY-MM-DD, required"}, {"to", "day after the last, YYYY-MM-DD, required"},
				{"outcome", "customer (default), opportunity, sql or mql: the stage reached, ever"},
				{"attribute", "one attribute only: country, city, industry, company_size, seniority, department, email_type, age_band, channel, campaign, content or custom.KEY"},
				{"min_sample", "values with fewer contacts are not shown; default 30"}}}),
		api("GET /api/v1/reports/quality", auth.Read, s.handleQuality, apiDoc{
			summary: "Client and lead quality per source: revenue per customer, repeat purchases, referrals; SQLs accepted and rejected by sales, with the reasons", tag: "reports", response: "QualityReport",
			query: []param{{"from", "first day, YYYY-MM-DD, required"}, {"to", "day after the last, YYYY-MM-DD, required"}, {"group_by", "channel (default) or campaign"}}}),
		{pattern: "GET /insights", handler: u.page(auth.Read, u.insightsPage)},
	}
}
