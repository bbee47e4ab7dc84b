package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/lifecycle"
	"github.com/lodestone-hq/lodestone/internal/scoring"
	"github.com/lodestone-hq/lodestone/internal/store"
)

func init() {
	integer := func(d string) obj { return obj{"type": "integer", "description": d} }
	num := func(d string) obj { return obj{"type": "number", "description": d} }
	when := obj{"type": "string", "format": "date-time"}
	schemas["FitRule"] = props(obj{"id": integer("rule number, 1, 2, … in order; set by the server"),
		"filter": str("a filter in the text form of the filter language, e.g. seniority in (\"vp\", \"executive\") and company.size = \"51-200\""),
		"points": integer("-100 to 100, not 0"), "label": str("a short name shown in breakdowns")}, "filter", "points")
	schemas["EngagementRule"] = props(obj{"id": integer("rule number; set by the server"), "event_type": str("page_view, email_click, form_submit, … or a custom type"),
		"property": str("an event property to look at, e.g. page_url"), "op": obj{"type": "string", "enum": []string{"contains", "equals"}},
		"value": str("compared with the property, ignoring case"), "points": integer("-100 to 100, not 0, per event"),
		"half_life_days": num("the points halve every this many days; 0 for the workspace default"), "label": str("")}, "event_type", "points")
	schemas["ScoringRulesInput"] = props(obj{"fit": arr(ref("FitRule")), "engagement": arr(ref("EngagementRule"))})
	schemas["Recompute"] = props(obj{"id": integer(""), "version": integer("the rule version it puts in force"),
		"state": obj{"type": "string", "enum": []string{"running", "done", "superseded"}}, "total": integer("contacts to score"), "done": integer("contacts scored so far"),
		"percent": integer("0–100"), "started_at": when, "finished_at": when})
	schemas["ScoringRules"] = props(obj{"version": integer("0 before any rules are saved"), "state": obj{"type": "string", "enum": []string{"pending", "active"}},
		"rules": ref("ScoringRulesInput"), "active_version": integer("the version stored scores follow"), "created_at": when, "created_by": str(""),
		"recompute": nullable(ref("Recompute"))})
	schemas["ScoringSettings"] = props(obj{"mql_fit": integer("default 40"), "mql_engagement": integer("default 25"), "sql_fit": integer("default 60"),
		"sql_engagement": integer("default 60"), "half_life_days": num("default half-life of engagement points, default 30"),
		"disqualify_reasons": arr(str(""))})
	schemas["ContactScores"] = props(obj{"fit": integer("stored, 0–100"), "engagement": integer("stored as of scored_at"), "scored_at": when,
		"predictive": nullable(num("0–1")), "rules_version": integer(""),
		"breakdown": props(obj{"fit": integer("now"), "engagement": integer("decayed to now"), "fit_raw": integer("sum before capping"), "engagement_raw": num("sum before capping"),
			"fit_rules":         arr(props(obj{"rule_id": integer(""), "filter": str(""), "label": str(""), "points": integer("")})),
			"engagement_events": arr(props(obj{"rule_id": integer(""), "label": str(""), "event_id": integer(""), "event_type": str(""), "at": when, "points": integer(""), "contribution": num("points left after decay")})),
			"at":                when}),
		"stage_engagement": integer("engagement earned since the contact was last recycled; what the MQL and SQL thresholds look at"),
		"history":          arr(props(obj{"at": when, "fit_old": integer(""), "fit_new": integer(""), "engagement_old": integer(""), "engagement_new": integer(""), "reason": str("")}))})
	schemas["Accept"] = props(obj{"note": str("optional")})
	schemas["Reason"] = props(obj{"reason": str("required")}, "reason")
	schemas["Qualification"] = props(obj{
		"budget":      obj{"type": "string", "enum": lifecycle.BudgetAnswers},
		"authority":   obj{"type": "string", "enum": lifecycle.AuthorityAnswers},
		"need":        obj{"type": "string", "enum": lifecycle.NeedAnswers},
		"timeline":    obj{"type": "string", "enum": lifecycle.TimelineAnswers},
		"product_fit": obj{"type": "string", "enum": lifecycle.ProductFitAnswers},
		"notes":       str("")})
}

