package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// wantField checks a 400 that names the field at fault.
func wantField(t *testing.T, r resp, field string) {
	t.Helper()
	if r.status != 400 {
		t.Fatalf("status %d, want 400: %s", r.status, r.body)
	}
	if got := r.json(t)["error"].(map[string]any)["field"]; got != field {
		t.Fatalf("error names field %v, want %q: %s", got, field, r.body)
	}
}

// Workspace settings: defaults, a change that acts at once on this server (the
// tracking snippet waits for consent), bad values and unknown keys refused with the
// field named, and every change audited.
func TestWorkspaceSettingsAPI(t *testing.T) {
	e := newAPIEnv(t)
	got := e.do("GET", "/api/v1/settings", e.token, "")
	if got.status != 200 || string(got.body) != `{"tracking_consent":"not_required","newsletter_stage":"mql","hourly_rate":"","currency":"USD","website_url":""}`+"\n" {
		t.Fatalf("defaults: %d %s", got.status, got.body)
	}
	if js := e.do("GET", "/t.js", "", ""); !strings.Contains(string(js.body), "var REQUIRE_CONSENT = false;") {
		t.Fatal("the snippet waits for consent before it is asked to")
	}
	put := e.do("PUT", "/api/v1/settings", e.token, `{"tracking_consent":"required","newsletter_stage":"subscriber","hourly_rate":"85.5"}`)
	if put.status != 200 || string(put.body) != `{"tracking_consent":"required","newsletter_stage":"subscriber","hourly_rate":"85.50","currency":"USD","website_url":""}`+"\n" {
		t.Fatalf("put: %d %s", put.status, put.body)
	}
	if js := e.do("GET", "/t.js", "", ""); !strings.Contains(string(js.body), "var REQUIRE_CONSENT = true;") {
		t.Fatal("the snippet does not wait for consent right after the change")
	}
	// A field left out keeps its value; an empty rate clears it.
	put = e.do("PUT", "/api/v1/settings", e.token, `{"hourly_rate":""}`)
	if put.status != 200 || !strings.Contains(string(put.body), `"tracking_consent":"required"`) || !strings.Contains(string(put.body), `"hourly_rate":""`) {
		t.Fatalf("partial put: %d %s", put.status, put.body)
	}
	for body, field := range map[string]string{
		`{"tracking_consent":"maybe"}`:        "tracking_consent",
		`{"newsletter_stage":"customer"}`:     "newsletter_stage",
		`{"hourly_rate":"-1"}`:                "hourly_rate",
		`{"hourly_rate":"85,50"}`:             "hourly_rate",
		`{"hourly_rate":"1.234"}`:             "hourly_rate",
		`{"hourly_rate":85}`:                  "hourly_rate",
		`{"tracking":"required"}`:             "tracking",
		`{"hourly_rate":"1","colour":"red"}`:  "colour",
		`{"website_url":"www.example.com"}`:   "website_url",
		`{"website_url":"ftp://example.com"}`: "website_url",
		`{"website_url":"/about"}`:            "website_url",
		`{"website_url":"https://"}`:          "website_url",
		`{"website_url":5}`:                   "website_url",
	} {
		wantField(t, e.do("PUT", "/api/v1/settings", e.token, body), field)
	}
	if v, _ := e.s.Setting(context.Background(), "newsletter_stage"); v != "subscriber" {
		t.Fatalf("a refused change was stored: %q", v)
	}
	if r := e.do("PUT", "/api/v1/settings", e.keys[store.RoleMarketer], `{"hourly_rate":"1"}`); r.status != 403 {
		t.Fatalf("marketer: %d", r.status)
	}
	audit := e.do("GET", "/api/v1/audit?action=setting.set", e.token, "")
	entries := audit.json(t)["entries"].([]any)
	if len(entries) != 4 {
		t.Fatalf("%d setting.set entries, want 4: %s", len(entries), audit.body)
	}
	newest := entries[0].(map[string]any)
	if newest["target"] != "setting:hourly_rate" || !strings.HasPrefix(newest["actor"].(string), "key:") {
		t.Fatalf("newest entry %v", newest)
	}
}

