package web

import (
	"context"
	"net/url"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The workspace settings an admin changes on /settings and with PUT /api/v1/settings.
// Each is read where it acts: tracking_consent by the tracking snippet (tracking.go),
// newsletter_stage by every capture of a newsletter sign-up (public_forms.go, api.go),
// hourly_rate by the sources report's loaded cost (api_report.go), currency by every
// amount read or shown (s.currency, s.store.Currency), website_url by the printed link
// of a campaign without a landing page of its own (links.go).
const (
	settingTrackingConsent = "tracking_consent"
	settingNewsletterStage = "newsletter_stage"
	settingHourlyRate      = "hourly_rate"
	settingCurrency        = store.SettingCurrency
	settingWebsiteURL      = store.SettingWebsiteURL
)

// Values of tracking_consent: only "required" makes tracking wait for consent.
const (
	consentRequired    = "required"
	consentNotRequired = "not_required"
)

// workspaceSettings are the settings as the API shows them, with their defaults
// filled in.
type workspaceSettings struct {
	TrackingConsent string `json:"tracking_consent"`
	NewsletterStage string `json:"newsletter_stage"`
	HourlyRate      string `json:"hourly_rate"`
	Currency        string `json:"currency"`
	WebsiteURL      string `json:"website_url"`
}

// workspaceSettingsInput is a change; a field left out (or null) keeps its value.
type workspaceSettingsInput struct {
	TrackingConsent *string `json:"tracking_consent"`
	NewsletterStage *string `json:"newsletter_stage"`
	HourlyRate      *string `json:"hourly_rate"`
	Currency        *string `json:"currency"`
	WebsiteURL      *string `json:"website_url"`
}

// currency is the workspace's currency for showing amounts, read through the
// settings cache. Amounts sent in are read in s.store.Currency instead, fresh from the
// database, so that none is read in the places of a currency changed a moment ago
// on another node.
func (s *Server) currency(ctx context.Context) money.Currency {
	return money.Of(s.settings.get(ctx, store.SettingCurrency))
}

// readWorkspaceSettings reads the settings from the database (not the cache), so an
// admin sees what is stored.
func (s *Server) readWorkspaceSettings(ctx context.Context) (workspaceSettings, error) {
	var out workspaceSettings
	for key, dst := range map[string]*string{settingTrackingConsent: &out.TrackingConsent,
		settingNewsletterStage: &out.NewsletterStage, settingHourlyRate: &out.HourlyRate, settingCurrency: &out.Currency,
		settingWebsiteURL: &out.WebsiteURL} {
		v, err := s.store.Setting(ctx, key)
		if err != nil {
			return out, err
		}
		*dst = v
	}
	// Read as the server reads them: anything but "required" lets tracking start at
	// once, anything but "subscriber" makes a newsletter sign-up an MQL.
	if out.TrackingConsent != consentRequired {
		out.TrackingConsent = consentNotRequired
	}
	if out.NewsletterStage != lifecycle.Subscriber {
		out.NewsletterStage = lifecycle.MQL
	}
	cur := money.Of(out.Currency)
	out.Currency = cur.Code
	if n, err := cur.Parse(out.HourlyRate); out.HourlyRate != "" && err == nil && n >= 0 {
		out.HourlyRate = cur.Format(n)
	}
	return out, nil
}

// checkWorkspaceSettings validates a change to the settings now in force and returns
// the values to store; its errors name the field. Whether a new currency may replace
// the old one while money is stored is the store's to say, in the transaction that
// writes it (store.SetSettings).
func checkWorkspaceSettings(in workspaceSettingsInput, now workspaceSettings) (map[string]string, error) {
	values := map[string]string{}
	cur := money.Of(now.Currency)
	if v := in.Currency; v != nil {
		c, ok := money.Lookup(*v)
		if !ok {
			return nil, errs.Field(settingCurrency, "must be an ISO 4217 code Lodestone knows, such as USD, EUR, GBP or JPY")
		}
		values[settingCurrency], cur = c.Code, c
		// The hourly rate is kept as a decimal in the currency: it must read in the
		// new one too ("85.50" has no meaning in yen), unless this change sets it.
		if in.HourlyRate == nil && now.HourlyRate != "" {
			n, err := cur.Parse(now.HourlyRate)
			if err != nil {
				return nil, errs.Field(settingHourlyRate, "%s %v: set a rate in %s in the same change, or clear it", now.HourlyRate, err, cur.Code)
			}
			values[settingHourlyRate] = cur.Format(n)
		}
	}
	if v := in.TrackingConsent; v != nil {
		switch strings.TrimSpace(*v) {
		case consentRequired, consentNotRequired:
			values[settingTrackingConsent] = strings.TrimSpace(*v)
		default:
			return nil, errs.Field(settingTrackingConsent, "must be %s or %s", consentRequired, consentNotRequired)
		}
	}
	if v := in.NewsletterStage; v != nil {
		switch strings.TrimSpace(*v) {
		case lifecycle.MQL, lifecycle.Subscriber:
			values[settingNewsletterStage] = strings.TrimSpace(*v)
		default:
			return nil, errs.Field(settingNewsletterStage, "must be %s or %s: the stage a newsletter sign-up starts a contact at", lifecycle.MQL, lifecycle.Subscriber)
		}
	}
	if v := in.HourlyRate; v != nil {
		rate := strings.TrimSpace(*v)
		if rate != "" {
			n, err := cur.Parse(rate)
			if err != nil {
				return nil, errs.Field(settingHourlyRate, "%s", err.Error())
			}
			if n < 0 {
				return nil, errs.Field(settingHourlyRate, "must not be negative")
			}
			rate = cur.Format(n)
		}
		values[settingHourlyRate] = rate
	}
	if v := in.WebsiteURL; v != nil {
		site := strings.TrimSpace(*v)
		if site != "" && !absoluteWebURL(site) {
			return nil, errs.Field(settingWebsiteURL, "must be an absolute http or https URL, such as https://www.example.com")
		}
		values[settingWebsiteURL] = site
	}
	return values, nil
}

// absoluteWebURL reports whether v is an absolute http or https URL with a host, of at
// most 2000 bytes: a page a printed link may send a visitor to.
func absoluteWebURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil && len(v) <= 2000
}

// saveWorkspaceSettings stores a checked change, audited, and makes this node see it
// at once.
func (s *Server) saveWorkspaceSettings(ctx context.Context, values map[string]string, actor string) error {
	// A value that reads as the one in force (not_required for no value at all) is
	// no change, and is neither written nor audited.
	now, err := s.readWorkspaceSettings(ctx)
	if err != nil {
		return err
	}
	for key, v := range map[string]string{settingTrackingConsent: now.TrackingConsent,
		settingNewsletterStage: now.NewsletterStage, settingHourlyRate: now.HourlyRate, settingCurrency: now.Currency,
		settingWebsiteURL: now.WebsiteURL} {
		if nv, ok := values[key]; ok && nv == v {
			delete(values, key)
		}
	}
	if err := s.store.SetSettings(ctx, values, actor); err != nil {
		return err
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	s.settings.forget(keys...)
	return nil
}
