package enrich

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// ErrUnknownCompany reports that a provider knows nothing of a domain.
var ErrUnknownCompany = errors.New("the provider does not know this company")

// A CompanyProvider looks companies up by domain. Implementations must return
// ErrUnknownCompany when the domain is unknown, and any other error for a failure
// worth retrying later.
type CompanyProvider interface {
	Company(ctx context.Context, domain string) (Company, error)
}

// HTTPProvider asks a JSON-over-HTTP service: GET URL with {domain} replaced (or a
// "domain" query parameter added when the URL has no {domain}), the key sent as a
// bearer token. The answer is a JSON object with name, industry, employees and
// country; 404 means unknown. Answers are cached, failures are not, and after a
// failure the provider rests a while so a broken service does not slow enrichment.
type HTTPProvider struct {
	URL    string
	Key    string
	Client *http.Client // default: 5 s timeout

	// CacheFor is how long an answer (known or unknown) is kept (default 24 h).
	CacheFor time.Duration
	// RestFor is how long the provider is not asked after a failure (default 1 min).
	RestFor time.Duration
	Now     func() time.Time

	mu        sync.Mutex
	cache     map[string]cached
	restUntil time.Time
}

type cached struct {
	c   Company
	err error
	at  time.Time
}

// maxCache bounds the cache; when full it is emptied, which is simple and rare.
const maxCache = 50_000

// ErrProviderResting reports that the provider failed recently and is not asked.
var ErrProviderResting = errors.New("the company data provider failed recently; it is asked again in a minute")

func (p *HTTPProvider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Company looks the domain up, from the cache when it can.
func (p *HTTPProvider) Company(ctx context.Context, domain string) (Company, error) {
	now := p.now()
	cacheFor := p.CacheFor
	if cacheFor == 0 {
		cacheFor = 24 * time.Hour
	}
	p.mu.Lock()
	if e, ok := p.cache[domain]; ok && now.Sub(e.at) < cacheFor {
		p.mu.Unlock()
		return e.c, e.err
	}
	if now.Before(p.restUntil) {
		p.mu.Unlock()
		return Company{}, ErrProviderResting
	}
	p.mu.Unlock()

	c, err := p.fetch(ctx, domain)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil && !errors.Is(err, ErrUnknownCompany) {
		rest := p.RestFor
		if rest == 0 {
			rest = time.Minute
		}
		p.restUntil = now.Add(rest)
		return Company{}, err
	}
	if p.cache == nil || len(p.cache) >= maxCache {
		p.cache = map[string]cached{}
	}
	p.cache[domain] = cached{c: c, err: err, at: now}
	return c, err
}

func (p *HTTPProvider) requestURL(domain string) (string, error) {
	if strings.Contains(p.URL, "{domain}") {
		return strings.ReplaceAll(p.URL, "{domain}", url.PathEscape(domain)), nil
	}
	u, err := url.Parse(p.URL)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("domain", domain)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (p *HTTPProvider) fetch(ctx context.Context, domain string) (Company, error) {
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	target, err := p.requestURL(domain)
	if err != nil {
		return Company{}, fmt.Errorf("provider URL: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return Company{}, fmt.Errorf("provider URL: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if p.Key != "" {
		req.Header.Set("Authorization", "Bearer "+p.Key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Company{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return Company{}, ErrUnknownCompany
	case resp.StatusCode != http.StatusOK:
		return Company{}, fmt.Errorf("the provider answered %s", resp.Status)
	}
	var body struct {
		Name      string          `json:"name"`
		Industry  string          `json:"industry"`
		Employees json.RawMessage `json:"employees"`
		Country   string          `json:"country"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body); err != nil {
		return Company{}, fmt.Errorf("the provider's answer is not the expected JSON: %w", err)
	}
	// Values go through the same checks as a row of a company list.
	fields := map[string]string{"domain": domain, "name": body.Name, "industry": body.Industry,
		"employees": strings.Trim(string(body.Employees), `"`), "country": body.Country}
	if fields["employees"] == "null" {
		fields["employees"] = ""
	}
	c, rerr := companyRow(func(f string) string { return strings.TrimSpace(fields[f]) })
	if rerr != nil {
		return Company{}, fmt.Errorf("the provider's answer has a bad %s: %s", rerr.Field, rerr.Message)
	}
	c.Domain = domain
	return c, nil
}
