package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/attribution"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/money"
	"github.com/lodestone-hq/lodestone/internal/report"
	"github.com/lodestone-hq/lodestone/internal/store"
)

// campaignFields checks what a person may set on a campaign: name, channel, UTM key,
// dates, budget and notes. Each error names its field.
func campaignFields(in campaignIn, cur money.Currency) (store.Campaign, error) {
	c := store.Campaign{Name: strings.TrimSpace(in.Name), UTMCampaign: strings.TrimSpace(in.UTMCampaign),
		StartsOn: strings.TrimSpace(in.StartsOn), EndsOn: strings.TrimSpace(in.EndsOn), Notes: in.Notes}
	if c.Name == "" {
		return c, errs.Field("name", "is required")
	}
	if err := checkText("name", c.Name, 200); err != nil {
		return c, err
	}
	if err := checkText("notes", c.Notes, 10000); err != nil {
		return c, err
	}
	if err := checkText("utm_campaign", c.UTMCampaign, 200); err != nil {
		return c, err
	}
	ch, err := attribution.ParseChannel(in.Channel)
	if err != nil {
		return c, errs.Field("channel", "must be one of %s", channelNames())
	}
	c.Channel = string(ch)
	for _, d := range []struct{ field, v string }{{"starts_on", c.StartsOn}, {"ends_on", c.EndsOn}} {
		if d.v != "" {
			if _, err := time.Parse(time.DateOnly, d.v); err != nil {
				return c, errs.Field(d.field, "must be a date such as 2026-03-01")
			}
		}
	}
	if c.StartsOn != "" && c.EndsOn != "" && c.EndsOn < c.StartsOn {
		return c, errs.Field("ends_on", "is before starts_on")
	}
	if b := strings.TrimSpace(in.Budget); b != "" {
		n, err := cur.Parse(b)
		if errors.Is(err, money.ErrPlaces) {
			return c, errs.Field("budget", "%v", err)
		}
		if err != nil || n < 0 {
			return c, errs.Field("budget", "must be a positive decimal amount such as %s", cur.Format(500000))
		}
		c.Budget, c.Currency = &n, cur.Code
	}
	return c, nil
}

// campaignLanding sets the page a new campaign's printed link and QR code lead to; a
// printed link must carry a UTM key that finds the campaign again, so one is made from
// the name when none is given.
func campaignLanding(c *store.Campaign, landing string) error {
	landing = strings.TrimSpace(landing)
	if landing == "" {
		return nil
	}
	u, err := url.Parse(landing)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(landing) > 2000 {
		return errs.Field("landing_url", "must be an http or https URL")
	}
	c.LandingURL = landing
	if c.UTMCampaign == "" {
		c.UTMCampaign = slugify(c.Name)
	}
	return nil
}

// campaignUpdateIn is the body of PUT /api/v1/campaigns/{id}: the whole editable campaign.
type campaignUpdateIn struct {
	Name        string `json:"name"`
	Channel     string `json:"channel"`
	UTMCampaign string `json:"utm_campaign"`
	StartsOn    string `json:"starts_on"`
	EndsOn      string `json:"ends_on"`
	Budget      string `json:"budget"`
	Notes       string `json:"notes"`
}

func (s *Server) handleUpdateCampaign(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in campaignUpdateIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	cur, err := s.store.Currency(r.Context())
	if err != nil {
		return err
	}
	c, err := campaignFields(campaignIn{Name: in.Name, Channel: in.Channel, UTMCampaign: in.UTMCampaign, StartsOn: in.StartsOn,
		EndsOn: in.EndsOn, Budget: in.Budget, Notes: in.Notes}, cur)
	if err != nil {
		return err
	}
	c.ID = id
	if _, err := s.store.UpdateCampaign(r.Context(), c, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	// The answer is the campaign as GET shows it: with its cost entries and their totals.
	return s.handleGetCampaign(w, r)
}

func (s *Server) handleDeleteCost(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cost, err := pathID(r, "cost")
	if err != nil {
		return err
	}
	if err := s.store.DeleteCost(r.Context(), id, cost, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"deleted": cost})
	return nil
}

// costImportJSON is what a cost import recorded, or would record on a dry run.
type costImportJSON struct {
	DryRun    bool                   `json:"dry_run"`
	Entries   int                    `json:"entries"`
	Amount    string                 `json:"amount"`
	Hours     string                 `json:"hours"`
	Campaigns []costImportCampaignJS `json:"campaigns"`
}

type costImportCampaignJS struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Entries int    `json:"entries"`
	Amount  string `json:"amount"`
	Hours   string `json:"hours"`
	amount  int64
	hours   int64
}

