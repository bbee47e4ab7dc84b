package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"
)

// checkShape sends, through the API, the capture of one contact the seeding did not
// write (number set.contacts) and page views, an email open and click of it, and
// compares the rows the server wrote with the rows the seeding writes for the same
// input: the contact, its company, stages, search words, and each event's type,
// properties, channel, campaign and actor. Differences are warnings in the report.
// It runs last, on the measured server.
func (e *env) checkShape(ctx context.Context, s *server, c *client, raw *sql.DB, set *scaleSet) error {
	p := set.contact(set.contacts)
	at := func(us int64) string { return time.UnixMicro(us).UTC().Format(time.RFC3339Nano) }
	var props map[string]string
	if err := json.Unmarshal([]byte(p.captureProps()), &props); err != nil {
		return err
	}
	ids, err := c.ingest(ctx, []eventJSON{{Type: p.capture, Email: p.email, OccurredAt: at(p.created), Properties: props}})
	if err != nil {
		return err
	}
	id := ids[0]
	// The visit's first page view (a campaign's link), an internal click, an email
	// open and an email click, in that order an hour after the capture.
	var pv1 int
	for k, v := range pvVariants {
		if v.camp != 0 {
			pv1 = k
			break
		}
	}
	seeded := []sev{
		{at: p.created + 3_600_000_000, kind: evPageView, v: uint16(pv1), ch: pvVariants[pv1].ch, camp: pvVariants[pv1].camp},
		{at: p.created + 3_700_000_000, kind: evPageView, v: uint16(len(pvVariants) + 1)},
		{at: p.created + 3_800_000_000, kind: evEmailOpen, v: 3},
		{at: p.created + 3_900_000_000, kind: evEmailClick, v: 4, ch: clickVariants[4].ch},
	}
	var evs []eventJSON
	for _, ev := range seeded {
		var m map[string]string
		if err := json.Unmarshal([]byte(ev.props(&p, 0)), &m); err != nil {
			return err
		}
		evs = append(evs, eventJSON{Type: scaleEventType[ev.kind], Email: p.email, OccurredAt: at(ev.at), Properties: m})
	}
	if _, err := c.ingest(ctx, evs); err != nil {
		return err
	}
	var diffs []string
	diff := func(what string, api, seed any) {
		if !reflect.DeepEqual(api, seed) {
			diffs = append(diffs, fmt.Sprintf("%s: the API wrote %v, the seeding writes %v", what, api, seed))
		}
	}
	rb := func(sql string) string { return rebind(s.db.engine, sql) }
	var got struct {
		email, first, last, title, company, city, country, stage, dedupe, search string
		channel, domain                                                          sql.NullString
		campaign                                                                 sql.NullInt64
		createdAt                                                                int64
	}
	err = raw.QueryRowContext(ctx, rb(`SELECT c.email, c.first_name, c.last_name, c.job_title, c.company_name, c.city, c.country, c.stage, c.dedupe_key, c.search,
		c.first_touch_channel, co.domain, c.first_touch_campaign_id, c.created_at FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE c.id = ?`), id).
		Scan(&got.email, &got.first, &got.last, &got.title, &got.company, &got.city, &got.country, &got.stage, &got.dedupe, &got.search,
			&got.channel, &got.domain, &got.campaign, &got.createdAt)
	if err != nil {
		return err
	}
	search, terms := p.terms()
	captureStage := p.stages[0].stage
	var captureStages []string
	for _, st := range p.stages {
		if st.at == p.created {
			captureStage = st.stage
			captureStages = append(captureStages, st.stage)
		}
	}
	wantCampaign := sql.NullInt64{Int64: int64(p.camp), Valid: p.camp != 0}
	wantChannel := sql.NullString{String: string(scaleChannels[p.ch-1]), Valid: true}
	co := scaleCompanyOf(int(p.company - 1))
	for _, d := range []struct {
		what      string
		api, seed any
	}{
		{"email", got.email, p.email}, {"first_name", got.first, p.first}, {"last_name", got.last, p.last}, {"job_title", got.title, p.title},
		{"company_name", got.company, p.companyName}, {"company domain", got.domain, sql.NullString{String: co.Domain, Valid: true}},
		{"city", got.city, p.city}, {"country", got.country, p.country}, {"stage", got.stage, captureStage}, {"dedupe_key", got.dedupe, p.dedupe()},
		{"search", got.search, search}, {"first_touch_channel", got.channel, wantChannel}, {"first_touch_campaign_id", got.campaign, wantCampaign},
		{"created_at", got.createdAt, p.created},
	} {
		diff("contact "+d.what, d.api, d.seed)
	}
	list := func(query string) ([]string, error) {
		rows, err := raw.QueryContext(ctx, rb(query), id)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		slices.Sort(out)
		return out, rows.Err()
	}
	stages, err := list(`SELECT stage FROM contact_stages WHERE contact_id = ?`)
	if err != nil {
		return err
	}
	slices.Sort(captureStages)
	diff("contact_stages", stages, captureStages)
	// On SQLite the server indexes a new contact's words in the background, a
	// moment after the capture (internal/store/search_index.go).
	var gotTerms []string
	for wait := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if gotTerms, err = list(`SELECT term FROM contact_terms WHERE contact_id = ?`); err != nil {
			return err
		}
		if len(gotTerms) > 0 || time.Now().After(wait) {
			break
		}
	}
	terms = slices.Clone(terms)
	slices.Sort(terms)
	diff("contact_terms", gotTerms, terms)
	// The events, in id order: the capture, its stage move if any, then the activity.
	want := []sev{{at: p.created, kind: evCapture, ch: p.ch, camp: p.camp}}
	for _, m := range p.moves {
		if m.at == p.created {
			want = append(want, sev{at: m.at, kind: evStage, v: m.move})
		}
	}
	want = append(want, seeded...)
	rows, err := raw.QueryContext(ctx, rb(`SELECT type, occurred_at, properties, channel, campaign_id, actor FROM events WHERE contact_id = ? ORDER BY id`), id)
	if err != nil {
		return err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var typ, props, actor string
		var when int64
		var ch sql.NullString
		var camp sql.NullInt64
		if err := rows.Scan(&typ, &when, &props, &ch, &camp, &actor); err != nil {
			return err
		}
		if n >= len(want) {
			diffs = append(diffs, fmt.Sprintf("event %d: the API wrote an extra %s event", n, typ))
			n++
			continue
		}
		w := want[n]
		wantType, wantActor := scaleEventType[w.kind], scaleActor
		if w.kind == evCapture {
			wantType = p.capture
		}
		if w.kind == evStage {
			wantActor = "system"
		}
		var a, b any
		json.Unmarshal([]byte(props), &a)
		json.Unmarshal([]byte(w.props(&p, 0)), &b)
		var wch sql.NullString
		if w.ch != 0 {
			wch = sql.NullString{String: string(scaleChannels[w.ch-1]), Valid: true}
		}
		wcamp := sql.NullInt64{Int64: int64(w.camp), Valid: w.camp != 0}
		ev := fmt.Sprintf("event %d (%s)", n, wantType)
		diff(ev+" type", typ, wantType)
		diff(ev+" occurred_at", when, w.at)
		diff(ev+" properties", a, b)
		diff(ev+" channel", ch, wch)
		diff(ev+" campaign_id", camp, wcamp)
		diff(ev+" actor", actor, wantActor)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n < len(want) {
		diffs = append(diffs, fmt.Sprintf("the API wrote %d events for the probe, the seeding %d", n, len(want)))
	}
	for _, d := range diffs {
		e.res.warn("scale (%s): the seeding's rows differ from the API's: %s", s.db.engine, d)
	}
	if len(diffs) == 0 {
		e.res.setText("scale."+s.db.engine+".shape", fmt.Sprintf("equal (a %s capture, %d events)", p.capture, len(want)))
	} else {
		e.res.setText("scale."+s.db.engine+".shape", fmt.Sprintf("**%d differences** (see the warnings)", len(diffs)))
	}
	return nil
}
