package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/auth"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// contactView is everything the contact screen shows.
type contactView struct {
	C          *store.Contact
	MergedInto *store.Contact // the contact this one was merged into, if it was
	Stages     []stageStep
	Timeline   []timelineItem
	Deals      []*store.Deal
	Duplicates []duplicateView
	CanWrite   bool
	CanMerge   bool
	Notice     string // a problem with the last action that belongs to no field
	Note       formState
	StageForm  formState
	OwnerForm  formState
	Owners     []*store.User // the users a contact can be assigned to
	// Scoring and qualification.
	Scores     *store.ContactScores
	Reasons    []string // the workspace's disqualify reasons
	Questions  []qualQuestion
	Predictive string // the predictive score as a percentage; "" before a model scored the contact
	// PredictiveAUC is the holdout AUC of the model behind it, to two decimals.
	PredictiveAUC string
	Qualify       formState
	RejectForm    formState
	DisqualForm   formState
	// Before is the time the shown page of the timeline ends at; Older links the next page.
	Before time.Time
	Older  string
}

// formState is a form as it was sent back, with its problems by field.
type formState struct {
	Values map[string]string
	Errors map[string]string
}

type stageStep struct {
	Stage   string
	Reached bool
	Current bool
	At      time.Time
}

type duplicateView struct {
	Other  *store.Contact
	Reason string
}

func (u *ui) contact(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return u.showContact(w, r, p, id, http.StatusOK, contactView{})
}

// timelinePage is how many events the contact page shows at once.
const timelinePage = 100

// showContact renders a contact's page; v carries the state of a form sent back.
func (u *ui) showContact(w http.ResponseWriter, r *http.Request, p *Principal, id int64, status int, v contactView) error {
	ctx := r.Context()
	c, err := u.s.store.Contact(ctx, id)
	if err != nil {
		return err
	}
	v.C = c
	if c.MergedIntoID != 0 {
		if v.MergedInto, err = u.s.store.Contact(ctx, c.MergedIntoID); err != nil {
			return err
		}
	}
	v.CanWrite = auth.Can(p.Role, auth.WriteLeads) && c.MergedIntoID == 0
	v.CanMerge = auth.Can(p.Role, auth.MergeContacts) && c.MergedIntoID == 0
	for _, st := range lifecycle.Stages {
		at, ok := c.StageEnteredAt[st]
		v.Stages = append(v.Stages, stageStep{Stage: st, Reached: ok, Current: st == c.Stage, At: at})
	}
	var beforeID int64
	if b := r.URL.Query().Get("before"); b != "" {
		if t, err := time.Parse(time.RFC3339Nano, b); err == nil {
			v.Before = t
			beforeID, _ = strconv.ParseInt(r.URL.Query().Get("before_id"), 10, 64)
		}
	}
	// A page of the timeline at a time keeps a long history's page fast.
	events, err := u.s.store.Timeline(ctx, id, store.TimelineOptions{Limit: timelinePage, Before: v.Before, BeforeID: beforeID})
	if err != nil {
		return err
	}
	if len(events) == timelinePage {
		last := events[len(events)-1]
		v.Older = "/contacts/" + itoa(id) + "?" + url.Values{"before": {last.OccurredAt.Format(time.RFC3339Nano)}, "before_id": {itoa(last.ID)}}.Encode() + "#timeline"
	}
	users, err := u.s.store.Users(ctx)
	if err != nil {
		return err
	}
	v.Timeline = timeline(u.s.currency(ctx), id, events, users)
	for _, u := range users {
		// The owner it has stays on the list, so that saving the form keeps it.
		if !u.Disabled && u.Role != store.RoleReadOnly || c.Owner != nil && c.Owner.ID == u.ID {
			v.Owners = append(v.Owners, u)
		}
	}
	describeQualification(v.Timeline, events)
	if v.Deals, err = u.s.store.Deals(ctx, id); err != nil {
		return err
	}
	flags, err := u.s.store.DuplicateFlags(ctx, id)
	if err != nil {
		return err
	}
	for _, f := range flags {
		other := f.OtherID
		if other == id {
			other = f.ContactID
		}
		oc, err := u.s.store.Contact(ctx, other)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return err
		}
		v.Duplicates = append(v.Duplicates, duplicateView{Other: oc, Reason: f.Reason})
	}
	if v.Scores, err = u.s.store.ContactScores(ctx, id, 10); err != nil {
		return err
	}
	set, err := u.s.store.ScoringSettings(ctx)
	if err != nil {
		return err
	}
	v.Reasons = set.DisqualifyReason
	v.Questions = qualificationQuestions
	if c.PredictiveScore != nil {
		v.Predictive = strconv.FormatFloat(*c.PredictiveScore*100, 'f', 0, 64) + "%"
		auc, ok, err := u.s.store.PredictiveAUC(ctx)
		if err != nil {
			return err
		}
		if ok {
			v.PredictiveAUC = strconv.FormatFloat(auc, 'f', 2, 64)
		}
	}
	u.render(w, r, status, "contact", view{Title: c.Name(), Nav: "contacts", User: p, Data: v})
	return nil
}

