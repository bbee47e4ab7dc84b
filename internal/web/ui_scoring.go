package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/filter"
	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// scoringView is the /scoring screen: the rules, the thresholds and the recompute.
type scoringView struct {
	Latest    *store.ScoringRuleSet
	Active    int64
	Recompute *store.Recompute
	CanEdit   bool
	Fit       []fitRow
	Eng       []engRow
	Settings  settingsForm
	Fields    []filter.FieldInfo
	// EventTypes are suggestions for engagement rules; custom types are welcome too.
	EventTypes []string
	Saved      string
	RuleError  string // a problem with the rules that belongs to no row
	// MoreRows says the form is shown again with more empty rows, not saved yet.
	MoreRows bool
}

// Rows of the rule tables as the form shows them, with their problems by field.
type fitRow struct {
	Filter, Points, Label string
	Errors                map[string]string
}

type engRow struct {
	EventType, Property, Op, Value, Points, HalfLife, Label string
	Errors                                                  map[string]string
}

type settingsForm struct {
	MQLFit, MQLEngagement, SQLFit, SQLEngagement, HalfLife, Reasons string
	Errors                                                          map[string]string
}

// blankRuleRows are the empty rows offered for new rules in each table, and how
// many more the "more rows" button adds (without script: the form is sent and shown
// again with what was typed). maxRuleRows bounds a table the button grows.
const (
	blankRuleRows = 5
	maxRuleRows   = 200
)

func (u *ui) scoringPage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	return u.showScoring(w, r, p, http.StatusOK, scoringView{Saved: r.URL.Query().Get("saved")})
}

func (u *ui) showScoring(w http.ResponseWriter, r *http.Request, p *Principal, status int, v scoringView) error {
	ctx := r.Context()
	latest, active, err := u.s.store.ScoringRules(ctx)
	if err != nil {
		return err
	}
	v.Latest, v.Active = latest, active.Version
	if v.Recompute, err = u.s.store.LatestRecompute(ctx); err != nil {
		return err
	}
	v.CanEdit = auth.Can(p.Role, auth.ManageMarketing)
	v.Fields = filter.Fields()
	v.EventTypes = []string{"page_view", "form_submit", "email_open", "email_click", "demo_request", "trial_signup", "meeting_booked",
		"call", "newsletter_signup", "referral", "unsubscribe", "qualified", "sql_accepted"}
	if v.Fit == nil && v.Eng == nil {
		for _, f := range latest.Rules.Fit {
			v.Fit = append(v.Fit, fitRow{Filter: f.Filter, Points: strconv.Itoa(f.Points), Label: f.Label})
		}
		for _, e := range latest.Rules.Engagement {
			hl := ""
			if e.HalfLifeDays > 0 {
				hl = strconv.FormatFloat(e.HalfLifeDays, 'f', -1, 64)
			}
			v.Eng = append(v.Eng, engRow{EventType: e.EventType, Property: e.Property, Op: e.Op, Value: e.Value,
				Points: strconv.Itoa(e.Points), HalfLife: hl, Label: e.Label})
		}
		for range blankRuleRows {
			v.Fit = append(v.Fit, fitRow{})
			v.Eng = append(v.Eng, engRow{})
		}
	}
	if v.Settings.Errors == nil && v.Settings.MQLFit == "" {
		set, err := u.s.store.ScoringSettings(ctx)
		if err != nil {
			return err
		}
		v.Settings = settingsForm{MQLFit: strconv.Itoa(set.MQLFit), MQLEngagement: strconv.Itoa(set.MQLEngagement),
			SQLFit: strconv.Itoa(set.SQLFit), SQLEngagement: strconv.Itoa(set.SQLEngagement),
			HalfLife: strconv.FormatFloat(set.HalfLifeDays, 'f', -1, 64), Reasons: strings.Join(set.DisqualifyReason, "\n")}
	}
	u.render(w, r, status, "scoring", view{Title: "Scoring", Nav: "scoring", User: p, Data: v})
	return nil
}

