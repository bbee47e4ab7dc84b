package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/export"
	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// segmentJSON is the API's view of a segment: the filter in both its forms, and
// its member count at the time of the request.
type segmentJSON struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Kind        string          `json:"kind"`
	Filter      json.RawMessage `json:"filter"`
	FilterText  *string         `json:"filter_text"`
	Members     int64           `json:"members"`
	CreatedBy   string          `json:"created_by"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

func (s *Server) toSegmentJSON(r *http.Request, g *store.Segment) (segmentJSON, error) {
	out := segmentJSON{ID: g.ID, Name: g.Name, Description: g.Description, Kind: g.Kind, Filter: json.RawMessage("null"),
		CreatedBy: g.CreatedBy, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	if g.Kind == store.SegmentDynamic {
		b, err := g.Filter.MarshalJSON()
		if err != nil {
			return out, err
		}
		text := g.Filter.String()
		out.Filter, out.FilterText = b, &text
	}
	n, err := s.store.SegmentCount(r.Context(), g)
	out.Members = n
	return out, err
}

// segmentIn is the body of a segment's creation or change. A filter comes in its
// JSON form (filter) or its text form (filter_text), not both.
type segmentIn struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Kind        string          `json:"kind"`
	Filter      json.RawMessage `json:"filter"`
	FilterText  *string         `json:"filter_text"`
	ContactIDs  []int64         `json:"contact_ids"`
}

// filterFromInput reads a filter in either form; its errors name the place in it.
func filterFromInput(raw json.RawMessage, text *string) (filter.Filter, bool, error) {
	hasJSON := len(raw) > 0 && string(raw) != "null"
	switch {
	case hasJSON && text != nil:
		return filter.Filter{}, false, errs.Field("filter_text", "give the filter once: as filter (JSON) or as filter_text, not both")
	case hasJSON:
		e, err := filter.ParseJSON(raw)
		if err != nil {
			return filter.Filter{}, false, filterError("filter", err)
		}
		return filter.Filter{Expr: e}, true, nil
	case text != nil:
		e, err := filter.ParseText(*text)
		if err != nil {
			return filter.Filter{}, false, filterError("filter_text", err)
		}
		return filter.Filter{Expr: e}, true, nil
	}
	return filter.Filter{}, false, nil
}

// filterError names where a filter is wrong: filter.and[1].value for the JSON form,
// a position for the text form.
func filterError(field string, err error) error {
	var fe *filter.Error
	if !errors.As(err, &fe) {
		return errs.Field(field, "%v", err)
	}
	if fe.Path != "" {
		return errs.Field(field+strings.TrimPrefix(fe.Path, "$"), "%s", fe.Msg)
	}
	e := errs.Field(field, "at position %d: %s", fe.Pos, fe.Msg)
	e.Details = map[string]int{"position": fe.Pos}
	return e
}

func (s *Server) handleListSegments(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Segments(r.Context())
	if err != nil {
		return err
	}
	out := make([]segmentJSON, len(list))
	for i, g := range list {
		if out[i], err = s.toSegmentJSON(r, g); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"segments": out})
	return nil
}

func (s *Server) handleCreateSegment(w http.ResponseWriter, r *http.Request) error {
	var in segmentIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	g := store.Segment{Kind: in.Kind}
	if in.Name != nil {
		g.Name = *in.Name
	}
	if in.Description != nil {
		g.Description = *in.Description
	}
	f, given, err := filterFromInput(in.Filter, in.FilterText)
	if err != nil {
		return err
	}
	if g.Kind == "" {
		g.Kind = store.SegmentDynamic
		if !given {
			g.Kind = store.SegmentStatic
		}
	}
	switch {
	case g.Kind == store.SegmentDynamic && !given:
		return errs.Field("filter", "a dynamic segment needs a filter (JSON) or a filter_text")
	case g.Kind == store.SegmentStatic && given:
		return errs.Field("filter", "a static segment has no filter: give contact_ids instead")
	case g.Kind == store.SegmentDynamic && len(in.ContactIDs) > 0:
		return errs.Field("contact_ids", "a dynamic segment's members are whoever its filter matches")
	}
	g.Filter = f
	actor := principalOf(r.Context()).Actor()
	// The segment and its list are written together: nothing half-made when an id is bad.
	out, err := s.store.CreateSegmentWith(r.Context(), g, in.ContactIDs, actor)
	if err != nil {
		return err
	}
	body, err := s.toSegmentJSON(r, out)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, body)
	return nil
}

func (s *Server) segmentOf(r *http.Request) (*store.Segment, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.store.Segment(r.Context(), id)
}

func (s *Server) handleGetSegment(w http.ResponseWriter, r *http.Request) error {
	g, err := s.segmentOf(r)
	if err != nil {
		return err
	}
	body, err := s.toSegmentJSON(r, g)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// handleUpdateSegment changes the fields the body gives; the others stay.
func (s *Server) handleUpdateSegment(w http.ResponseWriter, r *http.Request) error {
	g, err := s.segmentOf(r)
	if err != nil {
		return err
	}
	var in segmentIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Kind != "" && in.Kind != g.Kind {
		return errs.Field("kind", "a segment stays %s: create a new one instead", g.Kind)
	}
	if len(in.ContactIDs) > 0 {
		return errs.Field("contact_ids", "add and remove members with POST /api/v1/segments/{id}/members and /members/remove")
	}
	if in.Name != nil {
		g.Name = *in.Name
	}
	if in.Description != nil {
		g.Description = *in.Description
	}
	f, given, err := filterFromInput(in.Filter, in.FilterText)
	if err != nil {
		return err
	}
	if given {
		if g.Kind == store.SegmentStatic {
			return errs.Field("filter", "a static segment has no filter")
		}
		g.Filter = f
	}
	out, err := s.store.UpdateSegment(r.Context(), *g, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	body, err := s.toSegmentJSON(r, out)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) handleDeleteSegment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteSegment(r.Context(), id, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": id})
	return nil
}

func (s *Server) handleSegmentMembers(w http.ResponseWriter, r *http.Request) error {
	g, err := s.segmentOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return errs.Field("limit", "must be a number from 1 to 500")
		}
		limit = n
	}
	page, err := s.store.SegmentMembers(r.Context(), g, limit, q.Get("cursor"))
	if err != nil {
		return err
	}
	out := struct {
		Contacts   []contactJSON `json:"contacts"`
		NextCursor string        `json:"next_cursor"`
	}{Contacts: make([]contactJSON, len(page.Contacts)), NextCursor: page.NextCursor}
	for i, c := range page.Contacts {
		out.Contacts[i] = toContactJSON(c)
	}
	if err := s.withModelAUC(r.Context(), out.Contacts); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleSegmentCSV is GET /api/v1/segments/{id}/members.csv: every member, safe to
// open in a spreadsheet. The export is audited.
func (s *Server) handleSegmentCSV(w http.ResponseWriter, r *http.Request) error {
	g, err := s.segmentOf(r)
	if err != nil {
		return err
	}
	if err := s.store.RecordAudit(r.Context(), principalOf(r.Context()).Actor(), "segment.export", "segment:"+itoa(g.ID),
		map[string]any{"name": g.Name}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="segment-`+itoa(g.ID)+`.csv"`)
	return writeSegmentCSV(r, s, g, w)
}

