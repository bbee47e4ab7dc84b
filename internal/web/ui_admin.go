package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The admin screens under /settings: the workspace's settings, the team, API keys
// and the audit log. They call what the admin API calls (api_admin.go).

type workspaceView struct {
	Values     workspaceSettings
	Errors     map[string]string
	Saved      bool
	Currencies []string // the ISO 4217 codes to choose from
}

func (u *ui) settingsPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	v, err := u.s.readWorkspaceSettings(r.Context())
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "settings", view{Title: "Settings", Nav: "settings", User: p,
		Data: workspaceView{Values: v, Saved: r.URL.Query().Get("saved") == "1", Currencies: money.Codes()}})
	return nil
}

func (u *ui) saveSettings(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	form := workspaceSettings{TrackingConsent: r.PostFormValue(settingTrackingConsent),
		NewsletterStage: r.PostFormValue(settingNewsletterStage), HourlyRate: r.PostFormValue(settingHourlyRate),
		Currency: r.PostFormValue(settingCurrency), WebsiteURL: r.PostFormValue(settingWebsiteURL)}
	now, err := u.s.readWorkspaceSettings(r.Context())
	if err != nil {
		return err
	}
	in := workspaceSettingsInput{TrackingConsent: &form.TrackingConsent, NewsletterStage: &form.NewsletterStage, HourlyRate: &form.HourlyRate, WebsiteURL: &form.WebsiteURL}
	if form.Currency != "" {
		in.Currency = &form.Currency
	}
	values, err := checkWorkspaceSettings(in, now)
	if err == nil {
		err = u.s.saveWorkspaceSettings(r.Context(), values, p.Actor())
	}
	var e *errs.Error
	if errors.As(err, &e) && (e.Code == errs.Invalid || e.Code == errs.Conflict) && e.Field != "" {
		u.render(w, r, http.StatusUnprocessableEntity, "settings", view{Title: "Settings", Nav: "settings", User: p,
			Data: workspaceView{Values: form, Errors: map[string]string{e.Field: fieldMessage(e)}, Currencies: money.Codes()}})
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
	return nil
}

// fieldMessage is an API error message as a sentence under a form field.
func fieldMessage(e *errs.Error) string {
	m := e.Message
	if m == "" {
		return ""
	}
	if e.Code != errs.Invalid {
		return upperFirst(m) + "."
	}
	return "This " + strings.ReplaceAll(e.Field, "_", " ") + " " + m + "."
}

// usersView is the team screen.
type usersView struct {
	Users  []*store.User
	Me     int64
	Roles  []string
	Form   userForm
	Link   *passwordLinkJSON // a link just made, shown once
	LinkTo string            // whose link it is
	Notice string
	Error  string
}

type userForm struct {
	Email, Name, Role string
	Errors            map[string]string
}

func (u *ui) usersPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	v := usersView{Form: userForm{Role: store.RoleSales}}
	switch r.URL.Query().Get("done") {
	case "role":
		v.Notice = "Role changed."
	case "disable":
		v.Notice = "User disabled: they are logged out and cannot log in."
	case "enable":
		v.Notice = "User enabled: they can log in again."
	}
	return u.showUsers(w, r, p, http.StatusOK, v)
}

func (u *ui) showUsers(w http.ResponseWriter, r *http.Request, p *Principal, status int, v usersView) error {
	users, err := u.s.store.Users(r.Context())
	if err != nil {
		return err
	}
	v.Users, v.Me, v.Roles = users, p.ID, store.Roles
	if p.Kind != "user" {
		v.Me = 0
	}
	u.render(w, r, status, "settings_users", view{Title: "Team", Nav: "settings", User: p, Data: v})
	return nil
}

