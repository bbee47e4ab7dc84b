package web

import (
	"net/http"

	"github.com/lodestone-hq/lodestone/internal/auth"
)

// captureRoutes are the routes of the form builder, CSV imports and proof of work.
func (s *Server) captureRoutes(u *ui) []route {
	api := s.apiRoute
	return []route{
		// Public: a fresh proof-of-work challenge for a form (see form_pow.go).
		{pattern: "GET /f/{slug}/challenge", handler: http.HandlerFunc(s.handleFormChallenge)},

		s.uploadRoute("POST /api/v1/imports", auth.ManageMarketing, s.handleCreateImport, apiDoc{
			summary: "Upload a CSV list as multipart/form-data and import it in the background: parts file, channel (required), campaign (a name) or campaign_id, " +
				"consent (consent, legitimate_interest or contract), existing (update or skip), mapping (a JSON object of column to field) or map (COLUMN=FIELD, repeatable); " +
				"contacts are matched by email, then phone", tag: "imports", response: "Import", accepted: true}),
		api("GET /api/v1/imports", auth.Read, s.handleListImports, apiDoc{
			summary: "List the newest imports", tag: "imports", response: "ImportList"}),
		api("GET /api/v1/imports/{id}", auth.Read, s.handleGetImport, apiDoc{
			summary: "An import's progress: status, rows read, created, updated, skipped and rejected", tag: "imports", response: "Import"}),
		api("GET /api/v1/imports/{id}/rejected.csv", auth.Read, s.handleImportRejected, apiDoc{
			summary: "The rows an import rejected, with row number, column and reason, as CSV safe to open in a spreadsheet", tag: "imports", response: "Binary"}),

		// A form's lead magnet file: uploaded by marketing, downloaded by the people who
		// sent the form, with the token their submission minted (form_magnet.go).
		{pattern: "GET /f/{slug}/magnet/{token}", handler: http.HandlerFunc(s.handleFormMagnet)},
		s.uploadRoute("PUT /api/v1/forms/{id}/magnet", auth.ManageMarketing, s.handlePutFormMagnet, apiDoc{
			summary: "Give a form a lead magnet file for its thank-you page, replacing the one it had: the file as the body (its name in file_name) or as multipart/form-data in a part named file; " +
				"at most 25 MiB; a PDF, an image (PNG, JPEG, GIF, WebP), a ZIP archive, an office document, or plain text or CSV, told from its bytes", tag: "forms", response: "FormMagnet",
			query: []param{{"file_name", "the file's name, for a body that is the file itself"}}}),
		api("GET /api/v1/forms/{id}/magnet", auth.Read, s.handleGetFormMagnet, apiDoc{
			summary: "A form's lead magnet file: its name, type, size and SHA-256", tag: "forms", response: "FormMagnet"}),
		api("DELETE /api/v1/forms/{id}/magnet", auth.ManageMarketing, s.handleDeleteFormMagnet, apiDoc{
			summary: "Take a form's lead magnet file away", tag: "forms", response: "Object"}),

		{pattern: "GET /forms", handler: u.page(auth.Read, u.forms)},
		{pattern: "GET /forms/new", handler: u.page(auth.ManageMarketing, u.newForm)},
		{pattern: "POST /forms", handler: u.page(auth.ManageMarketing, u.saveFormPage)},
		{pattern: "POST /forms/preview", handler: u.page(auth.ManageMarketing, u.previewForm)},
		{pattern: "GET /forms/{id}", handler: u.page(auth.Read, u.editForm)},
		{pattern: "POST /forms/{id}", handler: u.page(auth.ManageMarketing, u.saveFormPage)},
		{pattern: "POST /forms/{id}/magnet", handler: u.uploadPage(auth.ManageMarketing, u.uploadFormMagnet)},
		{pattern: "POST /forms/{id}/magnet/delete", handler: u.page(auth.ManageMarketing, u.deleteFormMagnetPage)},

		{pattern: "GET /imports", handler: u.page(auth.Read, u.imports)},
		{pattern: "POST /imports", handler: u.uploadPage(auth.ManageMarketing, u.uploadImport)},
		{pattern: "GET /imports/{id}", handler: u.page(auth.Read, u.importPage)},
		{pattern: "GET /imports/{id}/progress", handler: u.page(auth.Read, u.importProgress)},
		{pattern: "POST /imports/{id}/start", handler: u.page(auth.ManageMarketing, u.startImport)},
	}
}
