package web

import (
	"net/http"
	"strings"
	"sync"

	"github.com/lodestone-hq/lodestone/internal/contact"
)

// apiDoc describes one API route for the OpenAPI document.
type apiDoc struct {
	summary  string
	tag      string
	body     string // schema of the request body; "" for none
	response string // schema of the success answer
	created  bool   // answers 201
	accepted bool   // answers 202
	query    []param
	upload   bool // the body is a multipart/form-data file upload, never replayed by Idempotency-Key
	secret   bool // the answer holds a secret shown once, so it is never stored to replay for an Idempotency-Key
}

// binaryMedia are the media types of an answer described as "Binary" (a file, not
// JSON), which its path says: a .csv path answers CSV, the QR code's {format} a PNG
// or an SVG image.
func binaryMedia(path string) []string {
	switch {
	case strings.HasSuffix(path, ".csv"):
		return []string{"text/csv"}
	case strings.HasSuffix(path, "/{format}"):
		return []string{"image/png", "image/svg+xml"}
	}
	return []string{"application/octet-stream"}
}

// uploadBody is the request body of an upload route: a CSV list for an import, any
// file (as the body, or a multipart part) for a form's lead magnet.
func uploadBody(path string) obj {
	media, help := "text/csv", "the list"
	if strings.HasSuffix(path, "/magnet") {
		media, help = "application/octet-stream", "the file"
	}
	content := obj{"multipart/form-data": obj{"schema": obj{"type": "object",
		"properties": obj{"file": obj{"type": "string", "contentMediaType": media, "description": help}}, "required": []string{"file"}}}}
	if media == "application/octet-stream" {
		content[media] = obj{"schema": obj{"type": "string", "contentMediaType": media}}
	}
	return obj{"required": true, "content": content}
}

type param struct{ name, help string }

type obj = map[string]any

func str(desc string) obj { return obj{"type": "string", "description": desc} }
func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }
func arr(items obj) obj   { return obj{"type": "array", "items": items} }
func nullable(o obj) obj  { return obj{"oneOf": []any{o, obj{"type": "null"}}} }
func props(p obj, req ...string) obj {
	o := obj{"type": "object", "properties": p}
	if len(req) > 0 {
		o["required"] = req
	}
	return o
}

var moneyString = obj{"type": "string", "pattern": `^-?\d+(\.\d{1,2})?$`, "description": "decimal amount in the workspace currency, held exactly"}

