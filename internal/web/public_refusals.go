package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
)

// A form post refused as a whole (too many posts, a body too large or unreadable, a
// form gone, a failure on our side) is answered to a person's browser with a page in
// their words, in the form's look, and to a program's JSON post in the API's error
// shape (SPEC section 11). Problems of single fields are shown beside them instead
// (formProblems).

// formRefusal is the page a visitor's browser shows for a refused post.
type formRefusal struct {
	Title   string
	Message string
	// Back leads to the form again: the page the post came from, or the hosted form.
	Back string
}

// formPostPattern is the route of form posts (routes.go).
const formPostPattern = "POST /f/{slug}"

// ourFailure is the refusal of a post that failed on our side (a failing database,
// a panic): nothing of it was stored.
var ourFailure = formRefusal{Title: "The form was not sent",
	Message: "Something went wrong on our side, and your details were not saved. Please try again in a few minutes."}

// browserPost tells a post sent by a person's browser (URL-encoded, multipart,
// anything but JSON) from a program's JSON post, as readFormValues does: the
// fields' problems of the one are shown on the page, of the other in JSON.
func browserPost(r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct != "application/json"
}

// retrySeconds is a rate limit's wait in whole seconds, rounded up, for Retry-After.
func retrySeconds(wait time.Duration) int {
	return int(wait/time.Second) + 1
}

// formTooMany refuses a form post over a rate limit: 429 with Retry-After, and on
// a browser a page that says how long to wait. perForm tells the form's own limit
// from the limit of the visitor's address.
func (s *Server) formTooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, perForm bool) {
	if !browserPost(r) {
		s.tooMany(w, r, wait)
		return
	}
	secs := retrySeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	what := "Too many sign-ups came from your network in the last minute."
	if perForm {
		what = "This form received too many sign-ups in the last minute."
	}
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	// The form's look only if it is at hand: a refused post costs no query.
	s.refusePost(w, r, s.forms.cached(r.PathValue("slug")), http.StatusTooManyRequests, formRefusal{
		Title:   "Please wait a moment",
		Message: fmt.Sprintf("%s Please wait %d %s and send the form again.", what, secs, unit),
	})
}

// postRefused answers a form post refused as a whole, with the status its error
// calls for: the API's error for a program, a page for a browser. def is the form,
// or nil when it is not known.
func (s *Server) postRefused(w http.ResponseWriter, r *http.Request, def *capture.FormDefinition, err error) {
	if !browserPost(r) || (errors.Is(err, context.Canceled) && r.Context().Err() != nil) {
		s.publicError(w, r, err)
		return
	}
	e, status := s.answerOf(r, err)
	ref := formRefusal{Title: "The form was not sent"}
	switch {
	case e.Code == errs.NotFound:
		formNotFound(w)
		return
	case e.Code == errs.TooLarge:
		ref.Message = "The form was too large to send (files or text over the limit). Please shorten what you wrote or leave out large files, and send it again."
	case e.Code == errs.Unsupported, e.Code == errs.Invalid && e.Field == "":
		ref.Message = "Your browser sent the form in a way we could not read. Please try again."
	case e.Code == errs.Internal:
		ref = ourFailure
	default:
		ref.Message = "Your details could not be saved. Please check what you entered and send the form again."
	}
	s.refusePost(w, r, def, status, ref)
}

// refusePost shows a refusal in the form's look, or in the plain look of the hosted
// pages when the form is not known.
func (s *Server) refusePost(w http.ResponseWriter, r *http.Request, def *capture.FormDefinition, status int, ref formRefusal) {
	if def == nil {
		def = &capture.FormDefinition{}
	}
	ref.Back = "/f/" + url.PathEscape(r.PathValue("slug"))
	if u, err := url.Parse(r.Referer()); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		len(r.Referer()) <= 2000 && utf8.ValidString(r.Referer()) {
		ref.Back = u.String() // the page with the form, on the customer's site or here
	}
	s.renderForm(w, status, formPage{Def: def, Refusal: &ref})
}

// formNotFound is the page of a form that does not exist or was retired.
func formNotFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, "<!doctype html><title>Form not found</title><p>This form does not exist or was retired.</p>")
}
