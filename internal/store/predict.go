package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/lodestone-hq/lodestone/internal/errs"
	"github.com/lodestone-hq/lodestone/internal/predict"
)

// PredictiveEventTypes are the events counted as features of the predictive score:
// what a lead does, not what happens to it once its outcome is decided.
var PredictiveEventTypes = []string{"page_view", "form_submit", "email_open", "email_click", "unsubscribe",
	"demo_request", "trial_signup", "meeting_booked", "call", "referral"}

// PredictContact is one contact's features for the predictive score, with its
// outcome when known: Outcome is 1 for a customer, 0 for disqualified or lost, and
// -1 while open.
type PredictContact struct {
	ID        int64
	Features  predict.Features
	Outcome   int
	OutcomeAt time.Time
}

// outcomeCTE gives each contact with a known outcome its label and time: customer
// (the first time it became one) against disqualified or a lost deal; first_at is
// the first outcome of either kind. Contacts with ids in (from, to] are covered (to
// 0: no upper bound), so a page of contacts costs a page of work.
func outcomeCTE(from, to int64) string { return outcomeCTEOf(idRange(from, to)) }

// idRange selects the ids in (from, to] of a column (to 0: no upper bound).
func idRange(from, to int64) func(col string) string {
	return func(col string) string {
		cond := col + " > " + itoa(from)
		if to > 0 {
			cond += " AND " + col + " <= " + itoa(to)
		}
		return cond
	}
}

// outcomeCTEOf is outcomeCTE over the contacts whose ids r(column) selects.
func outcomeCTEOf(r func(col string) string) string {
	return `WITH won AS (
		SELECT contact_id, MIN(entered_at) AS at FROM contact_stages WHERE stage = 'customer' AND ` + r("contact_id") + ` GROUP BY contact_id),
	lost AS (
		SELECT contact_id, MIN(at) AS at FROM (
			SELECT cs.contact_id, cs.entered_at AS at FROM contact_stages cs JOIN contacts c ON c.id = cs.contact_id
				WHERE cs.stage = 'disqualified' AND c.stage = 'disqualified' AND ` + r("cs.contact_id") + `
			UNION ALL
			SELECT contact_id, closed_at AS at FROM deals WHERE status = 'lost' AND closed_at IS NOT NULL AND ` + r("contact_id") + `) l
		GROUP BY contact_id),
	outcome AS (
		SELECT c.id AS contact_id,
			CASE WHEN won.at IS NOT NULL THEN 1 WHEN lost.at IS NOT NULL THEN 0 ELSE -1 END AS label,
			COALESCE(won.at, lost.at) AS at,
			CASE WHEN won.at IS NULL THEN lost.at WHEN lost.at IS NULL THEN won.at WHEN won.at < lost.at THEN won.at ELSE lost.at END AS first_at
		FROM contacts c LEFT JOIN won ON won.contact_id = c.id LEFT JOIN lost ON lost.contact_id = c.id
		WHERE COALESCE(c.merged_into_id, 0) = 0 AND ` + r("c.id") + `)`
	// "COALESCE(merged_into_id, 0) = 0" rather than "merged_into_id IS NULL": given
	// the latter, SQLite scans an index of all live contacts for each row of a short
	// list of ids instead of looking the ids up.
}

// PredictiveOutcomes counts the contacts whose outcome is known.
func (s *Store) PredictiveOutcomes(ctx context.Context) (customers, lost int, err error) {
	err = s.queryRow(ctx, outcomeCTE(0, 0)+` SELECT COALESCE(SUM(CASE WHEN label = 1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN label = 0 THEN 1 ELSE 0 END), 0) FROM outcome`).Scan(&customers, &lost)
	return customers, lost, err
}

// PredictiveQuery selects the contacts PredictiveData returns: those with a known
// outcome (to train on), and those with ids in (AfterID, ToID] (ToID 0: no bound).
type PredictiveQuery struct {
	Labelled bool
	AfterID  int64
	ToID     int64
}

