package store_test

import (
	"errors"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
	"github.com/lodestone-hq/lodestone/internal/store/storetest"
)

// A contact is assigned to a rep, reassigned and left without owner; each change is
// an owner_changed event and an audit entry, and the list's owner filters find the
// contacts each user owns and those nobody owns.
func TestAssignOwner(t *testing.T) {
	s := storetest.Open(t)
	user := func(email, role string) *store.User {
		t.Helper()
		u, err := s.CreateUser(ctx, store.User{Email: email, Name: email[:4], Role: role, PasswordHash: "x"}, "cli")
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tobi, grace := user("tobi@team.example", store.RoleSales), user("grac@team.example", store.RoleAgent)
	reader, gone := user("read@team.example", store.RoleReadOnly), user("gone@team.example", store.RoleSales)
	if err := store.ExecForTest(ctx, s, `UPDATE users SET disabled_at = 1 WHERE id = ?`, gone.ID); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range []string{"a@lead.example", "b@lead.example", "c@lead.example", "d@lead.example"} {
		ids = append(ids, mustIngest(t, s, store.Capture{Type: "form_submit", Email: e})[0].ContactID)
	}
	assign := func(contact, owner int64, reason string) *store.Contact {
		t.Helper()
		c, err := s.AssignOwner(ctx, contact, owner, reason, "user:9")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := assign(ids[0], tobi.ID, "works the north"); c.Owner == nil || c.Owner.ID != tobi.ID || c.Owner.Email != tobi.Email {
		t.Fatalf("owner after assigning %+v", c.Owner)
	}
	assign(ids[1], tobi.ID, "")
	assign(ids[1], grace.ID, "")
	assign(ids[2], grace.ID, "")
	if c := assign(ids[2], 0, "back to the pool"); c.Owner != nil {
		t.Fatalf("owner after unassigning %+v", c.Owner)
	}
	assign(ids[0], tobi.ID, "again") // the owner it has: nothing changes

	changes := func(id int64) []map[string]any {
		t.Helper()
		evs, err := s.Timeline(ctx, id, store.TimelineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		for _, e := range evs {
			if e.Type == "owner_changed" {
				if e.Actor != "user:9" {
					t.Errorf("actor %q", e.Actor)
				}
				out = append(out, e.Properties)
			}
		}
		return out
	}
	if ch := changes(ids[0]); len(ch) != 1 || ch[0]["to_name"] != "tobi" || ch[0]["from"] != nil || ch[0]["reason"] != "works the north" {
		t.Errorf("contact 0's changes %v", ch)
	}
	if ch := changes(ids[1]); len(ch) != 2 || ch[0]["from_name"] != "tobi" || ch[0]["to_name"] != "grac" {
		t.Errorf("contact 1's changes, newest first %v", ch)
	}
	if ch := changes(ids[2]); len(ch) != 2 || ch[0]["to"] != nil || ch[0]["from_name"] != "grac" || ch[0]["reason"] != "back to the pool" {
		t.Errorf("contact 2's changes, newest first %v", ch)
	}
	log, err := s.Audit(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range log {
		if a.Action == "contact.assign" {
			n++
		}
	}
	if n != 5 {
		t.Errorf("%d assignments audited, want 5", n)
	}

	list := func(f store.ContactFilter) []int64 {
		t.Helper()
		f.Limit = 100
		p, err := s.Contacts(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range p.Contacts {
			out = append(out, c.ID)
		}
		return out
	}
	if got := list(store.ContactFilter{OwnerID: tobi.ID}); len(got) != 1 || got[0] != ids[0] {
		t.Errorf("tobi owns %v", got)
	}
	if got := list(store.ContactFilter{OwnerID: grace.ID}); len(got) != 1 || got[0] != ids[1] {
		t.Errorf("grace owns %v", got)
	}
	if got := list(store.ContactFilter{Unowned: true}); len(got) != 2 || got[0] != ids[3] || got[1] != ids[2] {
		t.Errorf("nobody owns %v", got)
	}

	// Refusals change nothing.
	for _, tc := range []struct {
		name           string
		contact, owner int64
		code, field    string
	}{
		{"unknown user", ids[3], 999999, errs.Invalid, "owner_id"},
		{"read-only user", ids[3], reader.ID, errs.Invalid, "owner_id"},
		{"disabled user", ids[3], gone.ID, errs.Invalid, "owner_id"},
		{"unknown contact", 999999, tobi.ID, errs.NotFound, ""},
	} {
		_, err := s.AssignOwner(ctx, tc.contact, tc.owner, "", "user:9")
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Field != tc.field {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := s.MergeContacts(ctx, ids[0], ids[3], "user:9"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AssignOwner(ctx, ids[3], tobi.ID, "", "user:9"); errs.Code(err) != errs.Conflict {
		t.Errorf("merged-away contact: %v", err)
	}
	if c := mustContact(t, s, ids[3]); c.Owner != nil || len(changes(ids[3])) != 0 {
		t.Errorf("a refused assignment left owner %+v", c.Owner)
	}
}