// schemas are the shapes the API reads and writes.
var schemas = obj{
	"Error": props(obj{"error": props(obj{"code": str("machine-readable code"), "message": str("plain English"), "field": str("the field at fault, when there is one"),
		"details": obj{"description": "extra information, such as every bad item of a batch"}}, "code", "message")}, "error"),
	"Object": obj{"type": "object"},
	"FormMagnet": props(obj{"form_id": obj{"type": "integer"}, "file_name": str(""), "content_type": str("the type sniffed from the file's bytes, which downloads are served with"),
		"size_bytes": obj{"type": "integer"}, "sha256": str("hex digest of the bytes"), "created_by": str(""), "created_at": str("")}),
	"Company": props(obj{"id": obj{"type": "integer"}, "domain": str("registrable domain"), "name": str(""), "industry": str(""), "size": str("size band"),
		"employees": obj{"type": "integer", "description": "head count, when company data gives it"}, "country": str("")}),
	"UserRef": props(obj{"id": obj{"type": "integer"}, "name": str(""), "email": str("")}),
	"FirstTouch": props(obj{"at": obj{"type": "string", "format": "date-time"}, "channel": str("one of the channels of SPEC section 2"),
		"campaign": nullable(props(obj{"id": obj{"type": "integer"}, "name": str("")}))}),
	"Contact": props(obj{
		"id": obj{"type": "integer"}, "email": str("normalised email; empty for phone-only contacts"), "phone": str("E.164"),
		"first_name": str(""), "last_name": str(""), "job_title": str(""), "company_name": str("as the contact wrote it"),
		"street": str(""), "postal_code": str(""), "city": str(""), "region": str(""), "country": str(""),
		"age_band":  obj{"type": "string", "enum": append([]string{""}, contact.AgeBands...), "description": "the contact's age band; empty when unknown"},
		"custom":    obj{"type": "object", "description": "custom fields"},
		"stage":     obj{"type": "string", "enum": []string{"subscriber", "lead", "mql", "sql", "opportunity", "customer", "disqualified"}},
		"seniority": str("from the job title"), "department": str("from the job title"),
		"email_type": str("work, free, role or disposable"), "phone_type": str("mobile, fixed_line, voip, …"), "phone_region": str("ISO 3166 region of the phone"),
		"scores": props(obj{"fit": obj{"type": "integer", "description": "0–100"}, "engagement": obj{"type": "integer", "description": "0–100, decayed to now"},
			"predictive":     nullable(obj{"type": "number", "description": "0–1 probability of becoming a customer"}),
			"predictive_auc": nullable(obj{"type": "number", "description": "holdout AUC of the model behind predictive (0.5 is chance, 1 is perfect); null with it, or when the holdout gave none"})}),
		"first_touch": nullable(ref("FirstTouch")), "company": nullable(ref("Company")), "owner": nullable(ref("UserRef")),
		"stage_entered_at": obj{"type": "object", "additionalProperties": obj{"type": "string", "format": "date-time"}},
		"created_at":       obj{"type": "string", "format": "date-time"}, "updated_at": obj{"type": "string", "format": "date-time"},
	}),
	"ContactPage": props(obj{"contacts": arr(ref("Contact")), "next_cursor": str("pass as cursor for the next page; empty at the end")}),
	"Event": props(obj{"id": obj{"type": "integer"}, "contact_id": obj{"type": "integer"}, "visitor_id": str(""), "type": str(""),
		"occurred_at": obj{"type": "string", "format": "date-time"}, "received_at": obj{"type": "string", "format": "date-time"},
		"properties": obj{"type": "object"}, "channel": str("set on touches"), "actor": str("who or what recorded it")}),
	"ContactDetail": obj{"allOf": []any{ref("Contact"), props(obj{"timeline": arr(ref("Event")),
		"timeline_next":       str("pass as timeline_before for the next, older page of the timeline; empty when this page is not full (the next page may be empty when it is)"),
		"deals":               arr(ref("Deal")),
		"possible_duplicates": arr(props(obj{"id": obj{"type": "integer"}, "contact_id": obj{"type": "integer"}, "other_id": obj{"type": "integer"}, "reason": str("")}))})}},
	"StageChange": props(obj{"stage": str("target stage"), "reason": str("why; required")}, "stage", "reason"),
	"OwnerChange": props(obj{"owner_id": nullable(obj{"type": "integer", "description": "the user who will own the contact; null for none"}),
		"reason": str("why; optional, shown on the timeline")}, "owner_id"),
	"Note":         props(obj{"body": str("the note")}, "body"),
	"MergeRequest": props(obj{"loser_id": obj{"type": "integer", "description": "the contact merged into the one in the path"}}, "loser_id"),
	"Merge":        props(obj{"id": obj{"type": "integer"}, "winner_id": obj{"type": "integer"}, "loser_id": obj{"type": "integer"}}),
	"EventInput": props(obj{"type": str("form_submit, page_view, email_open, demo_request, … or a custom type"),
		"email": str("identifies the contact; an unknown email creates it"), "phone": str("identifies a contact without email"),
		"contact_id": obj{"type": "integer"}, "visitor_id": str("anonymous browser id; joins the contact when identified"),
		"occurred_at": obj{"type": "string", "format": "date-time"},
		"properties": obj{"type": "object", "description": "page_url, referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content, first_name, last_name, company, job_title, country, age_band (one of " +
			strings.Join(contact.AgeBands, ", ") + "; \"25 to 34\" and such spellings are taken), channel, …; up to 100 properties in 64 KiB, nested at most 4 deep; numbers are kept with every digit as sent"}},
		"type"),
	"EventBatch":       props(obj{"events": arr(ref("EventInput"))}, "events"),
	"EventBatchResult": props(obj{"accepted": obj{"type": "integer"}, "results": arr(props(obj{"contact_id": obj{"type": "integer"}, "event_id": obj{"type": "integer"}, "created": obj{"type": "boolean"}}))}),
	"CampaignInput": props(obj{"name": str(""), "channel": str("one of the channels"), "utm_campaign": str("links tracked traffic to the campaign; its printed link and QR code carry it, and a campaign without one has none. Left empty with a landing_url, it is made from the name"),
		"starts_on": obj{"type": "string", "format": "date"}, "ends_on": obj{"type": "string", "format": "date"}, "budget": moneyString, "notes": str(""),
		"landing_url": str("where the campaign's printed short link and QR code lead; UTM parameters are added. Left empty, they lead to the workspace's website (the website_url setting)")}, "name", "channel"),
	"Campaign": props(obj{"id": obj{"type": "integer"}, "name": str(""), "channel": str(""), "utm_campaign": str(""), "starts_on": str(""), "ends_on": str(""),
		"budget": nullable(moneyString), "notes": str(""), "cost": moneyString, "hours": str("hours spent, decimal"),
		"landing_url": str(""), "short_link": str("the link to print; left out while the campaign has no utm_campaign, or no landing page and the workspace no website"), "qr_code": str("the QR code of the link, as SVG; left out with short_link")}),
	"CampaignList":   props(obj{"campaigns": arr(ref("Campaign"))}),
	"CampaignDetail": obj{"allOf": []any{ref("Campaign"), props(obj{"costs": arr(ref("CostEntry"))})}},
	"CostInput": props(obj{"date": obj{"type": "string", "format": "date"}, "amount": moneyString,
		"hours": obj{"oneOf": []any{obj{"type": "number"}, obj{"type": "string"}}, "description": "hours spent, up to two decimals"}, "note": str("")}, "date"),
	"CostEntry": props(obj{"id": obj{"type": "integer"}, "campaign_id": obj{"type": "integer"}, "date": str(""), "amount": moneyString, "hours": str(""), "note": str("")}),
	"DealInput": props(obj{"contact_id": obj{"type": "integer"}, "name": str(""), "amount": moneyString,
		"status": obj{"type": "string", "enum": []string{"won", "lost", "open"}}, "closed_at": obj{"type": "string", "format": "date-time", "description": "defaults to now for won and lost deals"}},
		"contact_id", "amount", "status"),
	"FormField": props(obj{"name": str("a standard field (email, first_name, last_name, phone, company, job_title, website, city, country, street, postal_code, age_band, message) or a custom one; age_band is a select of the age bands"),
		"label": str(""), "type": obj{"type": "string", "enum": []string{"text", "email", "phone", "select", "checkbox", "hidden", "textarea"}},
		"required": obj{"type": "boolean"}, "options": arr(str("")), "default": str("value of a hidden field")}, "name"),
	"FormInput": props(obj{"slug": str("the form lives at /f/{slug}"), "name": str(""),
		"kind":            obj{"type": "string", "enum": []string{"lead", "newsletter", "demo", "trial"}, "description": "newsletter makes an MQL, demo and trial an SQL, lead a lead"},
		"campaign_id":     obj{"type": "integer"},
		"fields":          obj{"type": "array", "items": obj{"oneOf": []any{str("a standard field name"), ref("FormField")}}},
		"consents":        arr(props(obj{"purpose": str("marketing_email, phone or partner_sharing"), "label": str("the wording agreed to"), "version": str(""), "required": obj{"type": "boolean"}})),
		"page":            props(obj{"headline": str(""), "text": str(""), "logo_url": str(""), "accent_color": str("#rrggbb, the button"), "background_color": str("#rrggbb, the page around the form"), "button_text": str("")}),
		"thank_you":       props(obj{"message": str(""), "redirect_url": str(""), "lead_magnet_url": str("a free guide or download given on the thank-you page"), "lead_magnet_label": str("")}),
		"allowed_origins": arr(str("origins whose scripts may post the form as JSON"))}, "slug", "name", "fields"),
	"Form": obj{"allOf": []any{ref("FormInput"), props(obj{"id": obj{"type": "integer"}, "url": str("the hosted page"),
		"embed_script": str("a script tag that draws the form in place"), "embed_iframe": str("a script that frames the hosted page with the embedding page's address and referrer (and the visitor id where the tracking snippet allows it), and a plain iframe for browsers without JavaScript"),
		"embed_html": str("a plain HTML form that works with JavaScript off")})}},
	"FormList": props(obj{"forms": arr(ref("Form"))}),
	"Deal": props(obj{"id": obj{"type": "integer"}, "contact_id": obj{"type": "integer"}, "name": str(""), "amount": moneyString, "status": str(""),
		"closed_at": nullable(obj{"type": "string", "format": "date-time"})}),
	"SourcesMetrics": props(obj{
		"new_leads":       obj{"type": "integer", "description": "contacts created in the period, by first touch"},
		"mqls":            obj{"type": "integer"},
		"sqls":            obj{"type": "integer"},
		"customers":       obj{"type": "number", "description": "credited by the model; a multi-touch model credits parts of a customer"},
		"conversion_rate": nullable(obj{"type": "number", "description": "customers / new_leads"}),
		"cost":            moneyString,
		"cpl":             nullable(moneyString),
		"hours":           obj{"type": "number"},
		"hours_per_lead":  nullable(obj{"type": "number"}),
		"loaded_cost":     nullable(obj{"allOf": []any{moneyString}, "description": "cost + hours × the hourly_rate setting; null without one"}),
		"revenue":         moneyString,
		"cac":             nullable(moneyString),
		"roi":             nullable(obj{"type": "number", "description": "(revenue − cost) / cost"}),
		"speed_to_lead":   nullable(obj{"type": "number", "description": "seconds; null until sales touches exist"}),
	}, "new_leads", "mqls", "sqls", "customers", "conversion_rate", "cost", "cpl", "hours", "revenue", "cac", "roi"),
	"SourcesRow": obj{"allOf": []any{props(obj{"channel": str("one of the channels"),
		"campaign": nullable(props(obj{"id": obj{"type": "integer"}, "name": str("")}))}, "channel", "campaign"), ref("SourcesMetrics")}},
	"IntegrationInput": obj{"type": "object", "description": "settings by name; google: key; facebook: verify_token, app_secret, access_token, graph_base, graph_version; linkedin: client_secret, access_token, api_base, api_version",
		"additionalProperties": obj{"oneOf": []any{obj{"type": "string"}, obj{"type": "null"}}}},
	"Integration": props(obj{"platform": str("google, facebook or linkedin"), "webhook_url": str("the URL to give the platform"),
		"ready": obj{"type": "boolean"}, "missing": arr(str("settings still needed")),
		"settings": obj{"type": "object", "description": "secret settings as {\"set\": bool}, the others with their value"},
		"jobs":     obj{"type": "object", "description": "lead-fetching jobs by state: queued, running, done, dead"},
		"dead_jobs": arr(props(obj{"id": obj{"type": "integer"}, "attempts": obj{"type": "integer"}, "last_error": str(""),
			"dead_at": obj{"type": "string", "format": "date-time"}}))}),
	"RetryResult":   props(obj{"retried": obj{"type": "integer"}}),
	"SourcesReport": props(obj{"rows": arr(ref("SourcesRow")), "totals": ref("SourcesMetrics")}, "rows", "totals"),
}

