package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// The settings screens: only admins see the link and the pages; the workspace form
// shows a bad rate under its field; an admin cannot disable themselves nor demote
// the last admin, and is told why.
func TestSettingsScreens(t *testing.T) {
	e := newUIEnv(t)
	admin := e.user("admin@example.com", store.RoleAdmin)
	e.user("rep@example.com", store.RoleSales)
	ac, rc := e.login("admin@example.com"), e.login("rep@example.com")

	wantStatus(t, e.do("GET", "/", nil, ac), 200, `href="/settings"`)
	if w := e.do("GET", "/", nil, rc); strings.Contains(w.Body.String(), `href="/settings"`) {
		t.Fatal("a sales rep sees the Settings link")
	}
	for _, path := range []string{"/settings", "/settings/users", "/settings/api-keys", "/settings/audit"} {
		wantStatus(t, e.do("GET", path, nil, ac), 200, `class="admin-tabs"`)
		wantStatus(t, e.do("GET", path, nil, rc), 403)
	}

	w := e.do("POST", "/settings", url.Values{"tracking_consent": {"required"}, "newsletter_stage": {"mql"}, "hourly_rate": {"12,50"}}, ac)
	wantStatus(t, w, http.StatusUnprocessableEntity, "This hourly rate must be a decimal number", `value="12,50"`)
	w = e.do("POST", "/settings", url.Values{"tracking_consent": {"required"}, "newsletter_stage": {"mql"}, "hourly_rate": {"12.5"}}, ac)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/settings?saved=1" {
		t.Fatalf("save: %d %s", w.Code, w.Header().Get("Location"))
	}
	wantStatus(t, e.do("GET", "/settings?saved=1", nil, ac), 200, "Settings saved", `value="12.50"`)

	id := itoa(admin.ID)
	wantStatus(t, e.do("POST", "/settings/users/"+id+"/disable", url.Values{}, ac), http.StatusConflict, "You cannot disable yourself")
	wantStatus(t, e.do("POST", "/settings/users/"+id+"/role", url.Values{"role": {"sales"}}, ac), http.StatusConflict, "This is the last enabled admin")
	wantStatus(t, e.do("POST", "/settings/users/"+id+"/role", url.Values{"role": {"boss"}}, ac), http.StatusBadRequest, "This role must be one of")
	wantStatus(t, e.do("POST", "/settings/users/999/disable", url.Values{}, ac), http.StatusNotFound)
	wantStatus(t, e.do("POST", "/settings/users", url.Values{"email": {"nope"}, "role": {"sales"}}, ac), http.StatusUnprocessableEntity, "This email is not a valid email address")
	wantStatus(t, e.do("POST", "/settings/users", url.Values{"email": {"REP@example.com"}, "role": {"sales"}}, ac), http.StatusUnprocessableEntity, "A user with this email exists already")
	wantStatus(t, e.do("POST", "/settings/api-keys", url.Values{"name": {""}, "role": {"sales"}}, ac), http.StatusUnprocessableEntity, "This name is required")
	wantStatus(t, e.do("POST", "/settings/api-keys/999/revoke", url.Values{}, ac), http.StatusNotFound)

	// A new teammate's link: the two passwords must agree and be long enough.
	w = e.do("POST", "/settings/users", url.Values{"email": {"new@example.com"}, "name": {"New Rep"}, "role": {"agent"}}, ac)
	wantStatus(t, w, http.StatusCreated, "new@example.com was added", "/set-password?token=")
	body := w.Body.String()
	i := strings.Index(body, "/set-password?token=")
	token := body[i+len("/set-password?token=") : i+strings.IndexByte(body[i:], '"')]
	wantStatus(t, e.do("GET", "/set-password?token="+token, nil, nil), 200, "new@example.com")
	wantStatus(t, e.do("POST", "/set-password", url.Values{"token": {token}, "password": {testPassword}, "password_again": {"something else"}}, nil),
		http.StatusUnprocessableEntity, "The two passwords differ")
	wantStatus(t, e.do("POST", "/set-password", url.Values{"token": {token}, "password": {"short"}, "password_again": {"short"}}, nil),
		http.StatusUnprocessableEntity, "at least 10 characters")
	w = e.do("POST", "/set-password", url.Values{"token": {token}, "password": {testPassword}, "password_again": {testPassword}}, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("set password: %d %s", w.Code, w.Body)
	}
	nc := sessionOf(t, w)
	wantStatus(t, e.do("GET", "/", nil, nc), 200, "New Rep")
	wantStatus(t, e.do("GET", "/set-password?token="+token, nil, nil), http.StatusForbidden, "This link cannot be used")
	wantStatus(t, e.do("GET", "/set-password?token=forged", nil, nil), http.StatusForbidden)
	wantStatus(t, e.do("GET", "/set-password", nil, nil), http.StatusForbidden)

	// Disabled, the teammate's session stops at once.
	users, _ := e.store.Users(t.Context())
	newID := itoa(users[len(users)-1].ID)
	w = e.do("POST", "/settings/users/"+newID+"/disable", url.Values{}, ac)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("disable: %d %s", w.Code, w.Body)
	}
	if w := e.do("GET", "/", nil, nc); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Fatalf("a disabled user's session: %d", w.Code)
	}
	wantStatus(t, e.do("GET", "/settings/users", nil, ac), 200, "Disabled", `action="/settings/users/`+newID+`/enable"`)
}

