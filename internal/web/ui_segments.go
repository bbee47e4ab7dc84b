package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// segmentScreens are the screens of segments.
func (u *ui) segmentScreens() []route {
	return []route{
		{pattern: "GET /segments", handler: u.page(auth.Read, u.segments)},
		{pattern: "GET /segments/new", handler: u.page(auth.ManageMarketing, u.segmentNew)},
		{pattern: "POST /segments/new", handler: u.page(auth.ManageMarketing, u.segmentSave)},
		{pattern: "POST /segments/static", handler: u.page(auth.ManageMarketing, u.segmentCreateStatic)},
		{pattern: "POST /segments/builder", handler: u.page(auth.ManageMarketing, u.segmentBuilder)},
		{pattern: "POST /segments/preview", handler: u.page(auth.Read, u.segmentPreview)},
		{pattern: "GET /segments/{id}", handler: u.page(auth.Read, u.segment)},
		{pattern: "GET /segments/{id}/edit", handler: u.page(auth.ManageMarketing, u.segmentEdit)},
		{pattern: "POST /segments/{id}/edit", handler: u.page(auth.ManageMarketing, u.segmentSave)},
		{pattern: "POST /segments/{id}/delete", handler: u.page(auth.ManageMarketing, u.segmentDelete)},
		{pattern: "POST /segments/{id}/members", handler: u.page(auth.ManageMarketing, u.segmentAddMembers)},
		{pattern: "POST /segments/{id}/members/remove", handler: u.page(auth.ManageMarketing, u.segmentRemoveMember)},
	}
}

type segmentRow struct {
	*store.Segment
	Text    string
	Members int64
}

func (u *ui) segments(w http.ResponseWriter, r *http.Request, p *Principal) error {
	list, err := u.s.store.Segments(r.Context())
	if err != nil {
		return err
	}
	rows := make([]segmentRow, len(list))
	for i, g := range list {
		n, err := u.s.store.SegmentCount(r.Context(), g)
		if err != nil {
			return err
		}
		rows[i] = segmentRow{Segment: g, Members: n}
		if g.Kind == store.SegmentDynamic {
			rows[i].Text = g.Filter.String()
		}
	}
	data := struct {
		Segments  []segmentRow
		CanManage bool
		Problem   string
		Name      string
	}{rows, auth.Can(p.Role, auth.ManageMarketing), r.URL.Query().Get("problem"), ""}
	u.render(w, r, http.StatusOK, "segments", view{Title: "Segments", Nav: "segments", User: p, Data: data})
	return nil
}

