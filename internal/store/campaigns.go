package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// SettingWebsiteURL is the workspace setting of the company's website, where the
// printed link of a campaign without a landing page leads.
const SettingWebsiteURL = "website_url"

const campaignColumns = `id, name, channel, utm_campaign, starts_on, ends_on, budget, notes, created_at, landing_url, short_code`

func scanCampaign(r scanner) (*Campaign, error) {
	var c Campaign
	var utm, short sql.NullString
	var budget sql.NullInt64
	var created int64
	if err := r.Scan(&c.ID, &c.Name, &c.Channel, &utm, &c.StartsOn, &c.EndsOn, &budget, &c.Notes, &created, &c.LandingURL, &short); err != nil {
		return nil, err
	}
	c.UTMCampaign, c.ShortCode, c.CreatedAt = utm.String, short.String, fromTS(created)
	if budget.Valid {
		c.Budget = &budget.Int64
	}
	return &c, nil
}

// CreateCampaign stores a campaign; its name and UTM key are unique (the key
// case-insensitively, as links are typed by people).
func (s *Store) CreateCampaign(ctx context.Context, c Campaign, actor string) (*Campaign, error) {
	c.UTMCampaign = strings.ToLower(strings.TrimSpace(c.UTMCampaign))
	c.CreatedAt = s.Now()
	var budget sql.NullInt64
	if c.Budget != nil {
		budget = sql.NullInt64{Int64: *c.Budget, Valid: true}
	}
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if c.Budget != nil {
			if err := lockMoney(ctx, tx, c.Currency, "budget"); err != nil {
				return err
			}
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE name = ?`, c.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "name", "a campaign named %q exists already", c.Name)
		}
		if c.UTMCampaign != "" {
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE utm_campaign = ?`, c.UTMCampaign).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errs.E(errs.Conflict, "utm_campaign", "another campaign uses utm_campaign %q", c.UTMCampaign)
			}
		}
		// Every campaign has a printed link's code; the link is shown once it leads
		// somewhere and carries the campaign's UTM key (web/links.go). A key is never
		// made up here: it decides which tracked traffic joins the campaign.
		c.ShortCode = newShortCode()
		err := tx.queryRow(ctx, `INSERT INTO campaigns (name, channel, utm_campaign, starts_on, ends_on, budget, notes, created_at, landing_url, short_code)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.Name, c.Channel, nullString(c.UTMCampaign), c.StartsOn, c.EndsOn, budget, c.Notes, ts(c.CreatedAt), c.LandingURL, nullString(c.ShortCode)).Scan(&c.ID)
		if err != nil {
			return campaignConflict(err, c)
		}
		return audit(ctx, tx, actor, "campaign.create", "campaign:"+itoa(c.ID), map[string]any{"name": c.Name, "channel": c.Channel})
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// campaignConflict is the conflict of a campaign write that lost a race for its name
// or UTM key (see uniqueViolation).
func campaignConflict(err error, c Campaign) error {
	if !uniqueViolation(err) {
		return err
	}
	if strings.Contains(err.Error(), "utm_campaign") {
		return errs.E(errs.Conflict, "utm_campaign", "another campaign uses utm_campaign %q", c.UTMCampaign)
	}
	if strings.Contains(err.Error(), "short_code") {
		return err
	}
	return errs.E(errs.Conflict, "name", "a campaign named %q exists already", c.Name)
}

// UpdateCampaign replaces a campaign's name, channel, UTM key, dates, budget and notes;
// its printed link stays. The old and new values go into the audit log.
func (s *Store) UpdateCampaign(ctx context.Context, c Campaign, actor string) (*Campaign, error) {
	c.UTMCampaign = strings.ToLower(strings.TrimSpace(c.UTMCampaign))
	var budget sql.NullInt64
	if c.Budget != nil {
		budget = sql.NullInt64{Int64: *c.Budget, Valid: true}
	}
	var out *Campaign
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if c.Budget != nil {
			if err := lockMoney(ctx, tx, c.Currency, "budget"); err != nil {
				return err
			}
		}
		old, err := scanCampaign(tx.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`, c.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf("campaign %d not found", c.ID)
		}
		if err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE name = ? AND id <> ?`, c.Name, c.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "name", "a campaign named %q exists already", c.Name)
		}
		// A campaign with a landing page of its own keeps its key, which its printed
		// link carries; any other may drop it, and its printed link with it.
		if c.UTMCampaign == "" && old.LandingURL != "" {
			return errs.Field("utm_campaign", "is required: the campaign's printed link carries it")
		}
		if c.UTMCampaign != "" {
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE utm_campaign = ? AND id <> ?`, c.UTMCampaign, c.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errs.E(errs.Conflict, "utm_campaign", "another campaign uses utm_campaign %q", c.UTMCampaign)
			}
		}
		if _, err := tx.exec(ctx, `UPDATE campaigns SET name = ?, channel = ?, utm_campaign = ?, starts_on = ?, ends_on = ?, budget = ?, notes = ? WHERE id = ?`,
			c.Name, c.Channel, nullString(c.UTMCampaign), c.StartsOn, c.EndsOn, budget, c.Notes, c.ID); err != nil {
			return campaignConflict(err, c)
		}
		out = old
		before := map[string]any{"name": old.Name, "channel": old.Channel, "utm_campaign": old.UTMCampaign, "starts_on": old.StartsOn,
			"ends_on": old.EndsOn, "budget_minor": old.Budget}
		out.Name, out.Channel, out.UTMCampaign, out.StartsOn, out.EndsOn, out.Budget, out.Notes = c.Name, c.Channel, c.UTMCampaign, c.StartsOn, c.EndsOn, c.Budget, c.Notes
		return audit(ctx, tx, actor, "campaign.update", "campaign:"+itoa(c.ID), map[string]any{"before": before,
			"after": map[string]any{"name": c.Name, "channel": c.Channel, "utm_campaign": c.UTMCampaign, "starts_on": c.StartsOn, "ends_on": c.EndsOn, "budget_minor": c.Budget}})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Campaign returns one campaign.