// The website setting on the settings screen: a bad one is refused under its field,
// a good one saved; a campaign without a landing page then shows its printed link to
// the website, and before that says how to get one.
func TestSettingsWebsiteGivesCampaignsALink(t *testing.T) {
	e := newUIEnv(t)
	e.user("admin@example.com", store.RoleAdmin)
	ac := e.login("admin@example.com")
	c, err := e.store.CreateCampaign(context.Background(), store.Campaign{Name: "Spring Flyers", Channel: "direct_mail", UTMCampaign: "spring-flyers"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	// A campaign without a UTM key gets no printed link, website or not.
	bare, err := e.store.CreateCampaign(context.Background(), store.Campaign{Name: "Fax", Channel: "direct_mail"}, "test")
	if err != nil {
		t.Fatal(err)
	}
	page := "/campaigns/" + itoa(c.ID)
	w := e.do("GET", page, nil, ac)
	wantStatus(t, w, 200, "no landing page and the workspace has no website yet")
	if strings.Contains(w.Body.String(), "/qr.svg") {
		t.Fatal("a QR code that leads nowhere is shown")
	}
	form := url.Values{"tracking_consent": {"not_required"}, "newsletter_stage": {"mql"}, "website_url": {"www.acme.example"}}
	wantStatus(t, e.do("POST", "/settings", form, ac), http.StatusUnprocessableEntity,
		"This website url must be an absolute http or https URL", `value="www.acme.example"`)
	form.Set("website_url", "https://www.acme.example")
	if w := e.do("POST", "/settings", form, ac); w.Code != http.StatusSeeOther {
		t.Fatalf("save: %d %s", w.Code, w.Body)
	}
	wantStatus(t, e.do("GET", "/settings", nil, ac), 200, `value="https://www.acme.example"`)
	wantStatus(t, e.do("GET", page, nil, ac), 200, "/c/"+c.ShortCode, "/api/v1/campaigns/"+itoa(c.ID)+"/qr.svg", "Leads to https://www.acme.example with the campaign")
	w = e.do("GET", "/campaigns/"+itoa(bare.ID), nil, ac)
	wantStatus(t, w, 200, "This campaign has no UTM key", "Give it a UTM key")
	if strings.Contains(w.Body.String(), "/qr.svg") || strings.Contains(w.Body.String(), "/c/"+bare.ShortCode) {
		t.Fatal("a printed link without the campaign's UTM key is shown")
	}
}
