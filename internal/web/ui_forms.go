package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// The form builder: the list of forms with their use, and one editor for creating
// and changing a form, with a live preview (htmx) and the embed codes to copy. It
// saves through the same definition and checks as PUT /api/v1/forms/{id}.

type formRow struct {
	F    *store.Form
	URL  string
	Stat store.FormStat
}

func (u *ui) forms(w http.ResponseWriter, r *http.Request, p *Principal) error {
	list, err := u.s.store.Forms(r.Context())
	if err != nil {
		return err
	}
	rows := make([]formRow, 0, len(list))
	for _, f := range list {
		st, err := u.s.store.FormStats(r.Context(), f.Slug)
		if err != nil {
			return err
		}
		rows = append(rows, formRow{F: f, URL: u.s.cfg.PublicURL() + "/f/" + f.Slug, Stat: st})
	}
	u.render(w, r, http.StatusOK, "forms", view{Title: "Forms", Nav: "forms", User: p,
		Data: map[string]any{"Forms": rows, "CanEdit": auth.Can(p.Role, auth.ManageMarketing)}})
	return nil
}

// formEditor is what the editor page shows.
type formEditor struct {
	ID        int64
	Def       capture.FormDefinition
	Fields    []editorField
	Consents  []editorConsent
	Origins   string
	Errors    map[string]string
	Banner    string
	Saved     bool
	CanEdit   bool
	Embed     *formJSON         // for a saved form
	Magnet    *store.FormMagnet // its lead magnet file, when it has one
	Campaigns []*store.Campaign
	Types     []string
	Kinds     []string
	Purposes  []string
	Standard  []string
	Bits      []int
}

type editorField struct {
	Index int
	capture.FormField
	OptionsText string
}

type editorConsent struct {
	Index int
	capture.FormConsent
}

// blankRows are the empty rows the editor offers for new fields and consents.
const blankRows = 3

// savedFormEditor is the editor of the saved form id, as stored.
func (u *ui) savedFormEditor(r *http.Request, p *Principal, id int64) (*store.Form, *formEditor, error) {
	f, err := u.s.store.Form(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	j, err := u.s.toFormJSON(f)
	if err != nil {
		return nil, nil, err
	}
	e, err := u.editorFor(r, p, id, j.FormDefinition)
	return f, e, err
}

func (u *ui) editorFor(r *http.Request, p *Principal, id int64, def capture.FormDefinition) (*formEditor, error) {
	e := &formEditor{ID: id, Def: def, Errors: map[string]string{}, CanEdit: auth.Can(p.Role, auth.ManageMarketing),
		Types: capture.FieldTypes(), Kinds: capture.Kinds(), Purposes: store.Purposes, Bits: []int{12, 14, 16, 18, 20}}
	for name := range capture.StandardFields {
		e.Standard = append(e.Standard, name)
	}
	sort.Strings(e.Standard)
	for i, f := range def.Fields {
		e.Fields = append(e.Fields, editorField{Index: i, FormField: f, OptionsText: strings.Join(f.Options, "\n")})
	}
	for i := range blankRows {
		e.Fields = append(e.Fields, editorField{Index: len(def.Fields) + i, FormField: capture.FormField{Type: "text"}})
	}
	for i, c := range def.Consents {
		e.Consents = append(e.Consents, editorConsent{Index: i, FormConsent: c})
	}
	e.Consents = append(e.Consents, editorConsent{Index: len(def.Consents)})
	e.Origins = strings.Join(def.AllowedOrigins, "\n")
	var err error
	if e.Campaigns, err = u.s.store.Campaigns(r.Context()); err != nil {
		return nil, err
	}
	if id != 0 {
		f, err := u.s.store.Form(r.Context(), id)
		if err != nil {
			return nil, err
		}
		j, err := u.s.toFormJSON(f)
		if err != nil {
			return nil, err
		}
		e.Embed = &j
		if f.HasMagnet {
			if e.Magnet, err = u.s.store.FormMagnet(r.Context(), id); err != nil && errs.Code(err) != errs.NotFound {
				return nil, err
			}
		}
	}
	return e, nil
}

func (u *ui) newForm(w http.ResponseWriter, r *http.Request, p *Principal) error {
	def := capture.FormDefinition{Kind: capture.KindLead,
		Fields: []capture.FormField{
			{Name: "email", Label: "Work email", Type: "email", Required: true},
			{Name: "first_name", Label: "First name", Type: "text"},
			{Name: "last_name", Label: "Last name", Type: "text"},
			{Name: "company", Label: "Company", Type: "text"},
		},
		Consents: []capture.FormConsent{{Purpose: store.PurposeMarketingEmail, Label: "Yes, send me news and offers by email. I can unsubscribe at any time.", Version: "1"}},
		// Forms made here ask for the proof of work: the ALTCHA widget has the browser solve it on submit.
		ProofOfWork: capture.FormProofOfWork{Required: true},
		// and refuse posts sent faster than a person fills the form.
		FillTime: capture.FormFillTime{Required: true},
	}
	e, err := u.editorFor(r, p, 0, def)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "form", view{Title: "New form", Nav: "forms", User: p, Data: e})
	return nil
}

