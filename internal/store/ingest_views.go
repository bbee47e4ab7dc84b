package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/flatjson"
)

// Tracking hits come in hundreds a second, nearly all of them page views of visitors
// seen before. Recorded one at a time, each costs a savepoint and about six statements
// (the previous page view, the visitor, the visitor row, the event, the savepoint and
// its release). Here a run of page views costs three: one lookup of the run's visitors
// with each one's contact and last stored page view, one upsert of visitor rows and one
// multi-row insert of events; a visitor who is a contact adds a check for anonymous
// events, and a touch earlier than its contact's first touch the update ingestOne makes.
// A view's previous view comes from the run itself after the visitor's first. Identify
// hits and anything unusual go through ingestOne in their place, and the run is split
// there, so that every table receives its rows in the order IngestEach gives them: the
// result is the same, row for row (TestIngestViewsEqualsIngestEach).

// viewLookupChunk is how many visitors one lookup names.
const viewLookupChunk = 1000

// IngestViews records a stream of tracking hits (page views, identify) in one
// transaction, with IngestEach's result, and returns each hit's error: one bad hit
// never costs the others. Page views are written set-based.
func (s *Store) IngestViews(ctx context.Context, caps []Capture) []error {
	out := make([]error, len(caps))
	if err := ctx.Err(); err != nil {
		for i := range out {
			out[i] = err
		}
		return out
	}
	// Once the batch runs, statements run without the caller's cancellation, as the
	// group committer's do.
	bg := context.Background()
	var err error
	for attempt := 0; ; attempt++ {
		err = s.RunInTx(bg, func(tx *Tx) error {
			clear(out)
			if err := lockIngest(bg, tx); err != nil {
				return err
			}
			// ingestOne fills in a capture's defaults; every attempt starts from the same.
			return ingestViews(bg, tx, caps, out)
		})
		// A deadlock victim on PostgreSQL runs again, as in the group committer.
		if !retryable(err) || attempt == 4 {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	if err != nil {
		for i := range out {
			out[i] = errors.Join(errors.New("group commit failed"), err)
		}
		return out
	}
	s.viewsWritten(len(caps))
	return out
}

// viewsCheckEvery is how many tracking hits pass between two looks at the events
// table's growth (one read of its newest id).
const viewsCheckEvery = 10000

// viewsWritten counts the tracking hits written and, every viewsCheckEvery of them,
// keeps PostgreSQL's planner informed of the events table as keepPlannerInformed
// does for other captures, beside the tracking writer.
func (s *Store) viewsWritten(n int) {
	if s.engine != Postgres {
		return
	}
	total := s.views.Add(int64(n))
	if total/viewsCheckEvery == (total-int64(n))/viewsCheckEvery {
		return
	}
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		ctx := context.Background()
		var newest int64
		if s.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&newest) == nil {
			s.analyseWhenGrown(ctx, &s.analyseEventsAbove, newest, "events", "events, visitors")
		}
	}()
}