// scoringProgress is the recompute's progress, polled by the page while it runs.
func (u *ui) scoringProgress(w http.ResponseWriter, r *http.Request, p *Principal) error {
	rc, err := u.s.store.LatestRecompute(r.Context())
	if err != nil {
		return err
	}
	latest, active, err := u.s.store.ScoringRules(r.Context())
	if err != nil {
		return err
	}
	u.renderTemplate(w, r, http.StatusOK, "scoring", "recompute_status",
		scoringView{Recompute: rc, Latest: latest, Active: active.Version, CanEdit: auth.Can(p.Role, auth.ManageMarketing)})
	return nil
}

func formValues(r *http.Request, name string, n int) []string {
	vs := r.PostForm[name]
	for len(vs) < n {
		vs = append(vs, "")
	}
	return vs
}

func (u *ui) saveScoringRules(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	var v scoringView
	var rules scoring.Rules
	var fitAt, engAt []int // row shown → index in rules
	filters := r.PostForm["fit_filter"]
	points, labels := formValues(r, "fit_points", len(filters)), formValues(r, "fit_label", len(filters))
	for i, f := range filters {
		row := fitRow{Filter: strings.TrimSpace(f), Points: strings.TrimSpace(points[i]), Label: strings.TrimSpace(labels[i])}
		v.Fit = append(v.Fit, row)
		if row.Filter == "" && row.Points == "" && row.Label == "" {
			continue // a blank row
		}
		n, err := strconv.Atoi(row.Points)
		if err != nil {
			v.Fit[i].Errors = map[string]string{"points": "Give whole points, such as 20 or -10."}
			continue
		}
		fitAt = append(fitAt, i)
		rules.Fit = append(rules.Fit, scoring.FitRule{Filter: row.Filter, Points: n, Label: row.Label})
	}
	types := r.PostForm["eng_type"]
	eProp, eOp, eVal := formValues(r, "eng_property", len(types)), formValues(r, "eng_op", len(types)), formValues(r, "eng_value", len(types))
	ePts, eHL, eLbl := formValues(r, "eng_points", len(types)), formValues(r, "eng_half_life", len(types)), formValues(r, "eng_label", len(types))
	for i, t := range types {
		row := engRow{EventType: strings.TrimSpace(t), Property: strings.TrimSpace(eProp[i]), Op: eOp[i], Value: strings.TrimSpace(eVal[i]),
			Points: strings.TrimSpace(ePts[i]), HalfLife: strings.TrimSpace(eHL[i]), Label: strings.TrimSpace(eLbl[i])}
		v.Eng = append(v.Eng, row)
		if row.EventType == "" && row.Property == "" && row.Value == "" && row.Points == "" && row.HalfLife == "" && row.Label == "" {
			continue
		}
		n, err := strconv.Atoi(row.Points)
		if err != nil {
			v.Eng[i].Errors = map[string]string{"points": "Give whole points, such as 10 or -20."}
			continue
		}
		hl := 0.0
		if row.HalfLife != "" {
			if hl, err = strconv.ParseFloat(row.HalfLife, 64); err != nil {
				v.Eng[i].Errors = map[string]string{"half_life_days": "Give a number of days, or leave it empty for the default."}
				continue
			}
		}
		engAt = append(engAt, i)
		rules.Engagement = append(rules.Engagement, scoring.EngagementRule{EventType: row.EventType, Property: row.Property, Op: row.Op,
			Value: row.Value, Points: n, HalfLifeDays: hl, Label: row.Label})
	}
	if r.PostFormValue("more") != "" {
		// More empty rows: the form again as typed, nothing saved or checked yet.
		for i := range v.Fit {
			v.Fit[i].Errors = nil
		}
		for i := range v.Eng {
			v.Eng[i].Errors = nil
		}
		for range blankRuleRows {
			if len(v.Fit) < maxRuleRows {
				v.Fit = append(v.Fit, fitRow{})
			}
			if len(v.Eng) < maxRuleRows {
				v.Eng = append(v.Eng, engRow{})
			}
		}
		v.MoreRows = true
		return u.showScoring(w, r, p, http.StatusOK, v)
	}
	for _, row := range v.Fit {
		if row.Errors != nil {
			return u.rulesAgain(w, r, p, v)
		}
	}
	for _, row := range v.Eng {
		if row.Errors != nil {
			return u.rulesAgain(w, r, p, v)
		}
	}
	_, _, err := u.s.store.PutScoringRules(r.Context(), rules, p.Actor())
	if err == nil {
		http.Redirect(w, r, "/scoring?saved=rules", http.StatusSeeOther)
		return nil
	}
	var e *errs.Error
	if !errs.Is(err, errs.Invalid) || !errors.As(err, &e) {
		return err
	}
	// fit[2].filter → the row shown for rule 2, field filter.
	list, idx, field, ok := parseRulePath(e.Field)
	switch {
	case ok && list == "fit" && idx < len(fitAt):
		v.Fit[fitAt[idx]].Errors = map[string]string{field: e.Message}
	case ok && list == "engagement" && idx < len(engAt):
		v.Eng[engAt[idx]].Errors = map[string]string{field: e.Message}
	default:
		v.RuleError = e.Error()
	}
	return u.rulesAgain(w, r, p, v)
}

