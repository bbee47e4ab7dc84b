package capture

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/jobs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// AdLeadFetcher runs the jobs that read a lead from its platform's API, for the
// webhooks that carry only ids (Facebook, LinkedIn), and records it.
type AdLeadFetcher struct {
	Store  *store.Store
	Client *http.Client // nil for a client with a 30 s timeout
	Region string       // default phone region
}

// Handlers are the fetcher's jobs, for a jobs.Worker.
func (f *AdLeadFetcher) Handlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{JobFacebookLead: f.fetchFacebook, JobLinkedInLead: f.fetchLinkedIn}
}

// settings reads a platform's settings, defaults filled in.
func (f *AdLeadFetcher) settings(ctx context.Context, platform string) (map[string]string, error) {
	out := map[string]string{}
	for _, st := range Integrations[platform] {
		v, err := f.Store.Setting(ctx, SettingKey(platform, st.Name))
		if err != nil {
			return nil, err
		}
		if v == "" {
			v = st.Default
		}
		out[st.Name] = v
	}
	return out, nil
}

func (f *AdLeadFetcher) fetchFacebook(ctx context.Context, payload []byte) error {
	var ref FacebookLeadRef
	if err := json.Unmarshal(payload, &ref); err != nil || !idRe.MatchString(ref.LeadgenID) {
		return jobs.Permanent(fmt.Errorf("the job's payload names no lead"))
	}
	set, err := f.settings(ctx, PlatformFacebook)
	if err != nil {
		return err
	}
	if set["access_token"] == "" {
		return errors.New("no Facebook access token is set: PUT /api/v1/integrations/facebook with access_token, then retry")
	}
	q := url.Values{"access_token": {set["access_token"]}, "fields": {"id,created_time,field_data,ad_id,adset_id,campaign_id,form_id,is_organic,platform"}}
	if set["app_secret"] != "" {
		// appsecret_proof lets the app require that calls with its tokens come from
		// a server that knows the secret.
		m := hmac.New(sha256.New, []byte(set["app_secret"]))
		m.Write([]byte(set["access_token"]))
		q.Set("appsecret_proof", hex.EncodeToString(m.Sum(nil)))
	}
	u := strings.TrimRight(set["graph_base"], "/") + "/" + url.PathEscape(set["graph_version"]) + "/" + url.PathEscape(ref.LeadgenID) + "?" + q.Encode()
	body, err := f.get(ctx, "Graph API", u, nil)
	if err != nil {
		return err
	}
	lead, err := ParseFacebookLead(body, ref, Options{Region: f.Region, Now: f.Store.Now()})
	if err != nil {
		return jobs.Permanent(err)
	}
	return f.ingest(ctx, lead)
}

func (f *AdLeadFetcher) fetchLinkedIn(ctx context.Context, payload []byte) error {
	var ref LinkedInLeadRef
	if err := json.Unmarshal(payload, &ref); err != nil || !idRe.MatchString(ref.ResponseID) {
		return jobs.Permanent(fmt.Errorf("the job's payload names no lead form response"))
	}
	set, err := f.settings(ctx, PlatformLinkedIn)
	if err != nil {
		return err
	}
	if set["access_token"] == "" {
		return errors.New("no LinkedIn access token is set: PUT /api/v1/integrations/linkedin with access_token, then retry")
	}
	h := http.Header{"Authorization": {"Bearer " + set["access_token"]}, "Linkedin-Version": {set["api_version"]}, "X-Restli-Protocol-Version": {"2.0.0"}}
	base := strings.TrimRight(set["api_base"], "/") + "/rest/"
	resp, err := f.get(ctx, "LinkedIn API", base+"leadFormResponses/"+url.PathEscape(ref.ResponseID), h)
	if err != nil {
		return err
	}
	formID := LinkedInFormID(resp)
	if formID == "" {
		formID = ref.FormID
	}
	if formID == "" {
		return jobs.Permanent(errors.New("the LinkedIn response names no lead form, so its answers cannot be read"))
	}
	form, err := f.get(ctx, "LinkedIn API", base+"leadForms/"+url.PathEscape(formID), h)
	if err != nil {
		return err
	}
	ref.FormID = formID
	lead, err := ParseLinkedInLead(resp, form, ref, Options{Region: f.Region, Now: f.Store.Now()})
	if err != nil {
		return jobs.Permanent(err)
	}
	return f.ingest(ctx, lead)
}

func (f *AdLeadFetcher) ingest(ctx context.Context, l store.AdLead) error {
	_, err := f.Store.IngestAdLead(ctx, l)
	if errs.Is(err, errs.Invalid) {
		return jobs.Permanent(err)
	}
	return err
}

// get reads one API answer. Its errors never carry the URL, which holds the access
// token on Facebook. A lead the platform no longer has (404, 410) is a permanent
// failure; everything else, a refused token included (Facebook answers those with
// 400), is retried with backoff, so fixing the setting mends it.
func (f *AdLeadFetcher) get(ctx context.Context, api, u string, h http.Header) ([]byte, error) {
	client := f.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, jobs.Permanent(fmt.Errorf("the %s address is not valid; check the integration's base URL", api))
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s unreachable: %v", api, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: reading the answer: %v", api, err)
	}
	if res.StatusCode == http.StatusOK {
		return body, nil
	}
	err = fmt.Errorf("%s answered %d: %s", api, res.StatusCode, apiMessage(body))
	switch res.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		return nil, jobs.Permanent(err)
	}
	return nil, err
}

// apiMessage takes the message out of a platform's error answer, bounded.
func apiMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	msg := e.Error.Message
	if msg == "" {
		msg = e.Message
	}
	if msg == "" {
		msg = "no message"
	}
	return truncate(clean(msg), 300)
}
