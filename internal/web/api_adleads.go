package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// Ad-platform lead forms (SPEC section 7): the webhooks of Google Ads, Facebook Lead
// Ads and LinkedIn Lead Gen Forms, and the admin API that sets them up. A webhook is
// answered 200 only once its lead is committed (Google) or queued for fetching in
// the same transaction as its reservation (Facebook, LinkedIn).

// webhookPaths are where each platform delivers.
var webhookPaths = map[string]string{
	capture.PlatformGoogle: "/webhooks/google-ads", capture.PlatformFacebook: "/webhooks/facebook", capture.PlatformLinkedIn: "/webhooks/linkedin",
}

var platformNames = map[string]string{
	capture.PlatformGoogle: "Google Ads lead forms", capture.PlatformFacebook: "Facebook Lead Ads", capture.PlatformLinkedIn: "LinkedIn Lead Gen Forms",
}

// notSetUp answers a webhook of a platform whose integration lacks a setting.
func notSetUp(platform, name string) error {
	return errs.E(errs.NotFound, "", "%s are not set up here: an admin sets %s with PUT /api/v1/integrations/%s", platformNames[platform], name, platform)
}

// secretSetting reads a required integration setting.
func (s *Server) secretSetting(r *http.Request, platform, name string) (string, error) {
	v, err := s.store.Setting(r.Context(), capture.SettingKey(platform, name))
	if err == nil && v == "" {
		err = notSetUp(platform, name)
	}
	return v, err
}

// sameSecret compares in constant time, whatever the lengths.
func sameSecret(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && want != ""
}

// signedBy reports whether sig (hex) is the HMAC-SHA256 of msg under secret.
func signedBy(sig string, secret string, msg ...[]byte) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	for _, b := range msg {
		m.Write(b)
	}
	return hmac.Equal(got, m.Sum(nil))
}

var errBadSignature = errs.E(errs.Forbidden, "", "the request's signature is missing or does not match this workspace's secret")

// readWebhook reads a webhook's raw body, which its signature covers.
func readWebhook(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errs.E(errs.TooLarge, "", "the body is larger than %d bytes", mbe.Limit)
	}
	if err != nil {
		return nil, errs.Field("", "the body could not be read")
	}
	return body, nil
}

// handleGoogleLead is POST /webhooks/google-ads: the whole lead, with the form's key.
func (s *Server) handleGoogleLead(w http.ResponseWriter, r *http.Request) {
	err := func() error {
		key, err := s.secretSetting(r, capture.PlatformGoogle, "key")
		if err != nil {
			return err
		}
		body, err := readWebhook(r)
		if err != nil {
			return err
		}
		g, err := capture.ParseGoogleLead(body)
		if err != nil {
			return err
		}
		if !sameSecret(g.GoogleKey, key) {
			return errs.E(errs.Forbidden, "google_key", "does not match this workspace's Google Ads webhook key")
		}
		lead, err := g.AdLead(capture.Options{Region: s.cfg.Region, Now: time.Now().UTC()})
		if err != nil {
			return err
		}
		res, err := s.store.IngestAdLead(r.Context(), lead)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, res)
		return nil
	}()
	if err != nil {
		s.writeError(w, r, err)
	}
}

