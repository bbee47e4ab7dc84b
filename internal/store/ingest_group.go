package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// A batch of captures (a group commit's callers one after another, an API request, an
// import's batch) is mostly of two kinds: form posts and list rows about people nobody
// knows yet, and events (opens, clicks, page views) about people known already that
// bring nothing new to their profile. Recorded one capture at a time, each costs about
// ten statements; here the batch reads what it needs in three or four statements and
// writes a run of such captures with one multi-row insert per table. Every other
// capture (a visitor to join, a profile to update, a stage to move beyond the first
// step, a first touch to move) goes through ingestOne in its place, so that the result
// is the one ingestOne gives for the whole batch, ids included: each table receives its
// rows in the same order.

// knownContact is what a batch knows of a contact one of its emails names.
type knownContact struct {
	id         int64
	merged     bool
	hasCompany bool
	stage      string
	firstTouch sql.NullInt64
	// pending is set while the contact is created by the run not yet written: its id
	// is not known.
	pending bool
	// slow is set once a capture about the contact went through ingestOne, which may
	// have changed any of the above: later ones go there too.
	slow bool
}

// bulkCapture is a capture of a run recorded set-based.
type bulkCapture struct {
	i        int // index in the batch
	c        *Capture
	fresh    bool // it creates its contact
	skip     bool // an import's capture about a known contact, told to leave it alone
	props    string
	channel  string
	campaign int64
	moveTo   string // a fresh contact's stage beyond its first
	id       int64  // the contact's id; a fresh one's once inserted
	// A fresh contact's profile.
	custom  string
	key     string
	search  string
	company int64
}

// batchState is what a batch reads before it records anything: the contacts its
// emails name, the campaigns its touches name, and each page view's previous view.
type batchState struct {
	now       time.Time
	web       []attribution.WebTouch // each capture's completed web fields
	emails    map[string]*knownContact
	ids       map[int64]*knownContact
	campaigns map[string]campaignRef
	prevView  map[int]*attribution.PageView // by capture index, as stored before the batch
	// views are the page views the batch recorded set-based, per contact, for the
	// page views after them.
	views map[int64][]attribution.PageView
}

type campaignRef struct {
	id      int64
	channel string
}

// ingestBatch records caps in order, as ingestOne would one by one, writing out.
func ingestBatch(ctx context.Context, tx *Tx, caps []Capture, out []Captured) error {
	b, err := readBatch(ctx, tx, caps)
	if err != nil {
		return err
	}
	var run []bulkCapture
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		err := writeRun(ctx, tx, run, out, b)
		run = run[:0]
		if err != nil && !retryable(err) && ctx.Err() == nil {
			return errors.Join(errBulkFallback, err)
		}
		return err
	}
	for i := range caps {
		c := &caps[i]
		if k := b.emails[c.Email]; c.Email != "" && k != nil && k.pending {
			// The run creates this contact: write it, then this capture knows its id.
			if err := flush(); err != nil {
				return err
			}
		}
		if bc, ok := b.prepare(c, i); ok {
			run = append(run, bc)
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		r, err := ingestOne(ctx, tx, c)
		if err != nil {
			return itemError(i, err)
		}
		out[i] = r
		b.recordedSlowly(c, r)
	}
	return flush()
}

