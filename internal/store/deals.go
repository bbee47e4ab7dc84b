package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// contactForUpdate checks that a contact exists and has not been merged away, and
// returns its stage; the row stays locked until the change commits (Tx.forUpdate).
func contactForUpdate(ctx context.Context, tx *Tx, id int64) (string, error) {
	var stage string
	var merged sql.NullInt64
	err := tx.queryRow(ctx, `SELECT stage, merged_into_id FROM contacts WHERE id = ?`+tx.forUpdate(), id).Scan(&stage, &merged)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.E(errs.NotFound, "contact_id", "no contact with id %d", id)
	}
	if err != nil {
		return "", err
	}
	if merged.Valid {
		return "", errs.E(errs.Conflict, "contact_id", "contact %d was merged into contact %d", id, merged.Int64)
	}
	return stage, nil
}

// CreateDeal records a deal. A won deal makes the contact a customer and is on its
// timeline as deal_won with the amount; a lost one as deal_lost.
func (s *Store) CreateDeal(ctx context.Context, d Deal, actor string) (*Deal, error) {
	if d.Status == DealOpen {
		d.ClosedAt = time.Time{}
	} else if d.ClosedAt.IsZero() {
		d.ClosedAt = s.Now()
	}
	d.CreatedAt = s.Now()
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if err := lockMoney(ctx, tx, d.Currency, "amount"); err != nil {
			return err
		}
		if _, err := contactForUpdate(ctx, tx, d.ContactID); err != nil {
			return err
		}
		if err := checkMoneyTotal(ctx, tx, "deals", "amount", d.Amount); err != nil {
			return err
		}
		cur, err := currencyTx(ctx, tx)
		if err != nil {
			return err
		}
		err = tx.queryRow(ctx, `INSERT INTO deals (contact_id, name, amount, status, closed_at, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			d.ContactID, d.Name, d.Amount, d.Status, nullTS(d.ClosedAt), ts(d.CreatedAt)).Scan(&d.ID)
		if err != nil {
			return err
		}
		switch d.Status {
		case DealWon:
			if _, err := insertEvent(ctx, tx, Event{ContactID: d.ContactID, Type: "deal_won", OccurredAt: d.ClosedAt, Actor: actor,
				Properties: map[string]any{"deal_id": d.ID, "amount": cur.Format(d.Amount), "name": d.Name}}, 0); err != nil {
				return err
			}
			return autoAdvance(ctx, tx, d.ContactID, lifecycle.Customer, actor, "deal won", d.ClosedAt)
		case DealLost:
			_, err := insertEvent(ctx, tx, Event{ContactID: d.ContactID, Type: "deal_lost", OccurredAt: d.ClosedAt, Actor: actor,
				Properties: map[string]any{"deal_id": d.ID, "amount": cur.Format(d.Amount), "name": d.Name}}, 0)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// Deals lists a contact's deals, newest first.
func (s *Store) Deals(ctx context.Context, contactID int64) ([]*Deal, error) {
	ids, err := s.withMerged(ctx, contactID)
	if err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, `SELECT id, contact_id, name, amount, status, closed_at, created_at FROM deals
		WHERE contact_id IN (`+placeholders(len(ids))+`) ORDER BY id DESC`, int64Args(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Deal{}
	for rows.Next() {
		var d Deal
		var closed sql.NullInt64
		var created int64
		if err := rows.Scan(&d.ID, &d.ContactID, &d.Name, &d.Amount, &d.Status, &closed, &created); err != nil {
			return nil, err
		}
		d.ClosedAt, d.CreatedAt = fromNullTS(closed), fromTS(created)
		out = append(out, &d)
	}
	return out, rows.Err()
}
