package store

import (
	"context"
	"encoding/json"
	"strconv"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// audit writes one entry of the audit log in the transaction of the change it records.
func audit(ctx context.Context, tx *Tx, actor, action, target string, details map[string]any) error {
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)`,
		ts(tx.s.Now()), actor, action, target, string(b))
	return err
}

// Audit lists the newest entries of the audit log.
func (s *Store) Audit(ctx context.Context, limit int) ([]*AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.query(ctx, `SELECT id, at, actor, action, target, details FROM audit_log ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*AuditEntry{}
	for rows.Next() {
		var e AuditEntry
		var at int64
		var details string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &details); err != nil {
			return nil, err
		}
		e.At = fromTS(at)
		_ = json.Unmarshal([]byte(details), &e.Details)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// RecordAudit writes an audit entry for an action that changes nothing in the
// database but matters, such as an export of personal data.
func (s *Store) RecordAudit(ctx context.Context, actor, action, target string, details map[string]any) error {
	return s.RunInTx(ctx, func(tx *Tx) error { return audit(ctx, tx, actor, action, target, details) })
}
