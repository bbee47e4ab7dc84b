package web

import (
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"math"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

//go:embed public
var publicFS embed.FS

var publicTmpl = template.Must(template.New("").Funcs(template.FuncMap{"consentInput": capture.ConsentInput}).ParseFS(publicFS, "public/*.html"))

// maxFormBody bounds a form post; forms are small.
const maxFormBody = 256 << 10

const visitorCookie = "ls_vid"

var visitorRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)

type formPage struct {
	Def    *capture.FormDefinition
	Accent template.CSS
	// OnAccent is the text on the accent colour (the button), Background the page
	// around the card and Muted its small print: each dark or light, whichever
	// reads on the colour the form was given.
	OnAccent, Background, Muted template.CSS
	Values                      map[string]string
	Errors                      map[string]string
	Tracking                    map[string]string
	Stamp                       string
	Banner                      string
	Thanks                      bool
	// MagnetURL downloads the form's lead magnet file, on the thank-you page of a
	// person who sent the form.
	MagnetURL string
	// AltchaScript is the ALTCHA widget, which fetches the page's proof-of-work
	// challenge and solves it when the visitor sends the form.
	AltchaScript string
	// Refusal, when set, is shown in place of the form: a post refused as a whole.
	Refusal *formRefusal
}

// loadForm finds a live form and reads its definition.
func (s *Server) loadForm(r *http.Request) (*store.Form, *capture.FormDefinition, error) {
	return s.forms.get(r.Context(), r.PathValue("slug"))
}