// importCosts reads a cost CSV and records every row, or none when a row is bad: the
// error then lists each bad row with its line and reason (details.rows).
func (s *Server) importCosts(ctx context.Context, data []byte, source string, dryRun bool, actor string) (*costImportJSON, error) {
	cur, err := s.store.Currency(ctx)
	if err != nil {
		return nil, err
	}
	rows, problems, err := report.ParseCosts(data, cur)
	if err != nil {
		return nil, errs.Field("file", "%s", strings.TrimPrefix(err.Error(), report.ErrCostFile.Error()+": "))
	}
	keys, err := s.store.CampaignKeys(ctx)
	if err != nil {
		return nil, err
	}
	campaigns, err := s.store.Campaigns(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, c := range campaigns {
		names[c.ID] = c.Name
	}
	entries := make([]store.CostEntry, 0, len(rows))
	for _, row := range rows {
		id, ok := keys[strings.ToLower(row.Campaign)]
		switch {
		case !ok:
			problems = append(problems, report.CostProblem{Line: row.Line, Field: "campaign", Reason: "no campaign has the name or UTM key " + quote(row.Campaign)})
			continue
		case id == 0:
			problems = append(problems, report.CostProblem{Line: row.Line, Field: "campaign", Reason: quote(row.Campaign) + " is one campaign's name and another's UTM key; use the other one"})
			continue
		}
		entries = append(entries, store.CostEntry{CampaignID: id, Date: row.Date, Amount: row.Amount, HoursHundredths: row.HoursHundredths, Note: row.Note, Currency: cur.Code})
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b report.CostProblem) int { return a.Line - b.Line })
		e := errs.E(errs.Invalid, "file", "%d of the rows cannot be imported; nothing was imported", len(problems))
		e.Details = map[string]any{"rows": problems}
		return nil, e
	}
	out := &costImportJSON{DryRun: dryRun, Entries: len(entries), Campaigns: []costImportCampaignJS{}}
	per := map[int64]*costImportCampaignJS{}
	var amount, hours int64
	for _, e := range entries {
		c, ok := per[e.CampaignID]
		if !ok {
			c = &costImportCampaignJS{ID: e.CampaignID, Name: names[e.CampaignID]}
			per[e.CampaignID] = c
		}
		if amount > store.MaxMoneyTotal-e.Amount {
			// Summed on, the totals would overflow and show a negative amount.
			return nil, errs.Field("file", "the amounts add up to more than %s, the most Lodestone keeps; check them", cur.Format(store.MaxMoneyTotal))
		}
		c.Entries++
		c.amount += e.Amount
		c.hours += e.HoursHundredths
		amount += e.Amount
		hours += e.HoursHundredths
	}
	out.Amount, out.Hours = cur.Format(amount), formatHours(hours)
	for _, c := range per {
		c.Amount, c.Hours = cur.Format(c.amount), formatHours(c.hours)
		out.Campaigns = append(out.Campaigns, *c)
	}
	slices.SortFunc(out.Campaigns, func(a, b costImportCampaignJS) int { return strings.Compare(a.Name, b.Name) })
	if !dryRun {
		if err := s.store.ImportCosts(ctx, entries, source, actor); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func quote(s string) string { return "“" + s + "”" }

// handleImportCosts takes the CSV as the body (text/csv) or as the file field of a
// multipart form; dry_run=true checks it and records nothing.
func (s *Server) handleImportCosts(w http.ResponseWriter, r *http.Request) error {
	data, name, err := uploadedCSV(r)
	if err != nil {
		return err
	}
	dry := r.URL.Query().Get("dry_run")
	if dry == "" && r.MultipartForm != nil {
		dry = strings.Join(r.MultipartForm.Value["dry_run"], "")
	}
	dryRun, err := parseBool("dry_run", dry)
	if err != nil {
		return err
	}
	out, err := s.importCosts(r.Context(), data, name, dryRun, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if dryRun {
		status = http.StatusOK
	}
	writeJSON(w, status, out)
	return nil
}

func parseBool(field, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, errs.Field(field, "must be true or false")
}

// uploadedCSV reads the file of a cost import from a multipart form (field "file") or
// from the body itself.
func uploadedCSV(r *http.Request) ([]byte, string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if err := r.ParseMultipartForm(MaxBody); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, "", errs.E(errs.TooLarge, "file", "the upload is larger than %d bytes; split the file", MaxBody)
			}
			return nil, "", errs.Field("file", "the form could not be read")
		}
		f, h, err := r.FormFile("file")
		if err != nil {
			return nil, "", errs.Field("file", "is required: choose a CSV file")
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return nil, "", errs.Field("file", "could not be read")
		}
		return b, h.Filename, nil
	}
	switch mt {
	case "", "text/csv", "text/plain", "application/csv", "application/vnd.ms-excel", "application/octet-stream":
	default:
		return nil, "", errs.E(errs.Unsupported, "", "send the file as text/csv or as the file field of multipart/form-data")
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, "", errs.E(errs.TooLarge, "", "the body is larger than %d bytes; split the file", MaxBody)
		}
		return nil, "", errs.Field("", "the body could not be read")
	}
	return buf.Bytes(), "api", nil
}

func init() {
	schemas["CampaignUpdate"] = props(obj{"name": str(""), "channel": str("one of the channels"), "utm_campaign": str("links tracked traffic to the campaign"),
		"starts_on": obj{"type": "string", "format": "date"}, "ends_on": obj{"type": "string", "format": "date"},
		"budget": moneyString, "notes": str("")}, "name", "channel")
	schemas["CostImport"] = props(obj{"dry_run": obj{"type": "boolean"}, "entries": obj{"type": "integer"}, "amount": moneyString, "hours": str("decimal hours"),
		"campaigns": arr(props(obj{"id": obj{"type": "integer"}, "name": str(""), "entries": obj{"type": "integer"}, "amount": moneyString, "hours": str("")}))})
	schemas["Deleted"] = props(obj{"deleted": obj{"type": "integer"}})
}
