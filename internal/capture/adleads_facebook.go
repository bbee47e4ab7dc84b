package capture

import (
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// FacebookLeadRef is what a Facebook Lead Ads webhook says of a lead: ids only. It
// is also the payload of the job that reads the lead from the Graph API.
type FacebookLeadRef struct {
	LeadgenID   string `json:"leadgen_id"`
	PageID      string `json:"page_id,omitempty"`
	FormID      string `json:"form_id,omitempty"`
	AdID        string `json:"ad_id,omitempty"`
	AdgroupID   string `json:"adgroup_id,omitempty"`
	CreatedTime int64  `json:"created_time,omitempty"`
}

type facebookWebhook struct {
	Object string `json:"object"`
	Entry  []struct {
		ID      platformID `json:"id"`
		Changes []struct {
			Field string `json:"field"`
			Value struct {
				LeadgenID   platformID `json:"leadgen_id"`
				PageID      platformID `json:"page_id"`
				FormID      platformID `json:"form_id"`
				AdID        platformID `json:"ad_id"`
				AdgroupID   platformID `json:"adgroup_id"`
				CreatedTime int64      `json:"created_time"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// maxRefs bounds the leads one delivery may name.
const maxRefs = 1000

// ParseFacebookWebhook reads a Page webhook delivery and returns its new leads, each
// once. Changes to other fields, and other objects, are ignored.
func ParseFacebookWebhook(body []byte) ([]FacebookLeadRef, error) {
	var w facebookWebhook
	if err := decodeLenient(body, &w); err != nil {
		return nil, err
	}
	if w.Object != "page" {
		return nil, nil
	}
	var out []FacebookLeadRef
	seen := map[string]bool{}
	for i, e := range w.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "leadgen" {
				continue
			}
			v := ch.Value
			id, err := checkID("leadgen_id", v.LeadgenID)
			if err != nil || id == "" {
				return nil, errs.Field("entry", "entry %d has a leadgen change without a valid leadgen_id", i)
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			ref := FacebookLeadRef{LeadgenID: id, CreatedTime: v.CreatedTime}
			ref.PageID, _ = checkID("page_id", v.PageID)
			ref.FormID, _ = checkID("form_id", v.FormID)
			ref.AdID, _ = checkID("ad_id", v.AdID)
			ref.AdgroupID, _ = checkID("adgroup_id", v.AdgroupID)
			if len(out) == maxRefs {
				return nil, errs.Field("entry", "names more than %d leads", maxRefs)
			}
			out = append(out, ref)
		}
	}
	return out, nil
}

// facebookLead is a lead as the Graph API returns it.
type facebookLead struct {
	ID          platformID `json:"id"`
	CreatedTime string     `json:"created_time"`
	AdID        platformID `json:"ad_id"`
	AdsetID     platformID `json:"adset_id"`
	CampaignID  platformID `json:"campaign_id"`
	FormID      platformID `json:"form_id"`
	IsOrganic   bool       `json:"is_organic"`
	Platform    string     `json:"platform"`
	FieldData   []struct {
		Name   string   `json:"name"`
		Values []string `json:"values"`
	} `json:"field_data"`
}

// facebookFields maps the names of Facebook's standard lead form questions.
var facebookFields = map[string]string{
	"email": "email", "work_email": "work_email", "full_name": "full_name", "first_name": "first_name", "last_name": "last_name",
	"phone_number": "phone", "work_phone_number": "work_phone", "company_name": "company", "job_title": "job_title",
	"street_address": "street", "city": "city", "state": "region", "province": "region", "country": "country",
	"zip_code": "postal_code", "post_code": "postal_code", "zip": "postal_code",
	"date_of_birth": "birth_date", "dob": "birth_date",
}

// graphTime is the Graph API's time format, such as 2026-03-01T09:30:00+0000.
const graphTime = "2006-01-02T15:04:05-0700"

// ParseFacebookLead maps a lead read from the Graph API to a capture in paid_social
// and the lead's campaign.
func ParseFacebookLead(body []byte, ref FacebookLeadRef, opt Options) (store.AdLead, error) {
	var l facebookLead
	if err := decodeLenient(body, &l); err != nil {
		return store.AdLead{}, err
	}
	if id, err := checkID("id", l.ID); err != nil || (id != "" && id != ref.LeadgenID) {
		return store.AdLead{}, errs.Field("id", "the Graph API returned another lead than %s", ref.LeadgenID)
	}
	a := newLeadAnswers()
	for _, f := range l.FieldData {
		name := strings.ToLower(strings.TrimSpace(f.Name))
		a.add(facebookFields[name], name, strings.Join(f.Values, ", "))
	}
	campaign, _ := checkID("campaign_id", l.CampaignID)
	props := map[string]any{"page_id": ref.PageID, "form_id": ref.FormID, "ad_id": ref.AdID, "adgroup_id": ref.AdgroupID, "platform_source": l.Platform}
	for k, v := range map[string]platformID{"form_id": l.FormID, "ad_id": l.AdID, "adset_id": l.AdsetID} {
		if id, err := checkID(k, v); err == nil && id != "" {
			props[k] = id
		}
	}
	if l.IsOrganic {
		props["is_organic"] = true
	}
	at, err := time.Parse(graphTime, strings.TrimSpace(l.CreatedTime))
	if err != nil && ref.CreatedTime > 0 {
		at = time.Unix(ref.CreatedTime, 0)
	}
	return a.adLead(leadMeta{platform: PlatformFacebook, leadID: ref.LeadgenID, campaignID: campaign, at: at, props: props}, opt)
}