func (s *Server) renderForm(w http.ResponseWriter, status int, p formPage) {
	p.Accent, p.Background = "#1f6feb", "#f4f6f9"
	// Both are checked against #rrggbb when saved.
	if p.Def.Page.AccentColor != "" {
		p.Accent = template.CSS(p.Def.Page.AccentColor)
	}
	if p.Def.Page.BackgroundColor != "" {
		p.Background = template.CSS(p.Def.Page.BackgroundColor)
	}
	p.OnAccent, p.Muted = "#fff", "#5b6576"
	if !darkColour(string(p.Accent)) {
		p.OnAccent = "#111827"
	}
	if darkColour(string(p.Background)) {
		p.Muted = "#d0d5dd"
	}
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	if p.Errors == nil {
		p.Errors = map[string]string{}
	}
	if !p.Thanks && p.Refusal == nil {
		p.AltchaScript = altchaScript()
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Hosted pages may be framed by the customer's site and show the form's own colours
	// (inline styles, which the ALTCHA widget uses too). The widget solves the proof
	// of work in Web Workers it starts from blob: URLs made by its own code.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'")
	w.WriteHeader(status)
	if err := publicTmpl.ExecuteTemplate(w, "form.html", p); err != nil {
		s.log.Error("render form", "err", err)
	}
}

// handleFormPage is the hosted form, GET /f/{slug}. It carries the UTM parameters of
// the link that brought the visitor, and the page that referred them, in hidden
// fields, so attribution works with JavaScript off. Framed on the customer's page,
// the frame snippet's script names that page (page_url, with its UTM parameters) and
// the page that referred the visitor to it (referrer) in the frame's address; a
// frame drawn without JavaScript has only its Referer, which is the page the form is
// on and never the visitor's source. A visitor id (from the tracking snippet, on a
// link or the frame's address) goes on with the post, so the visitor's earlier page
// views join the contact.
func (s *Server) handleFormPage(w http.ResponseWriter, r *http.Request) {
	_, def, err := s.loadForm(r)
	if err != nil {
		s.publicError(w, r, err)
		return
	}
	tracking := map[string]string{}
	q := r.URL.Query()
	for _, k := range capture.TrackingFields {
		max := 500
		if k == "page_url" || k == "referrer" {
			max = 2000 // full addresses, as the Referer below
		}
		if v := q.Get(k); v != "" && len(v) <= max && utf8.ValidString(v) {
			tracking[k] = v
		}
	}
	// The Referer names the page that brought the visitor, unless the page is framed
	// (the Referer is then the page the frame is on) or the frame snippet named that
	// page already (it sends its own referrer when there is one).
	framed := r.Header.Get("Sec-Fetch-Dest") == "iframe"
	if ref := r.Referer(); ref != "" && len(ref) <= 2000 && utf8.ValidString(ref) {
		if u, err := url.Parse(ref); err == nil && u.Host != "" && u.Host != r.Host {
			switch {
			case framed || tracking["page_url"] != "":
				if tracking["page_url"] == "" {
					tracking["page_url"] = ref
				}
			case tracking["referrer"] == "":
				tracking["referrer"] = ref
			}
		}
	}
	if tracking["page_url"] == "" {
		// The hosted page's own address, less the visitor id.
		u := *r.URL
		if q.Has("visitor_id") {
			own := u.Query()
			own.Del("visitor_id")
			u.RawQuery = own.Encode()
		}
		tracking["page_url"] = s.cfg.PublicURL() + u.RequestURI()
	}
	if v := q.Get("visitor_id"); visitorRe.MatchString(v) {
		tracking["visitor_id"] = v
	}
	values := map[string]string{}
	for _, f := range def.Fields {
		if v := q.Get(f.Name); v != "" && len(v) <= 500 {
			values[f.Name] = v // prefilled from the link, e.g. from an email
		}
	}
	s.renderForm(w, http.StatusOK, formPage{Def: def, Values: values, Tracking: tracking, Stamp: s.stamp(r, def.Slug, time.Now())})
}

// handleFormThanks is the thank-you page a browser is redirected to after a post.
func (s *Server) handleFormThanks(w http.ResponseWriter, r *http.Request) {
	form, def, err := s.loadForm(r)
	if err != nil {
		s.publicError(w, r, err)
		return
	}
	s.renderForm(w, http.StatusOK, formPage{Def: def, Thanks: true, MagnetURL: s.thanksMagnet(r, form)})
}

// handleFormPost is POST /f/{slug}: a submission from a browser (URL-encoded or
// multipart) or a program (JSON). It is acknowledged only after it is committed.
func (s *Server) handleFormPost(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	ip := s.clientIP(r)
	if ok, wait := s.ipLimit.allow(ip, now); !ok {
		s.formTooMany(w, r, wait, false)
		return
	}
	slug := r.PathValue("slug")
	if ok, wait := s.formLimit.allow(slug, now); !ok {
		s.formTooMany(w, r, wait, true)
		return
	}
	form, def, err := s.loadForm(r)
	if err != nil {
		s.postRefused(w, r, nil, err)
		return
	}
	jsonPost, values, err := readFormValues(w, r)
	if err != nil {
		s.postRefused(w, r, def, err)
		return
	}
	s.allowOrigin(w, r, def)
	succeed := func(res store.Captured) {
		if jsonPost {
			out := map[string]any{"contact_id": res.ContactID, "created": res.Created}
			if p := s.magnetPath(r, form, res); p != "" {
				out["magnet_url"] = s.cfg.PublicURL() + p
			}
			writeJSON(w, http.StatusCreated, out)
			return
		}
		if def.ThankYou.RedirectURL != "" {
			http.Redirect(w, r, def.ThankYou.RedirectURL, http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, s.thanksPath(r, form, res), http.StatusSeeOther)
	}
	if values.Get("_hp") != "" {
		// A filled honeypot is a bot: it is told all went well and nothing is stored.
		succeed(store.Captured{})
		return
	}
	// The proof of work (the ALTCHA widget's payload): checked whenever one is sent,
	// required when the form says so, skipped for programs posting JSON with an API key.
	var proof capture.Proof
	if pow := values.Get(capture.ProofField); (pow != "" || def.ProofOfWork.Required) && !(jsonPost && s.keyedPost(r)) {
		var perr error
		if proof, perr = capture.VerifyProof(s.formSecret(r.Context()), def.Slug, pow, now); perr != nil {
			s.formProblems(w, r, jsonPost, def, values, []capture.FieldProblem{{Field: capture.ProofField, Message: perr.Error()}})
			return
		}
	}
	// The fill time: checked whenever a stamp is sent; required, when the form says
	// so, of a post that brings no proof of work, unless a program posts JSON with an
	// API key. A stamp sent where none is required may be a day old (the embedded
	// form sends the one it was drawn with): its age is no sign of a bot there.
	required := def.FillTime.Required && proof.Challenge == "" && !(jsonPost && s.keyedPost(r))
	if st := values.Get(capture.StampField); st != "" || required {
		if err := capture.CheckStamp(s.formSecret(r.Context()), def.Slug, st, now); err != nil && (required || err != capture.ErrStampExpired) {
			s.formProblems(w, r, jsonPost, def, values, []capture.FieldProblem{{Field: capture.StampField, Message: err.Error()}})
			return
		}
	}
	stage := s.settings.get(r.Context(), "newsletter_stage")
	meta := capture.SubmissionMeta{Slug: form.Slug, CampaignID: form.CampaignID, IP: ip, UserAgent: r.UserAgent(), Referrer: r.Referer(),
		Now: s.store.Now(), Region: s.cfg.Region, NewsletterStage: stage}
	if c, err := r.Cookie(visitorCookie); err == nil && visitorRe.MatchString(c.Value) {
		meta.VisitorID = c.Value
	} else if v := values.Get("visitor_id"); visitorRe.MatchString(v) {
		meta.VisitorID = v
	}
	c, problems := capture.ParseSubmission(def, values, meta)
	if len(problems) > 0 {
		s.formProblems(w, r, jsonPost, def, values, problems)
		return
	}
	var res []store.Captured
	if proof.Challenge != "" {
		res, err = s.store.IngestProved(r.Context(), proof.Challenge, proof.ExpiresAt, []store.Capture{c})
	} else {
		res, err = s.store.IngestGrouped(r.Context(), []store.Capture{c})
	}
	if errors.Is(err, store.ProofSpent) {
		s.formProblems(w, r, jsonPost, def, values, []capture.FieldProblem{{Field: capture.ProofField,
			Message: "This form was sent already. If you meant to send it again, please reload the page."}})
		return
	}
	if err != nil {
		s.postRefused(w, r, def, err)
		return
	}
	succeed(res[0])
}

// readFormValues reads a post as URL-encoded, multipart or JSON into one set of values.
func readFormValues(w http.ResponseWriter, r *http.Request) (bool, url.Values, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		var err error
		if ct == "multipart/form-data" {
			err = r.ParseMultipartForm(maxFormBody)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			if strings.Contains(err.Error(), "too large") {
				return false, nil, errs.E(errs.TooLarge, "", "the form post is larger than %d bytes", maxFormBody)
			}
			return false, nil, errs.Field("", "the form post could not be read")
		}
		return false, r.PostForm, nil
	case "application/json":
		var m map[string]any
		dec := json.NewDecoder(r.Body)
		// A number is kept as the visitor's page wrote it, all its digits.
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			return true, nil, jsonError(err)
		}
		v := url.Values{}
		for k, x := range m {
			switch t := x.(type) {
			case string:
				v.Set(k, t)
			case bool:
				if t {
					v.Set(k, "true")
				}
			case json.Number:
				v.Set(k, string(t))
			case nil:
			default:
				return true, nil, errs.Field(k, "must be a string, a number or true/false")
			}
		}
		return true, v, nil
	}
	return false, nil, errs.E(errs.Unsupported, "", "post the form URL-encoded, as multipart/form-data or as application/json")
}

