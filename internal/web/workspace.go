package web

import (
	"context"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/money"
)

// The workspace settings an admin changes on /settings and with PUT /api/v1/settings.
// Each is read where it acts: tracking_consent by the tracking snippet (tracking.go),
// newsletter_stage by every capture of a newsletter sign-up (public_forms.go, api.go),
// hourly_rate by the sources report's loaded cost (api_report.go).
const (
	settingTrackingConsent = "tracking_consent"
	settingNewsletterStage = "newsletter_stage"
	settingHourlyRate      = "hourly_rate"
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
}

// workspaceSettingsInput is a change; a field left out (or null) keeps its value.
type workspaceSettingsInput struct {
	TrackingConsent *string `json:"tracking_consent"`
	NewsletterStage *string `json:"newsletter_stage"`
	HourlyRate      *string `json:"hourly_rate"`
}

// readWorkspaceSettings reads the settings from the database (not the cache), so an
// admin sees what is stored.
func (s *Server) readWorkspaceSettings(ctx context.Context) (workspaceSettings, error) {
	var out workspaceSettings
	for key, dst := range map[string]*string{settingTrackingConsent: &out.TrackingConsent,
		settingNewsletterStage: &out.NewsletterStage, settingHourlyRate: &out.HourlyRate} {
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
	if n, err := money.Parse(out.HourlyRate); out.HourlyRate != "" && err == nil && n >= 0 {
		out.HourlyRate = money.Format(n)
	}
	return out, nil
}

// checkWorkspaceSettings validates a change and returns the values to store; its
// errors name the field.
func checkWorkspaceSettings(in workspaceSettingsInput) (map[string]string, error) {
	values := map[string]string{}
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
			n, err := money.Parse(rate)
			if err != nil {
				return nil, errs.Field(settingHourlyRate, "%s", err.Error())
			}
			if n < 0 {
				return nil, errs.Field(settingHourlyRate, "must not be negative")
			}
			rate = money.Format(n)
		}
		values[settingHourlyRate] = rate
	}
	return values, nil
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
		settingNewsletterStage: now.NewsletterStage, settingHourlyRate: now.HourlyRate} {
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
