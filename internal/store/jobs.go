package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lodestone-hq/lodestone/internal/errs"
)

// Job is one piece of background work in the durable queue (STYLE practice 7): the
// row is the truth, a worker only holds a lease on it while it runs.
type Job struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Payload     json.RawMessage `json:"payload"`
	RunAt       time.Time       `json:"run_at"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	LastError   string          `json:"last_error,omitempty"`
	LockedBy    string          `json:"locked_by,omitempty"`
	LockedUntil time.Time       `json:"locked_until,omitzero"`
	DoneAt      time.Time       `json:"done_at,omitzero"`
	DeadAt      time.Time       `json:"dead_at,omitzero"`
	CreatedAt   time.Time       `json:"created_at"`
}

// Job states, as JobStats and JobFilter name them.
const (
	JobQueued  = "queued"  // waiting for run_at, or for a retry
	JobRunning = "running" // held by a live lease
	JobDone    = "done"
	JobDead    = "dead" // failed its last attempt; kept until a person retries it
)

// State tells where the job stands at time now.
func (j *Job) State(now time.Time) string {
	switch {
	case !j.DoneAt.IsZero():
		return JobDone
	case !j.DeadAt.IsZero():
		return JobDead
	case j.LockedUntil.After(now):
		return JobRunning
	}
	return JobQueued
}

// DefaultMaxAttempts is how often a job runs before it dies. With the worker's
// backoff (15 s doubling, capped at an hour) that is about four hours of retries.
const DefaultMaxAttempts = 12

// ErrLeaseLost reports that a job's lease expired and another worker claimed it, so
// this worker's outcome is not recorded.
var ErrLeaseLost = errors.New("the job's lease expired and another worker took it over")

// NewJob is a job to enqueue.
type NewJob struct {
	Kind        string
	Payload     []byte // JSON; empty for {}
	RunAt       time.Time
	MaxAttempts int // 0 for DefaultMaxAttempts
}

const jobColumns = `id, kind, payload, run_at, attempts, max_attempts, last_error, locked_by, locked_until, done_at, dead_at, created_at`

func scanJob(r scanner) (*Job, error) {
	var j Job
	var payload string
	var lockedBy sql.NullString
	var runAt, created int64
	var lockedUntil, done, dead sql.NullInt64
	if err := r.Scan(&j.ID, &j.Kind, &payload, &runAt, &j.Attempts, &j.MaxAttempts, &j.LastError, &lockedBy, &lockedUntil,
		&done, &dead, &created); err != nil {
		return nil, err
	}
	j.Payload, j.LockedBy = json.RawMessage(payload), lockedBy.String
	j.RunAt, j.CreatedAt = fromTS(runAt), fromTS(created)
	j.LockedUntil, j.DoneAt, j.DeadAt = fromNullTS(lockedUntil), fromNullTS(done), fromNullTS(dead)
	return &j, nil
}

// EnqueueJob adds a job of a kind, due at runAt (now when zero).
func (s *Store) EnqueueJob(ctx context.Context, kind string, payload []byte, runAt time.Time) (int64, error) {
	return s.Enqueue(ctx, NewJob{Kind: kind, Payload: payload, RunAt: runAt})
}

// Enqueue adds a job in its own transaction.
func (s *Store) Enqueue(ctx context.Context, j NewJob) (int64, error) {
	var id int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		var err error
		id, err = enqueueJob(ctx, tx, j)
		return err
	})
	return id, err
}

// enqueueJob writes a job in the transaction of the change that causes it, so the
// job exists exactly when the change does.
func enqueueJob(ctx context.Context, tx *Tx, j NewJob) (int64, error) {
	if j.Kind == "" || len(j.Kind) > 100 {
		return 0, errs.Field("kind", "a job needs a kind of 1 to 100 characters")
	}
	payload := "{}"
	if len(j.Payload) > 0 {
		if !json.Valid(j.Payload) {
			return 0, errs.Field("payload", "must be valid JSON")
		}
		payload = string(j.Payload)
	}
	now := tx.s.Now()
	if j.RunAt.IsZero() {
		j.RunAt = now
	}
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = DefaultMaxAttempts
	}
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO jobs (kind, payload, run_at, max_attempts, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		j.Kind, payload, ts(j.RunAt), j.MaxAttempts, ts(now)).Scan(&id)
	return id, err
}

// ClaimJobs leases up to n due jobs of the given kinds to a worker for lease, counting
// an attempt for each. On PostgreSQL the candidate rows are locked with FOR UPDATE SKIP
// LOCKED, so nodes sharing the database never claim one job together; SQLite's single
// writer serialises claims by itself. A job whose last attempt's lease ran out (its
// worker died) is marked dead here.
func (s *Store) ClaimJobs(ctx context.Context, workerID string, kinds []string, n int, lease time.Duration) ([]*Job, error) {
	if n <= 0 || len(kinds) == 0 {
		return nil, nil
	}
	now := s.Now()
	in := strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")
	kindArgs := make([]any, len(kinds))
	for i, k := range kinds {
		kindArgs[i] = k
	}
	lock := ""
	if s.engine == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var out []*Job
	err := s.RunInTx(ctx, func(tx *Tx) error {
		out = out[:0]
		reap := append([]any{ts(now), ts(now)}, kindArgs...)
		if _, err := tx.exec(ctx, `UPDATE jobs SET dead_at = ?, locked_until = NULL,
			last_error = last_error || ' (the worker stopped during the last attempt)'
			WHERE done_at IS NULL AND dead_at IS NULL AND attempts >= max_attempts AND locked_until <= ? AND kind IN (`+in+`)`, reap...); err != nil {
			return err
		}
		args := append([]any{workerID, ts(now.Add(lease)), ts(now), ts(now)}, kindArgs...)
		rows, err := tx.query(ctx, `UPDATE jobs SET locked_by = ?, locked_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND dead_at IS NULL AND run_at <= ?
				AND (locked_until IS NULL OR locked_until <= ?) AND attempts < max_attempts AND kind IN (`+in+`)
				ORDER BY run_at, id LIMIT ?`+lock+`)
			RETURNING `+jobColumns, append(args, n)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Job) int { return cmp.Or(a.RunAt.Compare(b.RunAt), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// leaseHolder matches the claim a worker holds: the attempt counter changes with
// every claim, so a worker whose lease was taken over matches nothing.
const leaseHolder = `id = ? AND locked_by = ? AND attempts = ? AND done_at IS NULL AND dead_at IS NULL`

// CompleteJob records that a claimed job succeeded.
func (s *Store) CompleteJob(ctx context.Context, j *Job) error {
	return s.RunInTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE jobs SET done_at = ?, locked_until = NULL WHERE `+leaseHolder,
			ts(s.Now()), j.ID, j.LockedBy, j.Attempts)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrLeaseLost
		}
		return nil
	})
}

