package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// FormMagnet is the file a form gives on its thank-you page (a guide, a price list).
// Data is filled only by FormMagnetFile, which serves it.
type FormMagnet struct {
	FormID      int64     `json:"form_id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size_bytes"`
	SHA256      string    `json:"sha256"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	Data        []byte    `json:"-"`
}

// SaveFormMagnet gives a form its lead magnet file, replacing the one it had. The
// caller has checked the type (capture.MagnetType); the digest is taken here.
func (s *Store) SaveFormMagnet(ctx context.Context, formID int64, fileName, contentType string, data []byte, actor string) (*FormMagnet, error) {
	sum := sha256.Sum256(data)
	digest := hex.EncodeToString(sum[:])
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM forms WHERE id = ?`, formID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf("form %d not found", formID)
		}
		var had int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM form_magnets WHERE form_id = ?`, formID).Scan(&had); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM form_magnets WHERE form_id = ?`, formID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO form_magnets (form_id, file_name, content_type, size_bytes, sha256, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, formID, fileName, contentType, int64(len(data)), digest, data, actor, ts(s.Now())); err != nil {
			return err
		}
		action := "form.magnet.upload"
		if had > 0 {
			action = "form.magnet.replace"
		}
		return audit(ctx, tx, actor, action, "form:"+itoa(formID),
			map[string]any{"file": fileName, "content_type": contentType, "bytes": len(data), "sha256": digest})
	})
	if err != nil {
		return nil, err
	}
	return s.FormMagnet(ctx, formID)
}

const magnetColumns = `form_id, file_name, content_type, size_bytes, sha256, created_by, created_at`

func scanMagnet(r scanner, data *[]byte) (*FormMagnet, error) {
	var m FormMagnet
	var created int64
	dest := []any{&m.FormID, &m.FileName, &m.ContentType, &m.Size, &m.SHA256, &m.CreatedBy, &created}
	if data != nil {
		dest = append(dest, data)
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	m.CreatedAt = fromTS(created)
	return &m, nil
}

// FormMagnet describes a form's lead magnet file, without its bytes; a form
// without one is not found.
func (s *Store) FormMagnet(ctx context.Context, formID int64) (*FormMagnet, error) {
	m, err := scanMagnet(s.queryRow(ctx, `SELECT `+magnetColumns+` FROM form_magnets WHERE form_id = ?`, formID), nil)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("form %d has no lead magnet file", formID)
	}
	return m, err
}

// FormMagnetFile is FormMagnet with the file's bytes, to serve it.
func (s *Store) FormMagnetFile(ctx context.Context, formID int64) (*FormMagnet, error) {
	var data []byte
	m, err := scanMagnet(s.queryRow(ctx, `SELECT `+magnetColumns+`, data FROM form_magnets WHERE form_id = ?`, formID), &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("form %d has no lead magnet file", formID)
	}
	if err != nil {
		return nil, err
	}
	m.Data = data
	return m, nil
}

// DeleteFormMagnet takes a form's lead magnet file away.
func (s *Store) DeleteFormMagnet(ctx context.Context, formID int64, actor string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		var name string
		err := tx.queryRow(ctx, `SELECT file_name FROM form_magnets WHERE form_id = ?`, formID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf("form %d has no lead magnet file", formID)
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM form_magnets WHERE form_id = ?`, formID); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "form.magnet.delete", "form:"+itoa(formID), map[string]any{"file": name})
	})
}
