package web

import (
	"errors"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// campaignsView is the campaigns screen: every campaign with its money, hours and
// leads, the form that creates one and the cost import.
type campaignsView struct {
	Campaigns   []campaignRow
	Cost, Hours int64
	Leads       int64
	CanWrite    bool
	Channels    []string
	Form        formState
	Import      importState
	Notice      string
}

type campaignRow struct {
	*store.Campaign
	Leads int64
}

// importState is what the cost upload shows after a file was sent.
type importState struct {
	Done    bool
	Error   string
	Result  *costImportJSON
	Rows    []report.CostProblem
	DryRun  bool
	Applied bool
}

func channelChoices() []string {
	out := make([]string, len(attribution.Channels))
	for i, c := range attribution.Channels {
		out[i] = string(c)
	}
	return out
}

func (u *ui) campaigns(w http.ResponseWriter, r *http.Request, p *Principal) error {
	return u.showCampaigns(w, r, p, http.StatusOK, campaignsView{})
}

func (u *ui) showCampaigns(w http.ResponseWriter, r *http.Request, p *Principal, status int, v campaignsView) error {
	list, err := u.s.store.Campaigns(r.Context())
	if err != nil {
		return err
	}
	leads, err := u.s.store.CampaignLeads(r.Context())
	if err != nil {
		return err
	}
	for _, c := range list {
		v.Campaigns = append(v.Campaigns, campaignRow{Campaign: c, Leads: leads[c.ID]})
		v.Cost += c.Cost
		v.Hours += c.Hours
		v.Leads += leads[c.ID]
	}
	v.CanWrite = auth.Can(p.Role, auth.ManageMarketing)
	v.Channels = channelChoices()
	if v.Form.Values == nil {
		v.Form.Values = map[string]string{"channel": "paid_search"}
	}
	u.render(w, r, status, "campaigns", view{Title: "Campaigns", Nav: "campaigns", User: p, Data: v})
	return nil
}

// campaignFormFields are the inputs of the campaign form, named as the API names them.
var campaignFormFields = []string{"name", "channel", "utm_campaign", "starts_on", "ends_on", "budget", "notes", "landing_url"}

func campaignForm(r *http.Request) (campaignIn, formState) {
	f := formState{Values: map[string]string{}}
	for _, k := range campaignFormFields {
		f.Values[k] = r.PostFormValue(k)
	}
	return campaignIn{Name: f.Values["name"], Channel: f.Values["channel"], UTMCampaign: f.Values["utm_campaign"], StartsOn: f.Values["starts_on"],
		EndsOn: f.Values["ends_on"], Budget: f.Values["budget"], Notes: f.Values["notes"], LandingURL: f.Values["landing_url"]}, f
}

// fieldError puts a caller's error next to its field; other errors are returned.
func fieldError(err error, form *formState, notice *string) error {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal || e.Code == errs.NotFound && e.Field == "" {
		return err
	}
	if e.Field != "" {
		if form.Errors == nil {
			form.Errors = map[string]string{}
		}
		form.Errors[e.Field] = e.Message
		return nil
	}
	*notice = e.Message
	return nil
}

func (u *ui) createCampaign(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	in, form := campaignForm(r)
	cur, err := u.s.store.Currency(r.Context())
	if err != nil {
		return err
	}
	c, err := campaignFields(in, cur)
	if err == nil {
		err = campaignLanding(&c, in.LandingURL)
	}
	var created *store.Campaign
	if err == nil {
		created, err = u.s.store.CreateCampaign(r.Context(), c, p.Actor())
	}
	if err == nil {
		http.Redirect(w, r, "/campaigns/"+itoa(created.ID), http.StatusSeeOther)
		return nil
	}
	v := campaignsView{Form: form}
	if err := fieldError(err, &v.Form, &v.Notice); err != nil {
		return err
	}
	return u.showCampaigns(w, r, p, http.StatusUnprocessableEntity, v)
}

// importCostsForm takes the cost CSV of the upload on the campaigns screen.
func (u *ui) importCostsForm(w http.ResponseWriter, r *http.Request, p *Principal) error {
	v := campaignsView{Import: importState{Done: true}}
	data, name, err := uploadedCSV(r)
	if err == nil {
		v.Import.DryRun = r.PostFormValue("dry_run") != ""
		var res *costImportJSON
		res, err = u.s.importCosts(r.Context(), data, name, v.Import.DryRun, p.Actor())
		v.Import.Result, v.Import.Applied = res, res != nil && !v.Import.DryRun
	}
	status := http.StatusOK
	if err != nil {
		var e *errs.Error
		if !errors.As(err, &e) || e.Code == errs.Internal {
			return err
		}
		status = http.StatusUnprocessableEntity
		v.Import.Error = e.Message
		if d, ok := e.Details.(map[string]any); ok {
			v.Import.Rows, _ = d["rows"].([]report.CostProblem)
		}
	}
	return u.showCampaigns(w, r, p, status, v)
}

// campaignView is one campaign's page: its settings, numbers, printed link and costs.
type campaignView struct {
	C         *store.Campaign
	Costs     []*store.CostEntry
	CanWrite  bool
	Channels  []string
	ShortLink string
	// Destination is where the printed link leads: the landing page or the website;
	// "" while neither is set. Without it or a UTM key, the page says how to get a link.
	Destination string
	Numbers     campaignNumbers
	Edit        formState
	Cost        formState
	Notice      string
	EditOpen    bool
}

// campaignNumbers are a campaign's figures over all time, as the sources report
// defines them for the leads whose first touch it was, ready to show: "—" stands for a
// ratio whose denominator is zero.
type campaignNumbers struct {
	Leads, MQLs, SQLs, Customers figure
	Conversion, CPL, CAC, ROI    string
	Spent, Revenue, Hours        string
	BudgetUsed                   string
}

// figure is a number shown with the link to the contacts behind it.
type figure struct {
	Text, URL string
}

// fieldsView is what the campaign form's fields show: the values, errors and channels.
type fieldsView struct {
	Form     formState
	Channels []string
}

// EditFields feeds the campaign form on a campaign's page.
func (v campaignView) EditFields() fieldsView { return fieldsView{v.Edit, v.Channels} }

func (u *ui) campaign(w http.ResponseWriter, r *http.Request, p *Principal) error {
	return u.showCampaign(w, r, p, http.StatusOK, campaignView{})
}

func (u *ui) showCampaign(w http.ResponseWriter, r *http.Request, p *Principal, status int, v campaignView) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if v.C, err = u.s.store.Campaign(r.Context(), id); err != nil {
		return err
	}
	if v.Costs, err = u.s.store.Costs(r.Context(), id); err != nil {
		return err
	}
	m, err := u.s.store.CampaignCohort(r.Context(), id)
	if err != nil {
		return err
	}
	base := "/contacts?campaign=" + itoa(id)
	v.Numbers = campaignNumbers{
		Leads: figure{formatCount(m.NewLeads), base}, MQLs: figure{formatCount(m.MQLs), base + "&reached=mql"},
		SQLs: figure{formatCount(m.SQLs), base + "&reached=sql"}, Customers: figure{formatCustomers(m.Customers), base + "&reached=customer"},
		Conversion: formatPercent(m.ConversionRate()), CPL: formatBigMoney(m.CostPerLead()), CAC: formatBigMoney(m.CAC()), ROI: formatPercent(m.ROI()),
		Spent: formatMoney(m.Cost), Revenue: formatMoney(m.Revenue), Hours: formatHours(m.HoursHundredths), BudgetUsed: "—",
	}
	if v.C.Budget != nil && *v.C.Budget > 0 {
		v.Numbers.BudgetUsed = formatPercent(big.NewRat(m.Cost, *v.C.Budget))
	}
	v.CanWrite = auth.Can(p.Role, auth.ManageMarketing)
	v.Channels = channelChoices()
	v.Destination = u.s.destination(r.Context(), v.C)
	if linkProblem(v.C, v.Destination) == nil {
		v.ShortLink = u.s.shortLink(v.C)
	}
	if v.Edit.Values == nil {
		b := ""
		if v.C.Budget != nil {
			b = u.s.currency(r.Context()).Format(*v.C.Budget)
		}
		v.Edit.Values = map[string]string{"name": v.C.Name, "channel": v.C.Channel, "utm_campaign": v.C.UTMCampaign,
			"starts_on": v.C.StartsOn, "ends_on": v.C.EndsOn, "budget": b, "notes": v.C.Notes}
	}
	u.render(w, r, status, "campaign", view{Title: v.C.Name, Nav: "campaigns", User: p, Data: v})
	return nil
}

