package store

import (
	"context"
	"time"
)

// Consent purposes (SPEC section 10).
const (
	PurposeMarketingEmail = "marketing_email"
	PurposePhone          = "phone"
	PurposePartnerSharing = "partner_sharing"
)

// Purposes lists every consent purpose.
var Purposes = []string{PurposeMarketingEmail, PurposePhone, PurposePartnerSharing}

// Consent is one recorded grant or withdrawal of consent, with its evidence.
type Consent struct {
	Purpose    string    `json:"purpose"`
	Granted    bool      `json:"granted"`
	Basis      string    `json:"basis"`   // e.g. consent, legitimate_interest, contract
	Source     string    `json:"source"`  // e.g. form:contact-us, import:fair-2026.csv
	Wording    string    `json:"wording"` // the text or its version the person agreed to
	IP         string    `json:"ip,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

func insertConsent(ctx context.Context, tx *Tx, contactID int64, c Consent) error {
	if c.RecordedAt.IsZero() {
		c.RecordedAt = tx.s.Now()
	}
	_, err := tx.exec(ctx, `INSERT INTO consents (contact_id, purpose, granted, basis, source, wording, ip, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		contactID, c.Purpose, c.Granted, c.Basis, c.Source, c.Wording, c.IP, ts(c.RecordedAt))
	return err
}

// Consents returns the consent in force per purpose: the latest record of each.
func (s *Store) Consents(ctx context.Context, contactID int64) (map[string]Consent, error) {
	rows, err := s.query(ctx, `SELECT purpose, granted, basis, source, wording, ip, recorded_at FROM consents
		WHERE contact_id IN (SELECT ? UNION ALL SELECT id FROM contacts WHERE merged_into_id = ?) ORDER BY recorded_at, id`, contactID, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Consent{}
	for rows.Next() {
		var c Consent
		var at int64
		if err := rows.Scan(&c.Purpose, &c.Granted, &c.Basis, &c.Source, &c.Wording, &c.IP, &at); err != nil {
			return nil, err
		}
		c.RecordedAt = fromTS(at)
		out[c.Purpose] = c
	}
	return out, rows.Err()
}
