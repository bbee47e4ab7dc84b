package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
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
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// scanAudit reads one row of `SELECT id, at, actor, action, target, details`.
func scanAudit(r scanner) (*AuditEntry, error) {
	var e AuditEntry
	var at int64
	var details string
	if err := r.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &details); err != nil {
		return nil, err
	}
	e.At = fromTS(at)
	_ = json.Unmarshal([]byte(details), &e.Details)
	return &e, nil
}

// RecordAudit writes an audit entry for an action that changes nothing in the
// database but matters, such as an export of personal data.
func (s *Store) RecordAudit(ctx context.Context, actor, action, target string, details map[string]any) error {
	return s.RunInTx(ctx, func(tx *Tx) error { return audit(ctx, tx, actor, action, target, details) })
}

// AuditQuery selects a page of the audit log: newest first, entries older than the
// cursor, by an actor and of an action when they are given.
type AuditQuery struct {
	Actor  string
	Action string
	Cursor string // NextCursor of the previous page; "" for the first
	Limit  int    // 1 to 500, default 50
}

// AuditPage is one page of the audit log.
type AuditPage struct {
	Entries    []*AuditEntry `json:"entries"`
	NextCursor string        `json:"next_cursor"`
}

// encodeAuditCursor and decodeAuditCursor keep the place in the log, (at, id) of the
// last entry shown, opaque to callers.
func encodeAuditCursor(e *AuditEntry) string {
	return base64.RawURLEncoding.EncodeToString([]byte("a" + strconv.FormatInt(ts(e.At), 10) + "." + itoa(e.ID)))
}

func decodeAuditCursor(s string) (at, id int64, err error) {
	bad := errs.Field("cursor", "is not a cursor this server gave out")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 4 || b[0] != 'a' {
		return 0, 0, bad
	}
	a, i, ok := strings.Cut(string(b[1:]), ".")
	if !ok {
		return 0, 0, bad
	}
	at, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(i, 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return 0, 0, bad
	}
	return at, id, nil
}

// AuditEntries lists the audit log newest first, a page at a time. Entries are
// ordered by (at, id), so a page boundary falls between two entries of the same
// microsecond without losing or repeating one.
func (s *Store) AuditEntries(ctx context.Context, q AuditQuery) (*AuditPage, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	where, args := []string{"1 = 1"}, []any{}
	if q.Actor != "" {
		where, args = append(where, "actor = ?"), append(args, q.Actor)
	}
	if q.Action != "" {
		where, args = append(where, "action = ?"), append(args, q.Action)
	}
	if q.Cursor != "" {
		at, id, err := decodeAuditCursor(q.Cursor)
		if err != nil {
			return nil, err
		}
		where, args = append(where, "(at < ? OR (at = ? AND id < ?))"), append(args, at, at, id)
	}
	rows, err := s.query(ctx, `SELECT id, at, actor, action, target, details FROM audit_log WHERE `+strings.Join(where, " AND ")+
		` ORDER BY at DESC, id DESC LIMIT ?`, append(args, q.Limit+1)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &AuditPage{Entries: []*AuditEntry{}}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(page.Entries) > q.Limit {
		page.Entries = page.Entries[:q.Limit]
		page.NextCursor = encodeAuditCursor(page.Entries[q.Limit-1])
	}
	return page, nil
}

// AuditActions lists the actions the audit log holds, for the screen's filter.
func (s *Store) AuditActions(ctx context.Context) ([]string, error) {
	rows, err := s.query(ctx, `SELECT DISTINCT action FROM audit_log ORDER BY action`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
