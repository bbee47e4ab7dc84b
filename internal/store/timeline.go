package store

import (
	"context"
	"database/sql"
	"math"
	"strconv"
	"strings"
	"time"
)

const eventColumns = `e.id, e.contact_id, e.visitor_id, e.type, e.occurred_at, e.received_at, e.properties, e.channel, e.actor, ca.id, ca.name`

func scanEvent(r scanner) (*Event, error) {
	var (
		e                  Event
		contactID, caID    sql.NullInt64
		visitor, ch, caNm  sql.NullString
		occurred, received int64
		props              string
	)
	if err := r.Scan(&e.ID, &contactID, &visitor, &e.Type, &occurred, &received, &props, &ch, &e.Actor, &caID, &caNm); err != nil {
		return nil, err
	}
	e.ContactID, e.VisitorID, e.Channel = contactID.Int64, visitor.String, ch.String
	e.OccurredAt, e.ReceivedAt = fromTS(occurred), fromTS(received)
	if e.Properties = unmarshalProps([]byte(props)); e.Properties == nil {
		e.Properties = map[string]any{}
	}
	if caID.Valid {
		e.Campaign = &CampaignRef{ID: caID.Int64, Name: caNm.String}
	}
	return &e, nil
}

// TimelineOptions pages through a contact's history, newest first.
type TimelineOptions struct {
	Before time.Time // only events strictly before; zero for the newest
	// BeforeID, with Before, continues after the event (Before, BeforeID), the last
	// of the previous page: events at the same time follow in id order, so a page
	// that ends among events of one moment loses none of them.
	BeforeID int64
	Limit    int
}

// Timeline returns a contact's events, newest first, including those of contacts that
// were merged into it: a merge keeps both histories.
//
// Each contact's events are read newest first from its (contact_id, occurred_at)
// index, at most a page of them, and the pages are merged: one "contact_id IN
// (...)" over the merged contacts would let PostgreSQL hash-join the whole events
// table when its statistics are missing or off.
func (s *Store) Timeline(ctx context.Context, contactID int64, opt TimelineOptions) ([]*Event, error) {
	if opt.Limit <= 0 || opt.Limit > 5000 {
		opt.Limit = 200
	}
	before := int64(1<<62 - 1)
	if !opt.Before.IsZero() {
		before = ts(opt.Before)
	}
	ids, err := s.withMerged(ctx, contactID)
	if err != nil {
		return nil, err
	}
	// Before (occurred_at, id) in the order of the page: the range on occurred_at is
	// the index's, the id only tests the events of the page's last moment.
	const one = `SELECT e.* FROM events e WHERE e.contact_id = ? AND e.occurred_at <= ? AND (e.occurred_at < ? OR e.id < ?)
		ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?`
	beforeID := opt.BeforeID
	if beforeID <= 0 {
		beforeID = math.MinInt64 // only the time counts
	}
	parts := make([]string, len(ids))
	args := make([]any, 0, 5*len(ids)+1)
	for i, id := range ids {
		parts[i] = `SELECT * FROM (` + one + `) p` + strconv.Itoa(i)
		args = append(args, id, before, before, beforeID, opt.Limit)
	}
	rows, err := s.query(ctx, `SELECT `+eventColumns+` FROM (`+strings.Join(parts, ` UNION ALL `)+`) e
		LEFT JOIN campaigns ca ON ca.id = e.campaign_id ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?`, append(args, opt.Limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// withMerged is the contact's id followed by the ids of the contacts merged into it.
func (s *Store) withMerged(ctx context.Context, contactID int64) ([]int64, error) {
	merged, err := idRows(s.query(ctx, `SELECT id FROM contacts WHERE merged_into_id = ? ORDER BY id`, contactID))
	return append([]int64{contactID}, merged...), err
}

// AddNote puts a person's note on the contact's timeline.
func (s *Store) AddNote(ctx context.Context, contactID int64, body, actor string) (*Event, error) {
	var id int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if _, err := contactForUpdate(ctx, tx, contactID); err != nil {
			return err
		}
		var err error
		id, err = insertEvent(ctx, tx, Event{ContactID: contactID, Type: "note", OccurredAt: s.Now(), Actor: actor,
			Properties: map[string]any{"body": body}}, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.event(ctx, id)
}

func (s *Store) event(ctx context.Context, id int64) (*Event, error) {
	return scanEvent(s.queryRow(ctx, `SELECT `+eventColumns+` FROM events e LEFT JOIN campaigns ca ON ca.id = e.campaign_id WHERE e.id = ?`, id))
}
