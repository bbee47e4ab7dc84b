package web

import (
	"fmt"
	"math"
	"net/http"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/predict"
)

// predictView is what the predictive score page shows.
type predictView struct {
	*predictiveJSON
	CanTrain bool
	Queued   bool
	Error    string
	Quality  string // the AUC in words
	AUCText  string // the AUC to two decimals, or a dash
	Bars     []weightBar
	Busy     bool // a training is queued or running: the page refreshes itself
	// SVGHeight is the height of the chart of weights.
	SVGHeight int
	Leads     []predictedLead
}

// predictedLead is a row of the best open leads.
type predictedLead struct {
	ID      int64
	Name    string
	Stage   string
	Percent string
}

// weightBar is one feature weight drawn as a bar left (against) or right (for) of
// the middle of an SVG 600 units wide.
type weightBar struct {
	Label    string
	Weight   string
	X, Width float64
	TextY    int
	RectY    int
	For      bool
}

const barMid, barHalf = 400.0, 190.0

func weightBars(ws []predict.Weight) []weightBar {
	top := 0.0
	for _, w := range ws {
		top = math.Max(top, math.Abs(w.Weight))
	}
	var out []weightBar
	for i, w := range ws {
		label := featureLabel(w.Feature)
		if w.Value != "" {
			label += ": " + valueLabel(w.Feature, w.Value)
		}
		width := 0.0
		if top > 0 {
			width = math.Round(math.Abs(w.Weight)/top*barHalf*10) / 10
		}
		b := weightBar{Label: label, Weight: fmt.Sprintf("%+.2f", w.Weight), Width: width, TextY: i*28 + 18, RectY: i*28 + 6, For: w.Weight > 0}
		b.X = barMid
		if !b.For {
			b.X = barMid - width
		}
		out = append(out, b)
	}
	return out
}

// featureLabel names a feature in the product's words.
func featureLabel(f string) string {
	names := map[string]string{"channel": "First touch channel", "seniority": "Seniority", "department": "Department",
		"email_type": "Email type", "phone_type": "Phone line", "country": "Country", "industry": "Industry",
		"company_size": "Company size", "fit_score": "Fit score", "engagement_score": "Engagement score"}
	if n, ok := names[f]; ok {
		return n
	}
	if len(f) > 7 && f[:7] == "events_" {
		return "Number of " + eventLabel(f[7:])
	}
	return f
}

func eventLabel(t string) string {
	labels := map[string]string{"page_view": "page views", "form_submit": "form submissions", "email_open": "email opens",
		"email_click": "email clicks", "unsubscribe": "unsubscribes", "demo_request": "demo requests", "trial_signup": "trial sign-ups",
		"meeting_booked": "meetings booked", "call": "calls", "referral": "referrals"}
	if l, ok := labels[t]; ok {
		return l
	}
	return t
}

// aucQuality puts a holdout AUC into words a marketer can act on.
func aucQuality(auc *float64) string {
	switch {
	case auc == nil:
		return "not measured"
	case *auc >= 0.9:
		return "excellent"
	case *auc >= 0.8:
		return "good"
	case *auc >= 0.7:
		return "fair"
	case *auc >= 0.6:
		return "weak"
	}
	return "no better than chance"
}

func (u *ui) renderPredictive(w http.ResponseWriter, r *http.Request, p *Principal, status int, v predictView) error {
	data, err := u.s.predictive(r.Context())
	if err != nil {
		return err
	}
	v.predictiveJSON = data
	v.CanTrain = auth.Can(p.Role, auth.ManageMarketing)
	v.Busy = data.Training.Queued+data.Training.Running > 0
	v.AUCText = "—"
	if data.Model != nil {
		if data.Model.AUC != nil {
			v.AUCText = fmt.Sprintf("%.2f", *data.Model.AUC)
		}
		v.Quality = aucQuality(data.Model.AUC)
		v.Bars = weightBars(data.Model.Strongest)
		v.SVGHeight = len(v.Bars) * 28
	}
	for _, l := range data.TopLeads {
		v.Leads = append(v.Leads, predictedLead{ID: l.ID, Name: l.Name, Stage: l.Stage, Percent: fmt.Sprintf("%.0f %%", l.Predictive*100)})
	}
	u.render(w, r, status, "predict", view{Title: "Predictive score", Nav: "scoring", User: p, Data: v})
	return nil
}

func (u *ui) predictivePage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	return u.renderPredictive(w, r, p, http.StatusOK, predictView{Queued: r.URL.Query().Get("queued") == "1"})
}

func (u *ui) trainPredictivePage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	if _, err := u.s.queueTraining(r.Context(), p.Actor()); err != nil {
		msg, _, status, ok := formError(err)
		if !ok {
			return err
		}
		return u.renderPredictive(w, r, p, status, predictView{Error: msg})
	}
	http.Redirect(w, r, "/scoring/predictive?queued=1", http.StatusSeeOther)
	return nil
}
