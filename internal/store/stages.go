package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// insertStage records when the contact first entered a stage; a later return keeps
// the first time.
func insertStage(ctx context.Context, tx *Tx, id int64, stage string, at time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO contact_stages (contact_id, stage, entered_at) VALUES (?, ?, ?)
		ON CONFLICT (contact_id, stage) DO NOTHING`, id, stage, ts(at))
	return err
}

// autoAdvance moves a contact forward to stage when the rules of SPEC section 3 allow,
// recording the stages it passes on the way, so "reached MQL" stays true of an SQL.
func autoAdvance(ctx context.Context, tx *Tx, id int64, stage, actor, reason string, at time.Time) error {
	var cur string
	if err := tx.queryRow(ctx, `SELECT stage FROM contacts WHERE id = ?`, id).Scan(&cur); err != nil {
		return err
	}
	if !lifecycle.AutoAdvance(cur, stage) {
		return nil
	}
	return moveStage(ctx, tx, id, cur, stage, actor, reason, at)
}

func moveStage(ctx context.Context, tx *Tx, id int64, from, to, actor, reason string, at time.Time) error {
	if _, err := tx.exec(ctx, `UPDATE contacts SET stage = ?, updated_at = ? WHERE id = ?`, to, ts(tx.s.Now()), id); err != nil {
		return err
	}
	// A forward move also records the stages it passes (a lead that becomes an SQL has
	// been an MQL on the way); a move back or aside records only its target.
	for _, st := range lifecycle.Stages {
		passed := st != lifecycle.Disqualified && lifecycle.Rank(st) > lifecycle.Rank(from) && lifecycle.Rank(st) < lifecycle.Rank(to) &&
			from != lifecycle.Disqualified && to != lifecycle.Disqualified
		if st == to || passed {
			if err := insertStage(ctx, tx, id, st, at); err != nil {
				return err
			}
		}
	}
	_, err := insertEvent(ctx, tx, Event{ContactID: id, Type: "stage_changed", OccurredAt: at, Actor: actor,
		Properties: map[string]any{"from": from, "to": to, "reason": reason}}, 0)
	return err
}

// SetStage is a person's move of a contact to any stage, with a reason (SPEC section 3).
func (s *Store) SetStage(ctx context.Context, id int64, stage, reason, actor string) (*Contact, error) {
	if _, err := lifecycle.Parse(stage); err != nil {
		return nil, errs.Field("stage", "%v", err)
	}
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var cur string
		err := tx.queryRow(ctx, `SELECT stage FROM contacts WHERE id = ? AND merged_into_id IS NULL`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf("contact %d not found", id)
		}
		if err != nil {
			return err
		}
		if cur == stage {
			return nil
		}
		return moveStage(ctx, tx, id, cur, stage, actor, reason, s.Now())
	})
	if err != nil {
		return nil, err
	}
	return s.Contact(ctx, id)
}
