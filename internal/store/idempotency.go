package store

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strings"
	"time"
)

// IdempotentResponse is a stored answer to a POST with an Idempotency-Key.
type IdempotentResponse struct {
	Request  string // a hash of method, path and body
	Status   int
	Response string
}

// ErrIdempotencyPending reports that another request with the same key is being served.
var ErrIdempotencyPending = errors.New("a request with this Idempotency-Key is in progress")

// ClaimIdempotencyKey reserves a key for a request, or returns the answer stored for it.
// The reservation is a row with status 0 written in its own transaction, so a hundred
// concurrent retries see one winner; the others see the pending row or its answer.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, principal, key, request string) (*IdempotentResponse, error) {
	var prev *IdempotentResponse
	err := s.RunInTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `INSERT INTO idempotency_keys (principal, idem_key, request, status, response, created_at)
			VALUES (?, ?, ?, 0, '', ?) ON CONFLICT (principal, idem_key) DO NOTHING`, principal, key, request, ts(s.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var r IdempotentResponse
		if err := tx.queryRow(ctx, `SELECT request, status, response FROM idempotency_keys WHERE principal = ? AND idem_key = ?`, principal, key).
			Scan(&r.Request, &r.Status, &r.Response); err != nil {
			return err
		}
		prev = &r
		return nil
	})
	return prev, err
}

// CompleteIdempotencyKey stores the answer of a claimed key.
func (s *Store) CompleteIdempotencyKey(ctx context.Context, principal, key string, status int, response string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE idempotency_keys SET status = ?, response = ? WHERE principal = ? AND idem_key = ?`, status, response, principal, key)
		return err
	})
}

// ReleaseIdempotencyKey forgets a claim whose request failed before it changed
// anything, so a retry can run again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, principal, key string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE principal = ? AND idem_key = ? AND status = 0`, principal, key)
		return err
	})
}

// ExpireIdempotencyKeys forgets answers older than the retention.
func (s *Store) ExpireIdempotencyKeys(ctx context.Context, olderThan time.Duration) (int64, error) {
	var n int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, ts(s.Now().Add(-olderThan)))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// Setting reads a workspace setting; "" when unset.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSetting writes a workspace setting.
func (s *Store) SetSetting(ctx context.Context, key, value, actor string) error {
	return s.SetSettings(ctx, map[string]string{key: value}, actor)
}

// SetSettings writes several workspace settings in one transaction, each change
// audited; a setting given its current value is left alone and not audited.
func (s *Store) SetSettings(ctx context.Context, values map[string]string, actor string) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return s.RunInTx(ctx, func(tx *Tx) error {
		if code, ok := values[SettingCurrency]; ok {
			if err := checkCurrencyChange(ctx, tx, code); err != nil {
				return err
			}
		}
		for _, key := range keys {
			value := values[key]
			var old string
			err := tx.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&old)
			switch {
			case err == nil && old == value:
				continue
			case err != nil && !errors.Is(err, sql.ErrNoRows):
				return err
			}
			if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
				return err
			}
			shown := value
			if secretSetting(key) {
				shown = "(hidden)"
			}
			if err := audit(ctx, tx, actor, "setting.set", "setting:"+key, map[string]any{"value": shown}); err != nil {
				return err
			}
		}
		return nil
	})
}

// secretSetting reports settings whose values must not reach the audit log.
func secretSetting(key string) bool {
	for _, w := range []string{"secret", "token", "key", "password"} {
		if strings.Contains(key, w) {
			return true
		}
	}
	return false
}
