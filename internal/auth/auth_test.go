package auth

import (
	"strings"
	"testing"

	"github.com/lodestone-hq/lodestone/internal/store"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$") {
		t.Fatalf("hash = %s", h)
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if err := CheckPassword(h, "correct horse batterY"); err != ErrMismatch {
		t.Fatalf("wrong password: %v", err)
	}
	h2, _ := HashPassword("correct horse battery")
	if h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if _, err := HashPassword("short"); err == nil {
		t.Fatal("short password accepted")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "$bcrypt$x$y$z$w"} {
		if err := CheckPassword(bad, "x"); err != ErrMismatch {
			t.Errorf("CheckPassword(%q) = %v", bad, err)
		}
	}
}

func TestTokens(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b || len(a) < 40 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if HashToken(a) == a || HashToken(a) != HashToken(a) {
		t.Fatal("token hash")
	}
	k, shown := NewAPIKey()
	if !strings.HasPrefix(k, APIKeyPrefix) || !strings.HasPrefix(k, shown) || len(shown) != len(APIKeyPrefix)+6 {
		t.Fatalf("key %q shown %q", k, shown)
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		role string
		p    Permission
		want bool
	}{
		{store.RoleAdmin, Admin, true},
		{store.RoleMarketer, Admin, false},
		{store.RoleMarketer, ManageMarketing, true},
		{store.RoleSales, ManageMarketing, false},
		{store.RoleSales, MergeContacts, true},
		{store.RoleAgent, WriteLeads, true},
		{store.RoleAgent, MergeContacts, false},
		{store.RoleReadOnly, Read, true},
		{store.RoleReadOnly, WriteLeads, false},
		{"nobody", Read, false},
	}
	for _, tt := range tests {
		if got := Can(tt.role, tt.p); got != tt.want {
			t.Errorf("Can(%s, %d) = %v", tt.role, tt.p, got)
		}
	}
}
