package app

import (
	"context"
	"errors"
	"time"

	"github.com/lodestone-hq/lodestone/internal/enrich"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// enrichFeature runs enrichment in the background: capture never waits for it.
func (a *App) enrichFeature() feature {
	return feature{run: func(ctx context.Context) {
		e := &Enrichment{Store: a.Store, Log: a.Log.With("component", "enrich"), Publish: a.Store.SetCaptureProfiler,
			AllowPrivate: a.Config.AllowPrivateOutbound}
		e.Run(ctx)
	}}
}

// Enrichment is the background loop: it picks contacts not enriched yet in batches,
// derives their profile, and asks the company provider about companies not
// described yet.
type Enrichment struct {
	Store interface {
		Setting(ctx context.Context, key string) (string, error)
		ContactsToEnrich(ctx context.Context, limit int) ([]store.EnrichCandidate, error)
		SaveEnrichment(ctx context.Context, batch []store.ContactEnrichment) (int, error)
		CompaniesToEnrich(ctx context.Context, limit int) ([]store.CompanyToEnrich, error)
		SaveCompanyData(ctx context.Context, id int64, c *store.CompanyData) error
	}
	Log interface {
		Warn(msg string, args ...any)
		Info(msg string, args ...any)
	}
	Idle time.Duration // pause when nothing is waiting (default 2 s)
	// AllowPrivate lets the company provider's URL reach non-public addresses
	// (config.Config.AllowPrivateOutbound).
	AllowPrivate bool
	// Publish, when set, receives the profile that captures derive for the
	// contacts they create (store.Store.SetCaptureProfiler), whenever the rules or
	// the IP database change, and nil when the loop ends. Captures then enrich new
	// contacts as they write them, and this loop only has the changed ones left.
	Publish func(func(store.EnrichCandidate) (store.ContactEnrichment, bool))

	titles   *enrich.TitleRules
	geoPath  string
	geo      *enrich.GeoIP
	en       *enrich.Enricher // nil after a change, until the next round builds it
	provider *enrich.HTTPProvider
}

// geoGrace is how long an IP database that the settings replaced stays open:
// captures that took the previous profile may still be reading it.
const geoGrace = time.Minute

// enrichment is what en derives for a contact.
func enrichment(en *enrich.Enricher, c store.EnrichCandidate) store.ContactEnrichment {
	p := en.Profile(enrich.Input{JobTitle: c.JobTitle, Email: c.Email, Phone: c.Phone, Country: c.Country, City: c.City, IP: c.IP})
	return store.ContactEnrichment{ID: c.ID, Seniority: p.Seniority, Department: p.Department, EmailType: p.EmailType,
		PhoneType: p.PhoneType, PhoneRegion: p.PhoneRegion, Country: p.Country, City: p.City, From: c}
}

const enrichBatch = 200

// Run enriches until ctx ends.
func (e *Enrichment) Run(ctx context.Context) {
	idle := e.Idle
	if idle == 0 {
		idle = 2 * time.Second
	}
	defer func() {
		if e.Publish != nil {
			e.Publish(nil)
		}
		if e.geo != nil {
			e.geo.Close()
		}
	}()
	for {
		n, err := e.Round(ctx)
		if err != nil && ctx.Err() == nil {
			e.Log.Warn("enrichment round failed", "err", err)
		}
		wait := time.Duration(0)
		if n == 0 || err != nil {
			wait = idle
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Round enriches one batch of contacts and one of companies; it returns how many
// contacts and companies it handled.
func (e *Enrichment) Round(ctx context.Context) (int, error) {
	if e.titles == nil {
		e.titles = enrich.NewTitleRules()
	}
	e.configure(ctx)
	if e.en == nil {
		e.en = &enrich.Enricher{Titles: e.titles}
		if e.geo != nil {
			e.en.Geo = e.geo
		}
		if e.Publish != nil {
			en := e.en
			e.Publish(func(c store.EnrichCandidate) (store.ContactEnrichment, bool) { return enrichment(en, c), true })
		}
	}
	cands, err := e.Store.ContactsToEnrich(ctx, enrichBatch)
	if err != nil {
		return 0, err
	}
	batch := make([]store.ContactEnrichment, 0, len(cands))
	for _, c := range cands {
		batch = append(batch, enrichment(e.en, c))
	}
	if len(batch) > 0 {
		if _, err := e.Store.SaveEnrichment(ctx, batch); err != nil {
			return 0, err
		}
	}
	n := len(batch)
	if e.provider != nil {
		k, err := e.companies(ctx)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// companies asks the provider about companies not described yet. A failing
// provider ends the round; the companies wait for the next one.
func (e *Enrichment) companies(ctx context.Context) (int, error) {
	list, err := e.Store.CompaniesToEnrich(ctx, 50)
	if err != nil {
		return 0, err
	}
	for i, c := range list {
		data, err := e.provider.Company(ctx, c.Domain)
		switch {
		case errors.Is(err, enrich.ErrUnknownCompany):
			err = e.Store.SaveCompanyData(ctx, c.ID, nil)
		case errors.Is(err, enrich.ErrProviderResting):
			// The failure was logged when it happened; the companies wait.
			return i, nil
		case err != nil:
			return i, err
		default:
			err = e.Store.SaveCompanyData(ctx, c.ID, &store.CompanyData{Name: data.Name, Industry: data.Industry,
				Size: data.Size(), Employees: data.Employees, Country: data.Country})
		}
		if err != nil {
			return i, err
		}
	}
	return len(list), nil
}

// configure follows the settings: it opens the IP database when its path changes and
// rebuilds the provider when its URL or key changes.
func (e *Enrichment) configure(ctx context.Context) {
	path, _ := e.Store.Setting(ctx, enrich.SettingGeoIPPath)
	if path != e.geoPath {
		if old := e.geo; old != nil {
			time.AfterFunc(geoGrace, func() { old.Close() })
			e.geo = nil
		}
		e.en = nil
		e.geoPath = path
		if path != "" {
			g, err := enrich.OpenGeoIP(path)
			if err != nil {
				e.Log.Warn("the IP database cannot be opened; places are not looked up", "path", path, "err", err)
			} else {
				e.geo = g
			}
		}
	}
	url, _ := e.Store.Setting(ctx, enrich.SettingProviderURL)
	key, _ := e.Store.Setting(ctx, enrich.SettingProviderKey)
	switch {
	case url == "":
		e.provider = nil
	case e.provider == nil || e.provider.URL != url || e.provider.Key != key:
		e.provider = &enrich.HTTPProvider{URL: url, Key: key, Client: enrich.OutboundClient(5*time.Second, e.AllowPrivate)}
	}
}
