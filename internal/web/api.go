package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/capture"
	"github.com/lodestone-hq/lodestone/internal/contact"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, name, "%q is not an id", r.PathValue(name))
	}
	return id, nil
}

// contactJSON is the API's view of a contact (SPEC section 11).
type contactJSON struct {
	*store.Contact
	Scores scoresJSON `json:"scores"`
}

type scoresJSON struct {
	Fit        int      `json:"fit"`
	Engagement int      `json:"engagement"`
	Predictive *float64 `json:"predictive"` // null until a model has scored the contact
	// PredictiveAUC is the holdout AUC of the model behind Predictive (null with it).
	PredictiveAUC *float64 `json:"predictive_auc"`
}

func toContactJSON(c *store.Contact) contactJSON {
	return contactJSON{Contact: c, Scores: scoresJSON{Fit: c.FitScore, Engagement: c.EngagementScore, Predictive: c.PredictiveScore}}
}

func (s *Server) handleListContacts(w http.ResponseWriter, r *http.Request) error {
	f, err := contactFilterFrom(r)
	if err != nil {
		return err
	}
	page, err := s.store.Contacts(r.Context(), f)
	if err != nil {
		return err
	}
	out := struct {
		Contacts   []contactJSON `json:"contacts"`
		NextCursor string        `json:"next_cursor"`
	}{Contacts: make([]contactJSON, len(page.Contacts)), NextCursor: page.NextCursor}
	for i, c := range page.Contacts {
		out.Contacts[i] = toContactJSON(c)
	}
	if err := s.withModelAUC(r.Context(), out.Contacts); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// contactFilterFrom reads the list filters of the contacts API and screen.
func contactFilterFrom(r *http.Request) (store.ContactFilter, error) {
	q := r.URL.Query()
	f := store.ContactFilter{Query: strings.TrimSpace(q.Get("q")), Cursor: q.Get("cursor")}
	if e := q.Get("email"); e != "" {
		n, err := contact.NormalizeEmail(e)
		if err != nil {
			return f, errs.Field("email", "is not a valid email address")
		}
		f.Email = n
	}
	if st := q.Get("stage"); st != "" {
		if !lifecycle.Valid(st) {
			return f, errs.Field("stage", "is not a stage; one of %s", strings.Join(lifecycle.Stages, ", "))
		}
		f.Stage = st
	}
	if o := q.Get("owner"); o != "" {
		if o == "none" {
			f.Unowned = true
		} else {
			id, err := strconv.ParseInt(o, 10, 64)
			if err != nil || id <= 0 {
				return f, errs.Field("owner", "must be a user id or none")
			}
			f.OwnerID = id
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"created_from", &f.CreatedFrom}, {"created_to", &f.CreatedTo}} {
		if v := q.Get(p.name); v != "" {
			t, err := parseDateOrTime(v)
			if err != nil {
				return f, errs.Field(p.name, "must be a date (2026-03-01) or an RFC 3339 time")
			}
			*p.dst = t
		}
	}
	// created_to is exclusive here (the screen adds a day to a date): the same day
	// twice is an empty range, a range that ends before it starts is a mistake.
	if !f.CreatedFrom.IsZero() && f.CreatedTo.Before(f.CreatedFrom) && !f.CreatedTo.IsZero() {
		return f, errs.Field("created_to", "must not be before created_from")
	}
	if err := contactSourceFilter(q, &f); err != nil {
		return f, err
	}
	if err := creditedFilterFrom(q, &f); err != nil {
		return f, err
	}
	if err := qualityFilterFrom(q, &f); err != nil {
		return f, err
	}
	if so := q.Get("sort"); so != "" && so != "newest" {
		if !store.ValidSort(so) {
			return f, errs.Field("sort", "is not an order of the list; one of newest (the default), fit, engagement")
		}
		f.Sort = so
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, errs.Field("limit", "must be a number from 1 to 500")
		}
		f.Limit = n
	}
	if len(f.Query) > 200 {
		return f, errs.Field("q", "must be at most 200 characters")
	}
	return f, nil
}

func parseDateOrTime(v string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339Nano, v)
}

