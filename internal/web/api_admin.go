package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The admin API: workspace settings, the team, API keys and the audit log (SPEC
// section 10). The screens of settings_*.html do the same through ui_admin.go.

// passwordLinkTTL is how long a link to set a password works.
const passwordLinkTTL = 72 * time.Hour

func init() {
	dt := obj{"type": "string", "format": "date-time"}
	schemas["WorkspaceSettings"] = props(obj{
		"tracking_consent": obj{"type": "string", "enum": []string{consentRequired, consentNotRequired}, "description": "required: the tracking snippet waits for the visitor's consent"},
		"newsletter_stage": obj{"type": "string", "enum": []string{"mql", "subscriber"}, "description": "the stage a newsletter sign-up starts a new contact at"},
		"hourly_rate":      obj{"type": "string", "description": "decimal amount per hour for the loaded cost of reports, in the currency; empty when unset"},
		"currency":         obj{"type": "string", "description": "ISO 4217 code of every amount the workspace keeps (costs, deals, budgets, the hourly rate); amounts have its number of decimals (2 for USD, 0 for JPY, 3 for BHD). USD until set"},
		"website_url":      obj{"type": "string", "description": "the company's website: where the printed link and QR code of a campaign without a landing page lead, with its UTM parameters; empty when unset"}})
	schemas["WorkspaceSettingsInput"] = props(obj{
		"tracking_consent": nullable(obj{"type": "string", "enum": []string{consentRequired, consentNotRequired}}),
		"newsletter_stage": nullable(obj{"type": "string", "enum": []string{"mql", "subscriber"}}),
		"hourly_rate":      nullable(str("a decimal amount ≥ 0, or empty to clear it; null or left out keeps it")),
		"currency":         nullable(str("an ISO 4217 code such as USD, EUR or JPY. Refused with 409 while costs, deals or budgets are stored and the new currency has another number of decimals (the stored minor units would change their meaning); a currency with as many decimals relabels the amounts, nothing is converted")),
		"website_url":      nullable(str("an absolute http or https URL, or empty to clear it; null or left out keeps it"))})
	roles := obj{"type": "string", "enum": store.Roles}
	schemas["User"] = props(obj{"id": obj{"type": "integer"}, "email": str(""), "name": str(""), "role": roles,
		"available": obj{"type": "boolean", "description": "takes new leads from routing"}, "disabled": obj{"type": "boolean"},
		"password_set": obj{"type": "boolean", "description": "false until the user has set a password with their link"}, "created_at": dt})
	schemas["UserList"] = props(obj{"users": arr(ref("User"))})
	schemas["UserInput"] = props(obj{"email": str("normalised"), "name": str(""), "role": roles}, "email", "role")
	schemas["UserChange"] = props(obj{"role": nullable(roles), "disabled": nullable(obj{"type": "boolean"})})
	schemas["PasswordLink"] = props(obj{"url": str("one-time link to set a password; shown once"), "expires_at": dt})
	schemas["Invitation"] = props(obj{"user": ref("User"), "password_link": ref("PasswordLink")})
	schemas["APIKey"] = props(obj{"id": obj{"type": "integer"}, "name": str(""), "role": roles, "prefix": str("the key's first characters, to tell keys apart"),
		"created_at": dt, "last_used_at": nullable(dt), "revoked": obj{"type": "boolean"}})
	schemas["APIKeyList"] = props(obj{"api_keys": arr(ref("APIKey"))})
	schemas["APIKeyInput"] = props(obj{"name": str("what the key is for"), "role": roles}, "name", "role")
	schemas["NewAPIKey"] = props(obj{"api_key": ref("APIKey"), "key": str("the secret, shown once: send it as Authorization: Bearer KEY")})
	schemas["AuditPage"] = props(obj{"entries": arr(props(obj{"id": obj{"type": "integer"}, "at": dt, "actor": str("user:ID, key:ID, cli or setup"),
		"action": str("such as user.create or setting.set"), "target": str("what was changed, such as user:3"), "details": obj{"type": "object"}})),
		"next_cursor": str("pass as cursor for the next, older page; empty at the end")})
}

func (s *Server) handleGetSettings(w http.ResponseWriter, r *http.Request) error {
	v, err := s.readWorkspaceSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) handlePutSettings(w http.ResponseWriter, r *http.Request) error {
	var in workspaceSettingsInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	now, err := s.readWorkspaceSettings(r.Context())
	if err != nil {
		return err
	}
	values, err := checkWorkspaceSettings(in, now)
	if err != nil {
		return err
	}
	if err := s.saveWorkspaceSettings(r.Context(), values, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	return s.handleGetSettings(w, r)
}

// userJSON is a user as the admin API shows them; never their password hash.
type userJSON struct {
	ID          int64     `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        string    `json:"role"`
	Available   bool      `json:"available"`
	Disabled    bool      `json:"disabled"`
	PasswordSet bool      `json:"password_set"`
	CreatedAt   time.Time `json:"created_at"`
}

func userOut(u *store.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Available: u.Available, Disabled: u.Disabled,
		PasswordSet: u.PasswordHash != "", CreatedAt: u.CreatedAt}
}

func (s *Server) handleListUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := s.store.Users(r.Context())
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, userOut(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

type userIn struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

type passwordLinkJSON struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// addUser checks and creates a teammate without a password, and makes their link to
// set one. Its errors name the field.
func (s *Server) addUser(ctx context.Context, in userIn, actor string) (*store.User, passwordLinkJSON, error) {
	email, err := contact.NormalizeEmail(in.Email)
	if err != nil {
		return nil, passwordLinkJSON{}, errs.Field("email", "is not a valid email address")
	}
	name := strings.TrimSpace(in.Name)
	if err := checkText("name", name, 200); err != nil {
		return nil, passwordLinkJSON{}, err
	}
	role, ok := store.RoleNamed(in.Role)
	if !ok {
		return nil, passwordLinkJSON{}, errs.Field("role", "must be one of %s", strings.Join(store.Roles, ", "))
	}
	u, err := s.store.CreateUser(ctx, store.User{Email: email, Name: name, Role: role}, actor)
	if err != nil {
		return nil, passwordLinkJSON{}, err
	}
	link, err := s.passwordLink(ctx, u.ID, actor)
	return u, link, err
}

// passwordLink makes a one-time link for a user to set their password; a link made
// before for the same user stops working.
func (s *Server) passwordLink(ctx context.Context, userID int64, actor string) (passwordLinkJSON, error) {
	token := auth.NewToken()
	if err := s.store.CreatePasswordToken(ctx, userID, auth.HashToken(token), passwordLinkTTL, actor); err != nil {
		return passwordLinkJSON{}, err
	}
	return passwordLinkJSON{URL: s.cfg.PublicURL() + "/set-password?token=" + url.QueryEscape(token),
		ExpiresAt: s.store.Now().Add(passwordLinkTTL).UTC()}, nil
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) error {
	var in userIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, link, err := s.addUser(r.Context(), in, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": userOut(u), "password_link": link})
	return nil
}

type userChangeIn struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
}

// changeUser gives a user another role and disables or enables them. An admin may
// not disable themselves; the store keeps an admin who can log in.
func (s *Server) changeUser(ctx context.Context, p *Principal, id int64, in userChangeIn) (*store.User, error) {
	if in.Role == nil && in.Disabled == nil {
		return nil, errs.Field("", "send role, disabled or both")
	}
	var role string
	if in.Role != nil {
		var ok bool
		if role, ok = store.RoleNamed(*in.Role); !ok {
			return nil, errs.Field("role", "must be one of %s", strings.Join(store.Roles, ", "))
		}
	}
	if in.Disabled != nil && *in.Disabled && p.Kind == "user" && p.ID == id {
		return nil, errs.E(errs.Conflict, "disabled", "you cannot disable yourself; another admin can")
	}
	var rp *string
	if in.Role != nil {
		rp = &role
	}
	return s.store.ChangeUser(ctx, id, rp, in.Disabled, p.Actor())
}

func (s *Server) handleChangeUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	var in userChangeIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.changeUser(r.Context(), principalOf(r.Context()), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userOut(u))
	return nil
}

func (s *Server) handlePasswordLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	link, err := s.passwordLink(r.Context(), id, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, link)
	return nil
}

// apiKeyJSON is a key as the admin API shows it: never the key or its hash.
type apiKeyJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Revoked    bool       `json:"revoked"`
}

func apiKeyOut(k *store.APIKey) apiKeyJSON {
	out := apiKeyJSON{ID: k.ID, Name: k.Name, Role: k.Role, Prefix: k.Prefix, CreatedAt: k.CreatedAt, Revoked: k.Revoked}
	if !k.LastUsedAt.IsZero() {
		t := k.LastUsedAt
		out.LastUsedAt = &t
	}
	return out
}

func (s *Server) handleListAPIKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.store.APIKeys(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, apiKeyOut(k))
	}
	writeJSON(w, http.StatusOK, map[string]any{"api_keys": out})
	return nil
}

type apiKeyIn struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

func (s *Server) handleCreateAPIKey(w http.ResponseWriter, r *http.Request) error {
	var in apiKeyIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	key, k, err := auth.IssueAPIKey(r.Context(), s.store, in.Name, in.Role, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"api_key": apiKeyOut(k), "key": key})
	return nil
}

// revokeAPIKey ends a key; this node stops taking it at once, the others within the
// key cache's few seconds.
func (s *Server) revokeAPIKey(ctx context.Context, id int64, actor string) (*store.APIKey, error) {
	if err := s.store.RevokeAPIKey(ctx, id, actor); err != nil {
		return nil, err
	}
	s.keys.forget(id)
	keys, err := s.store.APIKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.ID == id {
			return k, nil
		}
	}
	return nil, errs.NotFoundf("no API key with id %d", id)
}

func (s *Server) handleRevokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "key")
	if err != nil {
		return err
	}
	k, err := s.revokeAPIKey(r.Context(), id, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiKeyOut(k))
	return nil
}

// auditQueryFrom reads the audit log's filters, from the API's query or the screen's.
func auditQueryFrom(r *http.Request) (store.AuditQuery, error) {
	q := r.URL.Query()
	aq := store.AuditQuery{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")), Cursor: q.Get("cursor")}
	if len(aq.Actor) > 200 {
		return aq, errs.Field("actor", "must be at most 200 characters")
	}
	if len(aq.Action) > 200 {
		return aq, errs.Field("action", "must be at most 200 characters")
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return aq, errs.Field("limit", "must be a number from 1 to 500")
		}
		aq.Limit = n
	}
	return aq, nil
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	q, err := auditQueryFrom(r)
	if err != nil {
		return err
	}
	page, err := s.store.AuditEntries(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
