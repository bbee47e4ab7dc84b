package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/filter"
)

// Segment kinds: a dynamic segment is whoever its filter matches at the moment it
// is read; a static one is a list of contacts people add and remove.
const (
	SegmentDynamic = "dynamic"
	SegmentStatic  = "static"
)

// Segment is a named group of contacts.
type Segment struct {
	ID          int64         `json:"id"`
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Kind        string        `json:"kind"`
	Filter      filter.Filter `json:"filter"` // dynamic segments only
	CreatedBy   string        `json:"created_by"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

const segmentColumns = `id, name, description, kind, filter, created_by, created_at, updated_at`

func scanSegment(r scanner) (*Segment, error) {
	var g Segment
	var f string
	var created, updated int64
	if err := r.Scan(&g.ID, &g.Name, &g.Description, &g.Kind, &f, &g.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromTS(created), fromTS(updated)
	if g.Kind == SegmentDynamic && f != "" {
		if err := g.Filter.UnmarshalJSON([]byte(f)); err != nil {
			// A stored filter the language no longer reads matches nobody rather than everybody.
			g.Filter = filter.Filter{Expr: filter.Or{Terms: []filter.Expr{filter.Not{Term: filter.And{}}}}}
		}
	}
	return &g, nil
}

// plainText reports text both engines store as it is: valid UTF-8 without NUL,
// which PostgreSQL refuses in text and SQLite would keep.
func plainText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

func validSegment(g *Segment) error {
	g.Name = strings.TrimSpace(g.Name)
	switch {
	case g.Name == "":
		return errs.Field("name", "is required")
	case len(g.Name) > 200:
		return errs.Field("name", "has at most 200 characters")
	case !plainText(g.Name):
		return errs.Field("name", "must be valid UTF-8 text without NUL characters")
	case len(g.Description) > 2000:
		return errs.Field("description", "has at most 2000 characters")
	case !plainText(g.Description):
		return errs.Field("description", "must be valid UTF-8 text without NUL characters")
	case g.Kind != SegmentDynamic && g.Kind != SegmentStatic:
		return errs.Field("kind", "is dynamic (a filter) or static (a list of contacts)")
	case g.Kind == SegmentStatic && g.Filter.Expr != nil && !g.Filter.IsAll():
		return errs.Field("filter", "a static segment has no filter: add contacts to it instead")
	}
	if g.Kind == SegmentDynamic {
		if err := filter.Check(g.Filter.Expr); g.Filter.Expr != nil && err != nil {
			return errs.Field("filter", "%v", err)
		}
	}
	return nil
}

func (g *Segment) filterJSON() (string, error) {
	if g.Kind != SegmentDynamic {
		return "", nil
	}
	b, err := g.Filter.MarshalJSON()
	return string(b), err
}

func segmentNameTaken(ctx context.Context, tx *Tx, name string, except int64) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM segments WHERE name = ? AND id <> ?`, name, except).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errs.E(errs.Conflict, "name", "a segment named %q exists already", name)
	}
	return nil
}

// CreateSegment stores a new segment; its name is unique.
func (s *Store) CreateSegment(ctx context.Context, g Segment, actor string) (*Segment, error) {
	return s.CreateSegmentWith(ctx, g, nil, actor)
}