// FailJob records a failed attempt of a claimed job: it runs again at retryAt, or
// dies when it has used its attempts or retryAt is zero (a failure no retry can mend).
func (s *Store) FailJob(ctx context.Context, j *Job, jobErr error, retryAt time.Time) (dead bool, err error) {
	msg := "failed"
	if jobErr != nil {
		msg = jobErr.Error()
	}
	msg = strings.ReplaceAll(strings.ToValidUTF8(msg, "?"), "\x00", "")
	if len(msg) > 2000 {
		msg = msg[:2000]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
	}
	now := s.Now()
	dieNow := 0
	if retryAt.IsZero() {
		dieNow, retryAt = 1, now
	}
	err = s.RunInTx(ctx, func(tx *Tx) error {
		var deadAt sql.NullInt64
		err := tx.queryRow(ctx, `UPDATE jobs SET last_error = ?, locked_until = NULL,
			dead_at = CASE WHEN attempts >= max_attempts OR ? = 1 THEN CAST(? AS BIGINT) ELSE NULL END,
			run_at = CASE WHEN attempts >= max_attempts OR ? = 1 THEN run_at ELSE CAST(? AS BIGINT) END
			WHERE `+leaseHolder+` RETURNING dead_at`,
			msg, dieNow, ts(now), dieNow, ts(retryAt), j.ID, j.LockedBy, j.Attempts).Scan(&deadAt)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrLeaseLost
		}
		dead = deadAt.Valid
		return err
	})
	return dead, err
}

