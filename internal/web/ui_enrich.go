package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/enrich"
	"github.com/lodestone-hq/lodestone/internal/errs"
)

// enrichView is what the enrichment page shows.
type enrichView struct {
	*enrichmentJSON
	CanImport, CanAdmin bool
	Import              *companyImportJSON // the result of an upload just made
	Saved               bool               // settings were just saved
	Error               string             // what went wrong with the last form
	ErrorField          string
	Counts              []enrichCount
	Seniority           []enrichCount
	Departments         []enrichCount
	Settings            enrichSettingsJSON
	CompaniesWithData   int64
}

// enrichCount is a value and how many contacts have it, with a bar width class.
type enrichCount struct {
	Value string
	Count int64
	Width string
}

func countsOf(m map[string]int64, order []string) []enrichCount {
	var max int64
	for _, n := range m {
		max = maxInt(max, n)
	}
	var out []enrichCount
	for _, k := range append(slices.Clone(order), "unknown") {
		n, ok := m[k]
		if !ok {
			continue
		}
		out = append(out, enrichCount{Value: k, Count: n, Width: widthClass(n, max)})
	}
	return out
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func (u *ui) renderEnrichment(w http.ResponseWriter, r *http.Request, p *Principal, status int, v enrichView) error {
	data, err := u.s.enrichment(r.Context())
	if err != nil {
		return err
	}
	v.enrichmentJSON = data
	v.Settings = data.Settings
	v.CompaniesWithData = data.Status.CompaniesListed + data.Status.CompaniesProvided
	v.CanImport, v.CanAdmin = auth.Can(p.Role, auth.ManageMarketing), auth.Can(p.Role, auth.Admin)
	v.Counts = countsOf(data.Status.ByEmailType, []string{enrich.EmailWork, enrich.EmailFree, enrich.EmailRole, enrich.EmailDisposable})
	v.Seniority = countsOf(data.Status.BySeniority, enrich.Seniorities)
	v.Departments = countsOf(data.Status.ByDepartment, enrich.Departments)
	u.render(w, r, status, "enrich", view{Title: "Enrichment", Nav: "scoring", User: p, Data: v})
	return nil
}

func (u *ui) enrichmentPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	return u.renderEnrichment(w, r, p, http.StatusOK, enrichView{Saved: r.URL.Query().Get("saved") == "1"})
}

// formError turns a caller's error into a message on the page; other errors fail.
func formError(err error) (msg, field string, status int, ok bool) {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal {
		return "", "", 0, false
	}
	status = statusOf[e.Code]
	if status == 0 {
		status = http.StatusBadRequest
	}
	return e.Message, e.Field, status, true
}

func (u *ui) importCompaniesPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	var v enrichView
	f, _, err := r.FormFile("file")
	if err != nil {
		v.Error, v.ErrorField = "Choose a CSV file with a header row naming at least a domain column.", "file"
		return u.renderEnrichment(w, r, p, http.StatusBadRequest, v)
	}
	defer f.Close()
	res, err := u.s.importCompanies(r.Context(), f, p.Actor())
	if err != nil {
		msg, field, status, ok := formError(err)
		if !ok {
			return err
		}
		v.Error, v.ErrorField = msg, field
		return u.renderEnrichment(w, r, p, status, v)
	}
	v.Import = res
	return u.renderEnrichment(w, r, p, http.StatusOK, v)
}

func (u *ui) enrichSettingsPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	path, url := r.PostFormValue("geoip_path"), r.PostFormValue("provider_url")
	in := enrichSettingsIn{GeoIPPath: &path, ProviderURL: &url}
	// An empty key field keeps the stored key; the box clears it.
	if key := r.PostFormValue("provider_key"); key != "" {
		in.ProviderKey = &key
	} else if r.PostFormValue("clear_key") == "1" {
		in.ProviderKey = &key
	}
	if err := u.s.saveEnrichSettings(r.Context(), in, p.Actor()); err != nil {
		msg, field, status, ok := formError(err)
		if !ok {
			return err
		}
		return u.renderEnrichment(w, r, p, status, enrichView{Error: msg, ErrorField: field})
	}
	http.Redirect(w, r, "/enrichment?saved=1", http.StatusSeeOther)
	return nil
}
