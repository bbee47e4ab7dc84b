package web

import (
	"context"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// settingsCache keeps workspace settings read on hot public paths for a few seconds;
// a change reaches every node within that time. Admins change the settings it serves
// (newsletter_stage, tracking_consent) on /settings or PUT /api/v1/settings (see
// workspace.go); the node that writes a change forgets its cached copy at once, and
// every other node sees it within settingsTTL.
type settingsCache struct {
	store *store.Store
	now   func() time.Time // the clock, replaced in tests
	mu    sync.Mutex
	m     map[string]cachedSetting
}

type cachedSetting struct {
	value string
	at    time.Time
}

const settingsTTL = 5 * time.Second

func newSettingsCache(s *store.Store) *settingsCache {
	return &settingsCache{store: s, now: time.Now, m: map[string]cachedSetting{}}
}

func (c *settingsCache) get(ctx context.Context, key string) string {
	now := c.now()
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Sub(v.at) < settingsTTL {
		return v.value
	}
	val, err := c.store.Setting(ctx, key)
	if err != nil {
		return v.value
	}
	c.mu.Lock()
	c.m[key] = cachedSetting{val, now}
	c.mu.Unlock()
	return val
}

// forget drops cached settings, so the next read sees a change this node just wrote.
func (c *settingsCache) forget(keys ...string) {
	c.mu.Lock()
	for _, k := range keys {
		delete(c.m, k)
	}
	c.mu.Unlock()
}
