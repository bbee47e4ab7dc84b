package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/scoring"
)

// Rule set states.
const (
	RulesPending    = "pending"    // saved; a recompute is putting it in force
	RulesActive     = "active"     // the rules every stored score follows
	RulesSuperseded = "superseded" // replaced by a later version
)

// ScoringRuleSet is one saved version of the scoring rules.
type ScoringRuleSet struct {
	Version     int64         `json:"version"`
	State       string        `json:"state"`
	Rules       scoring.Rules `json:"rules"`
	CreatedAt   time.Time     `json:"created_at"`
	CreatedBy   string        `json:"created_by"`
	ActivatedAt time.Time     `json:"activated_at,omitzero"`
}

const ruleSetColumns = `version, state, rules, created_at, created_by, activated_at`

func scanRuleSet(r scanner) (*ScoringRuleSet, error) {
	var rs ScoringRuleSet
	var rules string
	var created int64
	var activated sql.NullInt64
	if err := r.Scan(&rs.Version, &rs.State, &rules, &created, &rs.CreatedBy, &activated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(rules), &rs.Rules); err != nil {
		return nil, err
	}
	rs.Rules.Normalize()
	rs.CreatedAt, rs.ActivatedAt = fromTS(created), fromNullTS(activated)
	return &rs, nil
}

// ScoringRules returns the latest saved rule set (pending or active) and the active
// one, which may be the same. Before any rules are saved both are an empty version 0.
func (s *Store) ScoringRules(ctx context.Context) (latest, active *ScoringRuleSet, err error) {
	latest, err = s.ruleSet(ctx, s.read, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE state <> 'superseded' ORDER BY version DESC LIMIT 1`)
	if err != nil {
		return nil, nil, err
	}
	active, err = s.ruleSet(ctx, s.read, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE state = 'active' ORDER BY version DESC LIMIT 1`)
	return latest, active, err
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (s *Store) ruleSet(ctx context.Context, db rowQuerier, q string, args ...any) (*ScoringRuleSet, error) {
	rs, err := scanRuleSet(db.QueryRowContext(ctx, s.rebind(q), args...))
	if errors.Is(err, sql.ErrNoRows) {
		empty := &ScoringRuleSet{State: RulesActive}
		empty.Rules.Normalize()
		return empty, nil
	}
	return rs, err
}

// activeRun loads what the scorer applies now: the active rules and the settings.
func activeRun(ctx context.Context, tx *Tx) (*scoreRun, error) {
	rs, err := tx.s.ruleSet(ctx, tx.tx, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE state = 'active' ORDER BY version DESC LIMIT 1`)
	if err != nil {
		return nil, err
	}
	return newRun(ctx, tx.tx, tx.s, rs)
}

func newRun(ctx context.Context, db rowQuerier, s *Store, rs *ScoringRuleSet) (*scoreRun, error) {
	set, err := scoringSettings(ctx, db, s)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	fit, err := newFitRules(s, rs.Rules.Fit, now)
	if err != nil {
		return nil, err
	}
	return &scoreRun{version: rs.Version, rules: rs.Rules, fit: fit, settings: set, now: now}, nil
}

// ValidateScoringRules checks rules as PutScoringRules would, naming the field at
// fault (fit[2].filter: …).
func ValidateScoringRules(r scoring.Rules) error { return r.Validate(CheckFitFilter) }

// PutScoringRules saves a new version of the rules, pending until the recompute it
// starts has scored every contact under them; the edit is audited.
func (s *Store) PutScoringRules(ctx context.Context, r scoring.Rules, actor string) (*ScoringRuleSet, *Recompute, error) {
	r.Normalize()
	if err := ValidateScoringRules(r); err != nil {
		return nil, nil, err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, nil, err
	}
	var version, rid int64
	err = s.RunInTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO scoring_rule_sets (rules, state, created_at, created_by) VALUES (?, 'pending', ?, ?) RETURNING version`,
			string(b), ts(s.Now()), actor).Scan(&version); err != nil {
			return err
		}
		// An older pending version will never be put in force.
		if _, err := tx.exec(ctx, `UPDATE scoring_rule_sets SET state = 'superseded' WHERE state = 'pending' AND version < ?`, version); err != nil {
			return err
		}
		if rid, err = startRecompute(ctx, tx, version); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "scoring.rules.set", "scoring_rules:"+itoa(version), map[string]any{"rules": r})
	})
	if err != nil {
		return nil, nil, err
	}
	rs, err := s.ruleSet(ctx, s.read, `SELECT `+ruleSetColumns+` FROM scoring_rule_sets WHERE version = ?`, version)
	if err != nil {
		return nil, nil, err
	}
	rc, err := s.Recompute(ctx, rid)
	return rs, rc, err
}

// settingScoring is the settings key of the scoring and qualification settings.
const settingScoring = "scoring"

// ScoringSettings returns the thresholds, the default half-life and the disqualify
// reasons; SPEC section 4's defaults until someone changes them.
func (s *Store) ScoringSettings(ctx context.Context) (scoring.Settings, error) {
	return scoringSettings(ctx, s.read, s)
}

func scoringSettings(ctx context.Context, db rowQuerier, s *Store) (scoring.Settings, error) {
	set := scoring.DefaultSettings()
	var v string
	err := db.QueryRowContext(ctx, s.rebind(`SELECT value FROM settings WHERE key = ?`), settingScoring).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	}
	if err != nil {
		return set, err
	}
	if err := json.Unmarshal([]byte(v), &set); err != nil {
		return scoring.DefaultSettings(), nil
	}
	return set, nil
}

// PutScoringSettings validates and saves the settings, audited, and starts a
// recompute under the active rules so the new thresholds and half-life reach every
// contact.
func (s *Store) PutScoringSettings(ctx context.Context, set scoring.Settings, actor string) (*Recompute, error) {
	if err := set.Validate(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	var rid int64
	err = s.RunInTx(ctx, func(tx *Tx) error {
		old, err := scoringSettings(ctx, tx.tx, s)
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			settingScoring, string(b)); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, "scoring.settings.set", "setting:"+settingScoring, map[string]any{"settings": set}); err != nil {
			return err
		}
		if old.MQLFit == set.MQLFit && old.MQLEngagement == set.MQLEngagement && old.SQLFit == set.SQLFit &&
			old.SQLEngagement == set.SQLEngagement && old.HalfLifeDays == set.HalfLifeDays {
			return nil // only the disqualify reasons changed: no score or stage depends on them
		}
		var version int64
		err = tx.queryRow(ctx, `SELECT version FROM scoring_rule_sets WHERE state <> 'superseded' ORDER BY version DESC LIMIT 1`).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // no rules yet: nothing to rescore
		}
		if err != nil {
			return err
		}
		rid, err = startRecompute(ctx, tx, version)
		return err
	})
	if err != nil || rid == 0 {
		return nil, err
	}
	return s.Recompute(ctx, rid)
}

var errNoRules = errs.E(errs.Conflict, "", "there are no scoring rules yet: save some first")