// formProblems answers a refused submission: beside the fields on the page, or in
// the API's error shape.
func (s *Server) formProblems(w http.ResponseWriter, r *http.Request, jsonPost bool, def *capture.FormDefinition, v url.Values, ps []capture.FieldProblem) {
	if jsonPost {
		e := errs.Field(ps[0].Field, "%s", ps[0].Message)
		e.Details = ps
		s.writeError(w, r, e)
		return
	}
	values := map[string]string{}
	for k := range v {
		if !strings.HasPrefix(k, "_") && k != capture.ProofField {
			values[k] = v.Get(k)
		}
	}
	tracking := map[string]string{}
	for _, k := range capture.TrackingFields {
		if x := v.Get(k); x != "" {
			tracking[k] = x
		}
	}
	if x := v.Get("visitor_id"); visitorRe.MatchString(x) {
		tracking["visitor_id"] = x // the page asking again keeps the visitor's history joined
	}
	// A post from a page without tracking fields (the plain HTML form with JavaScript
	// off) came from the page its Referer names; the hosted page that asks again
	// carries that address on, or the second post would seem to come from here.
	if ref := r.Referer(); tracking["page_url"] == "" && ref != "" && len(ref) <= 2000 && utf8.ValidString(ref) {
		if u, err := url.Parse(ref); err == nil && u.Host != "" && u.Host != r.Host {
			tracking["page_url"] = ref
		}
	}
	errors := map[string]string{}
	banner := "Please check the fields marked below."
	for _, p := range ps {
		if strings.HasPrefix(p.Field, "_") || p.Field == capture.ProofField {
			banner = p.Message
			continue
		}
		errors[p.Field] = p.Message
	}
	// The page keeps the stamp the post carried, whose age only grows, unless it was
	// missing or refused: then the form is shown anew from now, so a bot that posts
	// without one gets no stamp it may use at once.
	now := time.Now()
	stamp := v.Get(capture.StampField)
	if err := capture.CheckStamp(s.formSecret(r.Context()), def.Slug, stamp, now); err != nil && err != capture.ErrStampTooFast {
		stamp = s.stamp(r, def.Slug, now)
	}
	s.renderForm(w, http.StatusUnprocessableEntity, formPage{Def: def, Values: values, Errors: errors, Tracking: tracking, Stamp: stamp, Banner: banner})
}

