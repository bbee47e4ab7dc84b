package web

import (
	"net/http"

	"github.com/lodestone-hq/lodestone/internal/auth"
)

// settingsRoutes are the admin's routes: workspace settings, the team, API keys and
// the audit log (SPEC section 10), and the public page of a one-time password link.
func (s *Server) settingsRoutes(u *ui) []route {
	api := s.apiRoute
	return []route{
		api("GET /api/v1/settings", auth.Admin, s.handleGetSettings, apiDoc{
			summary: "The workspace settings: whether tracking waits for consent, the stage of newsletter sign-ups, the hourly rate of reports, the currency of every amount", tag: "admin", response: "WorkspaceSettings"}),
		api("PUT /api/v1/settings", auth.Admin, s.handlePutSettings, apiDoc{
			summary: "Change workspace settings; fields left out keep their value; each change is audited. A currency with another number of decimals than the current one is a 409 while money is stored", tag: "admin", body: "WorkspaceSettingsInput", response: "WorkspaceSettings"}),
		api("GET /api/v1/users", auth.Admin, s.handleListUsers, apiDoc{
			summary: "The team: every user with their role, and whether they are disabled or have set a password", tag: "admin", response: "UserList"}),
		api("POST /api/v1/users", auth.Admin, s.handleCreateUser, apiDoc{
			summary: "Add a user; the answer holds their one-time link to set a password, shown once", tag: "admin", body: "UserInput", response: "Invitation", created: true, secret: true}),
		api("PUT /api/v1/users/{user}", auth.Admin, s.handleChangeUser, apiDoc{
			summary: "Change a user's role or disable or enable them; the last admin who can log in is kept, and nobody disables themselves", tag: "admin", body: "UserChange", response: "User"}),
		api("POST /api/v1/users/{user}/password-link", auth.Admin, s.handlePasswordLink, apiDoc{
			summary: "A new one-time link for a user to set their password; earlier links stop working", tag: "admin", response: "PasswordLink", created: true, secret: true}),
		api("GET /api/v1/api-keys", auth.Admin, s.handleListAPIKeys, apiDoc{
			summary: "API keys, revoked ones included; never the keys themselves", tag: "admin", response: "APIKeyList"}),
		api("POST /api/v1/api-keys", auth.Admin, s.handleCreateAPIKey, apiDoc{
			summary: "Create an API key with a role; the key is in this answer only", tag: "admin", body: "APIKeyInput", response: "NewAPIKey", created: true, secret: true}),
		api("POST /api/v1/api-keys/{key}/revoke", auth.Admin, s.handleRevokeAPIKey, apiDoc{
			summary: "Revoke an API key; it stops working", tag: "admin", response: "APIKey"}),
		api("GET /api/v1/audit", auth.Admin, s.handleAudit, apiDoc{
			summary: "The audit log, newest first, a page at a time", tag: "admin", response: "AuditPage",
			query: []param{{"actor", "who acted: user:ID, key:ID, cli or setup"}, {"action", "such as user.role or setting.set"},
				{"limit", "1 to 500, default 50"}, {"cursor", "next_cursor of the previous page"}}}),

		{pattern: "GET /settings", handler: u.page(auth.Admin, u.settingsPage)},
		{pattern: "POST /settings", handler: u.page(auth.Admin, u.saveSettings)},
		{pattern: "GET /settings/users", handler: u.page(auth.Admin, u.usersPage)},
		{pattern: "POST /settings/users", handler: u.page(auth.Admin, u.addUser)},
		{pattern: "POST /settings/users/{user}/role", handler: u.page(auth.Admin, u.changeUser("role"))},
		{pattern: "POST /settings/users/{user}/disable", handler: u.page(auth.Admin, u.changeUser("disable"))},
		{pattern: "POST /settings/users/{user}/enable", handler: u.page(auth.Admin, u.changeUser("enable"))},
		{pattern: "POST /settings/users/{user}/password-link", handler: u.page(auth.Admin, u.newPasswordLink)},
		{pattern: "GET /settings/api-keys", handler: u.page(auth.Admin, u.apiKeysPage)},
		{pattern: "POST /settings/api-keys", handler: u.page(auth.Admin, u.createAPIKey)},
		{pattern: "POST /settings/api-keys/{key}/revoke", handler: u.page(auth.Admin, u.revokeAPIKey)},
		{pattern: "GET /settings/audit", handler: u.page(auth.Admin, u.auditPage)},

		// A one-time link, checked by its token; no login yet.
		{pattern: "GET /set-password", handler: limitBody(http.HandlerFunc(u.setPasswordForm))},
		{pattern: "POST /set-password", handler: limitBody(http.HandlerFunc(u.setPassword))},
	}
}