func (u *ui) segmentCreateStatic(w http.ResponseWriter, r *http.Request, p *Principal) error {
	g, err := u.s.store.CreateSegment(r.Context(), store.Segment{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Kind: store.SegmentStatic}, p.Actor())
	var e *errs.Error
	if errors.As(err, &e) && e.Code != errs.Internal {
		http.Redirect(w, r, "/segments?problem="+url.QueryEscape("List "+e.Error()), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/segments/"+itoa(g.ID), http.StatusSeeOther)
	return nil
}

// fieldOption is a choice in a row's field list.
type fieldOption struct {
	Name, Label, Group string
}

// segmentEditView is the builder page: the segment's name and description, the
// builder, and the live preview.
type segmentEditView struct {
	ID                int64
	Name, Description string
	Action            string
	B                 *builder
	Preview           *segmentPreviewView
	Problem           *errs.Error
}

type segmentPreviewView struct {
	Count    int64
	Text     string
	Contacts []*store.Contact
	Error    string
	Mode     string
}

func (u *ui) segmentNew(w http.ResponseWriter, r *http.Request, p *Principal) error {
	b := &builder{Match: "all", Mode: "rows", Groups: []builderGroup{{Match: "all", Rows: []builderRow{{Field: "country", Op: "="}}}}}
	v := segmentEditView{Action: "/segments/new", B: b}
	v.Preview = u.preview(r, b)
	u.render(w, r, http.StatusOK, "segment_edit", view{Title: "New segment", Nav: "segments", User: p, Data: v})
	return nil
}

func (u *ui) segmentEdit(w http.ResponseWriter, r *http.Request, p *Principal) error {
	g, err := u.segmentOf(r)
	if err != nil {
		return err
	}
	if g.Kind != store.SegmentDynamic {
		http.Redirect(w, r, "/segments/"+itoa(g.ID), http.StatusSeeOther)
		return nil
	}
	root := g.Filter.Expr
	if root == nil {
		root = filter.And{}
	}
	b, ok := builderFromExpr(root)
	if !ok {
		b = &builder{Match: "all", Mode: "text", Text: g.Filter.String()}
	}
	v := segmentEditView{ID: g.ID, Name: g.Name, Description: g.Description, Action: "/segments/" + itoa(g.ID) + "/edit", B: b}
	v.Preview = u.preview(r, b)
	u.render(w, r, http.StatusOK, "segment_edit", view{Title: "Edit " + g.Name, Nav: "segments", User: p, Data: v})
	return nil
}

func (u *ui) segmentOf(r *http.Request) (*store.Segment, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return u.s.store.Segment(r.Context(), id)
}

// segmentSave creates or changes a dynamic segment; the builder's own buttons
// land here too when the browser runs no script.
func (u *ui) segmentSave(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Field("", "the form could not be read")
	}
	b := builderFromForm(r.PostForm)
	v := segmentEditView{Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"), Action: r.URL.Path, B: b}
	var old *store.Segment
	if r.PathValue("id") != "" {
		var err error
		if old, err = u.segmentOf(r); err != nil {
			return err
		}
		v.ID = old.ID
	}
	title := "New segment"
	if old != nil {
		title = "Edit " + old.Name
	}
	show := func(status int) error {
		v.Preview = u.preview(r, b)
		u.render(w, r, status, "segment_edit", view{Title: title, Nav: "segments", User: p, Data: v})
		return nil
	}
	if action := r.PostForm.Get("action"); action != "" && action != "save" {
		b.apply(action)
		return show(http.StatusOK)
	}
	e, err := b.expr()
	if err != nil {
		return show(http.StatusUnprocessableEntity)
	}
	g := store.Segment{Name: v.Name, Description: v.Description, Kind: store.SegmentDynamic, Filter: filter.Filter{Expr: e}}
	var saved *store.Segment
	if old != nil {
		g.ID = old.ID
		saved, err = u.s.store.UpdateSegment(r.Context(), g, p.Actor())
	} else {
		saved, err = u.s.store.CreateSegment(r.Context(), g, p.Actor())
	}
	var pe *errs.Error
	if errors.As(err, &pe) && pe.Code != errs.Internal && pe.Code != errs.NotFound {
		v.Problem = pe
		return show(http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/segments/"+itoa(saved.ID), http.StatusSeeOther)
	return nil
}

// segmentBuilder redraws the builder after one of its buttons or a field change.
func (u *ui) segmentBuilder(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Field("", "the form could not be read")
	}
	b := builderFromForm(r.PostForm)
	b.apply(r.PostForm.Get("action"))
	v := segmentEditView{B: b}
	v.Preview = u.preview(r, b)
	u.renderTemplate(w, r, http.StatusOK, "segment_edit", "builder_fragment", v)
	return nil
}

// segmentPreview is the live count and the first members, redrawn as the filter is edited.
func (u *ui) segmentPreview(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Field("", "the form could not be read")
	}
	b := builderFromForm(r.PostForm)
	u.renderTemplate(w, r, http.StatusOK, "segment_edit", "preview", u.preview(r, b))
	return nil
}

func (u *ui) preview(r *http.Request, b *builder) *segmentPreviewView {
	pv := &segmentPreviewView{Mode: b.Mode}
	e, err := b.expr()
	if err != nil {
		if b.TextError != "" {
			pv.Error = b.TextError
		} else {
			pv.Error = "Finish the highlighted conditions to see who matches."
		}
		pv.Text = b.Text
		return pv
	}
	f := filter.Filter{Expr: e}
	pv.Text = f.String()
	n, err := u.s.store.CountMatching(r.Context(), f)
	if err != nil {
		u.s.log.ErrorContext(r.Context(), "segment preview count", "err", err)
		pv.Error = "The count could not be made; please try again."
		return pv
	}
	pv.Count = n
	page, err := u.s.store.MatchingContacts(r.Context(), f, 10, "")
	if err != nil {
		u.s.log.ErrorContext(r.Context(), "segment preview", "err", err)
		return pv
	}
	pv.Contacts = page.Contacts
	return pv
}

type segmentPageView struct {
	*store.Segment
	Text      string
	Members   int64
	Contacts  []*store.Contact
	MoreURL   string
	Continued bool
	CanManage bool
	// Predictive says a predictive model exists: the members show its column.
	Predictive bool
	Problem    string
	Notice     string
}

func (u *ui) segment(w http.ResponseWriter, r *http.Request, p *Principal) error {
	g, err := u.segmentOf(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := segmentPageView{Segment: g, CanManage: auth.Can(p.Role, auth.ManageMarketing), Continued: q.Get("cursor") != "",
		Problem: q.Get("problem"), Notice: q.Get("notice")}
	if g.Kind == store.SegmentDynamic {
		v.Text = g.Filter.String()
	}
	page, err := u.s.store.SegmentMembers(r.Context(), g, 50, q.Get("cursor"))
	if err != nil {
		return err
	}
	v.Contacts = page.Contacts
	if _, v.Predictive, err = u.s.store.PredictiveAUC(r.Context()); err != nil {
		return err
	}
	if page.NextCursor != "" {
		v.MoreURL = "/segments/" + itoa(g.ID) + "?cursor=" + url.QueryEscape(page.NextCursor)
	}
	w.Header().Set("Vary", "HX-Request")
	if htmxFragment(r) {
		u.renderTemplate(w, r, http.StatusOK, "segment", "member_rows", v)
		return nil
	}
	if v.Members, err = u.s.store.SegmentCount(r.Context(), g); err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "segment", view{Title: g.Name, Nav: "segments", User: p, Data: v})
	return nil
}

func (u *ui) segmentDelete(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := u.s.store.DeleteSegment(r.Context(), id, p.Actor()); err != nil {
		return err
	}
	http.Redirect(w, r, "/segments", http.StatusSeeOther)
	return nil
}

// segmentAddMembers adds contacts to a static segment by email, one a line.
func (u *ui) segmentAddMembers(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/segments/" + itoa(id)
	var ids []int64
	var unknown []string
	for _, line := range strings.FieldsFunc(r.PostFormValue("emails"), func(c rune) bool { return c == '\n' || c == ',' || c == ';' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		email, err := contact.NormalizeEmail(line)
		if err != nil {
			unknown = append(unknown, line)
			continue
		}
		page, err := u.s.store.Contacts(r.Context(), store.ContactFilter{Email: email, Limit: 1})
		if err != nil {
			return err
		}
		if len(page.Contacts) == 0 {
			unknown = append(unknown, line)
			continue
		}
		ids = append(ids, page.Contacts[0].ID)
	}
	if len(unknown) > 0 {
		http.Redirect(w, r, back+"?problem="+url.QueryEscape("No contact has the email "+strings.Join(unknown, ", ")+"; nothing was added."), http.StatusSeeOther)
		return nil
	}
	n, err := u.s.store.AddSegmentMembers(r.Context(), id, ids, p.Actor())
	var e *errs.Error
	if errors.As(err, &e) && e.Code == errs.Invalid {
		http.Redirect(w, r, back+"?problem="+url.QueryEscape(e.Message), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, back+"?notice="+url.QueryEscape(formatCount(int64(n))+" added."), http.StatusSeeOther)
	return nil
}

func (u *ui) segmentRemoveMember(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := strconv.ParseInt(r.PostFormValue("contact_id"), 10, 64)
	if err != nil {
		return errs.Field("contact_id", "is not a contact id")
	}
	if _, err := u.s.store.RemoveSegmentMembers(r.Context(), id, []int64{cid}, p.Actor()); err != nil {
		return err
	}
	http.Redirect(w, r, "/segments/"+itoa(id)+"?notice="+url.QueryEscape("Removed from the list."), http.StatusSeeOther)
	return nil
}
