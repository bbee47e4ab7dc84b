package web

import (
	"net/http"

	"github.com/lodestone-hq/lodestone/internal/auth"
)

// routes is the whole routing table: every URL Lodestone answers, in one place.
func (s *Server) routes() []route {
	api := s.apiRoute
	rs := []route{
		{pattern: "GET /healthz", handler: http.HandlerFunc(s.handleHealth)},
		{pattern: "GET /readyz", handler: http.HandlerFunc(s.handleReady)},
		{pattern: "GET /metrics", handler: s.guardMetrics(s.metrics.handler())},
		{pattern: "GET /api/v1/openapi.json", handler: http.HandlerFunc(s.handleOpenAPI)},

		// Public capture: no login, defended by limits, honeypot and timestamps.
		{pattern: "GET /f/{slug}", handler: http.HandlerFunc(s.handleFormPage)},
		{pattern: "GET /f/{slug}/thanks", handler: http.HandlerFunc(s.handleFormThanks)},
		{pattern: "GET /f/{slug}/embed.js", handler: http.HandlerFunc(s.handleEmbedScript)},
		{pattern: "GET /f/{slug}/definition.json", handler: http.HandlerFunc(s.handleFormDefinition)},
		{pattern: "POST /f/{slug}", handler: http.HandlerFunc(s.handleFormPost)},
		{pattern: "OPTIONS /f/{slug}", handler: http.HandlerFunc(s.handleFormPreflight)},
		{pattern: "GET /t.js", handler: http.HandlerFunc(s.handleSnippet)},
		{pattern: "GET /c/{code}", handler: http.HandlerFunc(s.handleShortLink)},
		{pattern: collectPattern, handler: http.HandlerFunc(s.handleCollect)},

		// Ad-platform lead forms: signed or keyed by the platform, bodies up to 1 MiB.
		{pattern: "POST /webhooks/google-ads", handler: limitBody(http.HandlerFunc(s.handleGoogleLead))},
		{pattern: "GET /webhooks/facebook", handler: http.HandlerFunc(s.handleFacebookVerify)},
		{pattern: "POST /webhooks/facebook", handler: limitBody(http.HandlerFunc(s.handleFacebookLeads))},
		{pattern: "GET /webhooks/linkedin", handler: http.HandlerFunc(s.handleLinkedInChallenge)},
		{pattern: "POST /webhooks/linkedin", handler: limitBody(http.HandlerFunc(s.handleLinkedInLeads))},

		api("GET /api/v1/contacts", auth.Read, s.handleListContacts, apiDoc{
			summary: "List contacts, newest first or by score", tag: "contacts", response: "ContactPage",
			query: []param{{"email", "exact email (normalised before matching)"}, {"stage", "lifecycle stage"}, {"owner", "owner user id, or none"},
				{"created_from", "date or RFC 3339 time, inclusive"}, {"created_to", "date or RFC 3339 time, exclusive"},
				{"q", "text search on name, email, company and phone"},
				{"channel", "first-touch channel; direct also finds contacts without any touch"}, {"campaign", "first-touch campaign id, or none"},
				{"reached", "a stage the contact has ever entered"}, {"attribute", "an audience-insight attribute, with value: the contacts behind an insight"},
				{"value", "the attribute's value"}, {"outcome", "the insight's outcome (customer, opportunity, sql or mql): pages seen count before it; reached stands in when absent"},
				{"credited", "an attribution model: the customers it credits a sources report row with, given by the credited_ parameters"},
				{"credited_by", "the report's grouping: channel (default), campaign or channel,campaign"}, {"credited_channel", "the row's channel"},
				{"credited_campaign", "the row's campaign id, or none; required unless credited_by is channel"},
				{"credited_kind", "customers (default: a share of the conversion) or revenue (a share of the won deals)"},
				{"credited_from", "the report period's first day"}, {"credited_to", "the report period's last day, inclusive"},
				{"sort", "newest (default), fit or engagement: the highest stored score first, ties newest first"},
				{"limit", "1 to 500, default 50"}, {"cursor", "next_cursor of the previous page (of the same sort)"}}}),
		api("GET /api/v1/contacts/mailing-list.csv", auth.ManageMarketing, s.handleMailingList, apiDoc{
			summary: "Names and postal addresses of the contacts a segment, a filter or the contact list's parameters select, as CSV for a direct-mail campaign", tag: "contacts", response: "Binary",
			query: []param{{"segment", "a segment id: its members"}, {"filter", `a filter in its text form, as the segment editor shows it (country = "DE" and stage = "mql")`},
				{"stage", "lifecycle stage"}, {"q", "text search"}, {"created_from", "date"}, {"created_to", "date"}, {"all", "1 to include contacts without a postal address"}}}),
		api("GET /api/v1/contacts/{id}", auth.Read, s.handleGetContact, apiDoc{
			summary: "A contact with its timeline (newest first, a page at a time), deals and possible duplicates", tag: "contacts", response: "ContactDetail",
			query: []param{{"timeline_limit", "events of the timeline to include, 1 to 500, default 500"},
				{"timeline_before", "timeline_next of the previous answer: the next, older page of the timeline"}}}),
		api("POST /api/v1/contacts/{id}/stage", auth.WriteLeads, s.handleSetStage, apiDoc{
			summary: "Move a contact to a stage, with a reason", tag: "contacts", body: "StageChange", response: "Contact"}),
		api("POST /api/v1/contacts/{id}/owner", auth.WriteLeads, s.handleAssignOwner, apiDoc{
			summary: "Assign a contact to a user (its owner), or leave it without owner", tag: "contacts", body: "OwnerChange", response: "Contact"}),
		api("POST /api/v1/contacts/{id}/notes", auth.WriteLeads, s.handleAddNote, apiDoc{
			summary: "Add a note to a contact's timeline", tag: "contacts", body: "Note", response: "Event", created: true}),
		api("POST /api/v1/contacts/{id}/merge", auth.MergeContacts, s.handleMerge, apiDoc{
			summary: "Merge another contact into this one; both histories are kept", tag: "contacts", body: "MergeRequest", response: "Merge", created: true}),
		api("POST /api/v1/merges/{id}/undo", auth.MergeContacts, s.handleUndoMerge, apiDoc{
			summary: "Undo a merge", tag: "contacts", response: "Object"}),
		api("POST /api/v1/events", auth.WriteLeads, s.handleIngestEvents, apiDoc{
			summary: "Record a batch of events; all are accepted or none", tag: "events", body: "EventBatch", response: "EventBatchResult", accepted: true}),
		api("GET /api/v1/forms", auth.Read, s.handleListForms, apiDoc{
			summary: "List forms", tag: "forms", response: "FormList"}),
		api("POST /api/v1/forms", auth.ManageMarketing, s.handleCreateForm, apiDoc{
			summary: "Create a form; it is live at /f/{slug} at once", tag: "forms", body: "FormInput", response: "Form", created: true}),
		api("GET /api/v1/forms/{id}", auth.Read, s.handleGetForm, apiDoc{
			summary: "A form", tag: "forms", response: "Form"}),
		api("PUT /api/v1/forms/{id}", auth.ManageMarketing, s.handleUpdateForm, apiDoc{
			summary: "Replace a form's definition", tag: "forms", body: "FormInput", response: "Form"}),
		api("GET /api/v1/campaigns", auth.Read, s.handleListCampaigns, apiDoc{
			summary: "List campaigns with their total cost and hours", tag: "campaigns", response: "CampaignList"}),
		api("POST /api/v1/campaigns", auth.ManageMarketing, s.handleCreateCampaign, apiDoc{
			summary: "Create a campaign", tag: "campaigns", body: "CampaignInput", response: "Campaign", created: true}),
		api("GET /api/v1/campaigns/{id}", auth.Read, s.handleGetCampaign, apiDoc{
			summary: "A campaign with its cost entries", tag: "campaigns", response: "CampaignDetail"}),
		api("GET /api/v1/campaigns/{id}/{format}", auth.Read, s.handleCampaignQR, apiDoc{
			summary: "The campaign's QR code to print, as qr.png or qr.svg", tag: "campaigns", response: "Binary"}),
		api("POST /api/v1/campaigns/{id}/costs", auth.ManageMarketing, s.handleAddCost, apiDoc{
			summary: "Record money and hours spent on a campaign", tag: "campaigns", body: "CostInput", response: "CostEntry", created: true}),
		api("POST /api/v1/deals", auth.WriteLeads, s.handleCreateDeal, apiDoc{
			summary: "Record a deal; a won deal makes the contact a customer", tag: "deals", body: "DealInput", response: "Deal", created: true}),
		api("GET /api/v1/integrations/{platform}", auth.Admin, s.handleGetIntegration, apiDoc{
			summary: "An ad platform's lead form integration (google, facebook or linkedin): its webhook URL, which settings are set (never their secret values), and its fetching jobs", tag: "integrations", response: "Integration"}),
		api("PUT /api/v1/integrations/{platform}", auth.Admin, s.handlePutIntegration, apiDoc{
			summary: "Set an ad platform integration's settings; null or an empty string clears one", tag: "integrations", body: "IntegrationInput", response: "Integration"}),
		api("POST /api/v1/integrations/{platform}/retry", auth.Admin, s.handleRetryIntegration, apiDoc{
			summary: "Run an ad platform's dead lead-fetching jobs again, after fixing its settings", tag: "integrations", response: "RetryResult"}),
		api("GET /api/v1/reports/sources", auth.Read, s.handleSourcesReport, apiDoc{
			summary: "Leads, customers, cost and revenue per channel or campaign for a period, under an attribution model", tag: "reports", response: "SourcesReport",
			query: []param{{"from", "first day, YYYY-MM-DD (UTC), required"}, {"to", "day after the last, YYYY-MM-DD (UTC), required"},
				{"group_by", "channel (default), campaign, or channel,campaign"}, {"model", "first_touch (default), last_touch, linear, u_shaped, w_shaped, full_path, j_shaped, inverse_j or time_decay"}}}),
	}
	// Each area of the product keeps its own routes in routes_<area>.go.
	u := newUI(s)
	rs = append(rs, s.uiRoutes(u)...)
	rs = append(rs, s.captureRoutes(u)...)
	rs = append(rs, s.segmentRoutes(u)...)
	rs = append(rs, s.scoringRoutes(u)...)
	rs = append(rs, s.enrichRoutes(u)...)
	rs = append(rs, s.reportRoutes(u)...)
	rs = append(rs, s.insightRoutes(u)...)
	rs = append(rs, s.settingsRoutes(u)...)
	return rs
}

// apiRoute is a JSON API route: its handler checks perm, and doc describes it in
// the OpenAPI document. A route whose answer holds a secret (doc.secret) takes no
// Idempotency-Key, so the secret is never stored to be replayed.
func (s *Server) apiRoute(pattern string, perm auth.Permission, h func(http.ResponseWriter, *http.Request) error, doc apiDoc) route {
	return route{pattern: pattern, handler: s.apiHandler(perm, h, !doc.secret), api: &doc}
}

// APIPatterns lists the patterns of the JSON API routes, for the test that holds the
// OpenAPI document to the routing table.
func (s *Server) APIPatterns() []string {
	var out []string
	for _, rt := range s.routes() {
		if rt.api != nil {
			out = append(out, rt.pattern)
		}
	}
	return out
}