func (u *ui) editForm(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, e, err := u.savedFormEditor(r, p, id)
	if err != nil {
		return err
	}
	e.Saved = r.URL.Query().Get("saved") == "1"
	u.render(w, r, http.StatusOK, "form", view{Title: f.Name, Nav: "forms", User: p, Data: e})
	return nil
}

// saveFormPage is POST /forms (a new form) and POST /forms/{id}: the definition is
// checked as the API checks it, and a refusal shows beside its field.
func (u *ui) saveFormPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r, "id"); err != nil {
			return err
		}
		if _, err := u.s.store.Form(r.Context(), id); err != nil {
			return err
		}
	}
	if err := r.ParseForm(); err != nil {
		return errs.Field("", "the form could not be read")
	}
	def := formFromPost(r.PostForm)
	err := def.Check()
	if err == nil {
		err = u.s.redirectBesideMagnet(r.Context(), id, &def)
	}
	var saved *store.Form
	if err == nil {
		raw, merr := json.Marshal(def)
		if merr != nil {
			return merr
		}
		saved, err = u.s.store.SaveForm(r.Context(), store.Form{ID: id, Slug: def.Slug, Name: def.Name, Kind: def.Kind, CampaignID: def.CampaignID, Definition: raw}, p.Actor())
		u.s.forms.forget()
	}
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Code == errs.Internal {
			return err
		}
		ed, eerr := u.editorFor(r, p, id, def)
		if eerr != nil {
			return eerr
		}
		field := e.Field
		if field == "" {
			field = "form"
		}
		if strings.HasPrefix(field, "allowed_origins[") {
			field = "allowed_origins"
		}
		ed.Errors[field] = e.Message
		ed.Banner = "The form was not saved: " + e.Message
		title := "New form"
		if id != 0 {
			title = def.Name
		}
		u.render(w, r, http.StatusUnprocessableEntity, "form", view{Title: title, Nav: "forms", User: p, Data: ed})
		return nil
	}
	http.Redirect(w, r, "/forms/"+itoa(saved.ID)+"?saved=1", http.StatusSeeOther)
	return nil
}

// previewForm is POST /forms/preview: the editor's current state drawn as the
// visitor will see it, swapped in by htmx as the marketer types.
func (u *ui) previewForm(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.Field("", "the form could not be read")
	}
	def := formFromPost(r.PostForm)
	_ = def.Check() // fills default labels and types; the preview shows what it can
	u.renderTemplate(w, r, http.StatusOK, "form", "form_preview", &def)
	return nil
}

// formFromPost reads the editor's inputs into a definition.
func formFromPost(v url.Values) capture.FormDefinition {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	d := capture.FormDefinition{Slug: get("slug"), Name: get("name"), Kind: get("kind"),
		Page: capture.FormPage{Headline: get("headline"), Text: get("text"), LogoURL: get("logo_url"), AccentColor: get("accent_color"), BackgroundColor: get("background_color"), ButtonText: get("button_text")},
		ThankYou: capture.FormThankYou{Message: get("thanks_message"), RedirectURL: get("redirect_url"),
			LeadMagnetURL: get("lead_magnet_url"), LeadMagnetLabel: get("lead_magnet_label")},
		ProofOfWork: capture.FormProofOfWork{Required: v.Get("pow_required") != ""},
		FillTime:    capture.FormFillTime{Required: v.Get("fill_time_required") != ""},
	}
	d.CampaignID, _ = strconv.ParseInt(get("campaign_id"), 10, 64)
	if bits, err := strconv.Atoi(get("pow_difficulty")); err == nil && bits != capture.DefaultPowDifficulty {
		d.ProofOfWork.Difficulty = bits
	}
	if d.Page.AccentColor == "#1f6feb" {
		d.Page.AccentColor = "" // the default colour
	}
	if d.Page.BackgroundColor == "#f4f6f9" {
		d.Page.BackgroundColor = ""
	}
	for i := 0; i < 60; i++ {
		k := strconv.Itoa(i)
		if _, ok := v["field_name_"+k]; !ok {
			break
		}
		name := get("field_name_" + k)
		if name == "" {
			continue // an empty row, or a field taken out
		}
		f := capture.FormField{Name: name, Label: get("field_label_" + k), Type: get("field_type_" + k),
			Required: v.Get("field_required_"+k) != "", Default: get("field_default_" + k)}
		for _, o := range strings.FieldsFunc(v.Get("field_options_"+k), func(r rune) bool { return r == '\n' || r == ',' }) {
			if o = strings.TrimSpace(o); o != "" {
				f.Options = append(f.Options, o)
			}
		}
		d.Fields = append(d.Fields, f)
	}
	for i := 0; i < 10; i++ {
		k := strconv.Itoa(i)
		if _, ok := v["consent_label_"+k]; !ok {
			break
		}
		label := get("consent_label_" + k)
		if label == "" {
			continue
		}
		d.Consents = append(d.Consents, capture.FormConsent{Purpose: get("consent_purpose_" + k), Label: label,
			Version: get("consent_version_" + k), Required: v.Get("consent_required_"+k) != ""})
	}
	for _, o := range strings.Fields(v.Get("allowed_origins")) {
		d.AllowedOrigins = append(d.AllowedOrigins, strings.TrimSuffix(o, "/"))
	}
	return d
}