var (
	openAPIOnce sync.Once
	openAPIDoc  obj
)

// openAPI builds the document from the routing table, so a route cannot be added
// without being described.
func (s *Server) openAPI() obj {
	openAPIOnce.Do(func() {
		paths := obj{}
		errorResp := obj{"description": "the caller's mistake, named", "content": obj{"application/json": obj{"schema": ref("Error")}}}
		for _, rt := range s.routes() {
			if rt.api == nil {
				continue
			}
			method, path, _ := strings.Cut(rt.pattern, " ")
			d := rt.api
			status := "200"
			if d.created {
				status = "201"
			} else if d.accepted {
				status = "202"
			}
			content := obj{"application/json": obj{"schema": ref(d.response)}}
			if d.response == "Binary" {
				content = obj{}
				for _, m := range binaryMedia(path) {
					content[m] = obj{"schema": obj{"type": "string", "contentMediaType": m}}
				}
			}
			op := obj{
				"summary": d.summary, "tags": []string{d.tag}, "security": []any{obj{"bearer": []string{}}},
				"responses": obj{status: obj{"description": "done", "content": content},
					"400": errorResp, "401": errorResp, "403": errorResp, "404": errorResp, "413": errorResp, "422": errorResp},
			}
			var params []any
			for _, seg := range strings.Split(path, "/") {
				if strings.HasPrefix(seg, "{") {
					name := strings.Trim(seg, "{}")
					typ := "string"
					if name == "id" {
						typ = "integer"
					}
					params = append(params, obj{"name": name, "in": "path", "required": true, "schema": obj{"type": typ}})
				}
			}
			for _, q := range d.query {
				params = append(params, obj{"name": q.name, "in": "query", "description": q.help, "schema": obj{"type": "string"}})
			}
			if method == http.MethodPost && !d.upload && !d.secret {
				params = append(params, obj{"name": "Idempotency-Key", "in": "header", "description": "a retry with the same key replays the first answer", "schema": obj{"type": "string"}})
			}
			if len(params) > 0 {
				op["parameters"] = params
			}
			if d.body != "" {
				op["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": ref(d.body)}}}
			}
			if d.upload {
				op["requestBody"] = uploadBody(path)
			}
			item, _ := paths[path].(obj)
			if item == nil {
				item = obj{}
				paths[path] = item
			}
			item[strings.ToLower(method)] = op
		}
		openAPIDoc = obj{
			"openapi": "3.1.0",
			"info": obj{"title": "Lodestone API", "version": "1",
				"description": "Lead capture and management. Authenticate with an API key: Authorization: Bearer KEY. Errors are {\"error\": {\"code\", \"message\", \"field\"}}."},
			"servers":    []any{obj{"url": "/"}},
			"paths":      paths,
			"components": obj{"schemas": schemas, "securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer"}}},
		}
	})
	return openAPIDoc
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.openAPI())
}