// afterAction answers a contact form: back to the contact page when it worked
// (POST-redirect-GET), or the page again with the problem shown next to its field.
func (u *ui) afterAction(w http.ResponseWriter, r *http.Request, p *Principal, id int64, err error, v *contactView, form *formState) error {
	if err == nil {
		http.Redirect(w, r, "/contacts/"+itoa(id), http.StatusSeeOther)
		return nil
	}
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.NotFound || e.Code == errs.Internal {
		return err
	}
	if form != nil && e.Field != "" && e.Field != "contact_id" {
		if form.Errors == nil {
			form.Errors = map[string]string{}
		}
		form.Errors[e.Field] = e.Message
	} else {
		v.Notice = e.Message
	}
	return u.showContact(w, r, p, id, http.StatusUnprocessableEntity, *v)
}

func (u *ui) addNote(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	body := strings.TrimSpace(r.PostFormValue("body"))
	var v contactView
	v.Note.Values = map[string]string{"body": body}
	switch {
	case body == "":
		err = errs.Field("body", "Write something first.")
	default:
		err = checkText("body", body, 10000)
	}
	if err == nil {
		_, err = u.s.store.AddNote(r.Context(), id, body, p.Actor())
	}
	return u.afterAction(w, r, p, id, err, &v, &v.Note)
}

func (u *ui) setStage(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	stage, reason := r.PostFormValue("stage"), strings.TrimSpace(r.PostFormValue("reason"))
	var v contactView
	v.StageForm.Values = map[string]string{"stage": stage, "reason": reason}
	switch {
	case !lifecycle.Valid(stage):
		err = errs.Field("stage", "Pick a stage.")
	case reason == "":
		err = errs.Field("reason", "Say why the stage changes; it goes on the timeline.")
	default:
		err = checkText("reason", reason, 1000)
	}
	if err == nil {
		_, err = u.s.store.SetStage(r.Context(), id, stage, reason, p.Actor())
	}
	return u.afterAction(w, r, p, id, err, &v, &v.StageForm)
}

// assignOwner gives the contact an owner, or none when owner_id is empty.
func (u *ui) assignOwner(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	owner, reason := r.PostFormValue("owner_id"), strings.TrimSpace(r.PostFormValue("reason"))
	var v contactView
	v.OwnerForm.Values = map[string]string{"owner_id": owner, "reason": reason}
	var to int64
	if owner != "" {
		if to, err = formID(owner); err != nil {
			err = errs.Field("owner_id", "Pick a user from the list.")
		}
	}
	if err == nil {
		err = checkText("reason", reason, 1000)
	}
	if err == nil {
		_, err = u.s.store.AssignOwner(r.Context(), id, to, reason, p.Actor())
	}
	return u.afterAction(w, r, p, id, err, &v, &v.OwnerForm)
}

func (u *ui) merge(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	loser, err := formID(r.PostFormValue("loser_id"))
	if err == nil {
		_, err = u.s.store.MergeContacts(r.Context(), id, loser, p.Actor())
	}
	return u.afterAction(w, r, p, id, err, &contactView{}, nil)
}

func (u *ui) undoMerge(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mergeID, err := pathID(r, "merge")
	if err != nil {
		return err
	}
	err = u.s.store.UndoMerge(r.Context(), mergeID, p.Actor())
	return u.afterAction(w, r, p, id, err, &contactView{}, nil)
}

