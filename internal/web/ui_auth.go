package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// sessionTTL is how long a login lasts.
const sessionTTL = 14 * 24 * time.Hour

// wrongLogin is the one message for every failed login, so the page does not tell
// which addresses have an account.
const wrongLogin = "Wrong email or password."

type loginForm struct {
	Email string
	Next  string
	Error string
}

func (u *ui) loginForm(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if p, err := u.s.authenticate(r); err == nil && p.Kind == "user" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login", view{Title: "Log in", Data: loginForm{Next: next}})
}

func (u *ui) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, nil, errs.E(errs.Invalid, "", "The form could not be read."))
		return
	}
	f := loginForm{Email: strings.TrimSpace(r.PostFormValue("email")), Next: localPath(r.PostFormValue("next"))}
	user, err := u.checkLogin(r.Context(), f.Email, r.PostFormValue("password"))
	if err != nil {
		if !errs.Is(err, errs.Unauthorized) {
			u.fail(w, r, nil, err)
			return
		}
		f.Error = wrongLogin
		u.render(w, r, http.StatusUnprocessableEntity, "login", view{Title: "Log in", Data: f})
		return
	}
	if err := u.startSession(w, r, user.ID); err != nil {
		u.fail(w, r, nil, err)
		return
	}
	u.s.log.InfoContext(r.Context(), "login", "user", user.ID)
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

// checkLogin returns the user whose email and password these are. Every failure
// costs one password hash, whether or not the address has an account.
func (u *ui) checkLogin(ctx context.Context, email, password string) (*store.User, error) {
	select {
	case u.logins <- struct{}{}:
		defer func() { <-u.logins }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	wrong := errs.E(errs.Unauthorized, "", wrongLogin)
	var user *store.User
	if e, err := contact.NormalizeEmail(email); err == nil && len(password) <= 1024 {
		user, err = u.s.store.UserByEmail(ctx, e)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
	}
	if user == nil {
		_ = auth.CheckPassword(u.dummy(), password)
		return nil, wrong
	}
	if auth.CheckPassword(user.PasswordHash, password) != nil || user.Disabled {
		return nil, wrong
	}
	return user, nil
}

// dummy is a hash to check passwords against when there is no user, made on first use.
func (u *ui) dummy() string {
	u.dummyOnce.Do(func() {
		u.dummyHash, _ = auth.HashPassword(auth.NewToken())
	})
	return u.dummyHash
}

// startSession logs a user in on this browser.
func (u *ui) startSession(w http.ResponseWriter, r *http.Request, userID int64) error {
	token := auth.NewToken()
	if err := u.s.store.CreateSession(r.Context(), auth.HashToken(token), userID, sessionTTL); err != nil {
		return err
	}
	http.SetCookie(w, u.cookie(token, int(sessionTTL/time.Second)))
	return nil
}

func (u *ui) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(u.s.cfg.PublicURL(), "https://"),
	}
}

func (u *ui) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := u.s.store.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			u.fail(w, r, nil, err)
			return
		}
	}
	http.SetCookie(w, u.cookie("", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setupForm is the first-run screen: the one-time link printed by `lodestone serve`
// lets the first admin create their account.
type setupForm struct {
	Token, Name, Email string
	Errors             map[string]string
}

func (u *ui) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if ok, err := u.setupOpen(r.Context(), token); err != nil || !ok {
		u.setupClosed(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "setup", view{Title: "Welcome to Lodestone", Data: setupForm{Token: token}})
}

// setupOpen tells whether the token can still create the first admin.
func (u *ui) setupOpen(ctx context.Context, token string) (bool, error) {
	if token == "" || len(token) > 200 {
		return false, nil
	}
	n, err := u.s.store.CountUsers(ctx)
	if err != nil {
		return false, err
	}
	return n == 0 && u.s.store.SetupTokenValid(ctx, auth.HashToken(token)), nil
}

func (u *ui) setupClosed(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		u.fail(w, r, nil, err)
		return
	}
	u.render(w, r, http.StatusForbidden, "setup_closed", view{Title: "Setup link not valid"})
}

func (u *ui) setup(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, nil, errs.E(errs.Invalid, "", "The form could not be read."))
		return
	}
	f := setupForm{Token: r.PostFormValue("token"), Name: strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Errors: map[string]string{}}
	if ok, err := u.setupOpen(r.Context(), f.Token); err != nil || !ok {
		u.setupClosed(w, r, err)
		return
	}
	if f.Name == "" {
		f.Errors["name"] = "Enter your name."
	} else if err := checkText("name", f.Name, 200); err != nil {
		f.Errors["name"] = "Use at most 200 characters."
	}
	email, err := contact.NormalizeEmail(f.Email)
	if err != nil {
		f.Errors["email"] = "Enter a valid email address."
	}
	pw := r.PostFormValue("password")
	var hash string
	if pw != r.PostFormValue("password_again") {
		f.Errors["password"] = "The two passwords differ."
	} else if hash, err = auth.HashPassword(pw); err != nil {
		f.Errors["password"] = "The password " + err.Error() + "."
	}
	if len(f.Errors) > 0 {
		u.render(w, r, http.StatusUnprocessableEntity, "setup", view{Title: "Welcome to Lodestone", Data: f})
		return
	}
	admin, err := u.s.store.UseSetupToken(r.Context(), auth.HashToken(f.Token), store.User{Name: f.Name, Email: email, PasswordHash: hash})
	if err != nil {
		if errs.Is(err, errs.Unauthorized) || errs.Is(err, errs.Conflict) {
			u.setupClosed(w, r, nil)
			return
		}
		u.fail(w, r, nil, err)
		return
	}
	if err := u.startSession(w, r, admin.ID); err != nil {
		u.fail(w, r, nil, err)
		return
	}
	u.s.log.InfoContext(r.Context(), "first admin created", "user", admin.ID)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