// handleFacebookVerify is GET /webhooks/facebook: the subscription check, which
// echoes hub.challenge when hub.verify_token is ours.
func (s *Server) handleFacebookVerify(w http.ResponseWriter, r *http.Request) {
	want, err := s.secretSetting(r, capture.PlatformFacebook, "verify_token")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" || !sameSecret(q.Get("hub.verify_token"), want) {
		s.writeError(w, r, errs.E(errs.Forbidden, "hub.verify_token", "does not match this workspace's verify token"))
		return
	}
	challenge := q.Get("hub.challenge")
	if challenge == "" || len(challenge) > 256 {
		s.writeError(w, r, errs.Field("hub.challenge", "must be 1 to 256 characters"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, challenge)
}

// handleFacebookLeads is POST /webhooks/facebook: ids of new leads, signed with the
// app secret. Each lead is reserved and its fetching job queued before the 200.
func (s *Server) handleFacebookLeads(w http.ResponseWriter, r *http.Request) {
	s.queueWebhook(w, r, capture.PlatformFacebook, "app_secret", func(body []byte, secret string) ([]store.QueuedAdLead, error) {
		sig, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256=")
		if !ok || !signedBy(sig, secret, body) {
			return nil, errBadSignature
		}
		refs, err := capture.ParseFacebookWebhook(body)
		out := make([]store.QueuedAdLead, len(refs))
		for i, ref := range refs {
			p, _ := json.Marshal(ref)
			out[i] = store.QueuedAdLead{Platform: capture.PlatformFacebook, LeadID: ref.LeadgenID, Job: store.NewJob{Kind: capture.JobFacebookLead, Payload: p}}
		}
		return out, err
	})
}

// handleLinkedInChallenge is GET /webhooks/linkedin: LinkedIn proves we hold the
// client secret by asking for the HMAC of a challenge code.
func (s *Server) handleLinkedInChallenge(w http.ResponseWriter, r *http.Request) {
	secret, err := s.secretSetting(r, capture.PlatformLinkedIn, "client_secret")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code := r.URL.Query().Get("challengeCode")
	if code == "" || len(code) > 256 {
		s.writeError(w, r, errs.Field("challengeCode", "must be 1 to 256 characters"))
		return
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(code))
	writeJSON(w, http.StatusOK, map[string]string{"challengeCode": code, "challengeResponse": hex.EncodeToString(m.Sum(nil))})
}

// handleLinkedInLeads is POST /webhooks/linkedin: Lead Sync notifications, signed in
// X-LI-Signature with the client secret.
func (s *Server) handleLinkedInLeads(w http.ResponseWriter, r *http.Request) {
	s.queueWebhook(w, r, capture.PlatformLinkedIn, "client_secret", func(body []byte, secret string) ([]store.QueuedAdLead, error) {
		// LinkedIn's guide says both that the header carries the prefix and that the
		// prefix is hashed with the body; either reading is accepted.
		sig := strings.TrimSpace(r.Header.Get("X-LI-Signature"))
		sig = strings.TrimPrefix(sig, "hmacsha256=")
		if sig == "" || !(signedBy(sig, secret, body) || signedBy(sig, secret, []byte("hmacsha256="), body)) {
			return nil, errBadSignature
		}
		refs, err := capture.ParseLinkedInNotification(body)
		out := make([]store.QueuedAdLead, len(refs))
		for i, ref := range refs {
			p, _ := json.Marshal(ref)
			out[i] = store.QueuedAdLead{Platform: capture.PlatformLinkedIn, LeadID: ref.ResponseID, Job: store.NewJob{Kind: capture.JobLinkedInLead, Payload: p}}
		}
		return out, err
	})
}

// queueWebhook is the shared path of the webhooks that carry ids only.
func (s *Server) queueWebhook(w http.ResponseWriter, r *http.Request, platform, secretName string,
	parse func(body []byte, secret string) ([]store.QueuedAdLead, error)) {
	err := func() error {
		secret, err := s.secretSetting(r, platform, secretName)
		if err != nil {
			return err
		}
		body, err := readWebhook(r)
		if err != nil {
			return err
		}
		leads, err := parse(body, secret)
		if err != nil {
			return err
		}
		n, err := s.store.QueueAdLeads(r.Context(), leads)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, map[string]int{"received": len(leads), "queued": n})
		return nil
	}()
	if err != nil {
		s.writeError(w, r, err)
	}
}

// integrationView is an integration as the admin API shows it: secrets only say
// whether they are set.
type integrationView struct {
	Platform   string           `json:"platform"`
	WebhookURL string           `json:"webhook_url"`
	Ready      bool             `json:"ready"`
	Missing    []string         `json:"missing"`
	Settings   map[string]any   `json:"settings"`
	Jobs       map[string]int64 `json:"jobs,omitempty"`
	DeadJobs   []deadJob        `json:"dead_jobs,omitempty"`
}