func formID(v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Field("loser_id", "Pick the contact to merge.")
	}
	return id, nil
}

// qualQuestion is one question of the qualification form with its answers.
type qualQuestion struct {
	Name, Label string
	Options     []qualOption
}

type qualOption struct{ Value, Label string }

func qualOptions(values []string) []qualOption {
	out := make([]qualOption, len(values))
	for i, v := range values {
		l := strings.ReplaceAll(v, "_", " ")
		out[i] = qualOption{v, strings.ToUpper(l[:1]) + l[1:]}
	}
	return out
}

var qualificationQuestions = []qualQuestion{
	{"budget", "Budget", qualOptions(lifecycle.BudgetAnswers)},
	{"authority", "Authority", qualOptions(lifecycle.AuthorityAnswers)},
	{"need", "Need", qualOptions(lifecycle.NeedAnswers)},
	{"timeline", "Timeline", qualOptions(lifecycle.TimelineAnswers)},
	{"product_fit", "Product fit", qualOptions(lifecycle.ProductFitAnswers)},
}

func (u *ui) acceptSQL(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = u.s.store.AcceptSQL(r.Context(), id, "", p.Actor())
	return u.afterAction(w, r, p, id, err, &contactView{}, nil)
}

func (u *ui) rejectSQL(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var v contactView
	v.RejectForm.Values = map[string]string{"reason": reason}
	if reason == "" {
		err = errs.Field("reason", "Say why sales rejects this lead; it goes on the timeline.")
	} else {
		err = checkText("reason", reason, 1000)
	}
	if err == nil {
		_, err = u.s.store.RejectSQL(r.Context(), id, reason, p.Actor())
	}
	return u.afterAction(w, r, p, id, err, &v, &v.RejectForm)
}

func (u *ui) disqualify(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	reason := r.PostFormValue("reason")
	var v contactView
	v.DisqualForm.Values = map[string]string{"reason": reason}
	_, err = u.s.store.Disqualify(r.Context(), id, reason, p.Actor())
	return u.afterAction(w, r, p, id, err, &v, &v.DisqualForm)
}

func (u *ui) qualify(w http.ResponseWriter, r *http.Request, p *Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(errs.Invalid, "", "The form could not be read.")
	}
	q := lifecycle.Qualification{Budget: r.PostFormValue("budget"), Authority: r.PostFormValue("authority"), Need: r.PostFormValue("need"),
		Timeline: r.PostFormValue("timeline"), ProductFit: r.PostFormValue("product_fit"), Notes: r.PostFormValue("notes")}
	var v contactView
	v.Qualify.Values = map[string]string{"budget": q.Budget, "authority": q.Authority, "need": q.Need, "timeline": q.Timeline,
		"product_fit": q.ProductFit, "notes": q.Notes}
	_, err = u.s.store.Qualify(r.Context(), id, q, p.Actor())
	return u.afterAction(w, r, p, id, err, &v, &v.Qualify)
}

// describeQualification labels the events of qualification and the hand-over to
// sales on the timeline, with the answers given.
func describeQualification(items []timelineItem, events []*store.Event) {
	labels := map[string]string{"qualified": "Qualified", "sql_accepted": "Accepted by sales", "sql_rejected": "Rejected by sales"}
	for i, e := range events {
		l, ok := labels[e.Type]
		if !ok || i >= len(items) {
			continue
		}
		items[i].Label = l
		if e.Type == "sql_rejected" {
			items[i].Kind = "stage"
		}
		if e.Type != "qualified" {
			if n, _ := e.Properties["note"].(string); n != "" {
				items[i].Body = n
			}
			continue
		}
		items[i].Details = nil
		for _, q := range qualificationQuestions {
			v, _ := e.Properties[q.Name].(string)
			if v == "" || v == "unknown" {
				continue
			}
			for _, o := range q.Options {
				if o.Value == v {
					v = o.Label
				}
			}
			items[i].Details = append(items[i].Details, detail{Label: q.Label, Value: v})
		}
		items[i].Body, _ = e.Properties["notes"].(string)
	}
}