// PredictiveData returns contacts' features and outcomes. The events of a contact
// with a known outcome are counted up to its first outcome only, so the model learns
// from what was known before, not from what followed.
func (s *Store) PredictiveData(ctx context.Context, q PredictiveQuery) ([]PredictContact, error) {
	rules, err := predictRules(ctx, s, s.read)
	if err != nil {
		return nil, err
	}
	return predictiveData(ctx, s, rules, idRange(q.AfterID, q.ToID), q.Labelled)
}

// predictiveData is PredictiveData over the contacts whose ids ids(column) selects,
// read through q, with engagement as of the outcome worked out under rules.
func predictiveData(ctx context.Context, q querier, rules engagementAsOf, ids func(col string) string, labelled bool) ([]PredictContact, error) {
	cte := outcomeCTEOf(ids)
	where := ""
	if labelled {
		where = ` WHERE o.label >= 0`
	}
	rows, err := q.query(ctx, cte+` SELECT c.id, o.label, o.at, o.first_at, COALESCE(c.first_touch_channel, ''), c.seniority, c.department,
		c.email_type, c.phone_type, c.country, COALESCE(co.industry, ''), COALESCE(co.size, ''), c.fit_score, c.engagement_score
		FROM contacts c JOIN outcome o ON o.contact_id = c.id LEFT JOIN companies co ON co.id = c.company_id`+where+` ORDER BY c.id`)
	if err != nil {
		return nil, err
	}
	var out []PredictContact
	pos := map[int64]int{}
	decided := map[int64]time.Time{} // contact → its first outcome
	for rows.Next() {
		var pc PredictContact
		var at, firstAt sql.NullInt64
		var channel, seniority, department, emailType, phoneType, country, industry, size string
		var fit, engagement int
		if err := rows.Scan(&pc.ID, &pc.Outcome, &at, &firstAt, &channel, &seniority, &department, &emailType, &phoneType, &country,
			&industry, &size, &fit, &engagement); err != nil {
			rows.Close()
			return nil, err
		}
		pc.OutcomeAt = fromNullTS(at)
		cat := map[string]string{}
		for k, v := range map[string]string{"channel": channel, "seniority": seniority, "department": department,
			"email_type": emailType, "phone_type": phoneType, "country": strings.ToUpper(country), "industry": industry, "company_size": size} {
			if v != "" {
				cat[k] = v
			}
		}
		num := map[string]float64{"fit_score": float64(fit), "engagement_score": float64(engagement)}
		pc.Features = predict.Features{Categorical: cat, Numeric: num}
		pos[pc.ID] = len(out)
		if firstAt.Valid {
			decided[pc.ID] = fromTS(firstAt.Int64)
		}
		out = append(out, pc)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// The engagement of a contact whose outcome is known is the one it had just before
	// that outcome, not the one it has now: what a customer does after buying says
	// nothing a lead's behaviour could have told.
	if len(decided) > 0 {
		eng, err := rules.at(ctx, q, cte, decided)
		if err != nil {
			return nil, err
		}
		for id := range decided {
			out[pos[id]].Features.Numeric["engagement_score"] = float64(eng[id])
		}
	}
	types := make([]string, len(PredictiveEventTypes))
	var args []any
	for i, t := range PredictiveEventTypes {
		types[i] = "?"
		args = append(args, t)
	}
	rows, err = q.query(ctx, cte+` SELECT e.contact_id, e.type, COUNT(*) FROM events e JOIN outcome o ON o.contact_id = e.contact_id
		WHERE `+ids("e.contact_id")+` AND e.type IN (`+strings.Join(types, ", ")+`) AND (o.first_at IS NULL OR e.occurred_at < o.first_at)
		GROUP BY e.contact_id, e.type`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, n int64
		var typ string
		if err := rows.Scan(&id, &typ, &n); err != nil {
			return nil, err
		}
		if i, ok := pos[id]; ok {
			out[i].Features.Numeric["events_"+typ] = float64(n)
		}
	}
	return out, rows.Err()
}

// MaxContactID is the highest contact id, for paging through all contacts.
func (s *Store) MaxContactID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.queryRow(ctx, `SELECT MAX(id) FROM contacts`).Scan(&id)
	return id.Int64, err
}