func (s *Server) handleGetContact(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.store.Contact(r.Context(), id)
	if err != nil {
		return err
	}
	opt, err := apiTimelinePage(r)
	if err != nil {
		return err
	}
	out := struct {
		contactJSON
		Timeline     []*store.Event         `json:"timeline"`
		TimelineNext string                 `json:"timeline_next"`
		Deals        []dealJSON             `json:"deals"`
		Duplicates   []*store.DuplicateFlag `json:"possible_duplicates"`
	}{}
	if out.contactJSON, err = s.contactJSON(r.Context(), c); err != nil {
		return err
	}
	if out.Timeline, err = s.store.Timeline(r.Context(), id, opt); err != nil {
		return err
	}
	if n := len(out.Timeline); n == opt.Limit {
		last := out.Timeline[n-1]
		out.TimelineNext = strconv.FormatInt(last.OccurredAt.UnixMicro(), 10) + "_" + strconv.FormatInt(last.ID, 10)
	}
	deals, err := s.store.Deals(r.Context(), id)
	if err != nil {
		return err
	}
	out.Deals = make([]dealJSON, len(deals))
	cur := s.currency(r.Context())
	for i, d := range deals {
		out.Deals[i] = toDealJSON(cur, d)
	}
	if out.Duplicates, err = s.store.DuplicateFlags(r.Context(), id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// apiTimelinePage reads which page of a contact's timeline the detail holds:
// timeline_limit events (1 to 500, default 500) before timeline_before, the
// timeline_next of the previous page.
func apiTimelinePage(r *http.Request) (store.TimelineOptions, error) {
	opt := store.TimelineOptions{Limit: 500}
	q := r.URL.Query()
	if v := q.Get("timeline_limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return opt, errs.Field("timeline_limit", "must be a whole number from 1 to 500")
		}
		opt.Limit = n
	}
	if v := q.Get("timeline_before"); v != "" {
		at, id, ok := strings.Cut(v, "_")
		micros, err1 := strconv.ParseInt(at, 10, 64)
		eid, err2 := strconv.ParseInt(id, 10, 64)
		if !ok || err1 != nil || err2 != nil || eid <= 0 {
			return opt, errs.Field("timeline_before", "must be the timeline_next of the previous page")
		}
		opt.Before, opt.BeforeID = time.UnixMicro(micros).UTC(), eid
	}
	return opt, nil
}

func (s *Server) handleIngestEvents(w http.ResponseWriter, r *http.Request) error {
	var batch capture.EventBatch
	if err := decodeJSONNumbers(r, &batch); err != nil {
		return err
	}
	caps, err := capture.ParseEvents(batch, s.captureOptions(r))
	if err != nil {
		return err
	}
	for i := range caps {
		caps[i].Actor = principalOf(r.Context()).Actor()
	}
	res, err := s.store.IngestGrouped(r.Context(), caps)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"accepted": len(res), "results": res})
	return nil
}

func (s *Server) captureOptions(r *http.Request) capture.Options {
	stage := s.settings.get(r.Context(), "newsletter_stage")
	return capture.Options{Region: s.cfg.Region, NewsletterStage: stage, Now: s.store.Now()}
}

type stageIn struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
}

