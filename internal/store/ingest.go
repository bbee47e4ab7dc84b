package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/flatjson"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// ContactFields are the profile fields a capture may set. Empty values leave the
// stored value alone, so a later, shorter form never erases what an earlier one said.
type ContactFields struct {
	FirstName   string
	LastName    string
	JobTitle    string
	CompanyName string
	Street      string
	PostalCode  string
	City        string
	Region      string
	Country     string
	AgeBand     string // one of contact.AgeBands
	Custom      map[string]any
}

func (f ContactFields) empty() bool {
	return f.FirstName == "" && f.LastName == "" && f.JobTitle == "" && f.CompanyName == "" && f.Street == "" &&
		f.PostalCode == "" && f.City == "" && f.Region == "" && f.Country == "" && f.AgeBand == "" && len(f.Custom) == 0
}

// Capture is one event to record, with who it is about and where it came from. Its
// values are already validated and normalised by the caller.
type Capture struct {
	Type       string
	OccurredAt time.Time
	// Who: a contact id, or an email, or a phone, and/or an anonymous visitor id.
	ContactID     int64
	Email         string // normalised
	Phone         string // E.164
	VisitorID     string
	Fields        ContactFields
	CompanyDomain string // registrable domain of a work email or website; "" for none
	Properties    map[string]any

	// Touch marks the event as carrying attribution. Channel and CampaignID give it
	// directly (imports, partners, calls); when Channel is empty it is classified from
	// Web. A page view is a touch only when it starts a visit, which is decided here.
	Touch      bool
	Channel    string
	CampaignID int64
	Web        attribution.WebTouch

	// Stage is the stage this event makes (lifecycle.StageForEvent); it applies only
	// when it moves the contact forward.
	Stage string
	Actor string

	// Consents recorded with the capture, with their evidence.
	Consents []Consent
	// OnlyNew skips a capture whose contact exists already (an import told to leave
	// existing contacts alone): nothing is written for it.
	OnlyNew bool

	// profile is the enrichment of the contact this capture creates, when the store
	// derives it on the way in (SetCaptureProfiler).
	profile *ContactEnrichment
	// stored is what the batch path works out of the capture alone, when the caller
	// worked it out before handing the capture over (IngestGrouped).
	stored *storedForm
}

// Captured tells what a capture did.
type Captured struct {
	ContactID int64 `json:"contact_id,omitempty"`
	EventID   int64 `json:"event_id,omitempty"`
	Created   bool  `json:"created"`
	Skipped   bool  `json:"skipped,omitempty"`
}

// Ingest records captures in one transaction: all of them or, on error, none.
func (s *Store) Ingest(ctx context.Context, caps []Capture) ([]Captured, error) {
	caps = s.profileCaptures(caps)
	out := make([]Captured, len(caps))
	return out, s.ingestTx(ctx, caps, out, nil)
}

// lockIngest makes ingesting transactions take turns on PostgreSQL, across every node:
// captures of one company or person in two transactions would otherwise lock rows in
// opposite orders and deadlock. Group commit keeps the turns full, as SQLite's single
// writer does.
func lockIngest(ctx context.Context, tx *Tx) error {
	return advisoryLock(ctx, tx, lockIngesting)
}

// itemError says which item of a batch failed.
func itemError(i int, err error) error {
	var e *errs.Error
	if errors.As(err, &e) {
		cp := *e
		cp.Details = map[string]any{"index": i}
		return &cp
	}
	return err
}

