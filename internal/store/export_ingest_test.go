package store

import (
	"context"
	"strings"
	"time"
)

// RawInsertEvents writes rows into events the plainest way the schema allows: one
// transaction, one multi-row insert. It is the ceiling the ingest benchmark compares
// itself with.
func (s *Store) RawInsertEvents(ctx context.Context, contactIDs []int64, at time.Time) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		q := `INSERT INTO events (contact_id, type, occurred_at, received_at, properties) VALUES ` +
			strings.TrimSuffix(strings.Repeat(`(?, 'page_view', ?, ?, '{"page_url":"https://www.example.com/blog/post-1"}'), `, len(contactIDs)), ", ")
		args := make([]any, 0, 3*len(contactIDs))
		for _, id := range contactIDs {
			args = append(args, id, ts(at), ts(at))
		}
		_, err := tx.exec(ctx, q, args...)
		return err
	})
}