// ingestViews records caps in order: runs of plain page views set-based, every other
// capture alone under its own savepoint. Only an error that ends the transaction is
// returned; a capture's own error is written to out.
func ingestViews(ctx context.Context, tx *Tx, caps []Capture, out []error) error {
	now := tx.s.Now()
	campaigns := map[string]campaignRef{}
	for i := 0; i < len(caps); {
		if !setBasedView(&caps[i]) {
			c := caps[i]
			if err := ingestAlone(ctx, tx, &c, i, out); err != nil {
				return err
			}
			i++
			continue
		}
		j := i + 1
		for j < len(caps) && setBasedView(&caps[j]) {
			j++
		}
		if err := ingestViewSegment(ctx, tx, caps[i:j], i, out, now, campaigns); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// setBasedView says whether a capture is a plain tracking page view: an anonymous
// visitor's or one whose contact is known only through the visitor, with nothing to
// write on the contact but its first touch.
func setBasedView(c *Capture) bool {
	return c.Type == "page_view" && c.VisitorID != "" && c.ContactID == 0 && c.Email == "" && c.Phone == "" &&
		c.Fields.empty() && c.CompanyDomain == "" && len(c.Consents) == 0 && !c.OnlyNew && c.Stage == "" && c.Channel == ""
}

// ingestAlone records one capture through ingestOne under its own savepoint, as the
// group committer does.
func ingestAlone(ctx context.Context, tx *Tx, c *Capture, i int, out []error) error {
	if _, err := tx.exec(ctx, `SAVEPOINT capture`); err != nil {
		return err
	}
	_, err := ingestOne(ctx, tx, c)
	if retryable(err) {
		return err
	}
	if err != nil {
		out[i] = itemError(0, err)
		if _, err := tx.exec(ctx, `ROLLBACK TO SAVEPOINT capture`); err != nil {
			return err
		}
	}
	_, err = tx.exec(ctx, `RELEASE SAVEPOINT capture`)
	return err
}

// ingestViewSegment records a run of plain page views set-based under one savepoint.
// When a set-based statement fails (a value one engine refuses), the run is rolled
// back and recorded again capture by capture, so that only the bad one is refused.
func ingestViewSegment(ctx context.Context, tx *Tx, caps []Capture, base int, out []error, now time.Time, campaigns map[string]campaignRef) error {
	if _, err := tx.exec(ctx, `SAVEPOINT views`); err != nil {
		return err
	}
	err := recordViews(ctx, tx, caps, base, out, now, campaigns)
	if retryable(err) {
		return err
	}
	if err != nil {
		if _, err := tx.exec(ctx, `ROLLBACK TO SAVEPOINT views`); err != nil {
			return err
		}
		clear(out[base : base+len(caps)])
		for k := range caps {
			c := caps[k]
			if err := ingestAlone(ctx, tx, &c, base+k, out); err != nil {
				return err
			}
		}
	}
	_, err = tx.exec(ctx, `RELEASE SAVEPOINT views`)
	return err
}

// viewHit is a page view prepared for the set-based statements.
type viewHit struct {
	c     *Capture
	at    int64  // occurred_at as stored
	props string // properties as stored
	// touch is the web touch the stored properties will be read back as.
	touch attribution.WebTouch
	// alone sends the hit through ingestOne: its properties cannot be stored, and
	// ingestOne says so.
	alone    bool
	contact  int64
	channel  string
	campaign int64
}

// viewVisitor is what a run needs to know of one visitor.
type viewVisitor struct {
	contact int64
	// unusual sends the visitor's hits through ingestOne: its contact row is missing,
	// it has anonymous events to join, or a stored page view falls among the run's.
	unusual bool
	// minAt is the earliest of the run's views of the visitor; stored is its last
	// stored page view at or before the run's latest.
	minAt  int64
	stored *attribution.PageView
	// views are the run's views of the visitor recorded so far, in order.
	views []attribution.PageView
}

// previous is the page view lastPageView would find before one at `at`: the
// latest of those at or before it, the later recorded on a tie. Views of the run
// were recorded after the stored one, so they win a tie with it.
func (v *viewVisitor) previous(at time.Time) *attribution.PageView {
	var best *attribution.PageView
	for k := range v.views {
		if p := &v.views[k]; !p.At.After(at) && (best == nil || !p.At.Before(best.At)) {
			best = p
		}
	}
	if best == nil {
		return v.stored
	}
	return best
}

// recordViews records a run of plain page views: what ingestOne does to each, in
// a few statements. caps are left as they were, for a second try.
func recordViews(ctx context.Context, tx *Tx, orig []Capture, base int, out []error, now time.Time, campaigns map[string]campaignRef) error {
	caps := slices.Clone(orig)
	hits := make([]viewHit, len(caps))
	visitors := map[string]*viewVisitor{}
	var order []string
	var maxAt int64
	for k := range caps {
		c := &caps[k]
		if c.OccurredAt.IsZero() {
			c.OccurredAt = now
		}
		c.Web = completeWeb(c.Web, c.Properties)
		h := &hits[k]
		h.c, h.at = c, ts(c.OccurredAt)
		var ok bool
		if h.props, h.touch, ok = viewProps(c.Properties, c.Web); !ok {
			if c.Web != (attribution.WebTouch{}) {
				c.Properties = withWeb(c.Properties, c.Web)
			}
			h.props = "{}"
			if len(c.Properties) > 0 {
				b, err := json.Marshal(c.Properties)
				if err != nil {
					h.alone = true
					continue
				}
				h.props = string(b)
			}
			h.touch = storedTouch(c.Properties, h.props)
		}
		v := visitors[c.VisitorID]
		if v == nil {
			v = &viewVisitor{minAt: h.at}
			visitors[c.VisitorID] = v
			order = append(order, c.VisitorID)
		}
		v.minAt = min(v.minAt, h.at)
		maxAt = max(maxAt, h.at)
	}
	if err := lookupViewVisitors(ctx, tx, order, visitors, maxAt); err != nil {
		return err
	}
	// The first touch of each contact the run touches, as ingestOne's updates leave it.
	firstTouch := map[int64]sql.NullInt64{}
	var run []*viewHit
	for k := range hits {
		h := &hits[k]
		c := h.c
		if h.alone || visitors[c.VisitorID].unusual {
			if err := writeViews(ctx, tx, run, now); err != nil {
				return err
			}
			run = run[:0]
			alone := orig[k]
			if err := ingestAlone(ctx, tx, &alone, base+k, out); err != nil {
				return err
			}
			// It may have moved a contact's first touch.
			clear(firstTouch)
			continue
		}
		v := visitors[c.VisitorID]
		h.contact = v.contact
		if attribution.StartsSession(v.previous(c.OccurredAt), attribution.PageView{At: c.OccurredAt, Touch: c.Web}) {
			var err error
			if h.channel, h.campaign, err = classifyView(ctx, tx, c, campaigns); err != nil {
				return err
			}
		}
		// The view as lastPageView would read it back for the visitor's next one.
		v.views = append(v.views, attribution.PageView{At: fromTS(h.at), Touch: h.touch})
		run = append(run, h)
		if h.contact == 0 || h.channel == "" {
			continue
		}
		// A touch earlier than its contact's first: written right after its event, as
		// ingestOne does, so that the report marks its triggers add come in the same
		// order. Later touches leave the contact alone, here as there.
		first, ok := firstTouch[h.contact]
		if !ok {
			if err := tx.queryRow(ctx, `SELECT first_touch_at FROM contacts WHERE id = ?`, h.contact).Scan(&first); err != nil {
				return err
			}
		}
		if first.Valid && first.Int64 <= h.at {
			firstTouch[h.contact] = first
			continue
		}
		if err := writeViews(ctx, tx, run, now); err != nil {
			return err
		}
		run = run[:0]
		if _, err := tx.exec(ctx, `UPDATE contacts SET first_touch_at = ?, first_touch_channel = ?, first_touch_campaign_id = ?
			WHERE id = ? AND (first_touch_at IS NULL OR first_touch_at > ?)`, h.at, h.channel, nullID(h.campaign), h.contact, h.at); err != nil {
			return err
		}
		firstTouch[h.contact] = sql.NullInt64{Int64: h.at, Valid: true}
	}
	return writeViews(ctx, tx, run, now)
}

// storedTouch is the touch of a view's properties as they will be read back
// (attribution.FromProperties of stringProps of the stored text), taken from the map
// when marshalling keeps its strings as they are.
func storedTouch(props map[string]any, stored string) attribution.WebTouch {
	for k, v := range props {
		if s, ok := v.(string); ok && (!utf8.ValidString(k) || !utf8.ValidString(s)) {
			return attribution.FromProperties(stringProps(stored))
		}
	}
	var raw attribution.WebTouch
	for _, f := range webFields(&raw) {
		*f.value, _ = props[f.key].(string)
	}
	return attribution.FromFields(raw)
}

// viewProps is the stored text of a view's properties with its web fields,
// json.Marshal(withWeb(props, web)), and the touch it is read back as,
// storedTouch(withWeb(props, web), stored), written without the merged map and
// encoding/json's reflection. It declines (ok false) unless every property is a
// string and every key and value valid UTF-8; a text in need of escapes is quoted
// by encoding/json, so the result is encoding/json's byte for byte.
func viewProps(props map[string]any, web attribution.WebTouch) (stored string, touch attribution.WebTouch, ok bool) {
	type member struct{ key, value string }
	var buf [16]member
	ms := buf[:0]
	size := 2
	for k, v := range props {
		s, isString := v.(string)
		if !isString || !utf8.ValidString(k) || !utf8.ValidString(s) {
			return "", attribution.WebTouch{}, false
		}
		ms = append(ms, member{k, s})
		size += len(k) + len(s) + 6
	}
	var raw attribution.WebTouch
	rawFields := webFields(&raw)
	for i, f := range webFields(&web) {
		if v, in := props[f.key]; in {
			*rawFields[i].value = v.(string)
		} else if *f.value != "" {
			*rawFields[i].value = *f.value
			ms = append(ms, member{f.key, *f.value})
			size += len(f.key) + len(*f.value) + 6
		}
	}
	if len(ms) == 0 {
		return "{}", attribution.WebTouch{}, true
	}
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, m := range ms {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, m.key)
		b = append(b, ':')
		b = appendJSONString(b, m.value)
	}
	b = append(b, '}')
	return string(b), attribution.FromFields(raw), true
}

// appendJSONString appends s quoted as encoding/json quotes it: a text of printable
// ASCII with no quote, backslash or HTML character as it is, any other through
// encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// storedWeb is attribution.FromProperties(stringProps(stored)), read without a map
// when the stored properties are a flat object.
func storedWeb(stored string) attribution.WebTouch {
	var raw attribution.WebTouch
	fields := webFields(&raw)
	if flatjson.EachString(stored, func(k, v string, isString, _ bool) bool {
		for _, f := range fields {
			if f.key == k {
				*f.value = v
			}
		}
		return isString
	}) {
		return attribution.FromFields(raw)
	}
	return attribution.FromProperties(stringProps(stored))
}

// lookupViewVisitors reads, for each visitor of a run, its contact (following
// merges), its last stored page view at or before the run's latest, and, for one
// that is a contact, whether it has anonymous events the contact would join.
func lookupViewVisitors(ctx context.Context, tx *Tx, order []string, visitors map[string]*viewVisitor, maxAt int64) error {
	var known []any
	for len(order) > 0 {
		n := min(len(order), viewLookupChunk)
		args := make([]any, 0, n+1)
		for _, id := range order[:n] {
			args = append(args, id)
		}
		args = append(args, maxAt)
		type found struct {
			vid          string
			contact, row sql.NullInt64
			merged, at   sql.NullInt64
			props        sql.NullString
		}
		var rows []found
		err := txRows(ctx, tx, lastViewsQuery(tx.s.engine, n), args, func(r *sql.Rows) error {
			var f found
			err := r.Scan(&f.vid, &f.contact, &f.row, &f.merged, &f.at, &f.props)
			rows = append(rows, f)
			return err
		})
		if err != nil {
			return err
		}
		for _, f := range rows {
			v := visitors[f.vid]
			if v == nil {
				return errors.New("store: the visitor lookup answered a visitor it was not asked for")
			}
			if f.at.Valid {
				v.stored = &attribution.PageView{At: fromTS(f.at.Int64), Touch: storedWeb(f.props.String)}
			}
			switch {
			case f.contact.Valid && !f.row.Valid, f.at.Valid && f.at.Int64 > v.minAt:
				v.unusual = true
			case f.contact.Valid:
				id, err := survivor(ctx, tx, f.contact.Int64, f.merged)
				if err != nil {
					return err
				}
				v.contact = id
				known = append(known, f.vid)
			}
		}
		order = order[n:]
	}
	// A contact's visitor rarely has anonymous events (joinVisitor gave them to the
	// contact when it identified); one that has goes through ingestOne, which joins them.
	// The unary plus keeps both planners off the index of contact ids, whose null
	// entries are every anonymous event.
	for len(known) > 0 {
		n := min(len(known), viewLookupChunk)
		err := txRows(ctx, tx, `SELECT DISTINCT visitor_id FROM events WHERE visitor_id IN (`+placeholders(n)+`) AND +contact_id IS NULL`, known[:n],
			func(r *sql.Rows) error {
				var vid string
				err := r.Scan(&vid)
				if v := visitors[vid]; v != nil {
					v.unusual = true
				}
				return err
			})
		if err != nil {
			return err
		}
		known = known[n:]
	}
	return nil
}

// lastViewsQuery looks up n visitors, each with its contact and its last page view
// at or before a time. PostgreSQL needs LATERAL to look each visitor's view up by
// index, a form SQLite lacks; SQLite runs its correlated subquery once a visitor.
func lastViewsQuery(engine Engine, n int) string {
	values := `WITH b(vid) AS (VALUES ` + strings.TrimSuffix(strings.Repeat("(?), ", n), ", ") + `)`
	last := `SELECT x.id, x.occurred_at, x.properties FROM events x WHERE x.visitor_id = b.vid AND x.type = 'page_view' AND x.occurred_at <= ?
		ORDER BY x.occurred_at DESC, x.id DESC LIMIT 1`
	if engine == Postgres {
		return values + ` SELECT b.vid, v.contact_id, c.id, c.merged_into_id, e.occurred_at, e.properties
			FROM b LEFT JOIN visitors v ON v.id = b.vid LEFT JOIN contacts c ON c.id = v.contact_id
			LEFT JOIN LATERAL (` + last + `) e ON true`
	}
	return values + `, p AS (SELECT b.vid, (` + strings.Replace(last, "x.id, x.occurred_at, x.properties", "x.id", 1) + `) AS eid FROM b)
		SELECT p.vid, v.contact_id, c.id, c.merged_into_id, e.occurred_at, e.properties
		FROM p LEFT JOIN visitors v ON v.id = p.vid LEFT JOIN contacts c ON c.id = v.contact_id LEFT JOIN events e ON e.id = p.eid`
}

// classifyView is touchOf for a page view known to start a visit, with the
// batch's campaigns looked up once each (an id of 0 remembers that none has the key).
func classifyView(ctx context.Context, tx *Tx, c *Capture, campaigns map[string]campaignRef) (string, int64, error) {
	var lookupErr error
	channel, campaignID := classifyTouch(c, func(key string) (int64, string, bool) {
		ref, ok := campaigns[key]
		if !ok {
			err := tx.queryRow(ctx, `SELECT id, channel FROM campaigns WHERE utm_campaign = ?`, key).Scan(&ref.id, &ref.channel)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				// touchOf takes a failed lookup for no campaign; here it fails the run,
				// which is then recorded capture by capture through touchOf itself.
				lookupErr = err
				return 0, "", false
			}
			campaigns[key] = ref
		}
		return ref.id, ref.channel, ref.id != 0
	})
	return channel, campaignID, lookupErr
}

