package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/config"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
	"github.com/lodestone-hq/lodestone/internal/web"
)

const testPassword = "correct horse battery"

// uiEnv is a server over a fresh database, driven in memory.
type uiEnv struct {
	t     *testing.T
	store *store.Store
	h     http.Handler
}

func newUIEnv(t *testing.T) *uiEnv {
	t.Helper()
	s := storetest.Open(t)
	return &uiEnv{t: t, store: s, h: web.New(s, config.Config{Addr: "127.0.0.1:8080", Region: "US"}, slog.New(slog.DiscardHandler))}
}

func (e *uiEnv) user(email, role string) *store.User {
	e.t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.store.CreateUser(context.Background(), store.User{Email: email, Name: "Test " + role, Role: role, PasswordHash: hash}, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// do sends a request; form values make it a URL-encoded POST body.
func (e *uiEnv) do(method, path string, form url.Values, cookie *http.Cookie, header ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != nil {
		r.AddCookie(cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *uiEnv) login(email string) *http.Cookie {
	e.t.Helper()
	w := e.do("POST", "/login", url.Values{"email": {email}, "password": {testPassword}}, nil)
	if w.Code != http.StatusSeeOther {
		e.t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	return sessionOf(e.t, w)
}

func sessionOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == "lodestone_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", w.Header())
	return nil
}

func (e *uiEnv) contact(email, first string) int64 {
	e.t.Helper()
	out, err := e.store.Ingest(context.Background(), []store.Capture{{Type: "form_submit", Email: email, Touch: true,
		Fields: store.ContactFields{FirstName: first}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return out[0].ContactID
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, status int, contains ...string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body:\n%s", w.Code, status, w.Body)
	}
	for _, c := range contains {
		if !strings.Contains(w.Body.String(), c) {
			t.Fatalf("body lacks %q:\n%s", c, w.Body)
		}
	}
}

func TestPagesRedirectToLogin(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	tests := []struct{ path, want string }{
		{"/", "/login"},
		{"/contacts?q=ada", "/login?next=%2Fcontacts%3Fq%3Dada"},
		{"/contacts/1", "/login?next=%2Fcontacts%2F1"},
		{"/campaigns", "/login?next=%2Fcampaigns"},
	}
	for _, tt := range tests {
		w := e.do("GET", tt.path, nil, nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tt.want {
			t.Errorf("GET %s = %d to %q, want 303 to %q", tt.path, w.Code, w.Header().Get("Location"), tt.want)
		}
	}
	// A stale cookie is no login either, and htmx is told to load the login page whole.
	w := e.do("GET", "/contacts?q=a", nil, &http.Cookie{Name: "lodestone_session", Value: "stale"}, "HX-Request", "true")
	if w.Code != http.StatusNoContent || !strings.HasPrefix(w.Header().Get("HX-Redirect"), "/login") {
		t.Fatalf("htmx without session: %d %v", w.Code, w.Header())
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("ada@example.com", store.RoleAdmin)
	wantStatus(t, e.do("GET", "/login", nil, nil), http.StatusOK, `name="password"`)

	for _, form := range []url.Values{
		{"email": {"ada@example.com"}, "password": {"wrong password!"}},
		{"email": {"nobody@example.com"}, "password": {testPassword}},
		{"email": {"not an email"}, "password": {testPassword}},
	} {
		w := e.do("POST", "/login", form, nil)
		wantStatus(t, w, http.StatusUnprocessableEntity, "Wrong email or password.")
		if len(w.Result().Cookies()) != 0 {
			t.Fatalf("failed login set a cookie: %v", w.Result().Cookies())
		}
	}

	// The address is matched as normalised; next must stay on this server.
	w := e.do("POST", "/login", url.Values{"email": {" Ada@Example.com "}, "password": {testPassword}, "next": {"/contacts?q=x"}}, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/contacts?q=x" {
		t.Fatalf("login = %d to %q", w.Code, w.Header().Get("Location"))
	}
	c := sessionOf(t, w)
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Fatalf("cookie = %+v", c)
	}
	wantStatus(t, e.do("GET", "/contacts", nil, c), http.StatusOK, "Test admin")
	for _, next := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`} {
		w := e.do("POST", "/login", url.Values{"email": {"ada@example.com"}, "password": {testPassword}, "next": {next}}, nil)
		if loc := w.Header().Get("Location"); loc != "/" {
			t.Errorf("next %q redirected to %q", next, loc)
		}
	}

	// Logging out ends the session on the server, not only in the browser.
	w = e.do("POST", "/logout", url.Values{}, c)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login" {
		t.Fatalf("logout = %d", w.Code)
	}
	if w := e.do("GET", "/", nil, c); w.Code != http.StatusSeeOther {
		t.Fatalf("old cookie still works after logout: %d", w.Code)
	}
}

func TestSetupTokenWorksOnce(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	token := auth.NewToken()
	if err := e.store.CreateSetupToken(context.Background(), auth.HashToken(token), time.Hour); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do("GET", "/setup?token="+token, nil, nil), http.StatusOK, "Create the first admin")
	wantStatus(t, e.do("GET", "/setup?token=guessed", nil, nil), http.StatusForbidden, "lodestone user create")

	form := url.Values{"token": {token}, "name": {"Ada Admin"}, "email": {"ada@example.com"}, "password": {testPassword}, "password_again": {"different password"}}
	wantStatus(t, e.do("POST", "/setup", form, nil), http.StatusUnprocessableEntity, "The two passwords differ.")

	form.Set("password_again", testPassword)
	w := e.do("POST", "/setup", form, nil)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("setup = %d %s", w.Code, w.Body)
	}
	wantStatus(t, e.do("GET", "/", nil, sessionOf(t, w)), http.StatusOK, "Ada Admin", "Dashboard")

	// The same link again, to view or to post: refused, with the way forward.
	wantStatus(t, e.do("GET", "/setup?token="+token, nil, nil), http.StatusForbidden, "lodestone user create")
	form.Set("email", "eve@example.com")
	wantStatus(t, e.do("POST", "/setup", form, nil), http.StatusForbidden, "lodestone user create")
	if n, _ := e.store.CountUsers(context.Background()); n != 1 {
		t.Fatalf("%d users after reusing the setup link", n)
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("ada@example.com", store.RoleAdmin)
	c := e.login("ada@example.com")
	id := e.contact("lead@example.com", "Lead")
	evil := []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}
	for _, path := range []string{"/contacts/" + itoa(id) + "/notes", "/login", "/logout"} {
		w := e.do("POST", path, url.Values{"body": {"pwned"}, "email": {"ada@example.com"}, "password": {testPassword}}, c, evil...)
		if w.Code != http.StatusForbidden {
			t.Errorf("cross-site POST %s = %d, want 403", path, w.Code)
		}
	}
	// The same form posted from our own page works.
	w := e.do("POST", "/contacts/"+itoa(id)+"/notes", url.Values{"body": {"called, no answer"}}, c, "Origin", "http://127.0.0.1:8080", "Sec-Fetch-Site", "same-origin")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("same-origin note = %d %s", w.Code, w.Body)
	}
	events, _ := e.store.Timeline(context.Background(), id, store.TimelineOptions{})
	notes := 0
	for _, ev := range events {
		if ev.Type == "note" {
			notes++
		}
	}
	if notes != 1 {
		t.Fatalf("%d notes, want only the same-origin one", notes)
	}
}

func TestReadOnlyCannotWrite(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("rory@example.com", store.RoleReadOnly)
	c := e.login("rory@example.com")
	id := e.contact("lead@example.com", "Lead")
	page := e.do("GET", "/contacts/"+itoa(id), nil, c)
	wantStatus(t, page, http.StatusOK, "Timeline")
	if strings.Contains(page.Body.String(), "Add note") {
		t.Fatal("a read-only user is offered the note form")
	}
	wantStatus(t, e.do("POST", "/contacts/"+itoa(id)+"/notes", url.Values{"body": {"hello"}}, c), http.StatusForbidden, "Not allowed")
	wantStatus(t, e.do("POST", "/contacts/"+itoa(id)+"/stage", url.Values{"stage": {"customer"}, "reason": {"x"}}, c), http.StatusForbidden)
	if got, _ := e.store.Contact(context.Background(), id); got.Stage != "lead" {
		t.Fatalf("stage = %s", got.Stage)
	}
}

func TestContactForms(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("sam@example.com", store.RoleSales)
	c := e.login("sam@example.com")
	id := e.contact("lead@example.com", "<b>Bold</b>")
	path := "/contacts/" + itoa(id)

	page := e.do("GET", path, nil, c)
	wantStatus(t, page, http.StatusOK, "&lt;b&gt;Bold&lt;/b&gt;")
	if strings.Contains(page.Body.String(), "<b>Bold") {
		t.Fatal("a contact's name is not escaped")
	}

	wantStatus(t, e.do("POST", path+"/notes", url.Values{"body": {"  "}}, c), http.StatusUnprocessableEntity, "Write something first.")
	w := e.do("POST", path+"/notes", url.Values{"body": {"Asked for pricing"}}, c)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != path {
		t.Fatalf("note = %d %q", w.Code, w.Header().Get("Location"))
	}
	wantStatus(t, e.do("GET", path, nil, c), http.StatusOK, "Asked for pricing", "by Test sales")

	wantStatus(t, e.do("POST", path+"/stage", url.Values{"stage": {"sql"}, "reason": {""}}, c), http.StatusUnprocessableEntity, "Say why the stage changes")
	wantStatus(t, e.do("POST", path+"/stage", url.Values{"stage": {"nope"}, "reason": {"x"}}, c), http.StatusUnprocessableEntity, "Pick a stage.")
	if w := e.do("POST", path+"/stage", url.Values{"stage": {"sql"}, "reason": {"budget confirmed"}}, c); w.Code != http.StatusSeeOther {
		t.Fatalf("stage = %d %s", w.Code, w.Body)
	}
	wantStatus(t, e.do("GET", path, nil, c), http.StatusOK, "budget confirmed", `class="badge stage-sql"`)
	wantStatus(t, e.do("GET", "/contacts/999999", nil, c), http.StatusNotFound, "Not found")
}

func TestMergeAndUndoFromTheContactPage(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("sam@example.com", store.RoleSales)
	c := e.login("sam@example.com")
	ctx := context.Background()
	out, err := e.store.Ingest(ctx, []store.Capture{
		{Type: "form_submit", Email: "ada@example.com", Phone: "+12025550100", Touch: true, Fields: store.ContactFields{FirstName: "Ada"}},
		{Type: "form_submit", Email: "ada.l@example.org", Phone: "+12025550100", Touch: true, Fields: store.ContactFields{FirstName: "Ada L"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	winner, loser := out[0].ContactID, out[1].ContactID
	path := "/contacts/" + itoa(winner)
	wantStatus(t, e.do("GET", path, nil, c), http.StatusOK, "Possible duplicates", "Merge into this contact")

	if w := e.do("POST", path+"/merge", url.Values{"loser_id": {itoa(loser)}}, c); w.Code != http.StatusSeeOther {
		t.Fatalf("merge = %d %s", w.Code, w.Body)
	}
	page := e.do("GET", path, nil, c)
	wantStatus(t, page, http.StatusOK, "Undo merge")
	wantStatus(t, e.do("GET", "/contacts/"+itoa(loser), nil, c), http.StatusOK, "This contact was merged into", `href="`+path+`"`)

	body := page.Body.String()
	i := strings.Index(body, "/merges/")
	mergePath := body[i-len(path) : i+strings.Index(body[i:], `"`)]
	if w := e.do("POST", mergePath, url.Values{}, c); w.Code != http.StatusSeeOther {
		t.Fatalf("undo %s = %d %s", mergePath, w.Code, w.Body)
	}
	page = e.do("GET", path, nil, c)
	wantStatus(t, page, http.StatusOK, "merge undone")
	if strings.Contains(page.Body.String(), "Undo merge") {
		t.Fatal("an undone merge still offers undo")
	}
	// Undoing twice is a conflict shown on the page, not an error page.
	wantStatus(t, e.do("POST", mergePath, url.Values{}, c), http.StatusUnprocessableEntity, "undone already")
}

func TestContactListAndFragments(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	e.user("ada@example.com", store.RoleAdmin)
	c := e.login("ada@example.com")
	for i := range 55 {
		e.contact("lead"+itoa(int64(i))+"@example.com", "Lead"+itoa(int64(i)))
	}
	e.contact("grace@hopper.example", "Grace")

	full := e.do("GET", "/contacts", nil, c)
	wantStatus(t, full, http.StatusOK, "<!doctype html>", "Grace", "Load more", `name="htmx-config"`)
	if full.Header().Get("Vary") != "HX-Request" {
		t.Fatalf("Vary = %q", full.Header().Get("Vary"))
	}

	frag := e.do("GET", "/contacts?q=grace", nil, c, "HX-Request", "true")
	wantStatus(t, frag, http.StatusOK, "Grace")
	if strings.Contains(frag.Body.String(), "<html") || strings.Contains(frag.Body.String(), "Lead1") || strings.Contains(frag.Body.String(), "Load more") {
		t.Fatalf("fragment:\n%s", frag.Body)
	}
	restore := e.do("GET", "/contacts?q=grace", nil, c, "HX-Request", "true", "HX-History-Restore-Request", "true")
	wantStatus(t, restore, http.StatusOK, "<!doctype html>")

	wantStatus(t, e.do("GET", "/contacts?created_from=yesterday", nil, c), http.StatusUnprocessableEntity, "must be a date")
	wantStatus(t, e.do("GET", "/contacts?q=nobody-like-this", nil, c), http.StatusOK, "No contacts match.")
	// A "to" date includes that whole day.
	today := time.Now().UTC()
	wantStatus(t, e.do("GET", "/contacts?q=grace&created_to="+today.Format("2006-01-02"), nil, c), http.StatusOK, "Grace")
	wantStatus(t, e.do("GET", "/contacts?q=grace&created_from="+today.AddDate(0, 0, 1).Format("2006-01-02"), nil, c), http.StatusOK, "No contacts match.")
	wantStatus(t, e.do("GET", "/", nil, c), http.StatusOK, "Contacts by stage", "Grace")
	wantStatus(t, e.do("GET", "/campaigns", nil, c), http.StatusOK, "Campaigns")
}

func TestStaticFiles(t *testing.T) {
	t.Parallel()
	e := newUIEnv(t)
	for path, ctype := range map[string]string{"/static/app.css": "text/css", "/static/htmx.min.js": "text/javascript"} {
		w := e.do("GET", path+"?v=1", nil, nil)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), ctype) ||
			!strings.Contains(w.Header().Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("GET %s = %d %v", path, w.Code, w.Header())
		}
	}
	if w := e.do("GET", "/static/", nil, nil); w.Code != http.StatusNotFound {
		t.Errorf("directory listing: %d", w.Code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestContactProfileInWords: the profile shows what enrichment found in words, not the
// stored codes ("vp", "fixed_line").
func TestContactProfileInWords(t *testing.T) {
	e := newUIEnv(t)
	e.user("sam@example.com", store.RoleSales)
	sam := e.login("sam@example.com")
	ctx := context.Background()
	id := e.contact("ada@example.com", "Ada")
	cands, err := e.store.ContactsToEnrich(ctx, 10)
	if err != nil || len(cands) != 1 {
		t.Fatalf("candidates = %+v, %v", cands, err)
	}
	if _, err := e.store.SaveEnrichment(ctx, []store.ContactEnrichment{{ID: id, Seniority: "vp", Department: "it", EmailType: "work",
		PhoneType: "fixed_line_or_mobile", PhoneRegion: "DE", From: cands[0]}}); err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", "/contacts/"+itoa(id), nil, sam)
	wantStatus(t, w, http.StatusOK, "<dd>VP</dd>", "<dd>IT</dd>", "<dd>Work</dd>", "<dd>Landline or mobile <span")
	if strings.Contains(w.Body.String(), "fixed_line") {
		t.Error("the profile shows a stored code")
	}
}

// TestContactsEmptyWorkspace: a workspace without contacts says where they come from,
// with links; a search that finds nobody still says so.
func TestContactsEmptyWorkspace(t *testing.T) {
	e := newUIEnv(t)
	e.user("mia@example.com", store.RoleMarketer)
	mia := e.login("mia@example.com")
	w := e.do("GET", "/contacts", nil, mia)
	wantStatus(t, w, http.StatusOK, "No contacts yet.", `<a href="/forms">forms</a>`, `<a href="/imports">imported lists</a>`)
	if strings.Contains(w.Body.String(), "No contacts match") {
		t.Error("an empty workspace says no contacts match")
	}
	wantStatus(t, e.do("GET", "/contacts?stage=mql", nil, mia), http.StatusOK, "No contacts match.")
}

// TestScoringEmptyRowsLookEmpty: the blank rule rows show examples that say they are
// examples, so an empty workspace does not seem to have rules already.
func TestScoringEmptyRowsLookEmpty(t *testing.T) {
	e := newUIEnv(t)
	e.user("mia@example.com", store.RoleMarketer)
	w := e.do("GET", "/scoring", nil, e.login("mia@example.com"))
	wantStatus(t, w, http.StatusOK, `placeholder='e.g. seniority in (`, `placeholder="e.g. page_view"`)
	if strings.Contains(w.Body.String(), `placeholder="page_view"`) {
		t.Error("an example reads like a saved rule")
	}
}
