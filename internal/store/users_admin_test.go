package store_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

func mustUser(t *testing.T, s *store.Store, email, role, hash string) *store.User {
	t.Helper()
	u, err := s.CreateUser(ctx, store.User{Email: email, Name: email[:3], Role: role, PasswordHash: hash}, "test")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// The last admin who can log in keeps the role and cannot be disabled; with a
// second admin both changes go through, are audited, and a disabled user's sessions
// end and they cannot be given leads.
func TestUserRoleAndDisableKeepAnAdmin(t *testing.T) {
	s := storetest.Open(t)
	ann := mustUser(t, s, "ann@team.example", store.RoleAdmin, "hash")
	// An admin who never set a password does not count: nobody could log in as them.
	mustUser(t, s, "inv@team.example", store.RoleAdmin, "")
	if _, err := s.SetUserRole(ctx, ann.ID, store.RoleSales, "user:9"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("demoting the last admin: %v, want a conflict", err)
	}
	if _, err := s.SetUserDisabled(ctx, ann.ID, true, "user:9"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("disabling the last admin: %v, want a conflict", err)
	}
	if _, err := s.SetUserRole(ctx, ann.ID, "boss", "user:9"); !errs.Is(err, errs.Invalid) {
		t.Fatalf("unknown role: %v", err)
	}
	if _, err := s.SetUserRole(ctx, 999, store.RoleSales, "user:9"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("unknown user: %v", err)
	}

	bob := mustUser(t, s, "bob@team.example", store.RoleSales, "hash")
	if u, err := s.SetUserRole(ctx, bob.ID, store.RoleAdmin, "user:9"); err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("promote: %+v %v", u, err)
	}
	if u, err := s.SetUserRole(ctx, ann.ID, store.RoleMarketer, "user:9"); err != nil || u.Role != store.RoleMarketer {
		t.Fatalf("demote with another admin: %+v %v", u, err)
	}
	// Bob is now the last admin.
	if _, err := s.SetUserDisabled(ctx, bob.ID, true, "user:9"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("disabling the last admin: %v", err)
	}

	if err := s.CreateSession(ctx, "ann-session", ann.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, "ann-session"); err != nil {
		t.Fatal(err)
	}
	u, err := s.SetUserDisabled(ctx, ann.ID, true, "user:9")
	if err != nil || !u.Disabled {
		t.Fatalf("disable: %+v %v", u, err)
	}
	if _, err := s.SessionUser(ctx, "ann-session"); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a disabled user's session still works: %v", err)
	}
	c := mustIngest(t, s, store.Capture{Type: "form_submit", Email: "lead@lead.example"})[0].ContactID
	if _, err := s.AssignOwner(ctx, c, ann.ID, "", "user:9"); err == nil {
		t.Fatal("a disabled user was made an owner")
	}
	if u, err := s.SetUserDisabled(ctx, ann.ID, false, "user:9"); err != nil || u.Disabled {
		t.Fatalf("enable: %+v %v", u, err)
	}
	if _, err := s.AssignOwner(ctx, c, ann.ID, "", "user:9"); err != nil {
		t.Fatalf("an enabled user cannot own: %v", err)
	}

	counts := map[string]int{}
	for _, action := range []string{"user.role", "user.disable", "user.enable"} {
		page, err := s.AuditEntries(ctx, store.AuditQuery{Actor: "user:9", Action: action})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			if e.Action != action || e.Actor != "user:9" {
				t.Fatalf("filter %s gave %+v", action, e)
			}
			counts[action]++
		}
	}
	if counts["user.role"] != 2 || counts["user.disable"] != 1 || counts["user.enable"] != 1 {
		t.Fatalf("audited changes %v; refused changes must not be audited", counts)
	}
}

// A password link works once, until it expires, only for an enabled user, and a
// newer link replaces it; using it sets the password and ends the user's sessions.
func TestPasswordLinks(t *testing.T) {
	s := storetest.Open(t)
	now := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	u := mustUser(t, s, "new@team.example", store.RoleSales, "")
	if err := s.CreatePasswordToken(ctx, u.ID, "first", time.Hour, "user:1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PasswordTokenUser(ctx, "first"); err != nil || got.ID != u.ID {
		t.Fatalf("live link: %+v %v", got, err)
	}
	if err := s.CreatePasswordToken(ctx, u.ID, "second", time.Hour, "user:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordTokenUser(ctx, "first"); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a replaced link still works: %v", err)
	}
	if err := s.CreateSession(ctx, "old-session", u.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	got, err := s.UsePasswordToken(ctx, "second", "new-hash")
	if err != nil || got.PasswordHash != "new-hash" {
		t.Fatalf("use: %+v %v", got, err)
	}
	if again, _ := s.User(ctx, u.ID); again.PasswordHash != "new-hash" {
		t.Fatalf("password not stored: %q", again.PasswordHash)
	}
	if _, err := s.SessionUser(ctx, "old-session"); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("sessions survive a new password: %v", err)
	}
	if _, err := s.UsePasswordToken(ctx, "second", "other"); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a link worked twice: %v", err)
	}

	if err := s.CreatePasswordToken(ctx, u.ID, "late", time.Hour, "user:1"); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Hour)
	if _, err := s.UsePasswordToken(ctx, "late", "other"); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("an expired link worked: %v", err)
	}

	if err := s.CreatePasswordToken(ctx, u.ID, "then-disabled", time.Hour, "user:1"); err != nil {
		t.Fatal(err)
	}
	mustUser(t, s, "adm@team.example", store.RoleAdmin, "hash")
	if _, err := s.SetUserDisabled(ctx, u.ID, true, "user:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordTokenUser(ctx, "then-disabled"); !errs.Is(err, errs.Unauthorized) {
		t.Fatalf("a disabled user's link works: %v", err)
	}
	if err := s.CreatePasswordToken(ctx, u.ID, "for-disabled", time.Hour, "user:1"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("a link for a disabled user: %v", err)
	}
	if err := s.CreatePasswordToken(ctx, 999, "nobody", time.Hour, "user:1"); !errs.Is(err, errs.NotFound) {
		t.Fatalf("a link for nobody: %v", err)
	}
}

