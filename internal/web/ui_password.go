package web

import (
	"net/http"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The page behind a one-time password link, made when an admin adds a teammate or
// sends one a new link (ui_admin.go): the user sets their password and is logged in.

type passwordForm struct {
	Token string
	User  *store.User
	Error string
}

func (u *ui) passwordLinkUser(r *http.Request, token string) (*store.User, error) {
	if token == "" || len(token) > 200 {
		return nil, errs.E(errs.Unauthorized, "token", "no link")
	}
	return u.s.store.PasswordTokenUser(r.Context(), auth.HashToken(token))
}

func (u *ui) setPasswordForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	usr, err := u.passwordLinkUser(r, token)
	if err != nil {
		u.passwordClosed(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	u.render(w, r, http.StatusOK, "set_password", view{Title: "Set your password", Data: passwordForm{Token: token, User: usr}})
}

// passwordClosed is the answer to a link that was used, has expired or never was.
func (u *ui) passwordClosed(w http.ResponseWriter, r *http.Request, err error) {
	if !errs.Is(err, errs.Unauthorized) {
		u.fail(w, r, nil, err)
		return
	}
	u.render(w, r, http.StatusForbidden, "set_password_closed", view{Title: "Link not valid"})
}

func (u *ui) setPassword(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, nil, errs.E(errs.Invalid, "", "The form could not be read."))
		return
	}
	token := r.PostFormValue("token")
	usr, err := u.passwordLinkUser(r, token)
	if err != nil {
		u.passwordClosed(w, r, err)
		return
	}
	f := passwordForm{Token: token, User: usr}
	pw := r.PostFormValue("password")
	var hash string
	if pw != r.PostFormValue("password_again") {
		f.Error = "The two passwords differ."
	} else if hash, err = auth.HashPassword(pw); err != nil {
		f.Error = "The password " + err.Error() + "."
	}
	if f.Error != "" {
		w.Header().Set("Cache-Control", "no-store")
		u.render(w, r, http.StatusUnprocessableEntity, "set_password", view{Title: "Set your password", Data: f})
		return
	}
	usr, err = u.s.store.UsePasswordToken(r.Context(), auth.HashToken(token), hash)
	if err != nil {
		u.passwordClosed(w, r, err)
		return
	}
	if err := u.startSession(w, r, usr.ID); err != nil {
		u.fail(w, r, nil, err)
		return
	}
	u.s.log.InfoContext(r.Context(), "password set with a link", "user", usr.ID)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