// CreateSegmentWith stores a new static segment with its first members, in one
// transaction: a list with an id that is no contact's leaves nothing behind.
func (s *Store) CreateSegmentWith(ctx context.Context, g Segment, contactIDs []int64, actor string) (*Segment, error) {
	if err := validSegment(&g); err != nil {
		return nil, err
	}
	if len(contactIDs) > 0 && g.Kind != SegmentStatic {
		return nil, errs.Field("contact_ids", "a dynamic segment's members are whoever its filter matches")
	}
	if len(contactIDs) > MaxSegmentChange {
		return nil, errs.Field("contact_ids", "has at most %d ids a request", MaxSegmentChange)
	}
	f, err := g.filterJSON()
	if err != nil {
		return nil, err
	}
	g.CreatedBy = actor
	g.CreatedAt = s.Now()
	g.UpdatedAt = g.CreatedAt
	err = s.RunInTx(ctx, func(tx *Tx) error {
		if err := segmentNameTaken(ctx, tx, g.Name, 0); err != nil {
			return err
		}
		if err := tx.queryRow(ctx, `INSERT INTO segments (name, description, kind, filter, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, g.Name, g.Description, g.Kind, f, actor, ts(g.CreatedAt), ts(g.UpdatedAt)).Scan(&g.ID); err != nil {
			return uniqueConflict(err, errs.E(errs.Conflict, "name", "a segment named %q exists already", g.Name))
		}
		if err := audit(ctx, tx, actor, "segment.create", "segment:"+itoa(g.ID), map[string]any{"name": g.Name, "kind": g.Kind, "filter": g.Filter.String()}); err != nil {
			return err
		}
		if len(contactIDs) == 0 {
			return nil
		}
		_, err := writeMembers(ctx, tx, g.ID, contactIDs, actor, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// UpdateSegment changes a segment's name, description and, for a dynamic one, its
// filter. The kind of a segment never changes.
func (s *Store) UpdateSegment(ctx context.Context, g Segment, actor string) (*Segment, error) {
	old, err := s.Segment(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	if g.Kind != "" && g.Kind != old.Kind {
		return nil, errs.Field("kind", "a segment stays %s: create a new one instead", old.Kind)
	}
	g.Kind, g.CreatedAt, g.CreatedBy = old.Kind, old.CreatedAt, old.CreatedBy
	if err := validSegment(&g); err != nil {
		return nil, err
	}
	f, err := g.filterJSON()
	if err != nil {
		return nil, err
	}
	g.UpdatedAt = s.Now()
	err = s.RunInTx(ctx, func(tx *Tx) error {
		if err := segmentNameTaken(ctx, tx, g.Name, g.ID); err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE segments SET name = ?, description = ?, filter = ?, updated_at = ? WHERE id = ?`,
			g.Name, g.Description, f, ts(g.UpdatedAt), g.ID)
		if err != nil {
			return uniqueConflict(err, errs.E(errs.Conflict, "name", "a segment named %q exists already", g.Name))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("segment %d not found", g.ID)
		}
		details := map[string]any{"name": g.Name}
		if old.Name != g.Name {
			details["old_name"] = old.Name
		}
		if g.Kind == SegmentDynamic {
			details["filter"] = g.Filter.String()
			details["old_filter"] = old.Filter.String()
		}
		return audit(ctx, tx, actor, "segment.update", "segment:"+itoa(g.ID), details)
	})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// DeleteSegment removes a segment and its list of members; the contacts stay.
func (s *Store) DeleteSegment(ctx context.Context, id int64, actor string) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		var name string
		if err := tx.queryRow(ctx, `SELECT name FROM segments WHERE id = ?`, id).Scan(&name); errors.Is(err, sql.ErrNoRows) {
			return errs.NotFoundf("segment %d not found", id)
		} else if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM segment_members WHERE segment_id = ?`, id); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM segments WHERE id = ?`, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "segment.delete", "segment:"+itoa(id), map[string]any{"name": name})
	})
}