func (s *Store) Campaign(ctx context.Context, id int64) (*Campaign, error) {
	c, err := scanCampaign(s.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("campaign %d not found", id)
	}
	return c, err
}

// CampaignByName finds a campaign by its exact name.
func (s *Store) CampaignByName(ctx context.Context, name string) (*Campaign, error) {
	if !plainText(name) {
		return nil, errs.NotFoundf("no campaign named %q", name)
	}
	c, err := scanCampaign(s.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no campaign named %q", name)
	}
	return c, err
}

// Campaigns lists every campaign with the totals of its cost entries.
func (s *Store) Campaigns(ctx context.Context) ([]*Campaign, error) {
	rows, err := s.query(ctx, `SELECT `+campaignColumns+`,
		(SELECT COALESCE(SUM(amount), 0) FROM cost_entries ce WHERE ce.campaign_id = campaigns.id),
		(SELECT COALESCE(SUM(hours_hundredths), 0) FROM cost_entries ce WHERE ce.campaign_id = campaigns.id)
		FROM campaigns ORDER BY starts_on DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Campaign{}
	for rows.Next() {
		var c Campaign
		var utm, short sql.NullString
		var budget sql.NullInt64
		var created int64
		if err := rows.Scan(&c.ID, &c.Name, &c.Channel, &utm, &c.StartsOn, &c.EndsOn, &budget, &c.Notes, &created, &c.LandingURL, &short, &c.Cost, &c.Hours); err != nil {
			return nil, err
		}
		c.UTMCampaign, c.ShortCode, c.CreatedAt = utm.String, short.String, fromTS(created)
		if budget.Valid {
			c.Budget = &budget.Int64
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// AddCost records money and time spent on a campaign.
func (s *Store) AddCost(ctx context.Context, e CostEntry, actor string) (*CostEntry, error) {
	e.CreatedAt = s.Now()
	err := s.RunInTx(ctx, func(tx *Tx) error {
		if err := lockMoney(ctx, tx, e.Currency, "amount"); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE id = ?`, e.CampaignID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf("campaign %d not found", e.CampaignID)
		}
		if err := checkMoneyTotal(ctx, tx, "cost_entries", "amount", e.Amount); err != nil {
			return err
		}
		if err := tx.queryRow(ctx, `INSERT INTO cost_entries (campaign_id, spent_on, amount, hours_hundredths, note, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, e.CampaignID, e.Date, e.Amount, e.HoursHundredths, e.Note, ts(e.CreatedAt)).Scan(&e.ID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "cost.add", "campaign:"+itoa(e.CampaignID), map[string]any{
			"cost_id": e.ID, "date": e.Date, "amount_minor": e.Amount, "hours_hundredths": e.HoursHundredths})
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Costs lists a campaign's cost entries by date.
func (s *Store) Costs(ctx context.Context, campaignID int64) ([]*CostEntry, error) {
	rows, err := s.query(ctx, `SELECT id, campaign_id, spent_on, amount, hours_hundredths, note, created_at FROM cost_entries
		WHERE campaign_id = ? ORDER BY spent_on, id`, campaignID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*CostEntry{}
	for rows.Next() {
		var e CostEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.CampaignID, &e.Date, &e.Amount, &e.HoursHundredths, &e.Note, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = fromTS(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// shortCodeAlphabet leaves out letters that are misread on paper (0/O, 1/l/I).
const shortCodeAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// newShortCode makes the code of a printed link: 7 characters, about 34 bits, so
// codes are not guessed in sequence.
func newShortCode() string {
	b := make([]byte, 7)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = shortCodeAlphabet[int(b[i])%len(shortCodeAlphabet)]
	}
	return string(b)
}

// CampaignByShortCode finds the campaign of a printed link.
func (s *Store) CampaignByShortCode(ctx context.Context, code string) (*Campaign, error) {
	if !plainText(code) {
		// No campaign has it, and PostgreSQL would refuse to compare it.
		return nil, errs.NotFoundf("no campaign link %q", code)
	}
	c, err := scanCampaign(s.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE short_code = ?`, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no campaign link %q", code)
	}
	return c, err
}