// readBatch reads what the batch's captures need to know, in one statement each.
func readBatch(ctx context.Context, tx *Tx, caps []Capture) (*batchState, error) {
	b := &batchState{now: tx.s.Now(), web: make([]attribution.WebTouch, len(caps)), emails: map[string]*knownContact{},
		ids: map[int64]*knownContact{}, campaigns: map[string]campaignRef{}, prevView: map[int]*attribution.PageView{},
		views: map[int64][]attribution.PageView{}}
	var emails, keys []any
	for i := range caps {
		c := &caps[i]
		if c.stored == nil {
			c.stored = storedFormOf(c)
		}
		b.web[i] = c.stored.web
		if c.Email != "" && b.emails[c.Email] == nil {
			b.emails[c.Email] = &knownContact{}
			emails = append(emails, c.Email)
		}
		if k := campaignKey(b.web[i].UTMCampaign); k != "" && c.Channel == "" && (c.Touch || c.Type == "page_view") {
			if _, ok := b.campaigns[k]; !ok {
				b.campaigns[k] = campaignRef{}
				keys = append(keys, k)
			}
		}
	}
	clear(b.emails)
	clear(b.campaigns)
	err := inChunks(emails, 1000, func(list []any) error {
		list = tx.inList(list)
		return txRows(ctx, tx, `SELECT email, id, merged_into_id, company_id, stage, first_touch_at FROM contacts WHERE email IN (`+placeholders(len(list))+`)`,
			list, func(r *sql.Rows) error {
				var email string
				var merged, company sql.NullInt64
				k := &knownContact{}
				if err := r.Scan(&email, &k.id, &merged, &company, &k.stage, &k.firstTouch); err != nil {
					return err
				}
				k.merged, k.hasCompany = merged.Valid, company.Valid
				b.emails[email] = k
				b.ids[k.id] = k
				return nil
			})
	})
	if err != nil {
		return nil, err
	}
	err = inChunks(keys, 1000, func(list []any) error {
		return txRows(ctx, tx, `SELECT utm_campaign, id, channel FROM campaigns WHERE utm_campaign IN (`+placeholders(len(list))+`)`,
			list, func(r *sql.Rows) error {
				var key string
				var ref campaignRef
				if err := r.Scan(&key, &ref.id, &ref.channel); err != nil {
					return err
				}
				b.campaigns[key] = ref
				return nil
			})
	})
	if err != nil {
		return nil, err
	}
	return b, b.readPreviousViews(ctx, tx, caps)
}

