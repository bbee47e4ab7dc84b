package store

import (
	"context"
	"time"
)

// The read queries behind the screens' summaries (the dashboard). Merged contacts
// are never counted: they live on inside the contact that absorbed them.

// StageCounts counts the contacts in each lifecycle stage. Stages nobody is in are
// absent from the map.
func (s *Store) StageCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := s.query(ctx, `SELECT stage, COUNT(*) FROM contacts WHERE merged_into_id IS NULL GROUP BY stage`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var stage string
		var n int64
		if err := rows.Scan(&stage, &n); err != nil {
			return nil, err
		}
		out[stage] = n
	}
	return out, rows.Err()
}

// CountContactsCreated counts the contacts created in [from, to).
func (s *Store) CountContactsCreated(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE merged_into_id IS NULL AND created_at >= ? AND created_at < ?`,
		ts(from), ts(to)).Scan(&n)
	return n, err
}

// RecentCampaigns lists the campaigns created last, newest first.
func (s *Store) RecentCampaigns(ctx context.Context, limit int) ([]*Campaign, error) {
	if limit <= 0 || limit > 100 {
		limit = 10
	}
	rows, err := s.query(ctx, `SELECT `+campaignColumns+` FROM campaigns ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
