package web

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Principal is who makes a request: a logged-in user or an API key.
type Principal struct {
	Kind string // "user" or "key"
	ID   int64
	Name string
	Role string
	User *store.User
}

// Actor is how the principal is written in events and the audit log.
func (p *Principal) Actor() string { return p.Kind + ":" + itoa(p.ID) }

type principalKey struct{}

func principalOf(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

const sessionCookie = "lodestone_session"

// authenticate finds the principal from a bearer key or a session cookie.
func (s *Server) authenticate(r *http.Request) (*Principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || key == "" {
			return nil, errs.E(errs.Unauthorized, "", "send the API key as Authorization: Bearer KEY")
		}
		k, err := s.keys.lookup(r.Context(), s.store, auth.HashToken(strings.TrimSpace(key)))
		if err != nil {
			return nil, err
		}
		return &Principal{Kind: "key", ID: k.ID, Name: k.Name, Role: k.Role}, nil
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		u, err := s.store.SessionUser(r.Context(), auth.HashToken(c.Value))
		if err != nil {
			return nil, err
		}
		return &Principal{Kind: "user", ID: u.ID, Name: u.Name, Role: u.Role, User: u}, nil
	}
	return nil, errs.E(errs.Unauthorized, "", "an API key is needed: Authorization: Bearer KEY")
}

// api wraps an API handler: authentication, the role check, the body limit, and
// idempotency for POSTs.
func (s *Server) api(perm auth.Permission, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return s.apiHandler(perm, h, true)
}

// apiHandler is api, with idempotency for POSTs only when replay is true: an answer
// that holds a secret shown once is never stored to be replayed.
func (s *Server) apiHandler(perm auth.Permission, h func(http.ResponseWriter, *http.Request) error, replay bool) http.Handler {
	var idem http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
	if replay {
		idem = s.idempotent(idem)
	}
	return limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !auth.Can(p.Role, perm) {
			s.writeError(w, r, errs.E(errs.Forbidden, "", "the role %q may not do this", p.Role))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		idem.ServeHTTP(w, r)
	}))
}

// keyCache keeps API key lookups off the database for a few seconds; a revoked key
// stops working within that time on every node.
type keyCache struct {
	mu sync.Mutex
	m  map[string]keyEntry
}

type keyEntry struct {
	key     *store.APIKey
	fetched time.Time
	touched time.Time
}

const keyCacheTTL = 5 * time.Second

func newKeyCache() *keyCache { return &keyCache{m: map[string]keyEntry{}} }

func (c *keyCache) lookup(ctx context.Context, s *store.Store, hash string) (*store.APIKey, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[hash]
	c.mu.Unlock()
	if ok && now.Sub(e.fetched) < keyCacheTTL {
		return e.key, nil
	}
	k, err := s.APIKeyByHash(ctx, hash)
	if err != nil {
		c.mu.Lock()
		delete(c.m, hash)
		c.mu.Unlock()
		return nil, err
	}
	touched := e.touched
	if now.Sub(touched) > time.Minute {
		touched = now
		_ = s.TouchAPIKey(ctx, k.ID)
	}
	c.mu.Lock()
	if len(c.m) > 10000 {
		clear(c.m)
	}
	c.m[hash] = keyEntry{key: k, fetched: now, touched: touched}
	c.mu.Unlock()
	return k, nil
}

// forget drops a key from the cache, so a key revoked on this node stops working at
// once.
func (c *keyCache) forget(id int64) {
	c.mu.Lock()
	for h, e := range c.m {
		if e.key.ID == id {
			delete(c.m, h)
		}
	}
	c.mu.Unlock()
}
