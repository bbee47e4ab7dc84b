package web

import (
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
)

// TestPostRefusedWords: each kind of refusal of a browser's form post keeps its
// status and says in the visitor's words what happened, never the error's own text
// (which may name our internals); a JSON post gets the API's error.
func TestPostRefusedWords(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	def := &capture.FormDefinition{Slug: "beta", Name: "Beta", Page: capture.FormPage{AccentColor: "#0a7d5a"}}
	for _, tt := range []struct {
		name   string
		err    error
		status int
		words  string
	}{
		{"a failing database", errors.New("disk I/O error at /var/lib/x"), 500, "Something went wrong on our side, and your details were not saved."},
		{"too large", errs.E(errs.TooLarge, "", "the form post is larger than 262144 bytes"), 413, "The form was too large to send (files or text over the limit)."},
		{"unreadable", errs.Field("", "the form post could not be read"), 400, "Your browser sent the form in a way we could not read. Please try again."},
		{"of a type no form sends", errs.E(errs.Unsupported, "", "post the form URL-encoded"), 415, "Your browser sent the form in a way we could not read."},
		{"refused by the store", errs.Field("custom", "cannot be stored: bad bytes"), 400, "Your details could not be saved. Please check what you entered and send the form again."},
		{"in conflict", errs.E(errs.Conflict, "", "clash in table contacts"), 409, "Your details could not be saved."},
	} {
		for _, ctype := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json"} {
			req := httptest.NewRequest("POST", "/f/beta", nil)
			req.SetPathValue("slug", "beta")
			req.Header.Set("Content-Type", ctype)
			rec := httptest.NewRecorder()
			s.postRefused(rec, req, def, tt.err)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Errorf("%s (%s): %d, want %d", tt.name, ctype, rec.Code, tt.status)
			}
			if ctype == "application/json" {
				if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || !strings.HasPrefix(body, `{"error":{"code":"`) {
					t.Errorf("%s (JSON): %s %s", tt.name, rec.Header().Get("Content-Type"), body)
				}
				continue
			}
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(body, tt.words) || !strings.Contains(body, "#0a7d5a") {
				t.Errorf("%s (%s): %s, want the form's page saying %q: %.500s", tt.name, ctype, rec.Header().Get("Content-Type"), tt.words, body)
			}
			if strings.Contains(body, tt.err.Error()) {
				t.Errorf("%s (%s): the page shows the error's own text", tt.name, ctype)
			}
			if strings.Contains(body, "altcha") {
				t.Errorf("%s (%s): the refusal page loads the proof-of-work widget", tt.name, ctype)
			}
		}
	}
}