func ingestOne(ctx context.Context, tx *Tx, c *Capture) (Captured, error) {
	now := tx.s.Now()
	if c.OccurredAt.IsZero() {
		c.OccurredAt = now
	}
	c.Web = completeWeb(c.Web, c.Properties)
	if c.Web != (attribution.WebTouch{}) {
		c.Properties = withWeb(c.Properties, c.Web)
	}
	var res Captured
	// The touch is known before the contact unless it is a page view without a
	// visitor, whose session is the contact's own. Known first, a new contact is
	// inserted with its first touch: an update after the insert would move it
	// between the report roll-ups at once.
	var channel string
	var campaignID int64
	var err error
	touchKnown := c.Type != "page_view" || c.VisitorID != ""
	if touchKnown {
		if channel, campaignID, err = touchOf(ctx, tx, c, 0); err != nil {
			return res, err
		}
	}
	who, err := resolveContact(ctx, tx, c, now, firstTouch{channel, campaignID})
	if err != nil {
		return res, err
	}
	res.ContactID, res.Created = who.id, who.created
	if c.OnlyNew && !res.Created && res.ContactID != 0 {
		res.Skipped = true
		return res, nil
	}
	if res.ContactID != 0 {
		for _, cs := range c.Consents {
			if cs.RecordedAt.IsZero() {
				cs.RecordedAt = c.OccurredAt
			}
			if err := insertConsent(ctx, tx, res.ContactID, cs); err != nil {
				return res, err
			}
		}
	}
	if res.ContactID != 0 && !who.profiled {
		if err := updateProfile(ctx, tx, res.ContactID, c, now); err != nil {
			return res, err
		}
	}
	joined := false
	if c.VisitorID != "" {
		if joined, err = joinVisitor(ctx, tx, c.VisitorID, res.ContactID, c.OccurredAt); err != nil {
			return res, err
		}
	}
	if !touchKnown {
		if channel, campaignID, err = touchOf(ctx, tx, c, res.ContactID); err != nil {
			return res, err
		}
	}
	res.EventID, err = insertEvent(ctx, tx, Event{
		ContactID: res.ContactID, VisitorID: c.VisitorID, Type: c.Type, OccurredAt: c.OccurredAt,
		ReceivedAt: now, Properties: c.Properties, Channel: channel, Actor: c.Actor,
	}, campaignID)
	if err != nil {
		return res, err
	}
	if res.ContactID == 0 {
		return res, nil
	}
	switch {
	case joined:
		// Earlier anonymous touches may now come first.
		if err := refreshFirstTouch(ctx, tx, res.ContactID); err != nil {
			return res, err
		}
	case channel != "" && !who.touched:
		if _, err := tx.exec(ctx, `UPDATE contacts SET first_touch_at = ?, first_touch_channel = ?, first_touch_campaign_id = ?
			WHERE id = ? AND (first_touch_at IS NULL OR first_touch_at > ?)`,
			ts(c.OccurredAt), channel, nullID(campaignID), res.ContactID, ts(c.OccurredAt)); err != nil {
			return res, err
		}
	}
	stage := c.Stage
	if res.Created && stage == "" {
		stage = lifecycle.Lead
	}
	switch {
	case res.Created:
		// A contact made by this capture is still at its first stage: no need to read it.
		if from := initialStage(c); lifecycle.AutoAdvance(from, stage) {
			if err := moveStage(ctx, tx, res.ContactID, from, stage, "system", "captured by "+c.Type, c.OccurredAt); err != nil {
				return res, err
			}
		}
	case stage != "":
		if err := autoAdvance(ctx, tx, res.ContactID, stage, "system", "captured by "+c.Type, c.OccurredAt); err != nil {
			return res, err
		}
	}
	if res.Created {
		var err error
		if who.profiled {
			err = flagDuplicatesOf(ctx, tx, res.ContactID, who.phone, who.key, now)
		} else {
			err = flagDuplicates(ctx, tx, res.ContactID, now)
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// resolution is who a capture turned out to be about.
type resolution struct {
	id      int64
	created bool
	// profiled is set when the capture's profile fields are already on the contact:
	// it was created with them (its phone and duplicate key follow), or the capture
	// has none it lacks.
	profiled   bool
	phone, key string
	// touched is set when the contact was created with the capture's touch as its
	// first touch.
	touched bool
}

// firstTouch is the channel and campaign of a capture that is a touch.
type firstTouch struct {
	channel    string
	campaignID int64
}

// resolveContact finds or creates the contact a capture is about. Identity is the
// normalised email; a contact without email is found by phone. A capture with only a
// visitor id stays anonymous (id 0).
func resolveContact(ctx context.Context, tx *Tx, c *Capture, now time.Time, touch firstTouch) (resolution, error) {
	switch {
	case c.ContactID != 0:
		var merged sql.NullInt64
		err := tx.queryRow(ctx, `SELECT merged_into_id FROM contacts WHERE id = ?`, c.ContactID).Scan(&merged)
		if errors.Is(err, sql.ErrNoRows) {
			return resolution{}, errs.E(errs.NotFound, "contact_id", "no contact with id %d", c.ContactID)
		}
		if err != nil {
			return resolution{}, err
		}
		id, err := survivor(ctx, tx, c.ContactID, merged)
		return resolution{id: id}, err
	case c.Email != "":
		// Most captures are about people already known: look first, insert when absent.
		var id int64
		var merged, company sql.NullInt64
		err := tx.queryRow(ctx, `SELECT id, merged_into_id, company_id FROM contacts WHERE email = ?`, c.Email).Scan(&id, &merged, &company)
		switch {
		case err == nil && !merged.Valid:
			// A capture that brings no field, no phone and no company the contact lacks
			// has nothing for updateProfile to write; it need not read the row.
			nothing := c.Fields.empty() && c.Phone == "" && (c.CompanyDomain == "" || company.Valid)
			return resolution{id: id, profiled: nothing}, nil
		case err == nil:
			id, err = survivor(ctx, tx, id, merged)
			return resolution{id: id}, err
		case !errors.Is(err, sql.ErrNoRows):
			return resolution{}, err
		}
		r, err := insertProfiled(ctx, tx, c, now, touch)
		if err != nil || r.id != 0 {
			return r, err
		}
		// Another transaction (another node on PostgreSQL) inserted the email first.
		id, err = contactIDByEmail(ctx, tx, c.Email)
		return resolution{id: id}, err
	case c.Phone != "":
		var id int64
		var merged sql.NullInt64
		err := tx.queryRow(ctx, `SELECT id, merged_into_id FROM contacts WHERE phone = ? AND phone IS NOT NULL ORDER BY id LIMIT 1`, c.Phone).Scan(&id, &merged)
		if err == nil {
			id, err = survivor(ctx, tx, id, merged)
			return resolution{id: id}, err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return resolution{}, err
		}
		created := ts(c.OccurredAt)
		err = tx.queryRow(ctx, `INSERT INTO contacts (phone, stage, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`,
			c.Phone, initialStage(c), created, created).Scan(&id)
		if err != nil {
			return resolution{}, err
		}
		tx.contactsCreated()
		return resolution{id: id, created: true}, insertStage(ctx, tx, id, initialStage(c), c.OccurredAt)
	case c.VisitorID != "":
		var id sql.NullInt64
		err := tx.queryRow(ctx, `SELECT contact_id FROM visitors WHERE id = ?`, c.VisitorID).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return resolution{}, err
		}
		if id.Valid {
			var merged sql.NullInt64
			if err := tx.queryRow(ctx, `SELECT merged_into_id FROM contacts WHERE id = ?`, id.Int64).Scan(&merged); err != nil {
				return resolution{}, err
			}
			sid, err := survivor(ctx, tx, id.Int64, merged)
			return resolution{id: sid}, err
		}
		return resolution{}, nil
	}
	return resolution{}, errs.Field("email", "an event needs an email, a phone, a contact_id or a visitor_id")
}

// insertProfiled creates the contact of a capture's new email with its whole
// profile in one statement, where an insert followed by updateProfile would take
// three. It returns a zero resolution when the email exists after all.
func insertProfiled(ctx context.Context, tx *Tx, c *Capture, now time.Time, touch firstTouch) (resolution, error) {
	f := c.Fields
	custom := "{}"
	if len(f.Custom) > 0 {
		b, err := json.Marshal(f.Custom)
		if err != nil {
			return resolution{}, errs.Field("custom", "cannot be stored: %v", err)
		}
		custom = string(b)
	}
	var companyID sql.NullInt64
	if c.CompanyDomain != "" {
		cid, err := upsertCompany(ctx, tx, c.CompanyDomain, f.CompanyName, now)
		if err != nil {
			return resolution{}, err
		}
		companyID = sql.NullInt64{Int64: cid, Valid: true}
	}
	key := contact.NameCompanyKey(f.FirstName, f.LastName, f.CompanyName)
	search := searchText(f.FirstName, f.LastName, c.Email, f.CompanyName, strings.TrimPrefix(c.Phone, "+"))
	var touchAt sql.NullInt64
	if touch.channel != "" {
		touchAt = sql.NullInt64{Int64: ts(c.OccurredAt), Valid: true}
	}
	prof, country, city := profileColumns(c, now)
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO contacts (email, phone, first_name, last_name, job_title, company_name, street, postal_code, city, region, country,
		custom, company_id, dedupe_key, search, stage, created_at, updated_at, first_touch_at, first_touch_channel, first_touch_campaign_id,
		seniority, department, email_type, phone_type, phone_region, enriched_at, age_band)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (email) DO NOTHING RETURNING id`,
		c.Email, nullString(c.Phone), f.FirstName, f.LastName, f.JobTitle, f.CompanyName, f.Street, f.PostalCode, city, f.Region, country,
		custom, companyID, key, search, initialStage(c), ts(c.OccurredAt), ts(now), touchAt, nullString(touch.channel), nullID(touch.campaignID),
		prof[0], prof[1], prof[2], prof[3], prof[4], prof[5], f.AgeBand).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return resolution{}, nil
	}
	if err != nil {
		return resolution{}, err
	}
	if err := newContactTerms(ctx, tx, id, search); err != nil {
		return resolution{}, err
	}
	return resolution{id: id, created: true, profiled: true, phone: c.Phone, key: key, touched: touch.channel != ""}, insertStage(ctx, tx, id, initialStage(c), c.OccurredAt)
}

// completeWeb fills the web fields from the event's properties and the UTM
// parameters in the page URL's query string.
func completeWeb(w attribution.WebTouch, props map[string]any) attribution.WebTouch {
	raw := w
	for _, f := range webFields(&raw) {
		if *f.value == "" {
			*f.value, _ = props[f.key].(string)
		}
	}
	return attribution.FromFields(raw)
}

// webField is one web field of a WebTouch with its property name.
type webField struct {
	key   string
	value *string
}

func webFields(w *attribution.WebTouch) [7]webField {
	return [7]webField{{"page_url", &w.PageURL}, {"referrer", &w.Referrer}, {"utm_source", &w.UTMSource}, {"utm_medium", &w.UTMMedium},
		{"utm_campaign", &w.UTMCampaign}, {"utm_term", &w.UTMTerm}, {"utm_content", &w.UTMContent}}
}

// withWeb keeps the web fields in the stored properties, so history can be
// re-attributed later from the events alone.
func withWeb(props map[string]any, w attribution.WebTouch) map[string]any {
	out := make(map[string]any, len(props)+7)
	for k, v := range props {
		out[k] = v
	}
	for _, f := range webFields(&w) {
		if _, ok := out[f.key]; !ok && *f.value != "" {
			out[f.key] = *f.value
		}
	}
	return out
}

// initialStage is where a new contact starts: a subscriber when the capture makes
// subscribers, otherwise a lead; a capture that makes a further stage (an MQL, an
// SQL) then moves it there, recording the stages passed.
func initialStage(c *Capture) string {
	if c.Stage == lifecycle.Subscriber {
		return lifecycle.Subscriber
	}
	return lifecycle.Lead
}

// updateProfile writes the non-empty fields of a capture onto the contact.
func updateProfile(ctx context.Context, tx *Tx, id int64, c *Capture, now time.Time) error {
	f := c.Fields
	if f.empty() && c.Phone == "" && c.CompanyDomain == "" && c.Email == "" {
		return nil
	}
	var cur Contact
	var email, phone sql.NullString
	var custom, oldSearch, oldKey string
	var companyID sql.NullInt64
	err := tx.queryRow(ctx, `SELECT email, phone, first_name, last_name, job_title, company_name, street, postal_code, city, region, country, age_band, custom, company_id, search, dedupe_key
		FROM contacts WHERE id = ?`, id).Scan(&email, &phone, &cur.FirstName, &cur.LastName, &cur.JobTitle, &cur.CompanyName,
		&cur.Street, &cur.PostalCode, &cur.City, &cur.Region, &cur.Country, &cur.AgeBand, &custom, &companyID, &oldSearch, &oldKey)
	if err != nil {
		return err
	}
	fields := func() [10]string {
		return [10]string{cur.FirstName, cur.LastName, cur.JobTitle, cur.CompanyName, cur.Street, cur.PostalCode, cur.City, cur.Region, cur.Country, cur.AgeBand}
	}
	before, oldPhone, oldCustom, oldCompany := fields(), phone, custom, companyID
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cur.FirstName, f.FirstName)
	set(&cur.LastName, f.LastName)
	set(&cur.JobTitle, f.JobTitle)
	set(&cur.CompanyName, f.CompanyName)
	set(&cur.Street, f.Street)
	set(&cur.PostalCode, f.PostalCode)
	set(&cur.City, f.City)
	set(&cur.Region, f.Region)
	set(&cur.Country, f.Country)
	set(&cur.AgeBand, f.AgeBand)
	if c.Phone != "" {
		phone = sql.NullString{String: c.Phone, Valid: true}
	}
	if len(f.Custom) > 0 {
		m := map[string]any{}
		_ = json.Unmarshal([]byte(custom), &m)
		for k, v := range f.Custom {
			m[k] = v
		}
		b, err := json.Marshal(m)
		if err != nil {
			return errs.Field("custom", "cannot be stored: %v", err)
		}
		custom = string(b)
	}
	if !companyID.Valid && c.CompanyDomain != "" {
		cid, err := upsertCompany(ctx, tx, c.CompanyDomain, cur.CompanyName, now)
		if err != nil {
			return err
		}
		companyID = sql.NullInt64{Int64: cid, Valid: true}
	}
	key := contact.NameCompanyKey(cur.FirstName, cur.LastName, cur.CompanyName)
	search := searchText(cur.FirstName, cur.LastName, email.String, cur.CompanyName, strings.TrimPrefix(phone.String, "+"))
	if fields() == before && phone == oldPhone && custom == oldCustom && companyID == oldCompany && key == oldKey && search == oldSearch {
		// Nothing new: most events about a known person (page views, opens, clicks)
		// carry no profile fields, and rewriting the row would be most of their cost.
		return nil
	}
	if err := writeTerms(ctx, tx, id, oldSearch, search); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE contacts SET phone = ?, first_name = ?, last_name = ?, job_title = ?, company_name = ?,
		street = ?, postal_code = ?, city = ?, region = ?, country = ?, age_band = ?, custom = ?, company_id = ?, dedupe_key = ?, search = ?, updated_at = ?
		WHERE id = ?`,
		phone, cur.FirstName, cur.LastName, cur.JobTitle, cur.CompanyName, cur.Street, cur.PostalCode, cur.City, cur.Region, cur.Country, cur.AgeBand,
		custom, companyID, key, search, ts(now), id)
	return err
}

func upsertCompany(ctx context.Context, tx *Tx, domain, name string, now time.Time) (int64, error) {
	if name == "" {
		name = contact.CompanyNameFromDomain(domain)
	}
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO companies (domain, name, created_at) VALUES (?, ?, ?)
		ON CONFLICT (domain) DO NOTHING RETURNING id`, domain, name, ts(now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.queryRow(ctx, `SELECT id FROM companies WHERE domain = ?`, domain).Scan(&id)
	}
	return id, err
}

// joinVisitor records the visitor and, once it is known to be a contact, gives the
// contact the visitor's anonymous history (SPEC section 2, Visitor).
func joinVisitor(ctx context.Context, tx *Tx, visitorID string, contactID int64, at time.Time) (bool, error) {
	_, err := tx.exec(ctx, `INSERT INTO visitors (id, contact_id, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET last_seen_at = CASE WHEN excluded.last_seen_at > visitors.last_seen_at THEN excluded.last_seen_at ELSE visitors.last_seen_at END,
		contact_id = COALESCE(visitors.contact_id, excluded.contact_id)`,
		visitorID, nullID(contactID), ts(at), ts(at))
	if err != nil || contactID == 0 {
		return false, err
	}
	// The one update events ever see: anonymous rows of this visitor learn who it was.
	res, err := tx.exec(ctx, `UPDATE events SET contact_id = ? WHERE visitor_id = ? AND contact_id IS NULL`, contactID, visitorID)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// touchOf decides whether the event is a touch and, if so, its channel and campaign.
func touchOf(ctx context.Context, tx *Tx, c *Capture, contactID int64) (string, int64, error) {
	if c.Type == "page_view" {
		prev, err := lastPageView(ctx, tx, c.VisitorID, contactID, c.OccurredAt)
		if err != nil {
			return "", 0, err
		}
		if !attribution.StartsSession(prev, attribution.PageView{At: c.OccurredAt, Touch: c.Web}) {
			return "", 0, nil
		}
	} else if !c.Touch {
		return "", 0, nil
	}
	ch, campaignID := classifyTouch(c, func(key string) (int64, string, bool) {
		var id int64
		var channel string
		err := tx.queryRow(ctx, `SELECT id, channel FROM campaigns WHERE utm_campaign = ?`, key).Scan(&id, &channel)
		return id, channel, err == nil
	})
	return ch, campaignID, nil
}

// classifyTouch is the channel and campaign of a capture that is a touch: as given,
// or classified from its web fields, where a campaign found by its utm_campaign key
// (trimmed, lower case) names both.
func classifyTouch(c *Capture, campaign func(key string) (id int64, channel string, ok bool)) (string, int64) {
	if c.Channel != "" {
		return c.Channel, c.CampaignID
	}
	campaignID := c.CampaignID
	ch := attribution.Classify(c.Web, func(key string) (attribution.Channel, bool) {
		id, channel, ok := campaign(campaignKey(key))
		if !ok {
			return "", false
		}
		campaignID = id
		return attribution.Channel(channel), true
	})
	return string(ch), campaignID
}

// campaignKey is how a utm_campaign value is looked up among the campaigns.
func campaignKey(utm string) string { return strings.ToLower(strings.TrimSpace(utm)) }

func lastPageView(ctx context.Context, tx *Tx, visitorID string, contactID int64, before time.Time) (*attribution.PageView, error) {
	var q string
	var arg any
	switch {
	case visitorID != "":
		q, arg = `SELECT occurred_at, properties FROM events WHERE visitor_id = ? AND type = 'page_view' AND occurred_at <= ? ORDER BY occurred_at DESC, id DESC LIMIT 1`, visitorID
	case contactID != 0:
		q, arg = `SELECT occurred_at, properties FROM events WHERE contact_id = ? AND type = 'page_view' AND occurred_at <= ? ORDER BY occurred_at DESC, id DESC LIMIT 1`, contactID
	default:
		return nil, nil
	}
	var at int64
	var props string
	err := tx.queryRow(ctx, q, arg, ts(before)).Scan(&at, &props)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &attribution.PageView{At: fromTS(at), Touch: attribution.FromProperties(stringProps(props))}, nil
}

// stringProps reads the string-valued properties of a stored event.
func stringProps(raw string) map[string]string {
	// Stored properties are nearly always a flat object of strings, read here without
	// encoding/json's interface values; anything else is read by encoding/json.
	fast := map[string]string{}
	if flatjson.EachString(raw, func(k, v string, isString, _ bool) bool {
		fast[k] = v
		return isString
	}) {
		return fast
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(raw), &m)
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func insertEvent(ctx context.Context, tx *Tx, e Event, campaignID int64) (int64, error) {
	props := "{}"
	if len(e.Properties) > 0 {
		b, err := json.Marshal(e.Properties)
		if err != nil {
			return 0, errs.Field("properties", "cannot be stored: %v", err)
		}
		props = string(b)
	}
	if e.ReceivedAt.IsZero() {
		e.ReceivedAt = tx.s.Now()
	}
	tx.eventsRecorded()
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO events (contact_id, visitor_id, type, occurred_at, received_at, properties, channel, campaign_id, actor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		nullID(e.ContactID), nullString(e.VisitorID), e.Type, ts(e.OccurredAt), ts(e.ReceivedAt), props,
		nullString(e.Channel), nullID(campaignID), e.Actor).Scan(&id)
	return id, err
}

// refreshFirstTouch sets the contact's original source to its earliest touch, its
// visitor history and merged contacts included.
func refreshFirstTouch(ctx context.Context, tx *Tx, id int64) error {
	var at int64
	var channel string
	var campaign sql.NullInt64
	var eventID int64
	// Two indexed lookups rather than one OR, which would scan every event.
	err := tx.queryRow(ctx, `SELECT occurred_at, id, channel, campaign_id FROM events WHERE contact_id = ? AND channel IS NOT NULL
		UNION ALL
		SELECT e.occurred_at, e.id, e.channel, e.campaign_id FROM contacts m JOIN events e ON e.contact_id = m.id
		WHERE m.merged_into_id = ? AND e.channel IS NOT NULL
		ORDER BY 1, 2 LIMIT 1`, id, id).Scan(&at, &eventID, &channel, &campaign)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = tx.exec(ctx, `UPDATE contacts SET first_touch_at = NULL, first_touch_channel = NULL, first_touch_campaign_id = NULL WHERE id = ?`, id)
		return err
	}
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `UPDATE contacts SET first_touch_at = ?, first_touch_channel = ?, first_touch_campaign_id = ? WHERE id = ?`,
		at, channel, campaign, id)
	return err
}

// flagDuplicates marks a new contact as a possible duplicate of others that share its
// phone number, or its full name at the same company. Nothing is merged (SPEC section 2).
func flagDuplicates(ctx context.Context, tx *Tx, id int64, now time.Time) error {
	var phone sql.NullString
	var key string
	if err := tx.queryRow(ctx, `SELECT phone, dedupe_key FROM contacts WHERE id = ?`, id).Scan(&phone, &key); err != nil {
		return err
	}
	return flagDuplicatesOf(ctx, tx, id, phone.String, key, now)
}

// flagDuplicatesOf is flagDuplicates for a contact whose phone and duplicate key are known.
func flagDuplicatesOf(ctx context.Context, tx *Tx, id int64, phone, key string, now time.Time) error {
	flag := func(reason, q string, arg any) error {
		rows, err := tx.query(ctx, q, arg, id)
		if err != nil {
			return err
		}
		var others []int64
		for rows.Next() {
			var o int64
			if err := rows.Scan(&o); err != nil {
				rows.Close()
				return err
			}
			others = append(others, o)
		}
		rows.Close()
		for _, o := range others {
			if _, err := tx.exec(ctx, `INSERT INTO duplicate_flags (contact_id, other_id, reason, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (contact_id, other_id) DO NOTHING`, id, o, reason, ts(now)); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if phone != "" {
		if err := flag("same phone", `SELECT id FROM contacts WHERE phone = ? AND phone IS NOT NULL AND id <> ? AND merged_into_id IS NULL LIMIT 20`, phone); err != nil {
			return err
		}
	}
	if key != "" {
		// The repeated "<> ''" lets both engines use the partial index on dedupe_key.
		return flag("same name at the same company", `SELECT id FROM contacts WHERE dedupe_key = ? AND dedupe_key <> '' AND id <> ? AND merged_into_id IS NULL LIMIT 20`, key)
	}
	return nil
}
