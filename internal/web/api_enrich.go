package web

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/enrich"
	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/predict"
	"github.com/lodestone-hq/lodestone/internal/store"
)

func init() {
	schemas["CompanyImportResult"] = props(obj{"created": obj{"type": "integer"}, "updated": obj{"type": "integer"},
		"rejected": arr(props(obj{"line": obj{"type": "integer"}, "field": str("domain, name, industry, employees or country"), "message": str("")}))})
	schemas["EnrichmentSettings"] = props(obj{"geoip_path": str("path of a MaxMind-format database (GeoLite2-City or similar) on the server; empty for none"),
		"provider_url":     str("company data provider: GET URL with {domain}, answering JSON name, industry, employees, country"),
		"provider_key_set": obj{"type": "boolean", "description": "whether a provider key is stored (it is never shown)"}})
	schemas["EnrichmentSettingsInput"] = props(obj{"geoip_path": nullable(str("null leaves it, empty clears it")),
		"provider_url": nullable(str("null leaves it, empty clears it")), "provider_key": nullable(str("a secret; null leaves it, empty clears it"))})
	schemas["Enrichment"] = props(obj{"status": obj{"type": "object", "description": "contacts enriched and waiting, counts by email type, seniority and department, companies by data source"},
		"settings":    ref("EnrichmentSettings"),
		"title_rules": props(obj{"seniority": arr(props(obj{"phrase": str(""), "value": str("")})), "department": arr(props(obj{"phrase": str(""), "value": str("")}))})})
	weight := props(obj{"feature": str(""), "value": str("the categorical value; empty for a number"), "weight": obj{"type": "number", "description": "log-odds; per standard deviation for a number"}})
	schemas["PredictiveModel"] = props(obj{
		"model": nullable(props(obj{"id": obj{"type": "integer"}, "trained_at": obj{"type": "string", "format": "date-time"},
			"auc":     nullable(obj{"type": "number", "description": "holdout AUC, 0.5 is chance, 1 is perfect"}),
			"trained": obj{"type": "integer"}, "holdout": obj{"type": "integer"}, "customers": obj{"type": "integer"}, "lost": obj{"type": "integer"},
			"strongest": arr(weight)})),
		"outcomes":  props(obj{"customers": obj{"type": "integer"}, "lost": obj{"type": "integer"}}),
		"ready":     obj{"type": "boolean", "description": "whether there are enough known outcomes to train"},
		"message":   str("why training is refused, when it is"),
		"training":  props(obj{"queued": obj{"type": "integer"}, "running": obj{"type": "integer"}}),
		"minimum":   props(obj{"outcomes": obj{"type": "integer"}, "per_kind": obj{"type": "integer"}}),
		"top_leads": arr(props(obj{"id": obj{"type": "integer"}, "name": str(""), "stage": str(""), "predictive": obj{"type": "number"}}))})
	schemas["TrainQueued"] = props(obj{"job_id": obj{"type": "integer"}})
}

// maxCompanyList is the largest company list the API takes in one request.
const maxCompanyList = MaxBody

type companyImportJSON struct {
	Created  int               `json:"created"`
	Updated  int               `json:"updated"`
	Rejected []enrich.RowError `json:"rejected"`
}