// Segment returns one segment.
func (s *Store) Segment(ctx context.Context, id int64) (*Segment, error) {
	g, err := scanSegment(s.queryRow(ctx, `SELECT `+segmentColumns+` FROM segments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("segment %d not found", id)
	}
	return g, err
}

// Segments lists every segment by name.
func (s *Store) Segments(ctx context.Context) ([]*Segment, error) {
	rows, err := s.query(ctx, `SELECT `+segmentColumns+` FROM segments ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Segment{}
	for rows.Next() {
		g, err := scanSegment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// segmentWhere is the condition over c and co that selects a segment's members. A
// static segment's contact merged into another counts as the one it was merged into.
func (s *Store) segmentWhere(g *Segment) (string, []any, error) {
	if g.Kind == SegmentStatic {
		return `c.merged_into_id IS NULL AND c.id IN (SELECT COALESCE(ct.merged_into_id, ct.id) FROM segment_members sm
			JOIN contacts ct ON ct.id = sm.contact_id WHERE sm.segment_id = ?)`, []any{g.ID}, nil
	}
	return g.Filter.SQL(s.Dialect(), s.Now())
}

// SegmentCount counts a segment's members now.
func (s *Store) SegmentCount(ctx context.Context, g *Segment) (int64, error) {
	where, args, err := s.segmentWhere(g)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.queryRow(ctx, `SELECT COUNT(*)`+filterFrom(g.Filter)+` WHERE `+where, args...).Scan(&n)
	return n, err
}

// SegmentMembers lists a segment's members, newest first, a page at a time.
func (s *Store) SegmentMembers(ctx context.Context, g *Segment, limit int, cursor string) (*ContactPage, error) {
	where, args, err := s.segmentWhere(g)
	if err != nil {
		return nil, err
	}
	return s.contactPage(ctx, where, args, limit, cursor)
}

// AddSegmentMembers adds contacts to a static segment and says how many were not
// in it yet.
func (s *Store) AddSegmentMembers(ctx context.Context, id int64, contactIDs []int64, actor string) (int, error) {
	return s.changeMembers(ctx, id, contactIDs, actor, true)
}

// RemoveSegmentMembers takes contacts out of a static segment and says how many
// were in it.
func (s *Store) RemoveSegmentMembers(ctx context.Context, id int64, contactIDs []int64, actor string) (int, error) {
	return s.changeMembers(ctx, id, contactIDs, actor, false)
}

// MaxSegmentChange is how many contacts one request adds or removes.
const MaxSegmentChange = 10000

func (s *Store) changeMembers(ctx context.Context, id int64, contactIDs []int64, actor string, add bool) (int, error) {
	if len(contactIDs) == 0 {
		return 0, errs.Field("contact_ids", "is required: a list of contact ids")
	}
	if len(contactIDs) > MaxSegmentChange {
		return 0, errs.Field("contact_ids", "has at most %d ids a request", MaxSegmentChange)
	}
	g, err := s.Segment(ctx, id)
	if err != nil {
		return 0, err
	}
	if g.Kind != SegmentStatic {
		return 0, errs.Field("contact_ids", "the members of a dynamic segment are whoever its filter matches; edit the filter instead")
	}
	changed := 0
	err = s.RunInTx(ctx, func(tx *Tx) error {
		changed = 0
		now := ts(s.Now())
		// Touching the segment first locks it against a delete until this commits; one
		// deleted since it was read above is not found, rather than a foreign key error.
		res, err := tx.exec(ctx, `UPDATE segments SET updated_at = ? WHERE id = ?`, now, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFoundf("segment %d not found", id)
		}
		changed, err = writeMembers(ctx, tx, id, contactIDs, actor, add)
		return err
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// writeMembers adds contacts to a segment or takes them out, in tx, and audits it.
func writeMembers(ctx context.Context, tx *Tx, id int64, contactIDs []int64, actor string, add bool) (int, error) {
	now := ts(tx.s.Now())
	changed := 0
	for i, cid := range contactIDs {
		var n int
		if add {
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE id = ?`, cid).Scan(&n); err != nil {
				return 0, err
			}
			if n == 0 {
				return 0, errs.E(errs.Invalid, fmt.Sprintf("contact_ids[%d]", i), "no contact with id %d", cid)
			}
		}
		var res sql.Result
		var err error
		if add {
			res, err = tx.exec(ctx, `INSERT INTO segment_members (segment_id, contact_id, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, cid, now)
		} else {
			res, err = tx.exec(ctx, `DELETE FROM segment_members WHERE segment_id = ? AND contact_id = ?`, id, cid)
		}
		if err != nil {
			return 0, err
		}
		k, _ := res.RowsAffected()
		changed += int(k)
	}
	action := "segment.remove_members"
	if add {
		action = "segment.add_members"
	}
	return changed, audit(ctx, tx, actor, action, "segment:"+itoa(id), map[string]any{"contact_ids": contactIDs, "changed": changed})
}
