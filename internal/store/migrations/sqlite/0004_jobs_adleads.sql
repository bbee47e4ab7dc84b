-- The durable job queue: the database is the queue, memory only executes. A job is
-- due when run_at has passed and no live lease holds it; a job that failed its last
-- attempt is dead: kept, with its last error, until a person retries it.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    locked_until INTEGER,
    locked_by    TEXT,
    done_at      INTEGER,
    dead_at      INTEGER,
    created_at   INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs(run_at, id) WHERE done_at IS NULL AND dead_at IS NULL;
CREATE INDEX jobs_kind ON jobs(kind, id);

-- Leads received from ad platforms, one row per platform lead id: a redelivered
-- webhook finds its row and records nothing twice. contact_id and event_id are set
-- once the lead is captured; job_id names the job that fetches it.
CREATE TABLE ad_leads (
    id               INTEGER PRIMARY KEY,
    platform         TEXT NOT NULL,
    platform_lead_id TEXT NOT NULL,
    contact_id       INTEGER REFERENCES contacts(id),
    event_id         INTEGER REFERENCES events(id),
    job_id           INTEGER REFERENCES jobs(id),
    received_at      INTEGER NOT NULL,
    UNIQUE (platform, platform_lead_id)
);
