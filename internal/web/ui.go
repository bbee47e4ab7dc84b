package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/errs"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/*.css static/*.js static/*.svg
var staticFiles embed.FS

// ui is the state of the screens, built once with the server: the parsed templates,
// the version of each static file (for cache busting) and the login throttle.
type ui struct {
	s      *Server
	pages  map[string]*template.Template
	assets map[string]string // file name → URL with a content hash
	// logins bounds the password checks running at once: argon2id takes 64 MiB each,
	// so a flood of login attempts must queue instead of exhausting memory.
	logins    chan struct{}
	dummyOnce sync.Once
	dummyHash string
}

// uiRoutes are the screens: server-rendered HTML, enhanced with htmx where natural.
func (s *Server) uiRoutes(u *ui) []route {
	h := func(f http.HandlerFunc) http.Handler { return limitBody(f) }
	return []route{
		{pattern: "GET /static/", handler: u.static()},
		{pattern: "GET /login", handler: h(u.loginForm)},
		{pattern: "POST /login", handler: h(u.login)},
		{pattern: "POST /logout", handler: h(u.logout)},
		{pattern: "GET /setup", handler: h(u.setupForm)},
		{pattern: "POST /setup", handler: h(u.setup)},

		{pattern: "GET /{$}", handler: u.page(auth.Read, u.dashboard)},
		{pattern: "GET /contacts", handler: u.page(auth.Read, u.contacts)},
		{pattern: "GET /contacts/{id}", handler: u.page(auth.Read, u.contact)},
		{pattern: "POST /contacts/{id}/notes", handler: u.page(auth.WriteLeads, u.addNote)},
		{pattern: "POST /contacts/{id}/stage", handler: u.page(auth.WriteLeads, u.setStage)},
		{pattern: "POST /contacts/{id}/owner", handler: u.page(auth.WriteLeads, u.assignOwner)},
		{pattern: "POST /contacts/{id}/merge", handler: u.page(auth.MergeContacts, u.merge)},
		{pattern: "POST /contacts/{id}/merges/{merge}/undo", handler: u.page(auth.MergeContacts, u.undoMerge)},
		{pattern: "GET /campaigns", handler: u.page(auth.Read, u.campaigns)},
	}
}

func newUI(s *Server) *ui {
	u := &ui{s: s, pages: map[string]*template.Template{}, assets: map[string]string{}, logins: make(chan struct{}, 4)}
	_ = fs.WalkDir(staticFiles, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(path, "static/")
		u.assets[name] = "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	pages, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		// A broken template is a programming error caught by every test that builds
		// a server, so failing loudly here is right.
		u.pages[name] = template.Must(template.New(name).Funcs(u.funcs()).
			ParseFS(templateFiles, "templates/layout.html", "templates/partials.html", p))
	}
	return u
}

// static serves the embedded files. URLs carry a content hash (see asset), so the
// files may be cached for a year.
func (u *ui) static() http.Handler {
	sub, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		files.ServeHTTP(w, r)
	})
}

// view is what every page template receives.
type view struct {
	Title string
	Nav   string // the navigation entry to highlight
	User  *Principal
	Data  any
}

// pageFunc handles a screen for a logged-in principal; a returned error becomes an
// error page.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *Principal) error

// page wraps a screen: it needs a logged-in user holding perm.
func (u *ui) page(perm auth.Permission, h pageFunc) http.Handler {
	return limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := u.s.authenticate(r)
		if err != nil {
			if !errs.Is(err, errs.Unauthorized) {
				u.fail(w, r, nil, err)
				return
			}
			u.toLogin(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if !auth.Can(p.Role, perm) {
			u.fail(w, r, p, errs.E(errs.Forbidden, "", "Your role (%s) may not do this. Ask an admin if you need to.", roleLabel(p.Role)))
			return
		}
		if err := h(w, r, p); err != nil {
			u.fail(w, r, p, err)
		}
	}))
}

// toLogin sends a visitor without a session to the login page, remembering where
// they were going.
func (u *ui) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		// An htmx request would swap the login page into a table: send the whole page there.
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// localPath returns next when it is a path on this server, and "/" otherwise, so a
// login link cannot send people to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	v, err := url.Parse(next)
	if err != nil || v.Scheme != "" || v.Host != "" || strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	return next
}

type errorPage struct {
	Status  int
	Heading string
	Message string
}

// fail shows an error as a page. Errors that are not ours are logged and shown only
// as "something went wrong".
func (u *ui) fail(w http.ResponseWriter, r *http.Request, p *Principal, err error) {
	var e *errs.Error
	if !errors.As(err, &e) {
		u.s.log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = errs.E(errs.Internal, "", "Something went wrong on our side. It has been logged; please try again.")
	}
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	ep := errorPage{Status: status, Message: e.Message}
	switch status {
	case http.StatusNotFound:
		ep.Heading = "Not found"
	case http.StatusForbidden:
		ep.Heading = "Not allowed"
	case http.StatusInternalServerError:
		ep.Heading = "Something went wrong"
	default:
		ep.Heading = "That did not work"
	}
	u.render(w, r, status, "error", view{Title: ep.Heading, User: p, Data: ep})
}

// render executes a page into a buffer first, so a template error is a clean 500
// rather than half a page.
func (u *ui) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	u.renderTemplate(w, r, status, page, "layout", v)
}

func (u *ui) renderTemplate(w http.ResponseWriter, r *http.Request, status int, page, name string, data any) {
	t, ok := u.pages[page]
	if !ok {
		u.s.log.ErrorContext(r.Context(), "no such page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		u.s.log.ErrorContext(r.Context(), "render", "page", page, "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	body := showMoney(buf.Bytes(), u.s.currency(r.Context()))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// htmxFragment reports whether htmx asked for a part of a page. A history restore
// wants the whole page.
func htmxFragment(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}
