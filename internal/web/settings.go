package web

import (
	"context"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// settingsCache keeps workspace settings read on hot public paths for a few seconds;
// a change reaches every node within that time. No screen or API route of this
// server writes the settings it serves (newsletter_stage, tracking_consent); they
// change in the database, so every node, this one included, sees a change within
// settingsTTL.
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
