package store

import (
	"context"

	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// Qualify records a qualification (budget, authority, need, timeline, product fit
// and notes) as a qualified event on the contact's timeline.
func (s *Store) Qualify(ctx context.Context, id int64, q lifecycle.Qualification, actor string) (*Event, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var eventID int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if _, err := contactStage(ctx, tx, id); err != nil {
			return err
		}
		var err error
		eventID, err = insertEvent(ctx, tx, Event{ContactID: id, Type: "qualified", OccurredAt: s.Now(), Actor: actor, Properties: q.Properties()}, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Event{ID: eventID, ContactID: id, Type: "qualified", OccurredAt: s.Now(), Actor: actor, Properties: q.Properties()}, nil
}