// writeViews writes a run's visitor rows and events.
func writeViews(ctx context.Context, tx *Tx, run []*viewHit, now time.Time) error {
	if len(run) == 0 {
		return nil
	}
	// One row per visitor: joinVisitor, called once per view, keeps the first view's
	// time as first seen and the latest as last seen.
	type seen struct {
		contact       int64
		first, latest int64
	}
	visitors := map[string]*seen{}
	var order []string
	events := make([]any, 0, 9*len(run))
	for _, h := range run {
		c := h.c
		if v := visitors[c.VisitorID]; v == nil {
			visitors[c.VisitorID] = &seen{contact: h.contact, first: h.at, latest: h.at}
			order = append(order, c.VisitorID)
		} else {
			v.latest = max(v.latest, h.at)
		}
		events = append(events, nullID(h.contact), c.VisitorID, c.Type, h.at, ts(now), h.props, nullString(h.channel), nullID(h.campaign), c.Actor)
	}
	rows := make([]any, 0, 4*len(order))
	for _, id := range order {
		v := visitors[id]
		rows = append(rows, id, nullID(v.contact), v.first, v.latest)
	}
	// joinVisitor's contact_id = COALESCE(visitors.contact_id, excluded.contact_id)
	// changes nothing here: a stored visitor's contact is what the lookup read (the
	// row's own, or none), and setting it would make the engine rewrite the visitor's
	// entry in the index of contacts on every page view.
	if err := insertBulk(ctx, tx, `INSERT INTO visitors (id, contact_id, first_seen_at, last_seen_at) VALUES `, 4,
		` ON CONFLICT (id) DO UPDATE SET last_seen_at = CASE WHEN excluded.last_seen_at > visitors.last_seen_at THEN excluded.last_seen_at ELSE visitors.last_seen_at END`, rows, nil); err != nil {
		return err
	}
	tx.eventsRecorded()
	return insertBulk(ctx, tx, `INSERT INTO events (contact_id, visitor_id, type, occurred_at, received_at, properties, channel, campaign_id, actor) VALUES `, 9,
		``, events, nil)
}