func writeSegmentCSV(r *http.Request, s *Server, g *store.Segment, w http.ResponseWriter) error {
	out, err := export.NewWriter(w)
	if err != nil {
		return nil
	}
	out.Write("contact_id", "email", "phone", "first_name", "last_name", "job_title", "company", "city", "country",
		"age_band", "stage", "fit_score", "engagement_score", "first_touch_channel", "created_at")
	cursor := ""
	for {
		page, err := s.store.SegmentMembers(r.Context(), g, 500, cursor)
		if err != nil {
			s.log.Error("segment export", "segment", g.ID, "err", err)
			return nil // the header is sent: a cut file is the only signal left
		}
		for _, c := range page.Contacts {
			channel := ""
			if c.FirstTouch != nil {
				channel = c.FirstTouch.Channel
			}
			out.Write(itoa(c.ID), c.Email, c.Phone, c.FirstName, c.LastName, c.JobTitle, c.CompanyName, c.City, c.Country,
				c.AgeBand, c.Stage, strconv.Itoa(c.FitScore), strconv.Itoa(c.EngagementScore), channel, c.CreatedAt.Format(time.RFC3339))
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return out.Flush()
}

type memberChangeIn struct {
	ContactIDs []int64 `json:"contact_ids"`
}

func (s *Server) changeSegmentMembers(w http.ResponseWriter, r *http.Request, add bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in memberChangeIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	change := s.store.RemoveSegmentMembers
	if add {
		change = s.store.AddSegmentMembers
	}
	n, err := change(r.Context(), id, in.ContactIDs, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"changed": n})
	return nil
}

func (s *Server) handleAddSegmentMembers(w http.ResponseWriter, r *http.Request) error {
	return s.changeSegmentMembers(w, r, true)
}

func (s *Server) handleRemoveSegmentMembers(w http.ResponseWriter, r *http.Request) error {
	return s.changeSegmentMembers(w, r, false)
}

type countIn struct {
	Filter     json.RawMessage `json:"filter"`
	FilterText *string         `json:"filter_text"`
}

// handleCountFilter is POST /api/v1/segments/count: how many contacts a filter
// matches now, while it is being edited, and its two forms.
func (s *Server) handleCountFilter(w http.ResponseWriter, r *http.Request) error {
	var in countIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	f, given, err := filterFromInput(in.Filter, in.FilterText)
	if err != nil {
		return err
	}
	if !given {
		return errs.Field("filter", "is required (or filter_text)")
	}
	n, err := s.store.CountMatching(r.Context(), f)
	if err != nil {
		return err
	}
	b, err := f.MarshalJSON()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": n, "filter": json.RawMessage(b), "filter_text": f.String()})
	return nil
}

func (s *Server) handleFilterFields(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"fields": filter.Fields()})
	return nil
}