func (s *Server) handleSetStage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in stageIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if !lifecycle.Valid(in.Stage) {
		return errs.Field("stage", "is not a stage; one of %s", strings.Join(lifecycle.Stages, ", "))
	}
	if strings.TrimSpace(in.Reason) == "" {
		return errs.Field("reason", "is required: say why the stage changes")
	}
	if err := checkText("reason", in.Reason, 1000); err != nil {
		return err
	}
	c, err := s.store.SetStage(r.Context(), id, in.Stage, strings.TrimSpace(in.Reason), principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	out, err := s.contactJSON(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type noteIn struct {
	Body string `json:"body"`
}

func (s *Server) handleAddNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in noteIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Body) == "" {
		return errs.Field("body", "is required")
	}
	if err := checkText("body", in.Body, 10000); err != nil {
		return err
	}
	e, err := s.store.AddNote(r.Context(), id, in.Body, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

type mergeIn struct {
	LoserID int64 `json:"loser_id"`
}

func (s *Server) handleMerge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in mergeIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.LoserID <= 0 {
		return errs.Field("loser_id", "is required: the id of the contact to merge into this one")
	}
	m, err := s.store.MergeContacts(r.Context(), id, in.LoserID, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) handleUndoMerge(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.store.UndoMerge(r.Context(), id, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"undone": id})
	return nil
}

// checkText refuses text that neither engine can store faithfully.
func checkText(field, v string, max int) error {
	if len(v) > max {
		return errs.Field(field, "must be at most %d bytes", max)
	}
	if strings.ContainsRune(v, 0) || !validUTF8(v) {
		return errs.Field(field, "must be valid UTF-8 text without NUL characters")
	}
	return nil
}

// campaignIn is the body of POST /api/v1/campaigns.
type campaignIn struct {
	Name        string `json:"name"`
	Channel     string `json:"channel"`
	UTMCampaign string `json:"utm_campaign"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Budget      string `json:"budget"`
	Notes       string `json:"notes"`
	LandingURL  string `json:"landing_url"`
}

type campaignJSON struct {
	*store.Campaign
	Budget    *string `json:"budget"`
	Cost      string  `json:"cost"`
	Hours     string  `json:"hours"`
	ShortLink string  `json:"short_link,omitempty"`
	QRCode    string  `json:"qr_code,omitempty"`
}

// toCampaignJSON shows a campaign; its printed link and QR code once the link leads
// somewhere, to its landing page or to the website (the website_url setting), and
// carries the campaign's UTM key (linkProblem).
func (s *Server) toCampaignJSON(cur money.Currency, c *store.Campaign, website string) campaignJSON {
	out := campaignJSON{Campaign: c, Cost: cur.Format(c.Cost), Hours: formatHours(c.Hours)}
	if c.Budget != nil {
		b := cur.Format(*c.Budget)
		out.Budget = &b
	}
	if linkProblem(c, website) == nil {
		out.ShortLink = s.shortLink(c)
		out.QRCode = s.cfg.PublicURL() + "/api/v1/campaigns/" + itoa(c.ID) + "/qr.svg"
	}
	return out
}

func formatHours(hundredths int64) string {
	return strconv.FormatFloat(float64(hundredths)/100, 'f', -1, 64)
}

func (s *Server) handleCreateCampaign(w http.ResponseWriter, r *http.Request) error {
	var in campaignIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	cur, err := s.store.Currency(r.Context())
	if err != nil {
		return err
	}
	c, err := campaignFields(in, cur)
	if err != nil {
		return err
	}
	if err := campaignLanding(&c, in.LandingURL); err != nil {
		return err
	}
	out, err := s.store.CreateCampaign(r.Context(), c, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.toCampaignJSON(cur, out, s.settings.get(r.Context(), settingWebsiteURL)))
	return nil
}

// slugify makes a URL key from a name: "Spring Fair 2026" -> "spring-fair-2026".
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func channelNames() string {
	names := make([]string, len(attribution.Channels))
	for i, c := range attribution.Channels {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

func (s *Server) handleListCampaigns(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.Campaigns(r.Context())
	if err != nil {
		return err
	}
	out := make([]campaignJSON, len(list))
	cur := s.currency(r.Context())
	website := s.settings.get(r.Context(), settingWebsiteURL)
	for i, c := range list {
		out[i] = s.toCampaignJSON(cur, c, website)
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": out})
	return nil
}

func (s *Server) handleGetCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.store.Campaign(r.Context(), id)
	if err != nil {
		return err
	}
	costs, err := s.store.Costs(r.Context(), id)
	if err != nil {
		return err
	}
	out := struct {
		campaignJSON
		Costs []costJSON `json:"costs"`
	}{Costs: make([]costJSON, len(costs))}
	cur := s.currency(r.Context())
	for i, e := range costs {
		out.Costs[i] = toCostJSON(cur, e)
		c.Cost += e.Amount
		c.Hours += e.HoursHundredths
	}
	out.campaignJSON = s.toCampaignJSON(cur, c, s.settings.get(r.Context(), settingWebsiteURL))
	writeJSON(w, http.StatusOK, out)
	return nil
}

// costIn is the body of POST /api/v1/campaigns/{id}/costs. Hours may be a number or
// a decimal string.
type costIn struct {
	Date   string    `json:"date"`
	Amount string    `json:"amount"`
	Hours  jsonHours `json:"hours"`
	Note   string    `json:"note"`
}

type costJSON struct {
	*store.CostEntry
	Amount string `json:"amount"`
	Hours  string `json:"hours"`
}

func toCostJSON(cur money.Currency, e *store.CostEntry) costJSON {
	return costJSON{CostEntry: e, Amount: cur.Format(e.Amount), Hours: formatHours(e.HoursHundredths)}
}

func (s *Server) handleAddCost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in costIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := time.Parse("2006-01-02", in.Date); err != nil {
		return errs.Field("date", "must be a date such as 2026-03-01")
	}
	// Read from the database, not the cache: an amount is never read in the places
	// of a currency another node changed a moment ago.
	cur, err := s.store.Currency(r.Context())
	if err != nil {
		return err
	}
	amount := int64(0)
	if in.Amount != "" || !in.Hours.set {
		amount, err = cur.Parse(in.Amount)
		if err != nil {
			return errs.Field("amount", "%v", err)
		}
		if amount < 0 {
			return errs.Field("amount", "must not be negative")
		}
	}
	if err := in.Hours.err; err != nil {
		return err
	}
	if err := checkText("note", in.Note, 1000); err != nil {
		return err
	}
	e, err := s.store.AddCost(r.Context(), store.CostEntry{CampaignID: id, Date: in.Date, Amount: amount, HoursHundredths: in.Hours.hundredths, Note: in.Note, Currency: cur.Code},
		principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toCostJSON(cur, e))
	return nil
}

// dealIn is the body of POST /api/v1/deals.
type dealIn struct {
	ContactID int64  `json:"contact_id"`
	Name      string `json:"name"`
	Amount    string `json:"amount"`
	Status    string `json:"status"`
	ClosedAt  string `json:"closed_at"`
}

type dealJSON struct {
	*store.Deal
	Amount   string     `json:"amount"`
	ClosedAt *time.Time `json:"closed_at"`
}

func toDealJSON(cur money.Currency, d *store.Deal) dealJSON {
	out := dealJSON{Deal: d, Amount: cur.Format(d.Amount)}
	if !d.ClosedAt.IsZero() {
		out.ClosedAt = &d.ClosedAt
	}
	return out
}

func (s *Server) handleCreateDeal(w http.ResponseWriter, r *http.Request) error {
	var in dealIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.ContactID <= 0 {
		return errs.Field("contact_id", "is required")
	}
	cur, err := s.store.Currency(r.Context())
	if err != nil {
		return err
	}
	amount, err := cur.Parse(in.Amount)
	if err != nil {
		return errs.Field("amount", "%v", err)
	}
	if amount < 0 {
		return errs.Field("amount", "must not be negative")
	}
	d := store.Deal{ContactID: in.ContactID, Name: strings.TrimSpace(in.Name), Amount: amount, Status: in.Status, Currency: cur.Code}
	switch in.Status {
	case store.DealWon, store.DealLost, store.DealOpen:
	default:
		return errs.Field("status", "must be won, lost or open")
	}
	if err := checkText("name", d.Name, 200); err != nil {
		return err
	}
	if in.ClosedAt != "" {
		t, err := time.Parse(time.RFC3339Nano, in.ClosedAt)
		if err != nil {
			return errs.Field("closed_at", "must be an RFC 3339 time such as 2026-03-01T09:30:00Z")
		}
		if in.Status == store.DealOpen {
			return errs.Field("closed_at", "an open deal has no closing time")
		}
		// As for events: a time before 1970 (year 1 would read as no time at all) or
		// in the future is a mistake, not a sale.
		if t.Year() < 1970 {
			return errs.Field("closed_at", "is before 1970")
		}
		if t.After(s.store.Now().Add(24 * time.Hour)) {
			return errs.Field("closed_at", "is more than a day in the future")
		}
		d.ClosedAt = t.UTC()
	}
	out, err := s.store.CreateDeal(r.Context(), d, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toDealJSON(cur, out))
	return nil
}
