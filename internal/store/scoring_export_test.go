package store

import (
	"context"
	"time"
)

// InsertEventWithID writes an event with a chosen id, as a PostgreSQL transaction
// that commits late leaves a lower id behind a higher one.
func (s *Store) InsertEventWithID(ctx context.Context, id, contactID int64, typ string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO events (id, contact_id, type, occurred_at, received_at) VALUES (?, ?, ?, ?, ?)`),
		id, contactID, typ, ts(at), ts(at))
	return err
}
