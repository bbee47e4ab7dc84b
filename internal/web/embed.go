package web

import (
	"net/http"
	"time"
)

// publicDefinition is what the embed script needs to draw a form: its fields, consents,
// page texts and thank-you, and nothing internal (no campaign, no allowed origins).
type publicDefinition struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Fields   any    `json:"fields"`
	Consents any    `json:"consents"`
	Page     any    `json:"page"`
	ThankYou any    `json:"thank_you"`
	// Stamp is the signed time the form was drawn, which the script sends back with
	// the post for the fill-time check.
	Stamp string `json:"stamp"`
}

// handleFormDefinition is GET /f/{slug}/definition.json, read by the embed script
// from the customer's site (CORS for the form's allowed origins).
func (s *Server) handleFormDefinition(w http.ResponseWriter, r *http.Request) {
	_, def, err := s.loadForm(r)
	if err != nil {
		s.publicError(w, r, err)
		return
	}
	s.allowOrigin(w, r, def)
	// Not cached: each drawing of the form gets its own stamp.
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, publicDefinition{Slug: def.Slug, Name: def.Name, Fields: def.Fields, Consents: def.Consents, Page: def.Page, ThankYou: def.ThankYou,
		Stamp: s.stamp(r, def.Slug, time.Now())})
}

// handleEmbedScript is GET /f/{slug}/embed.js: the ALTCHA widget that solves the
// proof of work, then the script that draws the form.
func (s *Server) handleEmbedScript(w http.ResponseWriter, r *http.Request) {
	if _, _, err := s.loadForm(r); err != nil {
		s.publicError(w, r, err)
		return
	}
	widget, err := staticFiles.ReadFile(altchaFile)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	js, err := publicFS.ReadFile("public/embed.js")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=300")
	w.Write(widget)
	w.Write([]byte("\n;\n")) // the widget's last statement ends here, whatever it ends with
	w.Write(js)
}
