package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The import screens: upload a list, check the mapping on its first rows, then watch
// the import run (htmx polls its progress) and download the rejected rows.

type importsPage struct {
	Imports   []*importJSON
	Campaigns []*store.Campaign
	Channels  []attribution.Channel
	Bases     []string
	Values    map[string]string
	Errors    map[string]string
	CanImport bool
}

type importPageData struct {
	I         *importJSON
	Campaign  string
	Preview   capture.ImportPreview
	Fields    []string
	Columns   []importColumn
	Error     string
	CanImport bool
	Total     int64 // rows in the file, once it was read through; 0 before
}

type importColumn struct {
	Index   int
	Header  string
	Field   string
	Custom  string   // the custom field this column would fill as custom.NAME
	Samples []string // the column's first values that are not empty
}

func (u *ui) importsData(r *http.Request, p *Principal) (*importsPage, error) {
	list, err := u.s.store.Imports(r.Context(), 50)
	if err != nil {
		return nil, err
	}
	d := &importsPage{Channels: attribution.Channels, Bases: capture.ConsentBases, Values: map[string]string{"existing": "update"},
		Errors: map[string]string{}, CanImport: auth.Can(p.Role, auth.ManageMarketing)}
	for _, imp := range list {
		v, err := u.s.importView(r.Context(), imp.ID)
		if err != nil {
			return nil, err
		}
		d.Imports = append(d.Imports, v)
	}
	if d.Campaigns, err = u.s.store.Campaigns(r.Context()); err != nil {
		return nil, err
	}
	return d, nil
}

func (u *ui) imports(w http.ResponseWriter, r *http.Request, p *Principal) error {
	d, err := u.importsData(r, p)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "imports", view{Title: "Imports", Nav: "imports", User: p, Data: d})
	return nil
}

// uploadPage is u.page for a file upload: the body may reach MaxImportUpload.
func (u *ui) uploadPage(perm auth.Permission, h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := u.s.authenticate(r)
		if err != nil {
			if !errs.Is(err, errs.Unauthorized) {
				u.fail(w, r, nil, err)
				return
			}
			u.toLogin(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		if !auth.Can(p.Role, perm) {
			u.fail(w, r, p, errs.E(errs.Forbidden, "", "Your role (%s) may not do this. Ask an admin if you need to.", roleLabel(p.Role)))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxImportUpload+1<<20)
		if err := h(w, r, p); err != nil {
			u.fail(w, r, p, err)
		}
	})
}

// uploadImport is POST /imports: the file is stored as a draft and the mapping step
// opens; a refusal shows the upload form again with the reason beside its field.
func (u *ui) uploadImport(w http.ResponseWriter, r *http.Request, p *Principal) error {
	up, err := u.s.readImportUpload(r, p.Actor())
	if err == nil {
		if err = u.s.resolveCampaign(r.Context(), up); err != nil {
			_ = u.s.store.DiscardImport(r.Context(), up.imp.ID)
		}
	}
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Code == errs.Internal {
			return err
		}
		d, derr := u.importsData(r, p)
		if derr != nil {
			return derr
		}
		field := e.Field
		if field == "" || field == "campaign_id" {
			field = map[bool]string{true: "campaign", false: "file"}[field == "campaign_id"]
		}
		d.Errors[field] = e.Message
		if up != nil {
			d.Values = up.values
			if d.Values["existing"] == "" {
				d.Values["existing"] = "update"
			}
		}
		u.render(w, r, http.StatusUnprocessableEntity, "imports", view{Title: "Imports", Nav: "imports", User: p, Data: d})
		return nil
	}
	set := up.settings
	opts, _ := json.Marshal(set)
	if err := u.s.store.SetImportOptions(r.Context(), up.imp.ID, opts); err != nil {
		return err
	}
	http.Redirect(w, r, "/imports/"+itoa(up.imp.ID), http.StatusSeeOther)
	return nil
}

