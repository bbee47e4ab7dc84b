package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// AssignOwner makes a user the owner of a contact (the rep who works it), or leaves
// the contact without owner when ownerID is 0. The change is an owner_changed event
// on the contact's timeline (from, to, reason) and an audit entry. The owner must be
// an enabled user who may work leads: not a read-only one. Assigning the owner the
// contact has changes nothing.
func (s *Store) AssignOwner(ctx context.Context, contactID, ownerID int64, reason, actor string) (*Contact, error) {
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if _, err := contactStage(ctx, tx, contactID); err != nil {
			return err
		}
		var to *UserRef
		if ownerID != 0 {
			u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, ownerID))
			if errors.Is(err, sql.ErrNoRows) {
				return errs.Field("owner_id", "no user with id %d", ownerID)
			}
			if err != nil {
				return err
			}
			if u.Disabled {
				return errs.Field("owner_id", "user %d is disabled", ownerID)
			}
			if u.Role == RoleReadOnly {
				return errs.Field("owner_id", "user %d is read-only and cannot own contacts", ownerID)
			}
			to = &UserRef{ID: u.ID, Name: u.Name, Email: u.Email}
		}
		var was sql.NullInt64
		if err := tx.queryRow(ctx, `SELECT owner_id FROM contacts WHERE id = ?`, contactID).Scan(&was); err != nil {
			return err
		}
		if was.Int64 == ownerID {
			return nil
		}
		now := s.Now()
		if _, err := tx.exec(ctx, `UPDATE contacts SET owner_id = ?, updated_at = ? WHERE id = ?`, nullID(ownerID), ts(now), contactID); err != nil {
			return err
		}
		props := map[string]any{"from": nil, "to": nil}
		if was.Valid {
			props["from"] = was.Int64
			var name string
			if err := tx.queryRow(ctx, `SELECT name FROM users WHERE id = ?`, was.Int64).Scan(&name); err == nil {
				props["from_name"] = name
			}
		}
		if to != nil {
			props["to"], props["to_name"] = to.ID, to.Name
		}
		if reason != "" {
			props["reason"] = reason
		}
		if _, err := insertEvent(ctx, tx, Event{ContactID: contactID, Type: "owner_changed", OccurredAt: now, Actor: actor, Properties: props}, 0); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "contact.assign", "contact:"+itoa(contactID), props)
	})
	if err != nil {
		return nil, err
	}
	return s.Contact(ctx, contactID)
}
