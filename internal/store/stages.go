package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
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

// stagesEntered are the stages a move from one stage to another enters, in the
// lifecycle's order: a forward move also records the stages it passes (a lead that
// becomes an SQL has been an MQL on the way); a move back or aside records only its
// target.
func stagesEntered(from, to string) []string {
	var out []string
	for _, st := range lifecycle.Stages {
		passed := st != lifecycle.Disqualified && lifecycle.Rank(st) > lifecycle.Rank(from) && lifecycle.Rank(st) < lifecycle.Rank(to) &&
			from != lifecycle.Disqualified && to != lifecycle.Disqualified
		if st == to || passed {
			out = append(out, st)
		}
	}
	return out
}

func moveStage(ctx context.Context, tx *Tx, id int64, from, to, actor, reason string, at time.Time) error {
	if _, err := tx.exec(ctx, `UPDATE contacts SET stage = ?, updated_at = ? WHERE id = ?`, to, ts(tx.s.Now()), id); err != nil {
		return err
	}
	for _, st := range stagesEntered(from, to) {
		if err := insertStage(ctx, tx, id, st, at); err != nil {
			return err
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
	if stage == lifecycle.Disqualified {
		// A move to disqualified, by any way, takes one of the configured reasons, as
		// Disqualify does: the reports count the reasons.
		known, err := s.disqualifyReason(ctx, reason)
		if err != nil {
			return nil, err
		}
		reason = known
	}
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var cur string
		err := tx.queryRow(ctx, `SELECT stage FROM contacts WHERE id = ? AND merged_into_id IS NULL`+tx.forUpdate(), id).Scan(&cur)
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

// contactStage reads a contact's stage for a change, refusing merged-away contacts.
// The row stays locked until the change commits (see Tx.forUpdate).
func contactStage(ctx context.Context, tx *Tx, id int64) (string, error) {
	var cur string
	var merged sql.NullInt64
	err := tx.queryRow(ctx, `SELECT stage, merged_into_id FROM contacts WHERE id = ?`+tx.forUpdate(), id).Scan(&cur, &merged)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.NotFoundf("contact %d not found", id)
	}
	if err == nil && merged.Valid {
		return "", errs.E(errs.Conflict, "", "contact %d was merged into contact %d: act on that one", id, merged.Int64)
	}
	return cur, err
}

// AcceptSQL records that sales accepted a sales-qualified lead (an sql_accepted
// event); the contact stays an SQL until a deal moves it on.
func (s *Store) AcceptSQL(ctx context.Context, id int64, note, actor string) (*Contact, error) {
	err := s.RunInTx(ctx, func(tx *Tx) error {
		cur, err := contactStage(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur != lifecycle.SQL {
			return errs.E(errs.Conflict, "", "only a sales-qualified lead can be accepted; this contact is at %s", cur)
		}
		props := map[string]any{}
		if note != "" {
			props["note"] = note
		}
		_, err = insertEvent(ctx, tx, Event{ContactID: id, Type: "sql_accepted", OccurredAt: s.Now(), Actor: actor, Properties: props}, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Contact(ctx, id)
}

// RejectSQL records that sales rejected a sales-qualified lead with a reason (an
// sql_rejected event) and recycles it to lead (SPEC section 3); its engagement from
// before the rejection no longer moves it up by itself.
func (s *Store) RejectSQL(ctx context.Context, id int64, reason, actor string) (*Contact, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, errs.Field("reason", "is required: say why sales rejects this lead")
	}
	err := s.RunInTx(ctx, func(tx *Tx) error {
		cur, err := contactStage(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur != lifecycle.SQL {
			return errs.E(errs.Conflict, "", "only a sales-qualified lead can be rejected; this contact is at %s", cur)
		}
		now := s.Now()
		if _, err := insertEvent(ctx, tx, Event{ContactID: id, Type: "sql_rejected", OccurredAt: now, Actor: actor,
			Properties: map[string]any{"reason": reason}}, 0); err != nil {
			return err
		}
		return moveStage(ctx, tx, id, cur, lifecycle.Lead, actor, "rejected by sales: "+reason, now)
	})
	if err != nil {
		return nil, err
	}
	return s.Contact(ctx, id)
}

// Disqualify moves a contact to disqualified with a reason from the workspace's list.
func (s *Store) Disqualify(ctx context.Context, id int64, reason, actor string) (*Contact, error) {
	known, err := s.disqualifyReason(ctx, reason)
	if err != nil {
		return nil, err
	}
	err = s.RunInTx(ctx, func(tx *Tx) error {
		cur, err := contactStage(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur == lifecycle.Disqualified {
			return errs.E(errs.Conflict, "", "the contact is disqualified already")
		}
		return moveStage(ctx, tx, id, cur, lifecycle.Disqualified, actor, known, s.Now())
	})
	if err != nil {
		return nil, err
	}
	return s.Contact(ctx, id)
}

// disqualifyReason is the workspace's disqualify reason that reason names (case
// aside), or a 400 naming the field reason with the list.
func (s *Store) disqualifyReason(ctx context.Context, reason string) (string, error) {
	set, err := s.ScoringSettings(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range set.DisqualifyReason {
		if strings.EqualFold(r, strings.TrimSpace(reason)) {
			return r, nil
		}
	}
	return "", errs.Field("reason", "must be one of the workspace's disqualify reasons: %s", strings.Join(set.DisqualifyReason, "; "))
}
