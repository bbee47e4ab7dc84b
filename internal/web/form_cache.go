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
// A form saved through this node is dropped at once, and no read that began before
// the save can put the old wording back; a change made on another node reaches this
// one within formTTL and the time of one read. When an entry runs out, one request
// reads the form again while the others keep the entry until that read is done; when
// there is no entry (first use, or just saved), the others wait for that one read
// instead of each making their own. Callers must not modify what it returns.
type formCache struct {
	store *store.Store
	now   func() time.Time // the clock, replaced in tests
	// read reads a form from the store; tests wrap it to hold a read in flight.
	read  func(ctx context.Context, slug string) (*store.Form, *capture.FormDefinition, error)
	mu    sync.Mutex
	m     map[string]cachedForm
	loads map[string]*formLoad
	// gen counts forget calls: a read that started under an older generation may
	// hold a form saved since, and is not kept.
	gen uint64
}

type cachedForm struct {
	form *store.Form
	def  *capture.FormDefinition
	at   time.Time
}

// formLoad is one read of a form that other requests for the same slug wait for.
type formLoad struct {
	done chan struct{}
	form *store.Form
	def  *capture.FormDefinition
	err  error
}

const formTTL = 2 * time.Second

// maxCachedForms bounds the cache; slugs that do not exist are never cached.
const maxCachedForms = 1000

func newFormCache(s *store.Store) *formCache {
	c := &formCache{store: s, now: time.Now, m: map[string]cachedForm{}, loads: map[string]*formLoad{}}
	c.read = c.load
	return c
}

// get returns the form with this slug and its parsed definition.
func (c *formCache) get(ctx context.Context, slug string) (*store.Form, *capture.FormDefinition, error) {
	now := c.now()
	c.mu.Lock()
	e, cached := c.m[slug]
	if cached && now.Sub(e.at) < formTTL {
		c.mu.Unlock()
		return e.form, e.def, nil
	}
	if l, ok := c.loads[slug]; ok {
		c.mu.Unlock()
		if cached {
			// Run out, and another request is reading it again: answer with the
			// entry until then rather than stall every post of the form.
			return e.form, e.def, nil
		}
		select {
		case <-l.done:
			return l.form, l.def, l.err
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	l := &formLoad{done: make(chan struct{})}
	c.loads[slug] = l
	gen := c.gen
	c.mu.Unlock()

	// Others wait for this read: a caller who hangs up must not fail them.
	l.form, l.def, l.err = c.read(context.WithoutCancel(ctx), slug)

	c.mu.Lock()
	if c.loads[slug] == l {
		delete(c.loads, slug)
	}
	if l.err == nil && c.gen == gen {
		if len(c.m) >= maxCachedForms {
			clear(c.m) // bounds slugs that were renamed away
		}
		c.m[slug] = cachedForm{form: l.form, def: l.def, at: now}
	}
	c.mu.Unlock()
	close(l.done)
	return l.form, l.def, l.err
}

// cached returns the definition of the form with this slug when the cache holds
// it, however old, and nil otherwise; it never reads the store. A refused post
// borrows the form's look from it without a query spent on a request it refuses.
func (c *formCache) cached(slug string) *capture.FormDefinition {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[slug]; ok {
		return e.def
	}
	return nil
}

// load reads a form and decodes its definition.
func (c *formCache) load(ctx context.Context, slug string) (*store.Form, *capture.FormDefinition, error) {
	f, err := c.store.FormBySlug(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	var def capture.FormDefinition
	if err := json.Unmarshal(f.Definition, &def); err != nil {
		return nil, nil, err
	}
	def.Slug, def.Name, def.Kind, def.CampaignID = f.Slug, f.Name, f.Kind, f.CampaignID
	return f, &def, nil
}

// forget drops every cached form, after a form was saved on this node. Reads under
// way keep answering the requests that were already waiting for them, but what they
// read is not kept, and requests that come later read the form again.
func (c *formCache) forget() {
	c.mu.Lock()
	c.gen++
	clear(c.m)
	clear(c.loads)
	c.mu.Unlock()
}
