package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// Managing the team (SPEC section 10): roles, disabling and enabling, and one-time
// links to set a password. Every change is audited in its own transaction.

// lastAdminMessage is the refusal to leave the workspace without an admin who can log in.
const lastAdminMessage = "this is the last enabled admin who can log in; make another user admin first"

// userForChange reads a user in a transaction that is about to change them, with
// the users lock taken, so the last-admin check sees every other change.
func userForChange(ctx context.Context, tx *Tx, id int64) (*User, error) {
	if err := advisoryLock(ctx, tx, lockUsers); err != nil {
		return nil, err
	}
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("user %d not found", id)
	}
	return u, err
}

// keepsAnAdmin refuses a change that takes u out of the admins who can log in when
// no other admin can.
func keepsAnAdmin(ctx context.Context, tx *Tx, u *User) error {
	if u.Role != RoleAdmin || u.Disabled || u.PasswordHash == "" {
		return nil // u is not one of the admins who can log in; nothing is lost
	}
	var others int
	if err := tx.queryRow(ctx, loginAdmins+` AND id <> ?`, u.ID).Scan(&others); err != nil {
		return err
	}
	if others == 0 {
		return errs.E(errs.Conflict, "", lastAdminMessage)
	}
	return nil
}

// SetUserRole gives a user another role. The last admin who can log in keeps theirs.
func (s *Store) SetUserRole(ctx context.Context, id int64, role, actor string) (*User, error) {
	return s.ChangeUser(ctx, id, &role, nil, actor)
}

// SetUserDisabled disables a user, ending their sessions, or enables them again. A
// disabled user cannot log in, their sessions stop working and nobody can be given
// to them as an owner. The last admin who can log in cannot be disabled.
func (s *Store) SetUserDisabled(ctx context.Context, id int64, disabled bool, actor string) (*User, error) {
	return s.ChangeUser(ctx, id, nil, &disabled, actor)
}

// ChangeUser gives a user another role, disables or enables them, or both, in one
// transaction: a change refused leaves the other undone too. Either may be nil.
func (s *Store) ChangeUser(ctx context.Context, id int64, role *string, disabled *bool, actor string) (*User, error) {
	if role != nil && !ValidRole(*role) {
		return nil, errs.Field("role", "is not a role; one of %s", strings.Join(Roles, ", "))
	}
	var out *User
	err := s.RunInTx(ctx, func(tx *Tx) error {
		u, err := userForChange(ctx, tx, id)
		if err != nil {
			return err
		}
		out = u
		if role != nil {
			if err := setRole(ctx, tx, u, *role, actor); err != nil {
				return err
			}
		}
		if disabled != nil {
			return s.setDisabled(ctx, tx, u, *disabled, actor)
		}
		return nil
	})
	return out, err
}

func setRole(ctx context.Context, tx *Tx, u *User, role, actor string) error {
	if u.Role == role {
		return nil
	}
	if role != RoleAdmin {
		if err := keepsAnAdmin(ctx, tx, u); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, `UPDATE users SET role = ? WHERE id = ?`, role, u.ID); err != nil {
		return err
	}
	from := u.Role
	u.Role = role
	return audit(ctx, tx, actor, "user.role", "user:"+itoa(u.ID), map[string]any{"email": u.Email, "from": from, "to": role})
}

func (s *Store) setDisabled(ctx context.Context, tx *Tx, u *User, disabled bool, actor string) error {
	if u.Disabled == disabled {
		return nil
	}
	action := "user.enable"
	if disabled {
		if err := keepsAnAdmin(ctx, tx, u); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, ts(s.Now()), u.ID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM password_tokens WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		action = "user.disable"
	} else if _, err := tx.exec(ctx, `UPDATE users SET disabled_at = NULL WHERE id = ?`, u.ID); err != nil {
		return err
	}
	u.Disabled = disabled
	return audit(ctx, tx, actor, action, "user:"+itoa(u.ID), map[string]any{"email": u.Email})
}

// CreatePasswordToken stores a one-time link for a user to set their password, by
// the hash of its token. Links made before for the same user stop working.
func (s *Store) CreatePasswordToken(ctx context.Context, userID int64, tokenHash string, ttl time.Duration, actor string) error {
	now := s.Now()
	return s.RunInTx(ctx, func(tx *Tx) error {
		u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, userID))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf("user %d not found", userID)
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return errs.E(errs.Conflict, "", "%s is disabled; enable them first", u.Email)
		}
		if _, err := tx.exec(ctx, `DELETE FROM password_tokens WHERE user_id = ? OR expires_at < ?`, userID, ts(now)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO password_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			tokenHash, userID, ts(now), ts(now.Add(ttl))); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user.password_link", "user:"+itoa(userID), map[string]any{"email": u.Email, "expires_at": now.Add(ttl).UTC()})
	})
}

const passwordTokenUser = `SELECT u.id, u.email, u.name, u.role, u.password_hash, u.available, u.created_at, u.disabled_at
	FROM password_tokens t JOIN users u ON u.id = t.user_id
	WHERE t.token_hash = ? AND t.used_at IS NULL AND t.expires_at > ? AND u.disabled_at IS NULL`

var errPasswordLink = errs.E(errs.Unauthorized, "token", "this link was used already or has expired; ask an admin for a new one")

// PasswordTokenUser returns the user a live password link is for.
func (s *Store) PasswordTokenUser(ctx context.Context, tokenHash string) (*User, error) {
	u, err := scanUser(s.queryRow(ctx, passwordTokenUser, tokenHash, ts(s.Now())))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errPasswordLink
	}
	return u, err
}

// UsePasswordToken spends a password link: the user's password becomes hash and
// their other sessions end, in one transaction, so a link sets a password once.
func (s *Store) UsePasswordToken(ctx context.Context, tokenHash, hash string) (*User, error) {
	now := s.Now()
	var out *User
	err := s.RunInTx(ctx, func(tx *Tx) error {
		u, err := scanUser(tx.queryRow(ctx, passwordTokenUser, tokenHash, ts(now)))
		if errors.Is(err, sql.ErrNoRows) {
			return errPasswordLink
		}
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE password_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, ts(now), tokenHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errPasswordLink
		}
		if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, u.ID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return err
		}
		u.PasswordHash, out = hash, u
		return audit(ctx, tx, "user:"+itoa(u.ID), "user.password", "user:"+itoa(u.ID), map[string]any{"by": "link"})
	})
	return out, err
}