// Job returns one job.
func (s *Store) Job(ctx context.Context, id int64) (*Job, error) {
	j, err := scanJob(s.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("job %d not found", id)
	}
	return j, err
}

// DeadJobs lists the newest dead jobs of a kind, so a person sees what failed and why.
func (s *Store) DeadJobs(ctx context.Context, kind string, limit int) ([]*Job, error) {
	rows, err := s.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE kind = ? AND dead_at IS NOT NULL ORDER BY id DESC LIMIT ?`, kind, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// JobStats counts the jobs of a kind by state.
func (s *Store) JobStats(ctx context.Context, kind string) (map[string]int64, error) {
	now := ts(s.Now())
	var q, r, d, x int64
	err := s.queryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN done_at IS NULL AND dead_at IS NULL AND (locked_until IS NULL OR locked_until <= ?) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN done_at IS NULL AND dead_at IS NULL AND locked_until > ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN done_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN dead_at IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM jobs WHERE kind = ?`, now, now, kind).Scan(&q, &r, &d, &x)
	return map[string]int64{JobQueued: q, JobRunning: r, JobDone: d, JobDead: x}, err
}

// RetryDeadJobs gives the dead jobs of a kind a fresh set of attempts, due now.
func (s *Store) RetryDeadJobs(ctx context.Context, kind, actor string) (int64, error) {
	var n int64
	err := s.RunInTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE jobs SET dead_at = NULL, attempts = 0, run_at = ?, locked_by = NULL, locked_until = NULL
			WHERE kind = ? AND dead_at IS NOT NULL`, ts(s.Now()), kind)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return audit(ctx, tx, actor, "jobs.retry", "jobs:"+kind, map[string]any{"count": n})
	})
	return n, err
}

// Leads from ad platforms' lead forms (Google Ads, Facebook, LinkedIn) are recorded
// once per platform lead id, in the ad_leads table. The platforms deliver at least
// once, so every path below is idempotent on that id.

// AdLead is a lead from an ad platform, mapped to a capture by the capture package.
type AdLead struct {
	Platform string
	LeadID   string
	// Campaign is the platform's campaign as a Lodestone campaign, found by its UTM
	// key or name and created on first use; nil when the lead names no campaign.
	Campaign *AdCampaign
	Capture  Capture
}

// AdCampaign names the Lodestone campaign of a platform campaign.
type AdCampaign struct {
	Name        string
	Channel     string
	UTMCampaign string
	Notes       string
}

// AdLeadResult tells what recording an ad lead did.
type AdLeadResult struct {
	Captured
	// Duplicate is set when the lead was recorded before: nothing was written.
	Duplicate bool `json:"duplicate,omitempty"`
}

// IngestAdLead records an ad lead in one transaction: its ad_leads row, its campaign
// and its capture, or nothing. A lead recorded before is reported as a duplicate.
func (s *Store) IngestAdLead(ctx context.Context, l AdLead) (AdLeadResult, error) {
	var out AdLeadResult
	var err error
	for attempt := 0; ; attempt++ {
		out, err = s.ingestAdLead(ctx, l)
		if !retryable(err) || attempt == 4 {
			return out, err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
}

func (s *Store) ingestAdLead(ctx context.Context, l AdLead) (AdLeadResult, error) {
	var out AdLeadResult
	l.Capture = s.profileCaptures([]Capture{l.Capture})[0]
	err := s.RunInTx(ctx, func(tx *Tx) error {
		out = AdLeadResult{}
		// Ingesting transactions take turns (see lockIngest); within its turn, the
		// upsert finds a lead that an earlier delivery recorded.
		if err := lockIngest(ctx, tx); err != nil {
			return err
		}
		var rowID int64
		var contactID, eventID sql.NullInt64
		err := tx.queryRow(ctx, `INSERT INTO ad_leads (platform, platform_lead_id, received_at) VALUES (?, ?, ?)
			ON CONFLICT (platform, platform_lead_id) DO UPDATE SET platform = excluded.platform
			RETURNING id, contact_id, event_id`, l.Platform, l.LeadID, ts(s.Now())).Scan(&rowID, &contactID, &eventID)
		if err != nil {
			return err
		}
		if eventID.Valid {
			out.ContactID, out.EventID, out.Duplicate = contactID.Int64, eventID.Int64, true
			return nil
		}
		c := l.Capture
		if l.Campaign != nil {
			if c.CampaignID, err = adCampaign(ctx, tx, *l.Campaign); err != nil {
				return err
			}
		}
		if out.Captured, err = ingestOne(ctx, tx, &c); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE ad_leads SET contact_id = ?, event_id = ? WHERE id = ?`, nullID(out.ContactID), out.EventID, rowID)
		return err
	})
	return out, err
}

