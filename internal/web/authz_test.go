package web

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// publicRoutes are the routes that need no login, each with the reason. Every other
// route of the table must declare the permission it needs.
var publicRoutes = map[string]string{
	"GET /healthz":                  "liveness probe",
	"GET /readyz":                   "readiness probe",
	"GET /metrics":                  "Prometheus scrape, this machine only or with the metrics token (TestMetricsAreNotPublic)",
	"GET /api/v1/openapi.json":      "the API's description",
	"GET /f/{slug}":                 "hosted form",
	"GET /f/{slug}/thanks":          "hosted form",
	"GET /f/{slug}/embed.js":        "embedded form",
	"GET /f/{slug}/definition.json": "embedded form",
	"GET /f/{slug}/challenge":       "proof-of-work challenge of the hosted form",
	"GET /f/{slug}/magnet/{token}":  "a form's lead magnet file, for the holder of a token a submission minted",
	"POST /f/{slug}":                "form submissions from anywhere",
	"OPTIONS /f/{slug}":             "CORS preflight of form submissions",
	"GET /t.js":                     "tracking snippet",
	"GET /c/{code}":                 "printed short links",
	"POST /collect":                 "tracking hits",
	"POST /webhooks/google-ads":     "signed by the platform",
	"GET /webhooks/facebook":        "platform verification, checked by token",
	"POST /webhooks/facebook":       "signed by the platform",
	"GET /webhooks/linkedin":        "platform challenge, answered with an HMAC",
	"POST /webhooks/linkedin":       "signed by the platform",
	"GET /static/":                  "styles and scripts",
	"GET /login":                    "the login form",
	"POST /login":                   "logging in",
	"POST /logout":                  "logging out",
	"GET /setup":                    "first-run setup, checked by a one-time token",
	"POST /setup":                   "first-run setup, checked by a one-time token",
	"GET /set-password":             "a teammate's one-time link to set a password, checked by its token",
	"POST /set-password":            "a teammate's one-time link to set a password, checked by its token",
}

var permNames = map[string]auth.Permission{
	"Read": auth.Read, "WriteLeads": auth.WriteLeads, "MergeContacts": auth.MergeContacts,
	"ManageMarketing": auth.ManageMarketing, "Admin": auth.Admin,
}

var patternLit = regexp.MustCompile(`^[A-Z]+ /`)

// declaredPermissions reads the permission each route declares from the source of
// the routing table: a call whose first argument is a route pattern and a later one
// auth.X (s.apiRoute(pattern, auth.X, …)), or a route{pattern: …, handler: …} whose
// handler expression names auth.X (u.page(auth.X, …)). Reading the source rather
// than a list kept in this test means a route merged from another branch is checked
// against the permission it declares, without anyone updating the test.
func declaredPermissions(t *testing.T) map[string]auth.Permission {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := map[string]auth.Permission{}
	firstPerm := func(n ast.Node) (auth.Permission, bool) {
		var p auth.Permission
		found := false
		ast.Inspect(n, func(n ast.Node) bool {
			if found {
				return false
			}
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "auth" {
					if perm, ok := permNames[sel.Sel.Name]; ok {
						p, found = perm, true
					}
				}
			}
			return true
		})
		return p, found
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if len(n.Args) < 2 {
					return true
				}
				pattern, ok := stringLit(n.Args[0])
				if !ok || !patternLit.MatchString(pattern) {
					return true
				}
				for _, a := range n.Args[1:] {
					if p, ok := firstPerm(a); ok {
						out[pattern] = p
						break
					}
				}
			case *ast.CompositeLit:
				var pattern string
				var handler ast.Expr
				for _, el := range n.Elts {
					kv, ok := el.(*ast.KeyValueExpr)
					if !ok {
						continue
					}
					switch key, _ := kv.Key.(*ast.Ident); {
					case key == nil:
					case key.Name == "pattern":
						pattern, _ = stringLit(kv.Value)
					case key.Name == "handler":
						handler = kv.Value
					}
				}
				if pattern != "" && handler != nil {
					if p, ok := firstPerm(handler); ok {
						out[pattern] = p
					}
				}
			}
			return true
		})
	}
	return out
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// authzFixture is a server over a fresh database with one object of each kind, an
// API key and a logged-in session per role, and a revoked key.
type authzFixture struct {
	srv      *Server
	keys     map[string]string
	sessions map[string]string
	revoked  string
	values   map[string]string // path wildcard → a value naming an existing object
}

