package web

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// timelineItem is one event as the contact screen shows it.
type timelineItem struct {
	ID       int64
	Label    string
	Kind     string // touch, stage, deal, note, merge or activity: picks the marker
	At       time.Time
	Channel  string
	Campaign *store.CampaignRef
	By       string
	Details  []detail
	Body     string // a note's text
	From, To string // a stage change
	Reason   string
	Amount   string
	// A merge, which can be undone until it is.
	MergeID, MergedContactID int64
	Undone, Undoable         bool
	// ViaContact is set on events that came with a merged contact.
	ViaContact int64
}

type detail struct{ Label, Value string }

var eventLabels = map[string]string{
	"page_view": "Viewed a page", "form_submit": "Submitted a form", "email_sent": "Was sent an email",
	"email_open": "Opened an email", "email_click": "Clicked a link in an email", "unsubscribe": "Unsubscribed",
	"demo_request": "Requested a demo", "trial_signup": "Started a trial", "meeting_booked": "Booked a meeting",
	"call": "Call", "stage_changed": "Stage changed", "deal_won": "Deal won", "deal_lost": "Deal lost",
	"referral": "Was referred", "import": "Imported", "partner_received": "Received from a partner",
	"newsletter_signup": "Signed up for the newsletter", "note": "Note", "merged": "Merged a duplicate into this contact",
	"merge_undone": "Merge undone", "owner_changed": "Owner changed", "identify": "Identified on the website",
}

// eventTitle says what an event of a type was, as the timeline shows it.
func eventTitle(typ string) string {
	if l, ok := eventLabels[typ]; ok {
		return l
	}
	return humanize(typ)
}

var eventKinds = map[string]string{
	"stage_changed": "stage", "deal_won": "deal", "deal_lost": "deal", "note": "note", "merged": "merge", "merge_undone": "merge",
}

// detailFields are the properties worth showing, in the order shown.
var detailFields = []struct{ key, label string }{
	{"page_url", "Page"}, {"referrer", "Referrer"}, {"utm_source", "utm_source"}, {"utm_medium", "utm_medium"},
	{"utm_campaign", "utm_campaign"}, {"utm_term", "utm_term"}, {"utm_content", "utm_content"},
	{"form", "Form"}, {"subject", "Subject"}, {"disposition", "Disposition"}, {"name", "Deal"},
}

// timeline turns the events of a contact's history, newest first, into what the
// screen shows.
func timeline(cur money.Currency, contactID int64, events []*store.Event, users []*store.User) []timelineItem {
	names := map[string]string{"system": "Lodestone", "setup": "first-run setup", "cli": "the command line",
		"tracking": "the tracking snippet", "import": "a list import"}
	for _, u := range users {
		names["user:"+itoa(u.ID)] = u.Name
	}
	undone := map[int64]bool{}
	for _, e := range events {
		if e.Type == "merge_undone" {
			undone[propInt(e.Properties, "merge_id")] = true
		}
	}
	out := make([]timelineItem, 0, len(events))
	for _, e := range events {
		it := timelineItem{ID: e.ID, Label: eventTitle(e.Type), Kind: eventKinds[e.Type], At: e.OccurredAt,
			Channel: e.Channel, Campaign: e.Campaign, By: actorName(names, e.Actor)}
		if it.Kind == "" {
			it.Kind = "activity"
			if e.IsTouch() {
				it.Kind = "touch"
			}
		}
		if e.ContactID != contactID {
			it.ViaContact = e.ContactID
		}
		p := e.Properties
		switch e.Type {
		case "note":
			it.Body = propString(p, "body")
		case "stage_changed":
			it.From, it.To, it.Reason = propString(p, "from"), propString(p, "to"), propString(p, "reason")
		case "owner_changed":
			for _, side := range []struct{ key, label string }{{"from_name", "From"}, {"to_name", "To"}} {
				name := propString(p, side.key)
				if name == "" {
					name = "nobody"
				}
				it.Details = append(it.Details, detail{Label: side.label, Value: name})
			}
		case "merged", "merge_undone":
			it.MergeID, it.MergedContactID = propInt(p, "merge_id"), propInt(p, "merged_contact_id")
			it.Undone = e.Type == "merged" && undone[it.MergeID]
			it.Undoable = e.Type == "merged" && it.MergeID != 0 && !it.Undone
		}
		if a := propString(p, "amount"); a != "" {
			it.Amount = a
			if minor, err := cur.Parse(a); err == nil {
				it.Amount = formatMoney(minor)
			}
		}
		if e.Type != "stage_changed" && e.Type != "note" {
			if r := propString(p, "reason"); r != "" {
				it.Reason = r
			}
		}
		for _, f := range detailFields {
			if v := propString(p, f.key); v != "" {
				it.Details = append(it.Details, detail{Label: f.label, Value: v})
			}
		}
		out = append(out, it)
	}
	return out
}

func actorName(names map[string]string, actor string) string {
	if n, ok := names[actor]; ok {
		return n
	}
	if id, ok := strings.CutPrefix(actor, "key:"); ok {
		return "API key " + id
	}
	if slug, ok := strings.CutPrefix(actor, "form:"); ok {
		return "the form " + slug
	}
	return actor
}

// propString reads a property shown as text; numbers and booleans print plainly,
// nested values are not shown.
func propString(p map[string]any, key string) string {
	switch v := p[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return string(v)
	case bool:
		return fmt.Sprint(v)
	}
	return ""
}

func propInt(p map[string]any, key string) int64 {
	n, _ := strconv.ParseInt(propString(p, key), 10, 64)
	return n
}
