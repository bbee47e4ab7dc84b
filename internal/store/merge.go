package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
)

// Merge is the record of one merge, kept so that it can be undone.
type Merge struct {
	ID       int64 `json:"id"`
	WinnerID int64 `json:"winner_id"`
	LoserID  int64 `json:"loser_id"`
}

// mergeSnapshot holds what a merge changed on the winner, to put it back on undo.
type mergeSnapshot struct {
	Winner mergeFields
	Flags  []int64 // duplicate flags the merge resolved
}

// MergeContacts folds loser into winner. Nothing is deleted or rewritten: the loser
// stays, marked as merged, and its events, deals and stages show in the winner's
// history; the winner takes the loser's fields where its own are empty and the further
// stage of the two. The merge is audited and can be undone.
func (s *Store) MergeContacts(ctx context.Context, winnerID, loserID int64, actor string) (*Merge, error) {
	if winnerID == loserID {
		return nil, errs.Field("loser_id", "cannot merge a contact into itself")
	}
	m := &Merge{WinnerID: winnerID, LoserID: loserID}
	err := s.RunInTx(ctx, func(tx *Tx) error {
		// Merges take turns with each other and with captures (see lockIngest): on
		// PostgreSQL two merges of one pair, crossed or repeated, would otherwise both
		// read the contacts unmerged and both go through, or deadlock.
		if err := lockIngest(ctx, tx); err != nil {
			return err
		}
		if _, err := contactForUpdate(ctx, tx, winnerID); err != nil {
			return err
		}
		if _, err := contactForUpdate(ctx, tx, loserID); err != nil {
			var e *errs.Error
			if !errors.As(err, &e) {
				return err // the database's own (a deadlock victim, a lost connection)
			}
			return errs.E(e.Code, "loser_id", "%s", e.Message)
		}
		w, l, err := mergeRows(ctx, tx, winnerID, loserID)
		if err != nil {
			return err
		}
		var snap mergeSnapshot
		snap.Winner = w
		pick := func(a *string, b string) {
			if *a == "" {
				*a = b
			}
		}
		pick(&w.Phone, l.Phone)
		pick(&w.FirstName, l.FirstName)
		pick(&w.LastName, l.LastName)
		pick(&w.JobTitle, l.JobTitle)
		pick(&w.CompanyName, l.CompanyName)
		pick(&w.City, l.City)
		pick(&w.Country, l.Country)
		pick(&w.AgeBand, l.AgeBand)
		if w.CompanyID == 0 {
			w.CompanyID = l.CompanyID
		}
		if w.OwnerID == 0 {
			w.OwnerID = l.OwnerID
		}
		if lifecycle.AutoAdvance(w.Stage, l.Stage) {
			w.Stage = l.Stage
		}
		rows, err := tx.query(ctx, `SELECT id FROM duplicate_flags WHERE resolved_at IS NULL AND
			((contact_id = ? AND other_id = ?) OR (contact_id = ? AND other_id = ?))`, winnerID, loserID, loserID, winnerID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			snap.Flags = append(snap.Flags, id)
		}
		rows.Close()
		now := ts(s.Now())
		for _, id := range snap.Flags {
			if _, err := tx.exec(ctx, `UPDATE duplicate_flags SET resolved_at = ? WHERE id = ?`, now, id); err != nil {
				return err
			}
		}
		if err := writeMergeFields(ctx, tx, winnerID, w.Phone, w.FirstName, w.LastName, w.JobTitle, w.CompanyName, w.City, w.Country, w.AgeBand, w.Stage, w.CompanyID, w.OwnerID); err != nil {
			return err
		}
		// Stages the loser reached count for the winner too; the earlier time wins.
		if _, err := tx.exec(ctx, `INSERT INTO contact_stages (contact_id, stage, entered_at)
			SELECT ?, stage, entered_at FROM contact_stages WHERE contact_id = ?
			ON CONFLICT (contact_id, stage) DO UPDATE SET entered_at = CASE WHEN excluded.entered_at < contact_stages.entered_at THEN excluded.entered_at ELSE contact_stages.entered_at END`,
			winnerID, loserID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE contacts SET merged_into_id = ?, updated_at = ? WHERE id = ?`, winnerID, now, loserID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE contacts SET merged_into_id = ? WHERE merged_into_id = ?`, winnerID, loserID); err != nil {
			return err
		}
		b, _ := json.Marshal(snap)
		if err := tx.queryRow(ctx, `INSERT INTO merges (winner_id, loser_id, actor, snapshot, merged_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			winnerID, loserID, actor, string(b), now).Scan(&m.ID); err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, Event{ContactID: winnerID, Type: "merged", OccurredAt: s.Now(), Actor: actor,
			Properties: map[string]any{"merge_id": m.ID, "merged_contact_id": loserID}}, 0); err != nil {
			return err
		}
		if err := refreshFirstTouch(ctx, tx, winnerID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "contact.merge", "contact:"+itoa(winnerID), map[string]any{"merge_id": m.ID, "loser_id": loserID})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

type mergeFields struct {
	Phone, FirstName, LastName, JobTitle, CompanyName, City, Country, AgeBand, Stage string
	CompanyID, OwnerID                                                               int64
}

func mergeRows(ctx context.Context, tx *Tx, ids ...int64) (mergeFields, mergeFields, error) {
	var out [2]mergeFields
	for i, id := range ids {
		var phone sql.NullString
		var company, owner sql.NullInt64
		f := &out[i]
		if err := tx.queryRow(ctx, `SELECT phone, first_name, last_name, job_title, company_name, city, country, age_band, stage, company_id, owner_id
			FROM contacts WHERE id = ?`, id).Scan(&phone, &f.FirstName, &f.LastName, &f.JobTitle, &f.CompanyName, &f.City, &f.Country, &f.AgeBand, &f.Stage, &company, &owner); err != nil {
			return out[0], out[1], err
		}
		f.Phone, f.CompanyID, f.OwnerID = phone.String, company.Int64, owner.Int64
	}
	return out[0], out[1], nil
}

// writeMergeFields sets the fields a merge (or its undo) gives the winner, with the
// search text and words and the name-and-company duplicate key that follow from
// them, so that the winner is found by the name or company it took over.
func writeMergeFields(ctx context.Context, tx *Tx, id int64, phone, first, last, title, company, city, country, ageBand, stage string, companyID, ownerID int64) error {
	var email sql.NullString
	var oldSearch string
	if err := tx.queryRow(ctx, `SELECT email, search FROM contacts WHERE id = ?`, id).Scan(&email, &oldSearch); err != nil {
		return err
	}
	search := searchText(first, last, email.String, company, strings.TrimPrefix(phone, "+"))
	if err := writeTerms(ctx, tx, id, oldSearch, search); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `UPDATE contacts SET phone = ?, first_name = ?, last_name = ?, job_title = ?, company_name = ?, city = ?, country = ?, age_band = ?,
		stage = ?, company_id = ?, owner_id = ?, dedupe_key = ?, search = ?, updated_at = ? WHERE id = ?`,
		nullString(phone), first, last, title, company, city, country, ageBand, stage, nullID(companyID), nullID(ownerID),
		contact.NameCompanyKey(first, last, company), search, ts(tx.s.Now()), id)
	return err
}

// UndoMerge puts a merge back: the loser stands alone again with its own history, and
// the winner gets back the fields it had. Stages the winner took from the loser stay
// recorded as they happened.
func (s *Store) UndoMerge(ctx context.Context, mergeID int64, actor string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		// An undo takes its turn as a merge does, so that one undo runs once.
		if err := lockIngest(ctx, tx); err != nil {
			return err
		}
		var winnerID, loserID int64
		var raw string
		var undone sql.NullInt64
		err := tx.queryRow(ctx, `SELECT winner_id, loser_id, snapshot, undone_at FROM merges WHERE id = ?`, mergeID).Scan(&winnerID, &loserID, &raw, &undone)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf("merge %d not found", mergeID)
		}
		if err != nil {
			return err
		}
		if undone.Valid {
			return errs.E(errs.Conflict, "", "merge %d was undone already", mergeID)
		}
		var merged sql.NullInt64
		if err := tx.queryRow(ctx, `SELECT merged_into_id FROM contacts WHERE id = ?`, winnerID).Scan(&merged); err != nil {
			return err
		}
		if merged.Valid {
			return errs.E(errs.Conflict, "", "contact %d was merged again since; undo that merge first", winnerID)
		}
		var snap mergeSnapshot
		if err := json.Unmarshal([]byte(raw), &snap); err != nil {
			return err
		}
		w := snap.Winner
		if err := writeMergeFields(ctx, tx, winnerID, w.Phone, w.FirstName, w.LastName, w.JobTitle, w.CompanyName, w.City, w.Country, w.AgeBand, w.Stage, w.CompanyID, w.OwnerID); err != nil {
			return err
		}
		now := ts(s.Now())
		if _, err := tx.exec(ctx, `UPDATE contacts SET merged_into_id = NULL, updated_at = ? WHERE id = ?`, now, loserID); err != nil {
			return err
		}
		for _, id := range snap.Flags {
			if _, err := tx.exec(ctx, `UPDATE duplicate_flags SET resolved_at = NULL WHERE id = ?`, id); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE merges SET undone_at = ? WHERE id = ?`, now, mergeID); err != nil {
			return err
		}
		if _, err := insertEvent(ctx, tx, Event{ContactID: winnerID, Type: "merge_undone", OccurredAt: s.Now(), Actor: actor,
			Properties: map[string]any{"merge_id": mergeID, "merged_contact_id": loserID}}, 0); err != nil {
			return err
		}
		if err := refreshFirstTouch(ctx, tx, winnerID); err != nil {
			return err
		}
		if err := refreshFirstTouch(ctx, tx, loserID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "contact.merge_undo", "contact:"+itoa(winnerID), map[string]any{"merge_id": mergeID, "loser_id": loserID})
	})
}

// DuplicateFlags lists the open possible-duplicate flags of a contact.
func (s *Store) DuplicateFlags(ctx context.Context, contactID int64) ([]*DuplicateFlag, error) {
	rows, err := s.query(ctx, `SELECT id, contact_id, other_id, reason, created_at FROM duplicate_flags
		WHERE resolved_at IS NULL AND (contact_id = ? OR other_id = ?) ORDER BY id`, contactID, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*DuplicateFlag{}
	for rows.Next() {
		var f DuplicateFlag
		var at int64
		if err := rows.Scan(&f.ID, &f.ContactID, &f.OtherID, &f.Reason, &at); err != nil {
			return nil, err
		}
		f.CreatedAt = fromTS(at)
		out = append(out, &f)
	}
	return out, rows.Err()
}
