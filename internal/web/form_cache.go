package web

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// formCache keeps the forms that public endpoints serve, parsed, for a few seconds:
// every post and page view of a form would otherwise read and decode its definition.
// A form saved through this node is dropped at once; a change made on another node
// reaches this one within formTTL. Callers must not modify what it returns.
type formCache struct {
	store *store.Store
	mu    sync.Mutex
	m     map[string]cachedForm
}

type cachedForm struct {
	form *store.Form
	def  *capture.FormDefinition
	at   time.Time
}

const formTTL = 2 * time.Second

func newFormCache(s *store.Store) *formCache {
	return &formCache{store: s, m: map[string]cachedForm{}}
}

// get returns the form with this slug and its parsed definition.
func (c *formCache) get(ctx context.Context, slug string) (*store.Form, *capture.FormDefinition, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[slug]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < formTTL {
		return e.form, e.def, nil
	}
	f, err := c.store.FormBySlug(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	var def capture.FormDefinition
	if err := json.Unmarshal(f.Definition, &def); err != nil {
		return nil, nil, err
	}
	def.Slug, def.Name, def.Kind, def.CampaignID = f.Slug, f.Name, f.Kind, f.CampaignID
	c.mu.Lock()
	if len(c.m) > 1000 {
		clear(c.m) // slugs that do not exist are not cached; this bounds renamed ones
	}
	c.m[slug] = cachedForm{form: f, def: &def, at: now}
	c.mu.Unlock()
	return f, &def, nil
}

// forget drops every cached form, after a form was saved on this node.
func (c *formCache) forget() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