func (u *ui) rulesAgain(w http.ResponseWriter, r *http.Request, p *Principal, v scoringView) error {
	if v.RuleError == "" {
		v.RuleError = "The rules were not saved: see the marked row."
	}
	return u.showScoring(w, r, p, http.StatusUnprocessableEntity, v)
}

// parseRulePath reads "fit[2].filter".
func parseRulePath(path string) (list string, idx int, field string, ok bool) {
	list, rest, found := strings.Cut(path, "[")
	if !found {
		return "", 0, "", false
	}
	num, field, found := strings.Cut(rest, "].")
	if !found {
		return "", 0, "", false
	}
	idx, err := strconv.Atoi(num)
	return list, idx, field, err == nil
}

func (u *ui) saveScoringSettings(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	f := settingsForm{MQLFit: r.PostFormValue("mql_fit"), MQLEngagement: r.PostFormValue("mql_engagement"), SQLFit: r.PostFormValue("sql_fit"),
		SQLEngagement: r.PostFormValue("sql_engagement"), HalfLife: r.PostFormValue("half_life_days"), Reasons: r.PostFormValue("disqualify_reasons"),
		Errors: map[string]string{}}
	var set scoring.Settings
	for _, x := range []struct {
		name, v string
		dst     *int
	}{{"mql_fit", f.MQLFit, &set.MQLFit}, {"mql_engagement", f.MQLEngagement, &set.MQLEngagement}, {"sql_fit", f.SQLFit, &set.SQLFit}, {"sql_engagement", f.SQLEngagement, &set.SQLEngagement}} {
		n, err := strconv.Atoi(strings.TrimSpace(x.v))
		if err != nil {
			f.Errors[x.name] = "Give a whole number from 0 to 100."
		}
		*x.dst = n
	}
	hl, err := strconv.ParseFloat(strings.TrimSpace(f.HalfLife), 64)
	if err != nil {
		f.Errors["half_life_days"] = "Give a number of days."
	}
	set.HalfLifeDays = hl
	for _, line := range strings.Split(f.Reasons, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			set.DisqualifyReason = append(set.DisqualifyReason, line)
		}
	}
	if len(f.Errors) == 0 {
		_, err = u.s.store.PutScoringSettings(r.Context(), set, p.Actor())
		if err == nil {
			http.Redirect(w, r, "/scoring?saved=settings#settings", http.StatusSeeOther)
			return nil
		}
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.Invalid {
			return err
		}
		name := e.Field
		if strings.HasPrefix(name, "disqualify_reasons") {
			name = "disqualify_reasons"
		}
		f.Errors[name] = e.Message
	}
	return u.showScoring(w, r, p, http.StatusUnprocessableEntity, scoringView{Settings: f})
}

func (u *ui) startRecompute(w http.ResponseWriter, r *http.Request, p *Principal) error {
	_, err := u.s.store.StartRecompute(r.Context(), p.Actor())
	if errs.Is(err, errs.Conflict) {
		return u.showScoring(w, r, p, http.StatusConflict, scoringView{RuleError: err.Error()})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/scoring?saved=recompute", http.StatusSeeOther)
	return nil
}