// allowOrigin answers cross-origin posts from the form's allowed origins, so a form
// embedded on the customer's site can read the answer.
func (s *Server) allowOrigin(w http.ResponseWriter, r *http.Request, def *capture.FormDefinition) {
	origin := r.Header.Get("Origin")
	if origin != "" && slices.Contains(def.AllowedOrigins, origin) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Vary", "Origin")
	}
}

// handleFormPreflight answers CORS preflights of JSON posts from allowed origins.
func (s *Server) handleFormPreflight(w http.ResponseWriter, r *http.Request) {
	_, def, err := s.loadForm(r)
	if err != nil {
		s.publicError(w, r, err)
		return
	}
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(def.AllowedOrigins, origin) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	h.Set("Vary", "Origin")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := retrySeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.writeError(w, r, errs.E(errs.RateLimited, "", "too many submissions; try again in %d seconds", secs))
}

// publicError answers a public endpoint's error: JSON for programs, a short page for
// people.
func (s *Server) publicError(w http.ResponseWriter, r *http.Request, err error) {
	if strings.Contains(r.Header.Get("Accept"), "text/html") && errs.Code(err) == errs.NotFound {
		formNotFound(w)
		return
	}
	s.writeError(w, r, err)
}

// stamp signs the time the form was shown, so a post can tell how long filling it took.
func (s *Server) stamp(r *http.Request, slug string, shown time.Time) string {
	return capture.IssueStamp(s.formSecret(r.Context()), slug, shown)
}

// darkColour reports whether white text reads better than near-black on a #rrggbb
// colour: its WCAG contrast with white beats its contrast with #111827.
func darkColour(hex string) bool {
	if len(hex) != 7 || hex[0] != '#' {
		return true
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return true
	}
	lin := func(c uint64) float64 {
		x := float64(c) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	l := 0.2126*lin(v>>16&255) + 0.7152*lin(v>>8&255) + 0.0722*lin(v&255)
	const ink = 0.0083 // relative luminance of #111827
	return 1.05/(l+0.05) >= (l+0.05)/(ink+0.05)
}
