package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// contactList is the contacts screen: the filters as typed, one page of rows, and
// the link to the next page.
type contactList struct {
	Q, Stage, From, To string
	Sort               string        // "", fit or engagement
	Owner              string        // a user id, "none", or "" for anyone
	Owners             []*store.User // the users the owner filter offers
	// Hidden carries the filters the form has no field for (a click from a report), so
	// searching within them keeps them; Chips show every filter with a link removing it.
	Hidden      []filterParam
	Chips       []filterChip
	Contacts    []*store.Contact
	MoreURL     string
	Continued   bool       // this page follows a "Load more"
	Predictive  bool       // a predictive model exists: the list shows its column
	Problem     errs.Error // a filter that could not be read
	ProblemText string
}

// Filtered says the list is narrowed, so an empty one means "none of these" rather
// than a workspace without contacts.
func (l contactList) Filtered() bool {
	return l.Q != "" || l.Stage != "" || l.From != "" || l.To != "" || len(l.Hidden) > 0
}

func (u *ui) contacts(w http.ResponseWriter, r *http.Request, p *Principal) error {
	l, err := u.listContacts(r)
	status := http.StatusOK
	var e *errs.Error
	switch {
	case errors.As(err, &e) && e.Code == errs.Invalid:
		// A filter that cannot be read is shown next to the filters, not as an error page.
		l.Problem, l.ProblemText, status = *e, e.Error(), http.StatusUnprocessableEntity
		if label, ok := filterLabels[e.Field]; ok {
			l.ProblemText = label + " " + e.Message
		}
	case err != nil:
		return err
	}
	w.Header().Set("Vary", "HX-Request")
	if htmxFragment(r) {
		u.renderTemplate(w, r, status, "contacts", "contact_rows", l)
		return nil
	}
	u.render(w, r, status, "contacts", view{Title: "Contacts", Nav: "contacts", User: p, Data: l})
	return nil
}

// listContacts reads the filters and finds one page of contacts.
func (u *ui) listContacts(r *http.Request) (contactList, error) {
	q := r.URL.Query()
	l := contactList{Q: q.Get("q"), Stage: q.Get("stage"), From: q.Get("created_from"), To: q.Get("created_to"), Owner: q.Get("owner"),
		Sort: q.Get("sort"), Continued: q.Get("cursor") != ""}
	users, err := u.s.store.Users(r.Context())
	if err != nil {
		return l, err
	}
	// Every user, disabled and read-only ones too: they may still own contacts from
	// before.
	l.Owners = users
	for _, k := range linkedFilters {
		if q.Has(k) {
			l.Hidden = append(l.Hidden, filterParam{Name: k, Value: q.Get(k)})
		}
	}
	f, err := contactFilterFrom(r)
	if err != nil {
		return l, err
	}
	l.Chips = u.filterChips(r, q)
	if len(l.To) == len("2006-01-02") {
		// A person picking "to March 31" means the whole of that day.
		f.CreatedTo = f.CreatedTo.AddDate(0, 0, 1)
	}
	page, err := u.s.store.Contacts(r.Context(), f)
	if err != nil {
		return l, err
	}
	l.Contacts = page.Contacts
	if _, l.Predictive, err = u.s.store.PredictiveAUC(r.Context()); err != nil {
		return l, err
	}
	if page.NextCursor != "" {
		more := url.Values{}
		for _, k := range append([]string{"q", "stage", "owner", "created_from", "created_to", "sort"}, linkedFilters...) {
			// A rejection without a reason is reason="", kept as given.
			if v := q.Get(k); v != "" || k == "reason" && q.Has(k) {
				more.Set(k, v)
			}
		}
		more.Set("cursor", page.NextCursor)
		l.MoreURL = "/contacts?" + more.Encode()
	}
	return l, nil
}

// filterLabels name the filters as the screen labels them.
var filterLabels = map[string]string{"q": "Search", "stage": "Stage", "owner": "Owner", "created_from": "Created from", "created_to": "Created to", "cursor": "The page link",
	"channel": "Channel", "campaign": "Campaign", "reached": "Reached", "attribute": "Attribute", "value": "Value",
	"credited": "Credited model", "credited_by": "Credited grouping", "credited_channel": "Credited channel", "credited_campaign": "Credited campaign",
	"credited_kind": "Credited figure", "credited_from": "Credited from", "credited_to": "Credited to",
	"quality": "Quality figure", "reason": "Rejection reason", "sort": "Sort"}
