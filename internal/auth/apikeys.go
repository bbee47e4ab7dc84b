package auth

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// IssueAPIKey makes a new API key with a name and a role, stores it by its hash and
// returns it: the key itself is shown once, by the caller, and never again. The CLI
// and the admin screens and API all make keys here.
func IssueAPIKey(ctx context.Context, s *store.Store, name, role, actor string) (key string, k *store.APIKey, err error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, errs.Field("name", "is required: say what the key is for")
	}
	if utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "\x00\r\n") {
		return "", nil, errs.Field("name", "must be one line of at most 200 characters")
	}
	r, ok := store.RoleNamed(role)
	if !ok {
		return "", nil, errs.Field("role", "must be one of %s", strings.Join(store.Roles, ", "))
	}
	key, shown := NewAPIKey()
	k, err = s.CreateAPIKey(ctx, store.APIKey{Name: name, Role: r, Prefix: shown}, HashToken(key), actor)
	if err != nil {
		return "", nil, err
	}
	return key, k, nil
}