type recomputeJSON struct {
	*store.Recompute
	Percent int `json:"percent"`
}

func toRecomputeJSON(rc *store.Recompute) *recomputeJSON {
	if rc == nil {
		return nil
	}
	return &recomputeJSON{rc, rc.Percent()}
}

type rulesJSON struct {
	*store.ScoringRuleSet
	ActiveVersion int64          `json:"active_version"`
	Recompute     *recomputeJSON `json:"recompute"`
}

func (s *Server) rulesJSON(r *http.Request) (*rulesJSON, error) {
	latest, active, err := s.store.ScoringRules(r.Context())
	if err != nil {
		return nil, err
	}
	rc, err := s.store.LatestRecompute(r.Context())
	if err != nil {
		return nil, err
	}
	return &rulesJSON{ScoringRuleSet: latest, ActiveVersion: active.Version, Recompute: toRecomputeJSON(rc)}, nil
}

func (s *Server) handleGetScoringRules(w http.ResponseWriter, r *http.Request) error {
	out, err := s.rulesJSON(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handlePutScoringRules(w http.ResponseWriter, r *http.Request) error {
	var in scoring.Rules
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if _, _, err := s.store.PutScoringRules(r.Context(), in, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	out, err := s.rulesJSON(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, out)
	return nil
}

func (s *Server) handleGetScoringSettings(w http.ResponseWriter, r *http.Request) error {
	set, err := s.store.ScoringSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) handlePutScoringSettings(w http.ResponseWriter, r *http.Request) error {
	set, err := s.store.ScoringSettings(r.Context())
	if err != nil {
		return err
	}
	// Fields left out keep their value.
	if err := decodeJSON(r, &set); err != nil {
		return err
	}
	if _, err := s.store.PutScoringSettings(r.Context(), set, principalOf(r.Context()).Actor()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) handleStartRecompute(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.store.StartRecompute(r.Context(), principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, toRecomputeJSON(rc))
	return nil
}

func (s *Server) handleGetRecompute(w http.ResponseWriter, r *http.Request) error {
	rc, err := s.store.LatestRecompute(r.Context())
	if err != nil {
		return err
	}
	if rc == nil {
		return errs.NotFoundf("no recompute has run yet")
	}
	writeJSON(w, http.StatusOK, toRecomputeJSON(rc))
	return nil
}

func (s *Server) handleContactScores(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sc, err := s.store.ContactScores(r.Context(), id, 50)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sc)
	return nil
}

type acceptIn struct {
	Note string `json:"note"`
}

func (s *Server) handleAcceptSQL(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in acceptIn
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	if err := checkText("note", in.Note, 1000); err != nil {
		return err
	}
	c, err := s.store.AcceptSQL(r.Context(), id, strings.TrimSpace(in.Note), principalOf(r.Context()).Actor())
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

type reasonIn struct {
	Reason string `json:"reason"`
}

func readReason(r *http.Request) (string, error) {
	var in reasonIn
	if err := decodeJSON(r, &in); err != nil {
		return "", err
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		return "", errs.Field("reason", "is required: say why")
	}
	return reason, checkText("reason", reason, 1000)
}

// handleRejectSQL is POST /api/v1/contacts/{id}/reject: sales sends an SQL back to
// lead, with the reason.
func (s *Server) handleRejectSQL(w http.ResponseWriter, r *http.Request) error {
	return s.moveWithReason(w, r, s.store.RejectSQL)
}

// handleDisqualify is POST /api/v1/contacts/{id}/disqualify, with the reason.
func (s *Server) handleDisqualify(w http.ResponseWriter, r *http.Request) error {
	return s.moveWithReason(w, r, s.store.Disqualify)
}

// moveWithReason reads the contact's id and the JSON reason, makes the move as the
// caller and answers with the contact as it now is.
func (s *Server) moveWithReason(w http.ResponseWriter, r *http.Request, move func(ctx context.Context, id int64, reason, actor string) (*store.Contact, error)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	reason, err := readReason(r)
	if err != nil {
		return err
	}
	c, err := move(r.Context(), id, reason, principalOf(r.Context()).Actor())
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

func (s *Server) handleQualify(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in lifecycle.Qualification
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e, err := s.store.Qualify(r.Context(), id, in, principalOf(r.Context()).Actor())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}