// The team: add a user (email normalised, a one-time link made), list, change a
// role, disable and enable; bad input names the field, unknown users are 404, and
// the last admin who can log in is kept.
func TestTeamAPI(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	hash, _ := auth.HashPassword(testPassword)
	boss, err := e.s.CreateUser(ctx, store.User{Email: "boss@team.example", Name: "Boss", Role: store.RoleAdmin, PasswordHash: hash}, "test")
	if err != nil {
		t.Fatal(err)
	}
	add := e.do("POST", "/api/v1/users", e.token, `{"email":"  Mia.Rep@Team.Example ","name":" Mia Rep ","role":"Sales"}`)
	if add.status != 201 {
		t.Fatalf("add: %d %s", add.status, add.body)
	}
	m := add.json(t)
	user := m["user"].(map[string]any)
	if user["email"] != "mia.rep@team.example" || user["name"] != "Mia Rep" || user["role"] != "sales" || user["password_set"] != false || user["disabled"] != false {
		t.Fatalf("user %v", user)
	}
	link := m["password_link"].(map[string]any)["url"].(string)
	u, err := url.Parse(link)
	if err != nil || u.Path != "/set-password" || u.Query().Get("token") == "" || m["password_link"].(map[string]any)["expires_at"] == nil {
		t.Fatalf("link %q", link)
	}
	if page := e.do("GET", u.RequestURI(), "", ""); page.status != 200 || !strings.Contains(string(page.body), "mia.rep@team.example") {
		t.Fatalf("the link's page: %d", page.status)
	}
	id := itoa(int64(user["id"].(float64)))

	for body, field := range map[string]string{
		`{"email":"not an email","role":"sales"}`:                                             "email",
		`{"email":"x@team.example","role":"boss"}`:                                            "role",
		`{"email":"x@team.example","role":"sales","age":3}`:                                   "age",
		`{"email":"x@team.example","name":5,"role":"sales"}`:                                  "name",
		`{"email":"x@team.example","role":"sales","name":"` + strings.Repeat("n", 201) + `"}`: "name",
	} {
		wantField(t, e.do("POST", "/api/v1/users", e.token, body), field)
	}
	if dup := e.do("POST", "/api/v1/users", e.token, `{"email":"MIA.REP@team.example","role":"agent"}`); dup.status != 409 {
		t.Fatalf("duplicate email: %d %s", dup.status, dup.body)
	}

	list := e.do("GET", "/api/v1/users", e.token, "")
	if list.status != 200 || strings.Contains(string(list.body), "password_hash") || strings.Contains(string(list.body), hash) {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	if n := len(list.json(t)["users"].([]any)); n != 2 {
		t.Fatalf("%d users listed", n)
	}

	if r := e.do("PUT", "/api/v1/users/"+id, e.token, `{"role":"marketer"}`); r.status != 200 || r.json(t)["role"] != "marketer" {
		t.Fatalf("role: %d %s", r.status, r.body)
	}
	wantField(t, e.do("PUT", "/api/v1/users/"+id, e.token, `{"role":"boss"}`), "role")
	wantField(t, e.do("PUT", "/api/v1/users/"+id, e.token, `{"disabled":"yes"}`), "disabled")
	wantField(t, e.do("PUT", "/api/v1/users/"+id, e.token, `{"email":"a@b.example"}`), "email")
	if r := e.do("PUT", "/api/v1/users/"+id, e.token, `{}`); r.status != 400 {
		t.Fatalf("empty change: %d", r.status)
	}
	for _, path := range []string{"/api/v1/users/999", "/api/v1/users/abc"} {
		if r := e.do("PUT", path, e.token, `{"role":"sales"}`); r.status != 404 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		if r := e.do("POST", path+"/password-link", e.token, ""); r.status != 404 {
			t.Fatalf("%s link: %d %s", path, r.status, r.body)
		}
	}
	bossID := itoa(boss.ID)
	for _, body := range []string{`{"role":"sales"}`, `{"disabled":true}`} {
		if r := e.do("PUT", "/api/v1/users/"+bossID, e.token, body); r.status != 409 || !strings.Contains(string(r.body), "last enabled admin") {
			t.Fatalf("last admin %s: %d %s", body, r.status, r.body)
		}
	}

	if r := e.do("PUT", "/api/v1/users/"+id, e.token, `{"disabled":true}`); r.status != 200 || r.json(t)["disabled"] != true {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	if page := e.do("GET", u.RequestURI(), "", ""); page.status != 403 {
		t.Fatalf("a disabled user's link still opens: %d", page.status)
	}
	if r := e.do("POST", "/api/v1/users/"+id+"/password-link", e.token, ""); r.status != 409 {
		t.Fatalf("link for a disabled user: %d %s", r.status, r.body)
	}
	if r := e.do("PUT", "/api/v1/users/"+id, e.token, `{"disabled":false}`); r.status != 200 || r.json(t)["disabled"] != false {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}
	again := e.do("POST", "/api/v1/users/"+id+"/password-link", e.token, "")
	if again.status != 201 || !strings.Contains(again.json(t)["url"].(string), "/set-password?token=") {
		t.Fatalf("new link: %d %s", again.status, again.body)
	}
	if r := e.do("GET", "/api/v1/users", e.keys[store.RoleSales], ""); r.status != 403 {
		t.Fatalf("sales lists users: %d", r.status)
	}
}

// API keys: made with a role and shown once, listed without the secret, revoked
// with immediate effect on this server.
func TestAPIKeysAPI(t *testing.T) {
	e := newAPIEnv(t)
	made := e.do("POST", "/api/v1/api-keys", e.token, `{"name":" Website backend ","role":"read-only"}`)
	if made.status != 201 {
		t.Fatalf("create: %d %s", made.status, made.body)
	}
	m := made.json(t)
	key := m["key"].(string)
	k := m["api_key"].(map[string]any)
	if !strings.HasPrefix(key, auth.APIKeyPrefix) || k["name"] != "Website backend" || k["role"] != "read_only" || k["last_used_at"] != nil || !strings.HasPrefix(key, k["prefix"].(string)) {
		t.Fatalf("made %v", m)
	}
	if r := e.do("GET", "/api/v1/contacts", key, ""); r.status != 200 {
		t.Fatalf("the new key: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/api/v1/forms", key, `{"slug":"x","name":"x","fields":["email"]}`); r.status != 403 {
		t.Fatalf("a read-only key writes: %d", r.status)
	}
	list := e.do("GET", "/api/v1/api-keys", e.token, "")
	if list.status != 200 || strings.Contains(string(list.body), key) || !strings.Contains(string(list.body), `"Website backend"`) {
		t.Fatalf("list: %d %s", list.status, list.body)
	}
	for body, field := range map[string]string{
		`{"name":"","role":"sales"}`:         "name",
		`{"name":"a\nb","role":"sales"}`:     "name",
		`{"name":"x","role":"owner"}`:        "role",
		`{"name":"x","role":"sales","id":4}`: "id",
	} {
		wantField(t, e.do("POST", "/api/v1/api-keys", e.token, body), field)
	}
	id := itoa(int64(k["id"].(float64)))
	rev := e.do("POST", "/api/v1/api-keys/"+id+"/revoke", e.token, "")
	if rev.status != 200 || rev.json(t)["revoked"] != true {
		t.Fatalf("revoke: %d %s", rev.status, rev.body)
	}
	if r := e.do("GET", "/api/v1/contacts", key, ""); r.status != 401 {
		t.Fatalf("a revoked key still works: %d", r.status)
	}
	for _, path := range []string{"/api/v1/api-keys/" + id + "/revoke", "/api/v1/api-keys/999/revoke", "/api/v1/api-keys/x/revoke"} {
		if r := e.do("POST", path, e.token, ""); r.status != 404 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
	}
	if r := e.do("POST", "/api/v1/api-keys", e.keys[store.RoleMarketer], `{"name":"x","role":"admin"}`); r.status != 403 {
		t.Fatalf("a marketer makes keys: %d", r.status)
	}
}

// The audit log API pages newest first and filters by actor and action.
func TestAuditAPI(t *testing.T) {
	e := newAPIEnv(t)
	for _, name := range []string{"one", "two", "three"} {
		if r := e.do("POST", "/api/v1/api-keys", e.token, `{"name":"`+name+`","role":"agent"}`); r.status != 201 {
			t.Fatal(r.status)
		}
	}
	var names []string
	path := "/api/v1/audit?action=apikey.create&limit=2"
	for path != "" {
		r := e.do("GET", path, e.token, "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		m := r.json(t)
		for _, en := range m["entries"].([]any) {
			names = append(names, en.(map[string]any)["details"].(map[string]any)["name"].(string))
		}
		path = ""
		if c := m["next_cursor"].(string); c != "" {
			path = "/api/v1/audit?action=apikey.create&limit=2&cursor=" + url.QueryEscape(c)
		}
	}
	// The keys of newAPIEnv were made by "test" before, one per role.
	if len(names) != 3+len(store.Roles) || names[0] != "three" || names[1] != "two" || names[2] != "one" {
		t.Fatalf("names newest first: %v", names)
	}
	r := e.do("GET", "/api/v1/audit?actor=test&limit=500", e.token, "")
	if n := len(r.json(t)["entries"].([]any)); n != len(store.Roles) {
		t.Fatalf("%d entries by test", n)
	}
	wantField(t, e.do("GET", "/api/v1/audit?cursor=zzz", e.token, ""), "cursor")
	wantField(t, e.do("GET", "/api/v1/audit?limit=0", e.token, ""), "limit")
	wantField(t, e.do("GET", "/api/v1/audit?limit=501", e.token, ""), "limit")
	if r := e.do("GET", "/api/v1/audit", e.keys[store.RoleReadOnly], ""); r.status != 403 {
		t.Fatalf("read-only reads the audit log: %d", r.status)
	}
}

// An answer with a secret in it is never stored for an Idempotency-Key: a retry
// makes a second key rather than replaying the first one's secret from the database.
func TestSecretsAreNotReplayed(t *testing.T) {
	e := newAPIEnv(t)
	first := e.do("POST", "/api/v1/api-keys", e.token, `{"name":"retry","role":"agent"}`, "Idempotency-Key", "k1")
	second := e.do("POST", "/api/v1/api-keys", e.token, `{"name":"retry","role":"agent"}`, "Idempotency-Key", "k1")
	if first.status != 201 || second.status != 201 || second.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("%d %d %v", first.status, second.status, second.header)
	}
	if first.json(t)["key"] == second.json(t)["key"] {
		t.Fatal("the key was replayed from storage")
	}
}
