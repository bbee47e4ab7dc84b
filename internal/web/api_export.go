package web

import (
	"net/http"

	"github.com/lodestone-hq/lodestone/internal/export"
)

// handleMailingList is GET /api/v1/contacts/mailing-list.csv: names and postal
// addresses of the contacts the filters select, for a direct-mail campaign. Contacts
// without a postal address are left out unless all=1. The export is audited.
func (s *Server) handleMailingList(w http.ResponseWriter, r *http.Request) error {
	f, err := contactFilterFrom(r)
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "1"
	f.Limit, f.Cursor = 500, ""
	if err := s.store.RecordAudit(r.Context(), principalOf(r.Context()).Actor(), "contacts.export", "mailing-list",
		map[string]any{"query": r.URL.RawQuery}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mailing-list.csv"`)
	out, err := export.NewWriter(w)
	if err != nil {
		return nil
	}
	out.Write("first_name", "last_name", "company", "street", "postal_code", "city", "region", "country", "email", "contact_id")
	for {
		page, err := s.store.Contacts(r.Context(), f)
		if err != nil {
			s.log.Error("mailing list export", "err", err)
			return nil // the header is sent: a cut file is the only signal left
		}
		for _, c := range page.Contacts {
			if !all && c.Street == "" && c.City == "" && c.PostalCode == "" {
				continue
			}
			out.Write(c.FirstName, c.LastName, c.CompanyName, c.Street, c.PostalCode, c.City, c.Region, c.Country, c.Email, itoa(c.ID))
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	return out.Flush()
}