// readPreviousViews reads, for each page view about a known contact, the contact's
// page view just before it (lastPageView), all in one statement.
func (b *batchState) readPreviousViews(ctx context.Context, tx *Tx, caps []Capture) error {
	var args []any
	for i := range caps {
		c := &caps[i]
		k := b.emails[c.Email]
		if c.Type != "page_view" || c.VisitorID != "" || c.ContactID != 0 || k == nil || k.merged {
			continue
		}
		at := c.OccurredAt
		if at.IsZero() {
			at = b.now
		}
		args = append(args, i, k.id, ts(at))
	}
	const row = `(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))`
	return inChunks(args, 900, func(list []any) error {
		values := `(VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(list)/3), ", ") + `) AS v`
		const prev = `FROM events p WHERE p.contact_id = v.column2 AND p.type = 'page_view' AND p.occurred_at <= v.column3
			ORDER BY p.occurred_at DESC, p.id DESC LIMIT 1`
		// PostgreSQL looks each contact's view up by index only through LATERAL (the
		// join on a subquery's id read the whole events table: 29 ms a batch under
		// the API ingest load, holding the ingest lock); SQLite lacks LATERAL and runs
		// its correlated subquery once a row.
		q := `SELECT v.column1, e.occurred_at, e.properties FROM ` + values + `
			JOIN events e ON e.id = (SELECT p.id ` + prev + `)`
		if tx.s.engine == Postgres {
			q = `SELECT v.column1, e.occurred_at, e.properties FROM ` + values + ` CROSS JOIN LATERAL (SELECT p.occurred_at, p.properties ` + prev + `) e`
		}
		return txRows(ctx, tx, q, list, func(r *sql.Rows) error {
			var i int
			var at int64
			var props string
			if err := r.Scan(&i, &at, &props); err != nil {
				return err
			}
			b.prevView[i] = &attribution.PageView{At: fromTS(at), Touch: attribution.FromProperties(stringProps(props))}
			return nil
		})
	})
}

// inChunks calls f with list in slices of at most n.
func inChunks(list []any, n int, f func([]any) error) error {
	for len(list) > 0 {
		k := min(len(list), n)
		if err := f(list[:k]); err != nil {
			return err
		}
		list = list[k:]
	}
	return nil
}

// campaign looks a campaign up among those the batch read.
func (b *batchState) campaign(key string) (int64, string, bool) {
	ref, ok := b.campaigns[key]
	return ref.id, ref.channel, ok && ref.id != 0
}

// prepare says whether a capture can be recorded set-based, doing what ingestOne
// does to it first; anything unusual is left to ingestOne.
func (b *batchState) prepare(c *Capture, i int) (bulkCapture, bool) {
	if c.Email == "" || c.ContactID != 0 || c.VisitorID != "" {
		return bulkCapture{}, false
	}
	k := b.emails[c.Email]
	if k == nil {
		return b.prepareFresh(c, i)
	}
	if k.merged || k.slow || k.pending {
		return bulkCapture{}, false
	}
	// A capture that brings a field, a phone or a company the contact lacks has a
	// profile to update.
	if !c.Fields.empty() || c.Phone != "" || (c.CompanyDomain != "" && !k.hasCompany) {
		return bulkCapture{}, false
	}
	bc := bulkCapture{i: i, c: c, id: k.id}
	if c.OnlyNew {
		bc.skip = true
		return bc, true
	}
	web, props := b.web[i], c.stored.text
	if !c.stored.ok {
		return bulkCapture{}, false
	}
	at := c.OccurredAt
	if at.IsZero() {
		at = b.now
	}
	var view attribution.PageView
	touch := c.Touch
	if c.Type == "page_view" {
		view = attribution.PageView{At: fromTS(ts(at)), Touch: c.stored.touch}
		touch = attribution.StartsSession(b.previousView(i, k.id, view.At), attribution.PageView{At: at, Touch: web})
	}
	var channel string
	var campaign int64
	if touch {
		cw := *c
		cw.Web = web
		channel, campaign = classifyTouch(&cw, b.campaign)
	}
	// A touch earlier than the contact's first touch moves it, and a stage ahead of the
	// contact's moves the contact: both are left to ingestOne.
	if channel != "" && (!k.firstTouch.Valid || k.firstTouch.Int64 > ts(at)) {
		return bulkCapture{}, false
	}
	if c.Stage != "" && lifecycle.AutoAdvance(k.stage, c.Stage) {
		return bulkCapture{}, false
	}
	c.OccurredAt, c.Web, c.Properties = at, web, c.stored.props
	bc.props, bc.channel, bc.campaign = props, channel, campaign
	if c.Type == "page_view" {
		b.views[k.id] = append(b.views[k.id], view)
	}
	return bc, true
}

// previousView is the page view before one at the given time, as lastPageView would
// read it: the latest at or before it, the later recorded on a tie, among those stored
// before the batch and those the batch recorded.
func (b *batchState) previousView(i int, id int64, at time.Time) *attribution.PageView {
	prev := b.prevView[i]
	for k := range b.views[id] {
		v := &b.views[id][k]
		if !v.At.After(at) && (prev == nil || !v.At.Before(prev.At)) {
			prev = v
		}
	}
	return prev
}

// prepareFresh prepares a capture whose email no contact has.
func (b *batchState) prepareFresh(c *Capture, i int) (bulkCapture, bool) {
	if c.Type == "page_view" {
		return bulkCapture{}, false
	}
	stage := c.Stage
	if stage == "" {
		stage = lifecycle.Lead
	}
	first := initialStage(c)
	bc := bulkCapture{i: i, c: c, fresh: true, custom: "{}"}
	if lifecycle.AutoAdvance(first, stage) {
		// A newsletter sign-up that makes an MQL; hand-raises (an SQL) mark the
		// reports as well and are left to ingestOne.
		if first != lifecycle.Lead || stage != lifecycle.MQL {
			return bulkCapture{}, false
		}
		bc.moveTo = stage
	}
	f := c.Fields
	if len(f.Custom) > 0 {
		raw, err := json.Marshal(f.Custom)
		if err != nil {
			return bulkCapture{}, false
		}
		bc.custom = string(raw)
	}
	web, props := b.web[i], c.stored.text
	if !c.stored.ok {
		return bulkCapture{}, false
	}
	if c.Touch {
		cw := *c
		cw.Web = web
		bc.channel, bc.campaign = classifyTouch(&cw, b.campaign)
	}
	if c.OccurredAt.IsZero() {
		c.OccurredAt = b.now
	}
	c.Web, c.Properties = web, c.stored.props
	bc.props = props
	bc.key = contact.NameCompanyKey(f.FirstName, f.LastName, f.CompanyName)
	bc.search = searchText(f.FirstName, f.LastName, c.Email, f.CompanyName, strings.TrimPrefix(c.Phone, "+"))
	// Later captures of this email in the batch are about a known contact.
	stageNow := first
	if bc.moveTo != "" {
		stageNow = bc.moveTo
	}
	k := &knownContact{pending: true, hasCompany: c.CompanyDomain != "", stage: stageNow}
	if bc.channel != "" {
		k.firstTouch = sql.NullInt64{Int64: ts(c.OccurredAt), Valid: true}
	}
	b.emails[c.Email] = k
	return bc, true
}

// storedForm is what the batch path works out of a capture alone: its completed web
// fields, its properties with them, their stored text as insertEvent writes it, and
// the touch a later page view reads back from that text (lastPageView). It costs a
// JSON encoding and decoding a capture, so IngestGrouped has each caller work it out
// before the committer, which records one group at a time, takes the captures.
type storedForm struct {
	web   attribution.WebTouch
	props map[string]any
	text  string
	ok    bool // the properties can be stored
	touch attribution.WebTouch
}

// prepareStored returns a copy of caps with each capture's stored form worked out.
func prepareStored(caps []Capture) []Capture {
	out := slices.Clone(caps)
	for i := range out {
		out[i].stored = storedFormOf(&out[i])
	}
	return out
}

func storedFormOf(c *Capture) *storedForm {
	f := &storedForm{web: completeWeb(c.Web, c.Properties)}
	f.props = withWebIfAny(c.Properties, f.web)
	f.text, f.ok = "{}", true
	if len(f.props) > 0 {
		raw, err := json.Marshal(f.props)
		f.text, f.ok = string(raw), err == nil
	}
	if f.ok && c.Type == "page_view" {
		f.touch = attribution.FromProperties(stringProps(f.text))
	}
	return f
}

func withWebIfAny(props map[string]any, web attribution.WebTouch) map[string]any {
	if web == (attribution.WebTouch{}) {
		return props
	}
	return withWeb(props, web)
}

// recordedSlowly notes a capture ingestOne recorded: what the batch read of its
// contact may be out of date.
func (b *batchState) recordedSlowly(c *Capture, r Captured) {
	if k := b.ids[r.ContactID]; k != nil {
		k.slow = true
	}
	if c.Email != "" {
		if k := b.emails[c.Email]; k != nil {
			k.slow = true
		} else {
			b.emails[c.Email] = &knownContact{id: r.ContactID, slow: true}
		}
	}
	if r.ContactID != 0 && b.ids[r.ContactID] == nil {
		b.ids[r.ContactID] = &knownContact{id: r.ContactID, slow: true}
	}
}

// written notes a run's fresh contacts as known, now that they have ids.
func (b *batchState) written(run []bulkCapture) {
	for _, bc := range run {
		if !bc.fresh {
			continue
		}
		k := b.emails[bc.c.Email]
		k.id, k.pending = bc.id, false
		b.ids[bc.id] = k
	}
}
