package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// MaxMoneyTotal bounds the money a workspace records, in minor units, in its cost
// entries and, apart, in its deals: 10^15 in the currency's units. Reports and lists
// sum amounts as 64-bit integers, in SQL and in Go; a few thousand entries of the
// largest amount a request takes (13 digits) would overflow them, and every report
// would fail from then on. Under the bound neither total, nor the two together, can.
const MaxMoneyTotal int64 = 100_000_000_000_000_000

// checkMoneyTotal refuses adding amounts that would take a table's total past
// MaxMoneyTotal; field names what the caller sent. The total is read as a float, so
// that one written past int64 before the bound existed is still read, not an error.
func checkMoneyTotal(ctx context.Context, tx *Tx, table, field string, adding ...int64) error {
	var total float64
	if err := tx.queryRow(ctx, `SELECT COALESCE(SUM(CAST(amount AS DOUBLE PRECISION)), 0) FROM `+table).Scan(&total); err != nil {
		return err
	}
	for _, a := range adding {
		total += float64(a)
	}
	if total > float64(MaxMoneyTotal) {
		what := map[string]string{"cost_entries": "costs", "deals": "deals"}[table]
		cur, err := currencyTx(ctx, tx)
		if err != nil {
			return err
		}
		return errs.Field(field, "would bring the workspace's %s to more than %s, the most Lodestone keeps; check the amounts", what, cur.Format(MaxMoneyTotal))
	}
	return nil
}

// DeleteCost removes a cost entry recorded by mistake. The entry's figures go into the
// audit log, so the money it carried is not forgotten.
func (s *Store) DeleteCost(ctx context.Context, campaignID, costID int64, actor string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		var e CostEntry
		err := tx.queryRow(ctx, `SELECT id, spent_on, amount, hours_hundredths, note FROM cost_entries WHERE id = ? AND campaign_id = ?`,
			costID, campaignID).Scan(&e.ID, &e.Date, &e.Amount, &e.HoursHundredths, &e.Note)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf("campaign %d has no cost entry %d", campaignID, costID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM cost_entries WHERE id = ?`, costID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "cost.delete", "campaign:"+itoa(campaignID), map[string]any{
			"cost_id": e.ID, "date": e.Date, "amount_minor": e.Amount, "hours_hundredths": e.HoursHundredths, "note": e.Note})
	})
}

// CampaignKeys maps every campaign's name and UTM key, lower-cased, to its id, for
// imports that name campaigns either way. A name that is also another campaign's UTM
// key maps to 0: ambiguous.
func (s *Store) CampaignKeys(ctx context.Context) (map[string]int64, error) {
	rows, err := s.query(ctx, `SELECT id, name, utm_campaign FROM campaigns`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	add := func(k string, id int64) {
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			return
		}
		if prev, ok := out[k]; ok && prev != id {
			out[k] = 0
			return
		}
		out[k] = id
	}
	for rows.Next() {
		var id int64
		var name string
		var utm sql.NullString
		if err := rows.Scan(&id, &name, &utm); err != nil {
			return nil, err
		}
		add(name, id)
		add(utm.String, id)
	}
	return out, rows.Err()
}

// ImportCosts records many cost entries in one transaction: all of them or none.
// The import is audited once, with its count and totals.
func (s *Store) ImportCosts(ctx context.Context, entries []CostEntry, source, actor string) error {
	now := s.Now()
	return s.RunInTx(ctx, func(tx *Tx) error {
		readIn := "" // one file is read in one currency
		if len(entries) > 0 {
			readIn = entries[0].Currency
		}
		if err := lockMoney(ctx, tx, readIn, "file"); err != nil {
			return err
		}
		adding := make([]int64, len(entries))
		for i, e := range entries {
			adding[i] = e.Amount
		}
		if err := checkMoneyTotal(ctx, tx, "cost_entries", "file", adding...); err != nil {
			return err
		}
		var amount, hours int64
		for i := range entries {
			e := &entries[i]
			e.CreatedAt = now
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE id = ?`, e.CampaignID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errs.NotFoundf("campaign %d not found", e.CampaignID)
			}
			if err := tx.queryRow(ctx, `INSERT INTO cost_entries (campaign_id, spent_on, amount, hours_hundredths, note, created_at)
				VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, e.CampaignID, e.Date, e.Amount, e.HoursHundredths, e.Note, ts(now)).Scan(&e.ID); err != nil {
				return err
			}
			amount += e.Amount
			hours += e.HoursHundredths
		}
		return audit(ctx, tx, actor, "cost.import", "costs", map[string]any{
			"source": source, "entries": len(entries), "amount_minor": amount, "hours_hundredths": hours})
	})
}

// CampaignLeads counts, per campaign, the contacts whose first touch was the campaign
// (merged duplicates left out).
func (s *Store) CampaignLeads(ctx context.Context) (map[int64]int64, error) {
	rows, err := s.query(ctx, `SELECT first_touch_campaign_id, COUNT(*) FROM contacts
		WHERE first_touch_campaign_id IS NOT NULL AND merged_into_id IS NULL GROUP BY first_touch_campaign_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