// PredictiveModel is a trained model as stored.
type PredictiveModel struct {
	ID        int64
	TrainedAt time.Time
	Actor     string
	Model     *predict.Model
}

// SavePredictiveModel records a trained model.
func (s *Store) SavePredictiveModel(ctx context.Context, m *predict.Model, actor string) (*PredictiveModel, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	pm := &PredictiveModel{TrainedAt: s.Now(), Actor: actor, Model: m}
	var auc sql.NullFloat64
	if m.AUC != nil {
		auc = sql.NullFloat64{Float64: *m.AUC, Valid: true}
	}
	err = s.RunInTx(ctx, func(tx *Tx) error {
		if err := tx.queryRow(ctx, `INSERT INTO predictive_models (trained_at, auc, trained, holdout, positives, negatives, model, actor)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, ts(pm.TrainedAt), auc, m.Trained, m.Holdout, m.Positives, m.Negatives, string(body), actor).Scan(&pm.ID); err != nil {
			return err
		}
		if err := movePredictWatermarks(ctx, tx); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "predictive.train", "predictive_model:"+itoa(pm.ID), map[string]any{"auc": auc.Float64, "trained": m.Trained, "holdout": m.Holdout})
	})
	if err != nil {
		return nil, err
	}
	return pm, nil
}

// PredictiveScore is one contact's score.
type PredictiveScore struct {
	ContactID int64
	Score     float64
}

// SavePredictiveScores writes scores in one transaction; callers pass a page at a
// time, so a large workspace's capture is not held up behind one long transaction.
func (s *Store) SavePredictiveScores(ctx context.Context, scores []PredictiveScore) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		for _, sc := range scores {
			if _, err := tx.exec(ctx, `UPDATE contacts SET predictive_score = ? WHERE id = ?`, sc.Score, sc.ContactID); err != nil {
				return err
			}
		}
		return nil
	})
}

// LatestPredictiveModel returns the newest model, or a not-found error before the
// first training.
func (s *Store) LatestPredictiveModel(ctx context.Context) (*PredictiveModel, error) {
	var pm PredictiveModel
	var at int64
	var body string
	err := s.queryRow(ctx, `SELECT id, trained_at, actor, model FROM predictive_models ORDER BY id DESC LIMIT 1`).Scan(&pm.ID, &at, &pm.Actor, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no predictive model has been trained yet")
	}
	if err != nil {
		return nil, err
	}
	pm.TrainedAt = fromTS(at)
	pm.Model = &predict.Model{}
	if err := json.Unmarshal([]byte(body), pm.Model); err != nil {
		return nil, err
	}
	return &pm, nil
}

// PredictiveTrainJob is the kind of the job that retrains the predictive score.
const PredictiveTrainJob = "predictive.train"

// QueuePredictiveTraining enqueues a retraining unless one is already waiting or
// running; it returns the job that will do it.
func (s *Store) QueuePredictiveTraining(ctx context.Context, actor string) (int64, error) {
	var id int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `SELECT id FROM jobs WHERE kind = ? AND done_at IS NULL AND dead_at IS NULL ORDER BY id LIMIT 1`, PredictiveTrainJob).Scan(&id)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		payload, _ := json.Marshal(map[string]string{"actor": actor})
		id, err = enqueueJob(ctx, tx, NewJob{Kind: PredictiveTrainJob, Payload: payload, RunAt: s.Now(), MaxAttempts: 3})
		return err
	})
	return id, err
}

// TopPredicted returns the open contacts (not yet customers, not disqualified) with
// the highest predictive score.
func (s *Store) TopPredicted(ctx context.Context, limit int) ([]*Contact, error) {
	rows, err := s.query(ctx, `SELECT `+contactColumns+contactFrom+` WHERE c.predictive_score IS NOT NULL AND c.merged_into_id IS NULL
		AND c.stage NOT IN ('customer', 'disqualified') ORDER BY c.predictive_score DESC, c.id LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
