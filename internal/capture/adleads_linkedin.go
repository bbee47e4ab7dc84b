package capture

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// LinkedInLeadRef is what a LinkedIn Lead Sync notification says of a lead: the
// URNs of its form response and form. It is the payload of the job that reads the
// response and its form from the LinkedIn API.
type LinkedInLeadRef struct {
	ResponseID string `json:"response_id"`
	FormID     string `json:"form_id,omitempty"`
	Creative   string `json:"creative,omitempty"`
	LeadType   string `json:"lead_type,omitempty"`
	OccurredAt int64  `json:"occurred_at,omitempty"` // epoch milliseconds
}

type linkedInNotification struct {
	Type             string            `json:"type"`
	LeadAction       string            `json:"leadAction"`
	LeadType         string            `json:"leadType"`
	Response         string            `json:"leadGenFormResponse"`
	Form             string            `json:"leadGenForm"`
	AssociatedEntity map[string]string `json:"associatedEntity"`
	OccurredAt       int64             `json:"occurredAt"`
}

var (
	// urn:li:versionedLeadGenForm:(urn:li:leadGenForm:123,1) names a form version.
	versionedFormRe = regexp.MustCompile(`^urn:li:versionedLeadGenForm:\(urn:li:leadGenForm:([0-9]{1,20}),\s*[0-9]{1,10}\)$`)
	formURNRe       = regexp.MustCompile(`^urn:li:leadGenForm:([0-9]{1,20})$`)
	responseURNRe   = regexp.MustCompile(`^urn:li:leadGenFormResponse:([A-Za-z0-9_.-]{1,128})$`)
	campaignURNRe   = regexp.MustCompile(`^urn:li:sponsoredCampaign:([0-9]{1,20})$`)
)

// linkedInFormID reads a form id from a form URN, versioned or not.
func linkedInFormID(urn string) string {
	if m := versionedFormRe.FindStringSubmatch(urn); m != nil {
		return m[1]
	}
	if m := formURNRe.FindStringSubmatch(urn); m != nil {
		return m[1]
	}
	return ""
}

// ParseLinkedInNotification reads a Lead Sync notification, one object or an array
// of them, and returns the new leads it names. Deleted leads and other notification
// types are ignored.
func ParseLinkedInNotification(body []byte) ([]LinkedInLeadRef, error) {
	var ns []linkedInNotification
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
		if err := decodeLenient(body, &ns); err != nil {
			return nil, err
		}
	} else {
		var n linkedInNotification
		if err := decodeLenient(body, &n); err != nil {
			return nil, err
		}
		ns = []linkedInNotification{n}
	}
	if len(ns) > maxRefs {
		return nil, errs.Field("", "names more than %d leads", maxRefs)
	}
	var out []LinkedInLeadRef
	seen := map[string]bool{}
	for _, n := range ns {
		if n.Type != "LEAD_ACTION" || (n.LeadAction != "" && n.LeadAction != "CREATED") {
			continue
		}
		m := responseURNRe.FindStringSubmatch(n.Response)
		if m == nil {
			return nil, errs.Field("leadGenFormResponse", "must be a urn:li:leadGenFormResponse URN")
		}
		if seen[m[1]] {
			continue
		}
		seen[m[1]] = true
		ref := LinkedInLeadRef{ResponseID: m[1], FormID: linkedInFormID(n.Form), LeadType: clean(truncate(n.LeadType, 64)), OccurredAt: n.OccurredAt}
		for _, k := range []string{"sponsoredCreative", "associatedCreative"} {
			if v := n.AssociatedEntity[k]; v != "" && len(v) <= 200 {
				ref.Creative = clean(v)
			}
		}
		out = append(out, ref)
	}
	return out, nil
}

// linkedInResponse is a lead form response as the leadFormResponses API returns it.
type linkedInResponse struct {
	ID                      string `json:"id"`
	LeadType                string `json:"leadType"`
	VersionedLeadGenFormUrn string `json:"versionedLeadGenFormUrn"`
	SubmittedAt             int64  `json:"submittedAt"`
	TestLead                bool   `json:"testLead"`
	LeadMetadata            struct {
		Sponsored struct {
			Campaign string `json:"campaign"`
		} `json:"sponsoredLeadMetadata"`
	} `json:"leadMetadata"`
	AssociatedEntity map[string]string `json:"associatedEntity"`
	FormResponse     struct {
		Answers []struct {
			QuestionID platformID `json:"questionId"`
			Details    struct {
				Text *struct {
					Answer string `json:"answer"`
				} `json:"textQuestionAnswer"`
				Choice *struct {
					Options []platformID `json:"options"`
				} `json:"multipleChoiceAnswer"`
			} `json:"answerDetails"`
		} `json:"answers"`
	} `json:"formResponse"`
	Form *linkedInForm `json:"form"` // present when the request projected the form in
}

