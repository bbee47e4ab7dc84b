// Package capture turns what the outside world sends (API events, form posts,
// tracking hits, imports) into validated captures for the store. Its parsers accept
// hostile input: every refusal names the field, and nothing here panics.
package capture

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// EventBatch is the body of POST /api/v1/events.
type EventBatch struct {
	Events []EventIn `json:"events"`
}

// EventIn is one event as an integrator sends it.
type EventIn struct {
	Type       string         `json:"type"`
	Email      string         `json:"email,omitempty"`
	Phone      string         `json:"phone,omitempty"`
	ContactID  int64          `json:"contact_id,omitempty"`
	VisitorID  string         `json:"visitor_id,omitempty"`
	OccurredAt string         `json:"occurred_at,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
}

// MaxBatch is the largest number of events in one request.
const MaxBatch = 1000

// Problem is one bad field of one item of a batch.
type Problem struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

var (
	typeRe    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	visitorRe = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,128}$`)
)

// touchTypes carry attribution by themselves; a page view does when it starts a visit.
var touchTypes = map[string]bool{
	"form_submit": true, "email_click": true, "import": true, "partner_received": true, "call": true,
	"referral": true, "demo_request": true, "trial_signup": true, "newsletter_signup": true,
}

// fixedChannel is the channel of touch types that are not classified from the web.
var fixedChannel = map[string]attribution.Channel{
	"email_click": attribution.Email, "partner_received": attribution.Partner, "call": attribution.Phone,
	"referral": attribution.Referral, "import": attribution.Other,
}

// profileFields are the contact fields an event's properties may set.
var profileFields = []string{"first_name", "last_name", "job_title", "company", "street", "postal_code", "city", "region", "country", "age_band", "website"}

// errAgeBand is the message for a value that names no age band, wherever it came in.
var errAgeBand = fmt.Errorf("is not an age band; use one of %s", quotedList(contact.AgeBands))

// quotedList writes values as "a", "b", "c" for a message.
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// Options are the workspace settings parsing depends on.
type Options struct {
	Region          string    // default phone region
	NewsletterStage string    // "subscriber" or "" for the default (mql)
	Now             time.Time // the request time
}

// ParseEvents validates a batch and turns it into captures. The batch is refused
// whole when any item is bad, with every problem listed.
func ParseEvents(b EventBatch, opt Options) ([]store.Capture, error) {
	if len(b.Events) == 0 {
		return nil, errs.Field("events", "must hold at least one event")
	}
	if len(b.Events) > MaxBatch {
		return nil, errs.Field("events", "must hold at most %d events; split the batch", MaxBatch)
	}
	var problems []Problem
	caps := make([]store.Capture, 0, len(b.Events))
	for i, in := range b.Events {
		c, field, err := parseEvent(in, opt)
		if err != nil {
			problems = append(problems, Problem{Index: i, Field: field, Message: err.Error()})
			continue
		}
		caps = append(caps, c)
	}
	if len(problems) > 0 {
		p := problems[0]
		e := errs.Field(fmt.Sprintf("events[%d].%s", p.Index, p.Field), "%s", p.Message)
		if len(problems) > 1 {
			e.Message += fmt.Sprintf(" (and %d more problems, listed in details)", len(problems)-1)
		}
		e.Details = problems
		return nil, e
	}
	return caps, nil
}