// importCompanies parses and stores a company list; shared by the API and the page.
func (s *Server) importCompanies(ctx context.Context, r io.Reader, actor string) (*companyImportJSON, error) {
	list, bad, err := enrich.ParseCompanies(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errs.E(errs.TooLarge, "file", "the company list is larger than %d bytes; split it", mbe.Limit)
		}
		return nil, errs.Field("file", "%s", err.Error())
	}
	data := make([]store.CompanyData, len(list))
	for i, c := range list {
		data[i] = store.CompanyData{Domain: c.Domain, Name: c.Name, Industry: c.Industry, Size: c.Size(), Employees: c.Employees, Country: c.Country}
	}
	out := &companyImportJSON{Rejected: bad}
	if out.Rejected == nil {
		out.Rejected = []enrich.RowError{}
	}
	if len(data) > 0 {
		if out.Created, out.Updated, err = s.store.ImportCompanies(ctx, data, actor); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Server) handleImportCompanies(w http.ResponseWriter, r *http.Request) error {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if ct != "" && !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") && !strings.HasPrefix(ct, "application/octet-stream") {
		return errs.E(errs.Unsupported, "", "send the company list as text/csv")
	}
	out, err := s.importCompanies(r.Context(), r.Body, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type enrichSettingsJSON struct {
	GeoIPPath      string `json:"geoip_path"`
	ProviderURL    string `json:"provider_url"`
	ProviderKeySet bool   `json:"provider_key_set"`
}

func (s *Server) enrichSettings(ctx context.Context) (enrichSettingsJSON, error) {
	var out enrichSettingsJSON
	var err error
	if out.GeoIPPath, err = s.store.Setting(ctx, enrich.SettingGeoIPPath); err != nil {
		return out, err
	}
	if out.ProviderURL, err = s.store.Setting(ctx, enrich.SettingProviderURL); err != nil {
		return out, err
	}
	key, err := s.store.Setting(ctx, enrich.SettingProviderKey)
	out.ProviderKeySet = key != ""
	return out, err
}

type enrichmentJSON struct {
	Status     *store.EnrichmentStatus `json:"status"`
	Settings   enrichSettingsJSON      `json:"settings"`
	TitleRules struct {
		Seniority  []enrich.TitleRule `json:"seniority"`
		Department []enrich.TitleRule `json:"department"`
	} `json:"title_rules"`
}

func (s *Server) enrichment(ctx context.Context) (*enrichmentJSON, error) {
	var out enrichmentJSON
	var err error
	if out.Status, err = s.store.EnrichmentStatus(ctx); err != nil {
		return nil, err
	}
	if out.Settings, err = s.enrichSettings(ctx); err != nil {
		return nil, err
	}
	out.TitleRules.Seniority, out.TitleRules.Department = enrich.SeniorityRules, enrich.DepartmentRules
	return &out, nil
}

func (s *Server) handleGetEnrichment(w http.ResponseWriter, r *http.Request) error {
	out, err := s.enrichment(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type enrichSettingsIn struct {
	GeoIPPath   *string `json:"geoip_path"`
	ProviderURL *string `json:"provider_url"`
	ProviderKey *string `json:"provider_key"`
}

// saveEnrichSettings checks and stores the settings given (nil leaves one alone).
func (s *Server) saveEnrichSettings(ctx context.Context, in enrichSettingsIn, actor string) error {
	values := map[string]string{}
	if in.GeoIPPath != nil {
		path := strings.TrimSpace(*in.GeoIPPath)
		if path != "" {
			if err := checkText("geoip_path", path, 1000); err != nil {
				return err
			}
			g, err := enrich.OpenGeoIP(path)
			if err != nil {
				return errs.Field("geoip_path", "is not a MaxMind-format database this server can read (%s)", friendlyOpenError(err))
			}
			g.Close()
		}
		values[enrich.SettingGeoIPPath] = path
	}
	if in.ProviderURL != nil {
		raw := strings.TrimSpace(*in.ProviderURL)
		if raw != "" {
			u, err := url.Parse(strings.ReplaceAll(raw, "{domain}", "example.com"))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > 1000 {
				return errs.Field("provider_url", "must be an http or https URL, with {domain} where the company's domain goes")
			}
			if err := enrich.CheckOutboundURL(u.String(), s.cfg.AllowPrivateOutbound); err != nil {
				return errs.Field("provider_url", "%v", err)
			}
		}
		values[enrich.SettingProviderURL] = raw
	}
	if in.ProviderKey != nil {
		key := strings.TrimSpace(*in.ProviderKey)
		if err := checkText("provider_key", key, 1000); err != nil {
			return err
		}
		values[enrich.SettingProviderKey] = key
	}
	if len(values) == 0 {
		return nil
	}
	return s.store.SetSecretSettings(ctx, values, actor, "enrichment")
}

// friendlyOpenError says in a few words why a database did not open.
func friendlyOpenError(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "no such file"
	}
	msg := err.Error()
	if len(msg) > 120 {
		msg = msg[:120]
	}
	return msg
}

func (s *Server) handlePutEnrichSettings(w http.ResponseWriter, r *http.Request) error {
	var in enrichSettingsIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.saveEnrichSettings(r.Context(), in, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	out, err := s.enrichSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type predictiveJSON struct {
	Model    *predictiveModelJSON `json:"model"`
	Outcomes struct {
		Customers int `json:"customers"`
		Lost      int `json:"lost"`
	} `json:"outcomes"`
	Ready    bool   `json:"ready"`
	Message  string `json:"message"`
	Training struct {
		Queued  int64 `json:"queued"`
		Running int64 `json:"running"`
	} `json:"training"`
	Minimum struct {
		Outcomes int `json:"outcomes"`
		PerKind  int `json:"per_kind"`
	} `json:"minimum"`
	TopLeads []predictedLeadJSON `json:"top_leads"`
}

type predictiveModelJSON struct {
	ID        int64            `json:"id"`
	TrainedAt time.Time        `json:"trained_at"`
	AUC       *float64         `json:"auc"`
	Trained   int              `json:"trained"`
	Holdout   int              `json:"holdout"`
	Customers int              `json:"customers"`
	Lost      int              `json:"lost"`
	Strongest []predict.Weight `json:"strongest"`
}

type predictedLeadJSON struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Stage      string  `json:"stage"`
	Predictive float64 `json:"predictive"`
}

func (s *Server) predictive(ctx context.Context) (*predictiveJSON, error) {
	var out predictiveJSON
	var err error
	out.Minimum.Outcomes, out.Minimum.PerKind = predict.DefaultMinOutcomes, predict.DefaultMinPerClass
	if out.Outcomes.Customers, out.Outcomes.Lost, err = s.store.PredictiveOutcomes(ctx); err != nil {
		return nil, err
	}
	out.Ready = predict.Enough(out.Outcomes.Customers, out.Outcomes.Lost)
	if !out.Ready {
		out.Message = (&predict.RefusalError{Customers: out.Outcomes.Customers, Lost: out.Outcomes.Lost,
			MinOutcomes: predict.DefaultMinOutcomes, MinPerClass: predict.DefaultMinPerClass}).Error()
	}
	pm, err := s.store.LatestPredictiveModel(ctx)
	switch {
	case errs.Is(err, errs.NotFound):
	case err != nil:
		return nil, err
	default:
		m := pm.Model
		out.Model = &predictiveModelJSON{ID: pm.ID, TrainedAt: pm.TrainedAt, AUC: m.AUC, Trained: m.Trained, Holdout: m.Holdout,
			Customers: m.Positives, Lost: m.Negatives, Strongest: m.Strongest(12)}
	}
	stats, err := s.store.JobStats(ctx, store.PredictiveTrainJob)
	if err != nil {
		return nil, err
	}
	out.Training.Queued, out.Training.Running = stats[store.JobQueued], stats[store.JobRunning]
	top, err := s.store.TopPredicted(ctx, 10)
	if err != nil {
		return nil, err
	}
	out.TopLeads = []predictedLeadJSON{}
	for _, c := range top {
		out.TopLeads = append(out.TopLeads, predictedLeadJSON{ID: c.ID, Name: c.Name(), Stage: c.Stage, Predictive: *c.PredictiveScore})
	}
	return &out, nil
}

func (s *Server) handleGetPredictive(w http.ResponseWriter, r *http.Request) error {
	out, err := s.predictive(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// queueTraining refuses clearly when there are too few outcomes, and otherwise
// queues the retraining job.
func (s *Server) queueTraining(ctx context.Context, actor string) (int64, error) {
	customers, lost, err := s.store.PredictiveOutcomes(ctx)
	if err != nil {
		return 0, err
	}
	if !predict.Enough(customers, lost) {
		return 0, errs.E(errs.Unprocessable, "", "%s", (&predict.RefusalError{Customers: customers, Lost: lost,
			MinOutcomes: predict.DefaultMinOutcomes, MinPerClass: predict.DefaultMinPerClass}).Error())
	}
	return s.store.QueuePredictiveTraining(ctx, actor)
}

func (s *Server) handleTrainPredictive(w http.ResponseWriter, r *http.Request) error {
	id, err := s.queueTraining(r.Context(), principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]int64{"job_id": id})
	return nil
}