func (u *ui) updateCampaign(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	in, form := campaignForm(r)
	cur, err := u.s.store.Currency(r.Context())
	if err != nil {
		return err
	}
	c, err := campaignFields(in, cur)
	if err == nil {
		c.ID = id
		_, err = u.s.store.UpdateCampaign(r.Context(), c, p.Actor())
	}
	if err == nil {
		http.Redirect(w, r, "/campaigns/"+itoa(id), http.StatusSeeOther)
		return nil
	}
	v := campaignView{Edit: form, EditOpen: true}
	if err := fieldError(err, &v.Edit, &v.Notice); err != nil {
		return err
	}
	return u.showCampaign(w, r, p, http.StatusUnprocessableEntity, v)
}

func (u *ui) addCampaignCost(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	form := formState{Values: map[string]string{}}
	for _, k := range []string{"date", "amount", "hours", "note"} {
		form.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	cur, err := u.s.store.Currency(r.Context())
	if err != nil {
		return err
	}
	e, err := costFields(cur, form.Values["date"], form.Values["amount"], form.Values["hours"], form.Values["note"])
	if err == nil {
		e.CampaignID = id
		_, err = u.s.store.AddCost(r.Context(), e, p.Actor())
	}
	if err == nil {
		http.Redirect(w, r, "/campaigns/"+itoa(id)+"#costs", http.StatusSeeOther)
		return nil
	}
	v := campaignView{Cost: form}
	if err := fieldError(err, &v.Cost, &v.Notice); err != nil {
		return err
	}
	return u.showCampaign(w, r, p, http.StatusUnprocessableEntity, v)
}

// costFields checks a cost entry typed into the campaign page: the amount and hours
// are read as a cost file's are ("1.250,50" too, with the sign of cur, the workspace's
// currency), and one of them must be given.
func costFields(cur money.Currency, date, amount, hours, note string) (store.CostEntry, error) {
	var e store.CostEntry
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return e, errs.Field("date", "must be a date such as 2026-03-01")
	}
	e.Date = date
	if amount == "" && hours == "" {
		return e, errs.Field("amount", "give the money spent, the hours, or both")
	}
	if amount != "" {
		n, err := report.ParseAmount(amount, cur)
		if err != nil {
			return e, errs.Field("amount", "%v", err)
		}
		e.Amount, e.Currency = n, cur.Code
	}
	if hours != "" {
		n, err := report.ParseHours(hours)
		if err != nil || n >= 1_000_000_00 {
			return e, errs.Field("hours", "must be a number of hours such as 3.5")
		}
		e.HoursHundredths = n
	}
	if err := checkText("note", note, 1000); err != nil {
		return e, err
	}
	e.Note = note
	return e, nil
}

func (u *ui) deleteCampaignCost(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cost, err := pathID(r, "cost")
	if err != nil {
		return err
	}
	if err := u.s.store.DeleteCost(r.Context(), id, cost, p.Actor()); err != nil {
		return err
	}
	http.Redirect(w, r, "/campaigns/"+itoa(id)+"#costs", http.StatusSeeOther)
	return nil
}
