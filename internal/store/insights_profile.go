package store

import (
	"context"
	"strings"
)

// Profile is what enrichment knows of a contact and its company, in the values of the
// enrichment contract (seniority, department, email type; industry, size band, head
// count, country). The demo data and the insights tests set it directly.
type Profile struct {
	ContactID                      int64
	Seniority, Department          string
	EmailType                      string
	Industry, Size, CompanyCountry string
	Employees                      *int64
}

// SetProfiles writes profiles in one transaction. Company fields go to the contact's
// company and are skipped for a contact without one; empty ones are left as they are.
func (s *Store) SetProfiles(ctx context.Context, ps []Profile) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		for _, p := range ps {
			if _, err := tx.exec(ctx, `UPDATE contacts SET seniority = ?, department = ?, email_type = ? WHERE id = ?`,
				p.Seniority, p.Department, p.EmailType, p.ContactID); err != nil {
				return err
			}
			var set []string
			var args []any
			for _, f := range []struct {
				col string
				v   any
				ok  bool
			}{{"industry", p.Industry, p.Industry != ""}, {"size", p.Size, p.Size != ""},
				{"country", p.CompanyCountry, p.CompanyCountry != ""}, {"employees", p.Employees, p.Employees != nil}} {
				if f.ok {
					set, args = append(set, f.col+" = ?"), append(args, f.v)
				}
			}
			if len(set) == 0 {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE companies SET `+strings.Join(set, ", ")+` WHERE id = (SELECT company_id FROM contacts WHERE id = ?)`,
				append(args, p.ContactID)...); err != nil {
				return err
			}
		}
		return nil
	})
}
