package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// Form is a capture form or landing page. Its fields, consents and page live in
// Definition, which the capture package reads and checks.
type Form struct {
	ID         int64           `json:"id"`
	Slug       string          `json:"slug"`
	Name       string          `json:"name"`
	Kind       string          `json:"kind"`
	CampaignID int64           `json:"campaign_id,omitempty"`
	Definition json.RawMessage `json:"-"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	Archived   bool            `json:"archived"`
	// HasMagnet says the form gives a lead magnet file on its thank-you page.
	HasMagnet bool `json:"-"`
}

const formColumns = `id, slug, name, kind, definition, campaign_id, created_at, updated_at, archived_at,
	(SELECT COUNT(*) FROM form_magnets WHERE form_magnets.form_id = forms.id)`

func scanForm(r scanner) (*Form, error) {
	var f Form
	var def string
	var campaign, archived sql.NullInt64
	var created, updated, magnets int64
	if err := r.Scan(&f.ID, &f.Slug, &f.Name, &f.Kind, &def, &campaign, &created, &updated, &archived, &magnets); err != nil {
		return nil, err
	}
	f.Definition, f.CampaignID = json.RawMessage(def), campaign.Int64
	f.CreatedAt, f.UpdatedAt, f.Archived, f.HasMagnet = fromTS(created), fromTS(updated), archived.Valid, magnets > 0
	return &f, nil
}

// SaveForm creates a form, or updates it when f.ID is set. Slugs are unique.
func (s *Store) SaveForm(ctx context.Context, f Form, actor string) (*Form, error) {
	now := s.Now()
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM forms WHERE slug = ? AND id <> ?`, f.Slug, f.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "slug", "another form uses the slug %q", f.Slug)
		}
		if f.CampaignID != 0 {
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM campaigns WHERE id = ?`, f.CampaignID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errs.E(errs.NotFound, "campaign_id", "no campaign with id %d", f.CampaignID)
			}
		}
		if f.ID == 0 {
			f.CreatedAt = now
			err := tx.queryRow(ctx, `INSERT INTO forms (slug, name, kind, definition, campaign_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				f.Slug, f.Name, f.Kind, string(f.Definition), nullID(f.CampaignID), ts(now), ts(now)).Scan(&f.ID)
			if err != nil {
				return uniqueConflict(err, errs.E(errs.Conflict, "slug", "another form uses the slug %q", f.Slug))
			}
			return audit(ctx, tx, actor, "form.create", "form:"+itoa(f.ID), map[string]any{"slug": f.Slug})
		}
		res, err := tx.exec(ctx, `UPDATE forms SET slug = ?, name = ?, kind = ?, definition = ?, campaign_id = ?, updated_at = ? WHERE id = ?`,
			f.Slug, f.Name, f.Kind, string(f.Definition), nullID(f.CampaignID), ts(now), f.ID)
		if err != nil {
			return uniqueConflict(err, errs.E(errs.Conflict, "slug", "another form uses the slug %q", f.Slug))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("form %d not found", f.ID)
		}
		return audit(ctx, tx, actor, "form.update", "form:"+itoa(f.ID), map[string]any{"slug": f.Slug})
	})
	if err != nil {
		return nil, err
	}
	if f.ID != 0 {
		return s.Form(ctx, f.ID)
	}
	return &f, nil
}

// Form returns a form by id.
func (s *Store) Form(ctx context.Context, id int64) (*Form, error) {
	f, err := scanForm(s.queryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("form %d not found", id)
	}
	return f, err
}

// FormBySlug returns a live form by its public slug.
func (s *Store) FormBySlug(ctx context.Context, slug string) (*Form, error) {
	if !plainText(slug) {
		// No form has it, and PostgreSQL would refuse to compare it.
		return nil, errs.NotFoundf("no form at /f/%s", strings.ToValidUTF8(strings.ReplaceAll(slug, "\x00", ""), ""))
	}
	f, err := scanForm(s.queryRow(ctx, `SELECT `+formColumns+` FROM forms WHERE slug = ? AND archived_at IS NULL`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no form at /f/%s", slug)
	}
	return f, err
}

// Forms lists the forms, newest first.
func (s *Store) Forms(ctx context.Context) ([]*Form, error) {
	rows, err := s.query(ctx, `SELECT `+formColumns+` FROM forms ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Form{}
	for rows.Next() {
		f, err := scanForm(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FormSubmissions counts a form's submissions, for its list.
func (s *Store) FormSubmissions(ctx context.Context, slug string) (int64, error) {
	st, err := s.FormStats(ctx, slug)
	return st.Submissions, err
}

// FormStat is how much a form is used.
type FormStat struct {
	Submissions int64
	Last        time.Time // zero when there is none
}

// FormStats counts a form's submissions and finds the last one.
func (s *Store) FormStats(ctx context.Context, slug string) (FormStat, error) {
	var st FormStat
	var last sql.NullInt64
	err := s.queryRow(ctx, `SELECT COUNT(*), MAX(occurred_at) FROM events
		WHERE type IN ('form_submit', 'newsletter_signup', 'demo_request', 'trial_signup') AND actor = ?`, "form:"+slug).Scan(&st.Submissions, &last)
	st.Last = fromNullTS(last)
	return st, err
}

// Secret returns a random workspace secret by name, made on first use and shared by
// every node through the database (for signing form timestamps and the like).
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	key := "secret:" + name
	v, err := s.Setting(ctx, key)
	if err != nil || v != "" {
		return []byte(v), err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	err = s.RunInTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, hex.EncodeToString(b))
		return err
	})
	if err != nil {
		return nil, err
	}
	v, err = s.Setting(ctx, key)
	return []byte(v), err
}