func init() {
	segment := props(obj{
		"id": obj{"type": "integer"}, "name": str(""), "description": str(""),
		"kind":        str("dynamic (whoever the filter matches) or static (a list of contacts)"),
		"filter":      nullable(ref("Filter")),
		"filter_text": nullable(str("the filter's text form, as the segment editor shows it")),
		"members":     obj{"type": "integer", "description": "member count at the time of the request"},
		"created_by":  str(""), "created_at": str("RFC 3339"), "updated_at": str("RFC 3339"),
	})
	schemas["Segment"] = segment
	schemas["SegmentList"] = props(obj{"segments": arr(ref("Segment"))})
	schemas["Filter"] = obj{"type": "object", "description": `A filter in its JSON form: {"and": [...]}, {"or": [...]}, {"not": {...}}, ` +
		`{"field": "country", "op": "=", "value": "DE"}, or {"event": "page_view", "where": {"property": "page_url", "op": "contains", "value": "/pricing"}, ` +
		`"within_days": 14, "op": ">=", "count": 2}. See docs/filter.md.`}
	schemas["SegmentInput"] = props(obj{"name": str(""), "description": str(""), "kind": str("dynamic or static; by default dynamic when a filter is given"),
		"filter": ref("Filter"), "filter_text": str("the filter in its text form, instead of filter"),
		"contact_ids": arr(obj{"type": "integer"})})
	schemas["SegmentMembersChange"] = props(obj{"contact_ids": arr(obj{"type": "integer"})}, "contact_ids")
	schemas["SegmentMembersChanged"] = props(obj{"changed": obj{"type": "integer"}})
	schemas["FilterInput"] = props(obj{"filter": ref("Filter"), "filter_text": str("the filter in its text form, instead of filter")})
	schemas["FilterCount"] = props(obj{"count": obj{"type": "integer"}, "filter": ref("Filter"), "filter_text": str("")})
	schemas["FilterFields"] = props(obj{"fields": arr(props(obj{"name": str(""), "type": str("text, choice, number or time"),
		"choices": arr(str("")), "ops": arr(str(""))}))})
}