func (u *ui) importData(r *http.Request, p *Principal) (*importPageData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, err := u.s.importView(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &importPageData{I: v, CanImport: auth.Can(p.Role, auth.ManageMarketing)}
	if v.RowsTotal != nil {
		d.Total = *v.RowsTotal
	}
	if v.Options.CampaignID != 0 {
		if c, err := u.s.store.Campaign(r.Context(), v.Options.CampaignID); err == nil {
			d.Campaign = c.Name
		}
	}
	if v.Status == store.ImportDraft {
		d.Preview, err = capture.PreviewCSV(u.s.store.ImportFile(r.Context(), id), 5)
		if err != nil {
			d.Error = err.Error()
		}
		d.Fields = capture.ImportFields[:]
		for i, h := range d.Preview.Header {
			c := importColumn{Index: i, Header: h, Field: d.Preview.Guess[i], Custom: customName(h)}
			for _, row := range d.Preview.Rows {
				if i < len(row) && strings.TrimSpace(row[i]) != "" && len(c.Samples) < 3 {
					c.Samples = append(c.Samples, row[i])
				}
			}
			if f, ok := v.Options.Mapping[h]; ok {
				c.Field = f
			}
			d.Columns = append(d.Columns, c)
		}
	}
	return d, nil
}

// customName is the custom field a column becomes when it is kept as it is.
func customName(header string) string {
	var b []rune
	for _, r := range header {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b = append(b, r)
		case r >= 'A' && r <= 'Z':
			b = append(b, r+'a'-'A')
		case len(b) > 0 && b[len(b)-1] != '_':
			b = append(b, '_')
		}
	}
	for len(b) > 0 && b[len(b)-1] == '_' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 || b[0] < 'a' || len(b) > 64 {
		return ""
	}
	return "custom." + string(b)
}

func (u *ui) importPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	d, err := u.importData(r, p)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "import", view{Title: "Import " + d.I.FileName, Nav: "imports", User: p, Data: d})
	return nil
}

// importProgress is the live counter htmx polls while an import runs.
func (u *ui) importProgress(w http.ResponseWriter, r *http.Request, p *Principal) error {
	d, err := u.importData(r, p)
	if err != nil {
		return err
	}
	u.renderTemplate(w, r, http.StatusOK, "import", "import_progress", d)
	return nil
}

// startImport confirms the mapping (one select per column, map_N) and queues the job.
func (u *ui) startImport(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.Field("", "the form could not be read")
	}
	v, err := u.s.importView(r.Context(), id)
	if err != nil {
		return err
	}
	set := v.Options
	preview, err := capture.PreviewCSV(u.s.store.ImportFile(r.Context(), id), 5)
	if err != nil {
		return errs.Field("file", "%s", err.Error())
	}
	set.Mapping, set.Header = map[string]string{}, preview.Header
	for i, h := range preview.Header {
		if f, ok := r.PostForm["map_"+strconv.Itoa(i)]; ok {
			set.Mapping[h] = f[0]
		}
	}
	fail := func(msg string) error {
		d, err := u.importData(r, p)
		if err != nil {
			return err
		}
		d.Error = msg
		for i := range d.Columns {
			d.Columns[i].Field = set.Mapping[d.Columns[i].Header]
		}
		u.render(w, r, http.StatusUnprocessableEntity, "import", view{Title: "Import " + d.I.FileName, Nav: "imports", User: p, Data: d})
		return nil
	}
	if err := set.Check(); err != nil {
		return fail(errMessage(err))
	}
	if _, err := capture.MapHeader(preview.Header, set.Mapping); err != nil {
		return fail(errMessage(err))
	}
	opts, _ := json.Marshal(set)
	if _, err := u.s.store.StartImport(r.Context(), id, opts, p.Actor()); err != nil {
		return err
	}
	http.Redirect(w, r, "/imports/"+itoa(id), http.StatusSeeOther)
	return nil
}

// errMessage is an error's message for people: a domain error's own words.
func errMessage(err error) string {
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