// linkedInForm is a lead form as the leadForms API returns it: its questions say
// which profile field each answer is, and name the options of multiple choices.
type linkedInForm struct {
	ID      platformID `json:"id"`
	Content struct {
		Questions []struct {
			QuestionID      platformID `json:"questionId"`
			Name            string     `json:"name"`
			PredefinedField string     `json:"predefinedField"`
			Question        localized  `json:"question"`
			Details         struct {
				MultipleChoice *struct {
					Options []struct {
						ID   platformID `json:"id"`
						Text localized  `json:"text"`
					} `json:"options"`
				} `json:"multipleChoiceQuestionDetails"`
			} `json:"questionDetails"`
		} `json:"questions"`
	} `json:"content"`
}

// localized is LinkedIn's MultiLocaleString; text returns one of its values, the
// same one every time.
type localized struct {
	Localized map[string]string `json:"localized"`
}

func (l localized) text() string {
	keys := make([]string, 0, len(l.Localized))
	for k := range l.Localized {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if v := strings.TrimSpace(l.Localized[k]); v != "" {
			return v
		}
	}
	return ""
}

// linkedInFields maps LinkedIn's predefined fields, the answers prefilled from the
// member's profile.
var linkedInFields = map[string]string{
	"FIRST_NAME": "first_name", "LAST_NAME": "last_name", "FULL_NAME": "full_name", "EMAIL": "email", "WORK_EMAIL": "work_email",
	"PHONE_NUMBER": "phone", "WORK_PHONE_NUMBER": "work_phone", "MOBILE_PHONE_NUMBER": "phone", "COMPANY_NAME": "company",
	"JOB_TITLE": "job_title", "CITY": "city", "STATE": "region", "COUNTRY": "country", "ZIP_CODE": "postal_code", "POSTAL_CODE": "postal_code",
	"ADDRESS": "street", "STREET_ADDRESS": "street", "COMPANY_WEBSITE": "website",
}

// LinkedInFormID returns the id of the form a response answers, from its versioned
// form URN, so the job knows which form to read.
func LinkedInFormID(responseBody []byte) string {
	var r linkedInResponse
	if decodeLenient(responseBody, &r) != nil {
		return ""
	}
	return linkedInFormID(r.VersionedLeadGenFormUrn)
}

// ParseLinkedInLead maps a form response and its form to a capture in paid_social
// and the response's sponsored campaign. formBody may be nil when the response
// carries its form.
func ParseLinkedInLead(responseBody, formBody []byte, ref LinkedInLeadRef, opt Options) (store.AdLead, error) {
	var r linkedInResponse
	if err := decodeLenient(responseBody, &r); err != nil {
		return store.AdLead{}, err
	}
	form := r.Form
	if formBody != nil {
		form = &linkedInForm{}
		if err := decodeLenient(formBody, form); err != nil {
			return store.AdLead{}, err
		}
	}
	if form == nil {
		return store.AdLead{}, errs.Field("form", "the form of the response is needed to read its answers")
	}
	type question struct {
		field, label string
		options      map[string]string
	}
	questions := map[string]question{}
	for _, q := range form.Content.Questions {
		// Custom questions are named by their wording; predefined ones by their field.
		label := q.Question.text()
		if q.PredefinedField != "" || label == "" {
			label = q.Name
		}
		if label == "" {
			label = strings.ToLower(q.PredefinedField)
		}
		qq := question{field: linkedInFields[strings.ToUpper(q.PredefinedField)], label: label, options: map[string]string{}}
		if mc := q.Details.MultipleChoice; mc != nil {
			for _, o := range mc.Options {
				qq.options[string(o.ID)] = o.Text.text()
			}
		}
		questions[string(q.QuestionID)] = qq
	}
	a := newLeadAnswers()
	for _, ans := range r.FormResponse.Answers {
		q, ok := questions[string(ans.QuestionID)]
		if !ok {
			q.label = "question " + truncate(string(ans.QuestionID), 40)
		}
		switch d := ans.Details; {
		case d.Text != nil:
			a.add(q.field, q.label, d.Text.Answer)
		case d.Choice != nil:
			chosen := make([]string, 0, len(d.Choice.Options))
			for _, o := range d.Choice.Options {
				if t := q.options[string(o)]; t != "" {
					chosen = append(chosen, t)
				} else {
					chosen = append(chosen, "option "+string(o))
				}
			}
			a.add("", q.label, strings.Join(chosen, ", "))
		}
	}
	var campaign string
	if m := campaignURNRe.FindStringSubmatch(r.LeadMetadata.Sponsored.Campaign); m != nil {
		campaign = m[1]
	}
	props := map[string]any{"form_id": ref.FormID, "lead_type": r.LeadType, "creative": ref.Creative}
	if r.TestLead {
		props["is_test"] = true
	}
	for _, k := range []string{"associatedCreative", "sponsoredCreative", "event"} {
		if v := r.AssociatedEntity[k]; v != "" && len(v) <= 200 {
			props["creative"] = v
		}
	}
	at := time.Time{}
	for _, ms := range []int64{r.SubmittedAt, ref.OccurredAt} {
		if ms > 0 && ms < 1<<50 {
			at = time.UnixMilli(ms)
			break
		}
	}
	if at.IsZero() {
		props["submitted_at"] = strconv.FormatInt(r.SubmittedAt, 10)
	}
	return a.adLead(leadMeta{platform: PlatformLinkedIn, leadID: ref.ResponseID, campaignID: campaign, at: at, props: props}, opt)
}