func (u *ui) addUser(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	f := userForm{Email: strings.TrimSpace(r.PostFormValue("email")), Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role")}
	usr, link, err := u.s.addUser(r.Context(), userIn{Email: f.Email, Name: f.Name, Role: f.Role}, p.Actor())
	var e *errs.Error
	if errors.As(err, &e) && (e.Code == errs.Invalid || e.Code == errs.Conflict) && e.Field != "" {
		f.Errors = map[string]string{e.Field: fieldMessage(e)}
		return u.showUsers(w, r, p, http.StatusUnprocessableEntity, usersView{Form: f})
	}
	if err != nil {
		return err
	}
	return u.showUsers(w, r, p, http.StatusCreated, usersView{Form: userForm{Role: f.Role}, Link: &link, LinkTo: usr.Email,
		Notice: usr.Email + " was added. Send them the link below; it works once."})
}

// changeUser handles the buttons of a row of the team table: role, disable, enable.
func (u *ui) changeUser(change string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *Principal) error {
		id, err := pathID(r, "user")
		if err != nil {
			return err
		}
		if err := r.ParseForm(); err != nil {
			return errs.E(errs.Invalid, "", "The form could not be read.")
		}
		var in userChangeIn
		switch change {
		case "role":
			role := r.PostFormValue("role")
			in.Role = &role
		case "disable", "enable":
			d := change == "disable"
			in.Disabled = &d
		}
		_, err = u.s.changeUser(r.Context(), p, id, in)
		var e *errs.Error
		if errors.As(err, &e) && (e.Code == errs.Invalid || e.Code == errs.Conflict) {
			msg := e.Message
			if e.Field == "role" {
				msg = fieldMessage(e)
			}
			return u.showUsers(w, r, p, statusOf[e.Code], usersView{Form: userForm{Role: store.RoleSales}, Error: upperFirst(msg)})
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/settings/users?done="+change+"#user-"+itoa(id), http.StatusSeeOther)
		return nil
	}
}

func (u *ui) newPasswordLink(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	usr, err := u.s.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	link, err := u.s.passwordLink(r.Context(), id, p.Actor())
	var e *errs.Error
	if errors.As(err, &e) && e.Code == errs.Conflict {
		return u.showUsers(w, r, p, http.StatusConflict, usersView{Form: userForm{Role: store.RoleSales}, Error: upperFirst(e.Message)})
	}
	if err != nil {
		return err
	}
	return u.showUsers(w, r, p, http.StatusCreated, usersView{Form: userForm{Role: store.RoleSales}, Link: &link, LinkTo: usr.Email,
		Notice: "A new link for " + usr.Email + ": earlier links stop working. It works once."})
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// keysView is the API keys screen.
type keysView struct {
	Keys    []*store.APIKey
	Roles   []string
	Form    keyForm
	NewKey  string // the secret of a key just made, shown once
	NewName string
	Notice  string
}

type keyForm struct {
	Name, Role string
	Errors     map[string]string
}

func (u *ui) apiKeysPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	v := keysView{Form: keyForm{Role: store.RoleReadOnly}}
	if r.URL.Query().Get("done") == "revoke" {
		v.Notice = "Key revoked: it no longer works."
	}
	return u.showKeys(w, r, p, http.StatusOK, v)
}

func (u *ui) showKeys(w http.ResponseWriter, r *http.Request, p *Principal, status int, v keysView) error {
	keys, err := u.s.store.APIKeys(r.Context())
	if err != nil {
		return err
	}
	v.Keys, v.Roles = keys, store.Roles
	u.render(w, r, status, "settings_keys", view{Title: "API keys", Nav: "settings", User: p, Data: v})
	return nil
}

func (u *ui) createAPIKey(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	f := keyForm{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role")}
	key, k, err := auth.IssueAPIKey(r.Context(), u.s.store, f.Name, f.Role, p.Actor())
	var e *errs.Error
	if errors.As(err, &e) && e.Code == errs.Invalid && e.Field != "" {
		f.Errors = map[string]string{e.Field: fieldMessage(e)}
		return u.showKeys(w, r, p, http.StatusUnprocessableEntity, keysView{Form: f})
	}
	if err != nil {
		return err
	}
	return u.showKeys(w, r, p, http.StatusCreated, keysView{Form: keyForm{Role: store.RoleReadOnly}, NewKey: key, NewName: k.Name})
}

func (u *ui) revokeAPIKey(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "key")
	if err != nil {
		return err
	}
	if _, err := u.s.revokeAPIKey(r.Context(), id, p.Actor()); err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/api-keys?done=revoke", http.StatusSeeOther)
	return nil
}

// auditView is the audit log screen.
type auditView struct {
	Page    *store.AuditPage
	Actions []string
	Actors  []actorOption
	Actor   string
	Action  string
	Names   map[string]string // actor → who that is, in words
	Older   string            // the URL of the next, older page
	First   bool
}

type actorOption struct{ Value, Label string }

func (u *ui) auditPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	ctx := r.Context()
	q, err := auditQueryFrom(r)
	if err != nil {
		return err
	}
	page, err := u.s.store.AuditEntries(ctx, q)
	if err != nil {
		return err
	}
	v := auditView{Page: page, Actor: q.Actor, Action: q.Action, Names: map[string]string{"cli": "Command line", "setup": "First-run setup"}, First: q.Cursor == ""}
	if v.Actions, err = u.s.store.AuditActions(ctx); err != nil {
		return err
	}
	users, err := u.s.store.Users(ctx)
	if err != nil {
		return err
	}
	for _, usr := range users {
		name := usr.Name
		if name == "" {
			name = usr.Email
		}
		v.Names["user:"+itoa(usr.ID)] = name
		v.Actors = append(v.Actors, actorOption{"user:" + itoa(usr.ID), name})
	}
	keys, err := u.s.store.APIKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range keys {
		v.Names["key:"+itoa(k.ID)] = "API key " + k.Name
		v.Actors = append(v.Actors, actorOption{"key:" + itoa(k.ID), "API key " + k.Name})
	}
	v.Actors = append(v.Actors, actorOption{"cli", "Command line"}, actorOption{"setup", "First-run setup"})
	if page.NextCursor != "" {
		next := url.Values{"cursor": {page.NextCursor}}
		if q.Actor != "" {
			next.Set("actor", q.Actor)
		}
		if q.Action != "" {
			next.Set("action", q.Action)
		}
		v.Older = "/settings/audit?" + next.Encode()
	}
	u.render(w, r, http.StatusOK, "settings_audit", view{Title: "Audit log", Nav: "settings", User: p, Data: v})
	return nil
}

// userInitials are the letters of a teammate's avatar: of their first and last name,
// or of their email.
func userInitials(u *store.User) string {
	var out []rune
	for _, w := range strings.Fields(u.Name) {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
	}
	if len(out) > 2 {
		out = append(out[:1], out[len(out)-1])
	}
	if len(out) == 0 {
		for _, r := range u.Email {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return string(unicode.ToUpper(r))
			}
		}
		return "?"
	}
	return string(out)
}

// auditValue shows a value of an audit entry's details: a word or a number as it
// is, anything larger as JSON, cut short.
func auditValue(v any) string {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case nil:
		s = "—"
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return "?"
		}
		s = string(b)
	}
	if utf8.RuneCountInString(s) > 160 {
		s = string([]rune(s)[:160]) + "…"
	}
	return s
}
