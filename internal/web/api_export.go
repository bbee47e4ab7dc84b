package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/export"
	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// handleMailingList is GET /api/v1/contacts/mailing-list.csv: names and postal
// addresses of the contacts a segment (segment=ID), a filter in its text form
// (filter=…) or the contact list's parameters select, for a direct-mail campaign.
// Contacts without a postal address are left out unless all=1. The export is audited.
func (s *Server) handleMailingList(w http.ResponseWriter, r *http.Request) error {
	next, err := s.mailingListSource(r)
	if err != nil {
		return err
	}
	all := r.URL.Query().Get("all") == "1"
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
	cursor := ""
	for {
		page, err := next(cursor)
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
		cursor = page.NextCursor
	}
	return out.Flush()
}

// mailingListParams are the contact list's parameters, which select the contacts
// when neither a segment nor a filter does.
var mailingListParams = append([]string{"q", "email", "stage", "owner", "created_from", "created_to", "channel", "campaign", "reached", "attribute", "value", "outcome"}, creditedParams...)

// mailingListSource reads which contacts a mailing list holds and returns how to
// read them a page at a time. A bad or unknown segment, a filter that does not
// parse, or both at once is a 400 naming the parameter.
func (s *Server) mailingListSource(r *http.Request) (func(cursor string) (*store.ContactPage, error), error) {
	q := r.URL.Query()
	ctx := r.Context()
	if !q.Has("segment") && !q.Has("filter") {
		f, err := contactFilterFrom(r)
		if err != nil {
			return nil, err
		}
		f.Limit = 500
		return func(cursor string) (*store.ContactPage, error) {
			f.Cursor = cursor
			return s.store.Contacts(ctx, f)
		}, nil
	}
	if q.Has("segment") && q.Has("filter") {
		return nil, errs.Field("filter", "give a segment or a filter, not both")
	}
	for _, p := range mailingListParams {
		if q.Has(p) {
			return nil, errs.Field(p, "cannot be combined with a segment or a filter; say it in the filter")
		}
	}
	if q.Has("filter") {
		text := strings.TrimSpace(q.Get("filter"))
		if text == "" {
			return nil, errs.Field("filter", "is empty; give a filter in its text form, e.g. country = \"DE\"")
		}
		e, err := filter.ParseText(text)
		if err != nil {
			return nil, filterError("filter", err)
		}
		f := filter.Filter{Expr: e}
		if _, _, err := f.SQL(s.store.Dialect(), s.store.Now()); err != nil {
			return nil, filterError("filter", err)
		}
		return func(cursor string) (*store.ContactPage, error) {
			return s.store.MatchingContacts(ctx, f, 500, cursor)
		}, nil
	}
	id, err := strconv.ParseInt(q.Get("segment"), 10, 64)
	if err != nil || id <= 0 {
		return nil, errs.Field("segment", "must be a segment id")
	}
	g, err := s.store.Segment(ctx, id)
	if errs.Code(err) == errs.NotFound {
		return nil, errs.Field("segment", "no segment with id %d", id)
	}
	if err != nil {
		return nil, err
	}
	return func(cursor string) (*store.ContactPage, error) {
		return s.store.SegmentMembers(ctx, g, 500, cursor)
	}, nil
}