func parseEvent(in EventIn, opt Options) (store.Capture, string, error) {
	var c store.Capture
	c.Type = strings.TrimSpace(in.Type)
	if !typeRe.MatchString(c.Type) {
		return c, "type", fmt.Errorf("must be a lower-case name such as form_submit (letters, digits, underscores; up to 64)")
	}
	c.OccurredAt = opt.Now
	if in.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339Nano, in.OccurredAt)
		if err != nil {
			return c, "occurred_at", fmt.Errorf("must be an RFC 3339 time such as 2026-03-01T09:30:00Z")
		}
		if t.After(opt.Now.Add(24 * time.Hour)) {
			return c, "occurred_at", fmt.Errorf("is more than a day in the future")
		}
		if t.Year() < 1970 {
			return c, "occurred_at", fmt.Errorf("is before 1970")
		}
		c.OccurredAt = t.UTC()
	}
	if in.Email != "" {
		e, err := contact.NormalizeEmail(in.Email)
		if err != nil {
			return c, "email", fmt.Errorf("is not a valid email address")
		}
		c.Email = e
	}
	if in.Phone != "" {
		p, err := contact.NormalizePhone(in.Phone, opt.Region)
		if err != nil {
			return c, "phone", fmt.Errorf("is not a valid phone number; write it with its country code, such as +49 30 1234567")
		}
		c.Phone = p
	}
	if in.ContactID < 0 {
		return c, "contact_id", fmt.Errorf("must be a positive id")
	}
	c.ContactID = in.ContactID
	if in.VisitorID != "" {
		if !visitorRe.MatchString(in.VisitorID) {
			return c, "visitor_id", fmt.Errorf("must be 1 to 128 letters, digits or . _ : -")
		}
		c.VisitorID = in.VisitorID
	}
	if c.Email == "" && c.Phone == "" && c.ContactID == 0 && c.VisitorID == "" {
		return c, "email", fmt.Errorf("an event needs one of email, phone, contact_id or visitor_id")
	}
	props, field, err := checkProperties(in.Properties)
	if err != nil {
		return c, "properties." + field, err
	}
	c.Properties = props
	str := func(k string) string { s, _ := props[k].(string); return strings.TrimSpace(s) }
	c.Web = attribution.FromProperties(stringsOf(props))
	c.Fields = store.ContactFields{FirstName: str("first_name"), LastName: str("last_name"), JobTitle: str("job_title"),
		CompanyName: str("company"), Street: str("street"), PostalCode: str("postal_code"), City: str("city"),
		Region: str("region"), Country: str("country")}
	if v, ok := props["age_band"]; ok && v != nil {
		s, isText := v.(string)
		band, err := contact.NormalizeAgeBand(s)
		if err != nil || !isText {
			return c, "properties.age_band", errAgeBand
		}
		c.Fields.AgeBand = band
	}
	if name := ProfileFieldTooLong(c.Fields); name != "" {
		return c, "properties." + name, fmt.Errorf("must be at most %d bytes", ProfileLimit(name))
	}
	if c.Email != "" {
		if d, ok := contact.CompanyDomain(c.Email); ok {
			c.CompanyDomain = d
		}
	}
	if c.CompanyDomain == "" && str("website") != "" {
		if d, ok := contact.CompanyDomain(str("website")); ok {
			c.CompanyDomain = d
		}
	}
	if ph := str("phone"); ph != "" && c.Phone == "" {
		p, err := contact.NormalizePhone(ph, opt.Region)
		if err != nil {
			return c, "properties.phone", fmt.Errorf("is not a valid phone number")
		}
		c.Phone = p
	}
	c.Touch = touchTypes[c.Type]
	if ch, ok := fixedChannel[c.Type]; ok {
		c.Channel = string(ch)
	}
	if raw := str("channel"); raw != "" && c.Touch {
		ch, err := attribution.ParseChannel(raw)
		if err != nil {
			return c, "properties.channel", fmt.Errorf("is not a channel; one of %s", channelList())
		}
		c.Channel = string(ch)
	}
	if c.Type == "call" && str("transfer") == "live" {
		c.Channel = string(attribution.LiveTransfer)
	}
	c.Stage = lifecycle.StageForEvent(c.Type, opt.NewsletterStage, c.Touch)
	return c, "", nil
}

// checkProperties bounds what an event may carry: strings of valid UTF-8 without NUL
// (neither engine stores NUL in text), shallow nesting, a limited size.
func checkProperties(p map[string]any) (map[string]any, string, error) {
	if len(p) > 100 {
		return nil, "", fmt.Errorf("at most 100 properties")
	}
	for k, v := range p {
		if k == "" || len(k) > 64 || !utf8.ValidString(k) || strings.ContainsRune(k, 0) {
			return nil, k, fmt.Errorf("property names must be 1 to 64 characters")
		}
		if err := checkValue(v, 0); err != nil {
			return nil, k, err
		}
	}
	b, err := json.Marshal(p)
	if err != nil || len(b) > 64<<10 {
		return nil, "", fmt.Errorf("properties must fit in 64 KiB of JSON")
	}
	return p, "", nil
}

func checkValue(v any, depth int) error {
	if depth > 4 {
		return fmt.Errorf("is nested too deeply (at most 4 levels)")
	}
	switch x := v.(type) {
	case json.Number:
		// Kept as written; one no float holds is refused, so that every reader of the
		// stored properties can decode them.
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return fmt.Errorf("is a number beyond what can be stored (about ±1.8e308)")
		}
	case string:
		if len(x) > 8192 {
			return fmt.Errorf("is longer than 8192 bytes")
		}
		if !utf8.ValidString(x) || strings.ContainsRune(x, 0) {
			return fmt.Errorf("must be valid UTF-8 text without NUL characters")
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) || !utf8.ValidString(k) {
				return fmt.Errorf("must be valid UTF-8 text without NUL characters")
			}
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func stringsOf(p map[string]any) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func channelList() string {
	names := make([]string, len(attribution.Channels))
	for i, c := range attribution.Channels {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}
