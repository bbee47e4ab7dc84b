package web

import (
	"context"
	"sync"
	"time"

	"github.com/lodestone-hq/lodestone/internal/store"
)

// settingsCache keeps workspace settings read on hot public paths for a few seconds;
// a change reaches every node within that time.
type settingsCache struct {
	store *store.Store
	mu    sync.Mutex
	m     map[string]cachedSetting
}

type cachedSetting struct {
	value string
	at    time.Time
}

const settingsTTL = 5 * time.Second

func newSettingsCache(s *store.Store) *settingsCache {
	return &settingsCache{store: s, m: map[string]cachedSetting{}}
}

func (c *settingsCache) get(ctx context.Context, key string) string {
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok && time.Since(v.at) < settingsTTL {
		return v.value
	}
	val, err := c.store.Setting(ctx, key)
	if err != nil {
		return v.value
	}
	c.mu.Lock()
	c.m[key] = cachedSetting{val, time.Now()}
	c.mu.Unlock()
	return val
}