type deadJob struct {
	ID        int64     `json:"id"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	DeadAt    time.Time `json:"dead_at"`
}

var jobKinds = map[string]string{capture.PlatformFacebook: capture.JobFacebookLead, capture.PlatformLinkedIn: capture.JobLinkedInLead}

func integrationOf(r *http.Request) (string, []capture.IntegrationSetting, error) {
	p := r.PathValue("platform")
	defs, ok := capture.Integrations[p]
	if !ok {
		return "", nil, errs.NotFoundf("no integration %q; one of google, facebook, linkedin", p)
	}
	return p, defs, nil
}

func (s *Server) integrationView(r *http.Request, platform string, defs []capture.IntegrationSetting) (*integrationView, error) {
	v := &integrationView{Platform: platform, WebhookURL: s.cfg.PublicURL() + webhookPaths[platform], Missing: []string{}, Settings: map[string]any{}}
	for _, d := range defs {
		val, err := s.store.Setting(r.Context(), capture.SettingKey(platform, d.Name))
		if err != nil {
			return nil, err
		}
		switch {
		case d.Secret:
			v.Settings[d.Name] = map[string]bool{"set": val != ""}
			if val == "" {
				v.Missing = append(v.Missing, d.Name)
			}
		case val == "":
			v.Settings[d.Name] = d.Default
		default:
			v.Settings[d.Name] = val
		}
	}
	v.Ready = len(v.Missing) == 0
	if kind := jobKinds[platform]; kind != "" {
		var err error
		if v.Jobs, err = s.store.JobStats(r.Context(), kind); err != nil {
			return nil, err
		}
		dead, err := s.store.DeadJobs(r.Context(), kind, 10)
		if err != nil {
			return nil, err
		}
		for _, j := range dead {
			v.DeadJobs = append(v.DeadJobs, deadJob{j.ID, j.Attempts, j.LastError, j.DeadAt})
		}
	}
	return v, nil
}

// handleGetIntegration is GET /api/v1/integrations/{platform}.
func (s *Server) handleGetIntegration(w http.ResponseWriter, r *http.Request) error {
	platform, defs, err := integrationOf(r)
	if err != nil {
		return err
	}
	v, err := s.integrationView(r, platform, defs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handlePutIntegration is PUT /api/v1/integrations/{platform}: it sets the named
// settings (null or "" clears one) and leaves the others alone.
func (s *Server) handlePutIntegration(w http.ResponseWriter, r *http.Request) error {
	platform, defs, err := integrationOf(r)
	if err != nil {
		return err
	}
	var in map[string]json.RawMessage
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if len(in) == 0 {
		return errs.Field("", "send at least one setting")
	}
	values := map[string]string{}
	for name, val := range in {
		i := slices.IndexFunc(defs, func(d capture.IntegrationSetting) bool { return d.Name == name })
		if i < 0 {
			names := make([]string, len(defs))
			for j, d := range defs {
				names[j] = d.Name
			}
			return errs.Field(name, "is not a setting of the %s integration; one of %s", platform, strings.Join(names, ", "))
		}
		var str *string
		if err := json.Unmarshal(val, &str); err != nil {
			return errs.Field(name, "must be a string, or null to clear it")
		}
		v := ""
		if str != nil {
			v = strings.TrimSpace(*str)
		}
		if v != "" && !defs[i].Pattern.MatchString(v) {
			return errs.Field(name, "is not valid: %s", defs[i].Help)
		}
		values[capture.SettingKey(platform, name)] = v
	}
	if err := s.store.SetSecretSettings(r.Context(), values, principalOf(r.Context()).Actor(), "integration:"+platform); err != nil {
		return err
	}
	v, err := s.integrationView(r, platform, defs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handleRetryIntegration is POST /api/v1/integrations/{platform}/retry: the
// platform's dead jobs run again, after a token or secret was fixed.
func (s *Server) handleRetryIntegration(w http.ResponseWriter, r *http.Request) error {
	platform, _, err := integrationOf(r)
	if err != nil {
		return err
	}
	var n int64
	if kind := jobKinds[platform]; kind != "" {
		if n, err = s.store.RetryDeadJobs(r.Context(), kind, principalOf(r.Context()).Actor()); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]int64{"retried": n})
	return nil
}