func newAuthzFixture(t *testing.T) *authzFixture {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t)
	f := &authzFixture{srv: New(s, config.Config{Region: "DE", Addr: "127.0.0.1:8080"}, slog.New(slog.DiscardHandler)),
		keys: map[string]string{}, sessions: map[string]string{}}
	for i, role := range store.Roles {
		key, shown := auth.NewAPIKey()
		if _, err := s.CreateAPIKey(ctx, store.APIKey{Name: role, Role: role, Prefix: shown}, auth.HashToken(key), "test"); err != nil {
			t.Fatal(err)
		}
		f.keys[role] = key
		u, err := s.CreateUser(ctx, store.User{Email: fmt.Sprintf("user%d@example.com", i), Name: role, Role: role, PasswordHash: "not-a-login"}, "test")
		if err != nil {
			t.Fatal(err)
		}
		tok := auth.NewToken()
		if err := s.CreateSession(ctx, auth.HashToken(tok), u.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		f.sessions[role] = tok
	}
	// A key revoked before its first use: the key cache has never seen it.
	key, shown := auth.NewAPIKey()
	k, err := s.CreateAPIKey(ctx, store.APIKey{Name: "gone", Role: store.RoleAdmin, Prefix: shown}, auth.HashToken(key), "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeAPIKey(ctx, k.ID, "test"); err != nil {
		t.Fatal(err)
	}
	f.revoked = key

	camp, err := s.CreateCampaign(ctx, store.Campaign{Name: "Authz fair", Channel: "event", LandingURL: "https://example.com/fair"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	w := f.do("POST", "/api/v1/forms", credential{header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}},
		`{"slug":"authz","name":"Authz","fields":["email"]}`)
	if w.Code != http.StatusCreated {
		t.Fatalf("create form: %d %s", w.Code, w.Body)
	}
	out, err := s.Ingest(ctx, []store.Capture{
		{Type: "form_submit", Email: "a@example.com", Phone: "+493012345678", Touch: true},
		{Type: "form_submit", Email: "b@example.com", Phone: "+493012345678", Touch: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The admin's routes change a spare teammate and the revoked key, so that no
	// change they make locks a role's credentials out of the routes checked after.
	spare, err := s.CreateUser(ctx, store.User{Email: "spare@example.com", Name: "Spare", Role: store.RoleAgent}, "test")
	if err != nil {
		t.Fatal(err)
	}
	f.values = map[string]string{
		"id": strconv.FormatInt(out[0].ContactID, 10), "merge": "1", "slug": "authz", "code": camp.ShortCode,
		"platform": "facebook", "format": "qr.svg", "user": strconv.FormatInt(spare.ID, 10), "key": strconv.FormatInt(k.ID, 10),
	}
	return f
}

var wildcard = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// path fills a pattern's wildcards with the fixture's objects.
func (f *authzFixture) path(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	if strings.HasSuffix(path, "/") && path != "/" {
		path += "app.css" // a subtree pattern such as /static/
	}
	path = wildcard.ReplaceAllStringFunc(path, func(m string) string {
		name := wildcard.FindStringSubmatch(m)[1]
		if v, ok := f.values[name]; ok {
			return v
		}
		return "1"
	})
	return method, path
}

type credential struct {
	name   string
	role   string // "" for none
	header []string
}

// do sends a request; a POST or PUT carries body (an empty JSON object when none
// is given), which is enough to reach the permission check and the handler's own
// validation.
func (f *authzFixture) do(method, path string, c credential, body ...string) *httptest.ResponseRecorder {
	var r *http.Request
	if method == http.MethodPost || method == http.MethodPut {
		b := "{}"
		if len(body) > 0 {
			b = body[0]
		}
		r = httptest.NewRequest(method, path, strings.NewReader(b))
		r.Header.Set("Content-Type", "application/json")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	for i := 0; i+1 < len(c.header); i += 2 {
		if c.header[i] == "Cookie" {
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: c.header[i+1]})
			continue
		}
		r.Header.Set(c.header[i], c.header[i+1])
	}
	w := httptest.NewRecorder()
	f.srv.ServeHTTP(w, r)
	return w
}

// TestAuthorizationMatrix proves the promise "every route refuses exactly the
// principals whose role lacks its permission" (docs/reliability.md, Security). Each
// route of the routing table is called with an API key and with a session of every
// role, with no credentials, a revoked key, a malformed Authorization header and a
// stale session. A route is refused (401 or 403 for the API, a redirect to /login or
// a 403 page for screens) exactly when the role lacks the permission the route
// declares, and no call is ever a 5xx.
//
// A route added to the table without a declared permission fails this test: it is
// neither wrapped in s.apiRoute(pattern, auth.X, …) nor u.page(auth.X, …), so
// declaredPermissions finds nothing for it, and unless it is listed in publicRoutes
// with a reason, the test reports it. A public route that turns out to require a
// login, or a guarded one reachable without it, fails as well.
func TestAuthorizationMatrix(t *testing.T) {
	f := newAuthzFixture(t)
	declared := declaredPermissions(t)
	table := f.srv.routes()
	if len(table) < 30 {
		t.Fatalf("only %d routes in the table", len(table))
	}
	anonymous := []credential{
		{name: "no credentials"},
		{name: "revoked key", header: []string{"Authorization", "Bearer " + f.revoked}},
		{name: "unknown key", header: []string{"Authorization", "Bearer lsk_0000000000000000000000000000"}},
		{name: "basic auth", header: []string{"Authorization", "Basic YWRtaW46YWRtaW4="}},
		{name: "stale session", header: []string{"Cookie", "no-such-session"}},
	}
	checked := 0
	for _, rt := range table {
		method, path := f.path(rt.pattern)
		perm, guarded := declared[rt.pattern]
		_, public := publicRoutes[rt.pattern]
		switch {
		case guarded && public:
			t.Errorf("%s declares a permission but is listed in publicRoutes: take it off the list", rt.pattern)
			continue
		case !guarded && !public:
			t.Errorf("%s declares no permission: wrap it in s.apiRoute(pattern, auth.X, …) or u.page(auth.X, …), "+
				"or, if anyone may call it, add it to publicRoutes in authz_test.go with the reason", rt.pattern)
			continue
		}
		page := rt.api == nil
		if public {
			// Public routes answer everyone alike and never with a 5xx.
			for _, c := range append(anonymous, credential{name: "admin key", header: []string{"Authorization", "Bearer " + f.keys[store.RoleAdmin]}}) {
				w := f.do(method, path, c)
				if w.Code >= 500 {
					t.Errorf("%s %s with %s: %d %s", method, path, c.name, w.Code, w.Body)
				}
			}
			continue
		}
		checked++
		for _, c := range anonymous {
			w := f.do(method, path, c)
			switch {
			case w.Code >= 500:
				t.Errorf("%s %s with %s: %d %s", method, path, c.name, w.Code, w.Body)
			case page && !(w.Code == http.StatusSeeOther && strings.HasPrefix(w.Header().Get("Location"), "/login")):
				t.Errorf("page %s %s with %s = %d (Location %q), want a redirect to /login", method, path, c.name, w.Code, w.Header().Get("Location"))
			case !page && w.Code != http.StatusUnauthorized:
				t.Errorf("API %s %s with %s = %d, want 401", method, path, c.name, w.Code)
			}
		}
		for _, role := range store.Roles {
			creds := []credential{
				{name: role + " key", role: role, header: []string{"Authorization", "Bearer " + f.keys[role]}},
				{name: role + " session", role: role, header: []string{"Cookie", f.sessions[role]}},
			}
			for _, c := range creds {
				w := f.do(method, path, c)
				allowed := auth.Can(role, perm)
				refused := w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden ||
					(w.Code == http.StatusSeeOther && strings.HasPrefix(w.Header().Get("Location"), "/login"))
				switch {
				case w.Code >= 500:
					t.Errorf("%s %s as %s: %d %s", method, path, c.name, w.Code, w.Body)
				case allowed && refused:
					t.Errorf("%s %s as %s = %d, but the role holds the permission the route declares", method, path, c.name, w.Code)
				case !allowed && w.Code != http.StatusForbidden:
					t.Errorf("%s %s as %s = %d, want 403: the role lacks the permission the route declares", method, path, c.name, w.Code)
				}
			}
		}
	}
	// The table holds at least the API and the screens of this release.
	if checked < 25 {
		t.Fatalf("only %d guarded routes checked", checked)
	}
	var unused []string
	for p := range publicRoutes {
		if !slices.ContainsFunc(table, func(rt route) bool { return rt.pattern == p }) {
			unused = append(unused, p)
		}
	}
	if len(unused) > 0 {
		t.Errorf("publicRoutes names routes the table no longer has: %v", unused)
	}
	if os.Getenv("LODESTONE_AUTHZ_VERBOSE") != "" {
		for _, rt := range table {
			t.Logf("%-50s %v", rt.pattern, declared[rt.pattern])
		}
	}
}