// adCampaign finds the campaign of a platform campaign by its UTM key, then by its
// name, and creates it when neither exists.
func adCampaign(ctx context.Context, tx *Tx, c AdCampaign) (int64, error) {
	c.UTMCampaign = strings.ToLower(strings.TrimSpace(c.UTMCampaign))
	find := func() (int64, error) {
		var id int64
		err := tx.queryRow(ctx, `SELECT id FROM campaigns WHERE utm_campaign = ?`, c.UTMCampaign).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.queryRow(ctx, `SELECT id FROM campaigns WHERE name = ?`, c.Name).Scan(&id)
		}
		return id, err
	}
	id, err := find()
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	// Like every campaign, it gets a printed link's code; its UTM key is the
	// platform's, or none.
	err = tx.queryRow(ctx, `INSERT INTO campaigns (name, channel, utm_campaign, notes, created_at, short_code) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING id`, c.Name, c.Channel, nullString(c.UTMCampaign), c.Notes, ts(tx.s.Now()), newShortCode()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return find() // created meanwhile by a concurrent lead
	}
	if err != nil {
		return 0, err
	}
	return id, audit(ctx, tx, "system:adleads", "campaign.create", "campaign:"+itoa(id), map[string]any{"name": c.Name, "channel": c.Channel})
}

// QueuedAdLead is a lead whose webhook carries only its id: a job fetches it.
type QueuedAdLead struct {
	Platform string
	LeadID   string
	Job      NewJob
}

// QueueAdLeads reserves each lead's ad_leads row and enqueues its job in one
// transaction, so an acknowledged webhook is never lost. A lead seen before is
// skipped; it returns how many were new.
func (s *Store) QueueAdLeads(ctx context.Context, leads []QueuedAdLead) (int, error) {
	var n int
	err := s.RunInTx(ctx, func(tx *Tx) error {
		n = 0
		for _, l := range leads {
			var rowID int64
			err := tx.queryRow(ctx, `INSERT INTO ad_leads (platform, platform_lead_id, received_at) VALUES (?, ?, ?)
				ON CONFLICT (platform, platform_lead_id) DO NOTHING RETURNING id`, l.Platform, l.LeadID, ts(s.Now())).Scan(&rowID)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			jobID, err := enqueueJob(ctx, tx, l.Job)
			if err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE ad_leads SET job_id = ? WHERE id = ?`, jobID, rowID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// SetSecretSettings writes several settings in one transaction; an empty value
// removes its key. The audit log names the keys, never the values: they hold
// credentials.
func (s *Store) SetSecretSettings(ctx context.Context, values map[string]string, actor, target string) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return s.RunInTx(ctx, func(tx *Tx) error {
		for _, k := range keys {
			var err error
			if values[k] == "" {
				_, err = tx.exec(ctx, `DELETE FROM settings WHERE key = ?`, k)
			} else {
				_, err = tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, values[k])
			}
			if err != nil {
				return err
			}
		}
		return audit(ctx, tx, actor, "settings.set", target, map[string]any{"keys": keys})
	})
}
