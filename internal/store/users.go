package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

const userColumns = `id, email, name, role, password_hash, available, created_at, disabled_at`

func scanUser(r scanner) (*User, error) {
	var u User
	var created int64
	var disabled sql.NullInt64
	if err := r.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Available, &created, &disabled); err != nil {
		return nil, err
	}
	u.CreatedAt, u.Disabled = fromTS(created), disabled.Valid
	return &u, nil
}

// CreateUser adds a user; the email must be new.
func (s *Store) CreateUser(ctx context.Context, u User, actor string) (*User, error) {
	u.CreatedAt = s.Now()
	u.Available = true
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, u.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "email", "a user with this email exists already")
		}
		if err := tx.queryRow(ctx, `INSERT INTO users (email, name, role, password_hash, available, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Email, u.Name, u.Role, u.PasswordHash, true, ts(u.CreatedAt)).Scan(&u.ID); err != nil {
			// Two adds of one address at once (a double click): the count above
			// saw neither.
			return uniqueConflict(err, errs.E(errs.Conflict, "email", "a user with this email exists already"))
		}
		return audit(ctx, tx, actor, "user.create", "user:"+itoa(u.ID), map[string]any{"email": u.Email, "role": u.Role})
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// UserByEmail finds a user for login.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE email = ?`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no user with this email")
	}
	return u, err
}

// User returns a user by id.
func (s *Store) User(ctx context.Context, id int64) (*User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("user %d not found", id)
	}
	return u, err
}

// Users lists every user.
func (s *Store) Users(ctx context.Context) ([]*User, error) {
	rows, err := s.query(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// loginAdmins counts the admins who can log in. Until there is one, the first-run
// setup is still to be done: teammates without a password (the demo's sales team,
// say) do not let anyone in.
const loginAdmins = `SELECT COUNT(*) FROM users WHERE role = 'admin' AND password_hash <> '' AND disabled_at IS NULL`

// CountUsers tells whether the first-run setup is still to be done: it counts the
// admins who can log in.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, loginAdmins).Scan(&n)
	return n, err
}

// SetPassword replaces a user's password hash and ends the user's sessions.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash, actor string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "user.password", "user:"+itoa(userID), nil)
	})
}

// CreateSession stores a login session by the hash of its token.
func (s *Store) CreateSession(ctx context.Context, tokenHash string, userID int64, ttl time.Duration) error {
	now := s.Now()
	return s.RunInTx(ctx, func(tx *Tx) error {
		// Expired sessions are swept on login, which keeps the table small without a job.
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, ts(now)); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
			tokenHash, userID, ts(now), ts(now.Add(ttl)))
		return err
	})
}

// SessionUser returns the user of a live session.
func (s *Store) SessionUser(ctx context.Context, tokenHash string) (*User, error) {
	u, err := scanUser(s.queryRow(ctx, `SELECT u.id, u.email, u.name, u.role, u.password_hash, u.available, u.created_at, u.disabled_at
		FROM sessions se JOIN users u ON u.id = se.user_id WHERE se.token_hash = ? AND se.expires_at > ? AND u.disabled_at IS NULL`,
		tokenHash, ts(s.Now())))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.Unauthorized, "", "session expired or unknown")
	}
	return u, err
}

// DeleteSession logs a session out.
func (s *Store) DeleteSession(ctx context.Context, tokenHash string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
}

// CreateSetupToken stores the one-time first-run token by its hash.
func (s *Store) CreateSetupToken(ctx context.Context, tokenHash string, ttl time.Duration) error {
	now := s.Now()
	return s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)`, tokenHash, ts(now), ts(now.Add(ttl)))
		return err
	})
}

// UseSetupToken spends a first-run token and creates the first admin with it, in one
// transaction, so a token makes at most one admin and only while there is no user.
func (s *Store) UseSetupToken(ctx context.Context, tokenHash string, admin User) (*User, error) {
	now := s.Now()
	admin.CreatedAt, admin.Available, admin.Role = now, true, RoleAdmin
	err := s.RunInTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, ts(now), tokenHash, ts(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Unauthorized, "token", "this setup link was used already or has expired; run `lodestone user create` instead")
		}
		var users int
		if err := tx.queryRow(ctx, loginAdmins).Scan(&users); err != nil {
			return err
		}
		if users > 0 {
			return errs.E(errs.Conflict, "token", "the first admin exists already")
		}
		if err := tx.queryRow(ctx, `INSERT INTO users (email, name, role, password_hash, available, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			admin.Email, admin.Name, admin.Role, admin.PasswordHash, true, ts(now)).Scan(&admin.ID); err != nil {
			return err
		}
		return audit(ctx, tx, "setup", "user.create", "user:"+itoa(admin.ID), map[string]any{"email": admin.Email, "role": admin.Role})
	})
	if err != nil {
		return nil, err
	}
	return &admin, nil
}

// SetupTokenValid tells whether a first-run token can still be used.
func (s *Store) SetupTokenValid(ctx context.Context, tokenHash string) bool {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, tokenHash, ts(s.Now())).Scan(&n)
	return err == nil && n == 1
}

// CreateAPIKey stores a key by its hash.
func (s *Store) CreateAPIKey(ctx context.Context, k APIKey, hash, actor string) (*APIKey, error) {
	k.CreatedAt = s.Now()
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO api_keys (name, role, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			k.Name, k.Role, k.Prefix, hash, ts(k.CreatedAt)).Scan(&k.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "apikey.create", "apikey:"+itoa(k.ID), map[string]any{"name": k.Name, "role": k.Role})
	})
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// APIKeyByHash returns the live key with this hash.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*APIKey, error) {
	var k APIKey
	var created int64
	var used sql.NullInt64
	err := s.queryRow(ctx, `SELECT id, name, role, prefix, created_at, last_used_at FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL`, hash).
		Scan(&k.ID, &k.Name, &k.Role, &k.Prefix, &created, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.E(errs.Unauthorized, "", "unknown or revoked API key")
	}
	if err != nil {
		return nil, err
	}
	k.CreatedAt, k.LastUsedAt = fromTS(created), fromNullTS(used)
	return &k, nil
}

// TouchAPIKey records that a key was used; called at most once a minute per key.
func (s *Store) TouchAPIKey(ctx context.Context, id int64) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, ts(s.Now()), id)
		return err
	})
}

// APIKeys lists the keys, revoked ones included.
func (s *Store) APIKeys(ctx context.Context) ([]*APIKey, error) {
	rows, err := s.query(ctx, `SELECT id, name, role, prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*APIKey{}
	for rows.Next() {
		var k APIKey
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&k.ID, &k.Name, &k.Role, &k.Prefix, &created, &used, &revoked); err != nil {
			return nil, err
		}
		k.CreatedAt, k.LastUsedAt, k.Revoked = fromTS(created), fromNullTS(used), revoked.Valid
		out = append(out, &k)
	}
	return out, rows.Err()
}

// RevokeAPIKey ends a key.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64, actor string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, ts(s.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("no live API key with id %d", id)
		}
		return audit(ctx, tx, actor, "apikey.revoke", "apikey:"+itoa(id), nil)
	})
}