// The audit log pages newest first by (time, id): entries of the same microsecond
// are split across pages without one lost or repeated, and filters hold on every page.
func TestAuditPaging(t *testing.T) {
	s := storetest.Open(t)
	base := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	now := base
	s.Now = func() time.Time { return now }
	for i := range 25 {
		// Three entries share each microsecond, and the clock goes back once, so the
		// order by time differs from the order by id.
		now = base.Add(time.Duration(i/3) * time.Second)
		if i == 20 {
			now = base.Add(-time.Minute)
		}
		actor := "user:1"
		if i%2 == 1 {
			actor = "key:2"
		}
		if err := s.RecordAudit(ctx, actor, "test.step", "step:"+strconv.Itoa(i), map[string]any{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.AuditEntries(ctx, store.AuditQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Entries) != 25 || all.NextCursor != "" {
		t.Fatalf("%d entries, cursor %q", len(all.Entries), all.NextCursor)
	}
	if all.Entries[len(all.Entries)-1].Target != "step:20" {
		t.Fatalf("oldest entry is %s, want step:20 (written with the earliest time)", all.Entries[len(all.Entries)-1].Target)
	}
	for i := 1; i < len(all.Entries); i++ {
		a, b := all.Entries[i-1], all.Entries[i]
		if a.At.Before(b.At) || a.At.Equal(b.At) && a.ID < b.ID {
			t.Fatalf("not newest first at %d: %+v then %+v", i, a, b)
		}
	}
	for _, q := range []store.AuditQuery{{Limit: 4}, {Limit: 1}, {Limit: 7, Actor: "key:2"}, {Limit: 2, Action: "test.step", Actor: "user:1"}} {
		var got []int64
		for page := 0; ; page++ {
			p, err := s.AuditEntries(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Entries) > q.Limit {
				t.Fatalf("%d entries on a page of %d", len(p.Entries), q.Limit)
			}
			for _, e := range p.Entries {
				got = append(got, e.ID)
			}
			if p.NextCursor == "" {
				break
			}
			q.Cursor = p.NextCursor
		}
		var want []int64
		for _, e := range all.Entries {
			if (q.Actor == "" || e.Actor == q.Actor) && (q.Action == "" || e.Action == q.Action) {
				want = append(want, e.ID)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%+v: paged %v, want %v", q, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%+v: paged %v, want %v", q, got, want)
			}
		}
	}
	if _, err := s.AuditEntries(ctx, store.AuditQuery{Cursor: "nonsense"}); !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad cursor: %v", err)
	}
	actions, err := s.AuditActions(ctx)
	if err != nil || len(actions) != 1 || actions[0] != "test.step" {
		t.Fatalf("actions %v %v", actions, err)
	}
}

// Several settings change in one transaction; only a real change is audited.
func TestSetSettingsAuditsChanges(t *testing.T) {
	s := storetest.Open(t)
	if err := s.SetSettings(ctx, map[string]string{"hourly_rate": "80.00", "newsletter_stage": "subscriber"}, "user:1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSettings(ctx, map[string]string{"hourly_rate": "80.00", "newsletter_stage": "mql"}, "user:1"); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Setting(ctx, "newsletter_stage"); v != "mql" {
		t.Fatalf("newsletter_stage %q", v)
	}
	page, err := s.AuditEntries(ctx, store.AuditQuery{Action: "setting.set"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 3 {
		t.Fatalf("%d setting.set entries, want 3 (the unchanged rate is not audited again)", len(page.Entries))
	}
}

// TestChangeUserIsOneChange: a role and a disable sent together are one change; the
// disable refused (it would leave no admin who can log in) leaves the role as it was.
func TestChangeUserIsOneChange(t *testing.T) {
	s := storetest.Open(t)
	// No admin has a password yet: the workspace is run with an admin API key.
	mustUser(t, s, "inv@team.example", store.RoleAdmin, "")
	cat := mustUser(t, s, "cat@team.example", store.RoleSales, "hash")
	admin, disable := store.RoleAdmin, true
	if _, err := s.ChangeUser(ctx, cat.ID, &admin, &disable, "key:1"); !errs.Is(err, errs.Conflict) {
		t.Fatalf("promote and disable the only admin who could log in: %v, want a conflict", err)
	}
	if u, err := s.User(ctx, cat.ID); err != nil || u.Role != store.RoleSales || u.Disabled {
		t.Fatalf("after the refusal: %+v %v, want sales and enabled", u, err)
	}
	marketer, enable := store.RoleMarketer, false
	if u, err := s.ChangeUser(ctx, cat.ID, &marketer, &enable, "key:1"); err != nil || u.Role != store.RoleMarketer || u.Disabled {
		t.Fatalf("role and enable: %+v %v", u, err)
	}
}
