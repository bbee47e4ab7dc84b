package capture

import (
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// GoogleLead is a Google Ads lead form webhook delivery. Google posts the whole
// lead, with the form's google_key, and redelivers until it gets a 200.
type GoogleLead struct {
	LeadID       string         `json:"lead_id"`
	APIVersion   string         `json:"api_version"`
	FormID       platformID     `json:"form_id"`
	CampaignID   platformID     `json:"campaign_id"`
	GoogleKey    string         `json:"google_key"`
	IsTest       bool           `json:"is_test"`
	GclID        string         `json:"gcl_id"`
	AdgroupID    platformID     `json:"adgroup_id"`
	CreativeID   platformID     `json:"creative_id"`
	AssetGroupID platformID     `json:"asset_group_id"`
	LeadStage    string         `json:"lead_stage"`
	SubmitTime   string         `json:"lead_submit_time"`
	Columns      []googleColumn `json:"user_column_data"`
}

type googleColumn struct {
	ColumnID    string `json:"column_id"`
	ColumnName  string `json:"column_name"`
	StringValue string `json:"string_value"`
}

// googleColumns maps Google's column ids to Lodestone's fields. Both the webhook's
// names (FIRST_NAME) and the API's (GIVEN_NAME) are accepted.
var googleColumns = map[string]string{
	"FULL_NAME": "full_name", "FIRST_NAME": "first_name", "GIVEN_NAME": "first_name", "LAST_NAME": "last_name", "FAMILY_NAME": "last_name",
	"EMAIL": "email", "WORK_EMAIL": "work_email", "PHONE_NUMBER": "phone", "WORK_PHONE": "work_phone",
	"COMPANY_NAME": "company", "JOB_TITLE": "job_title", "STREET_ADDRESS": "street", "CITY": "city", "REGION": "region",
	"COUNTRY": "country", "POSTAL_CODE": "postal_code",
}

// ParseGoogleLead reads a delivery. The google_key is checked by the caller, against
// the workspace's key, before the lead is used.
func ParseGoogleLead(body []byte) (*GoogleLead, error) {
	var g GoogleLead
	if err := decodeLenient(body, &g); err != nil {
		return nil, err
	}
	g.LeadID = strings.TrimSpace(g.LeadID)
	if !idRe.MatchString(g.LeadID) {
		return nil, errs.Field("lead_id", "is missing or not a Google Ads lead id")
	}
	if len(g.Columns) > 1000 {
		return nil, errs.Field("user_column_data", "holds too many columns")
	}
	return &g, nil
}

// AdLead maps the delivery to a capture in paid_search and the lead's campaign.
func (g *GoogleLead) AdLead(opt Options) (store.AdLead, error) {
	campaign, err := checkID("campaign_id", g.CampaignID)
	if err != nil {
		return store.AdLead{}, err
	}
	a := newLeadAnswers()
	for _, col := range g.Columns {
		id := strings.ToUpper(strings.TrimSpace(col.ColumnID))
		label := col.ColumnName
		if label == "" {
			label = strings.ToLower(id)
		}
		a.add(googleColumns[id], label, col.StringValue)
	}
	props := map[string]any{"gclid": g.GclID, "lead_stage": g.LeadStage, "is_test": g.IsTest}
	for k, v := range map[string]platformID{"form_id": g.FormID, "adgroup_id": g.AdgroupID, "creative_id": g.CreativeID, "asset_group_id": g.AssetGroupID} {
		if id, err := checkID(k, v); err == nil && id != "" {
			props[k] = id
		}
	}
	var at time.Time
	if g.SubmitTime != "" {
		at, _ = time.Parse(time.RFC3339, strings.TrimSpace(g.SubmitTime))
	}
	l, err := a.adLead(leadMeta{platform: PlatformGoogle, leadID: g.LeadID, campaignID: campaign, at: at, props: props}, opt)
	if err != nil {
		return l, errs.Field("user_column_data", "the lead has no valid email address or phone number")
	}
	return l, nil
}
