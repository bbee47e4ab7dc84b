-- Imports uploaded through the API or the screens. The file itself is kept in the
-- database in chunks, so any node can run the import and a restart loses nothing;
-- rows_done and the counters move in the same transaction as the rows they count,
-- so a resumed import carries on exactly where the last committed batch ended.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    file_name    TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL DEFAULT 0,
    status       TEXT NOT NULL,
    options      TEXT NOT NULL DEFAULT '{}',
    encoding     TEXT NOT NULL DEFAULT '',
    delimiter    TEXT NOT NULL DEFAULT '',
    rows_total   INTEGER,
    rows_done    INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    job_id       INTEGER REFERENCES jobs(id),
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    started_at   INTEGER,
    finished_at  INTEGER
);
CREATE INDEX imports_status ON imports(status, id);

CREATE TABLE import_chunks (
    import_id INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (import_id, seq)
);

CREATE TABLE import_rejections (
    import_id   INTEGER NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    row_number  INTEGER NOT NULL,
    column_name TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    vals        TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (import_id, row_number)
);

-- Proofs of work accepted on public forms: each challenge is accepted once, on every
-- node; rows are pruned once the challenge has expired and could not be used anyway.
CREATE TABLE pow_spent (
    challenge  TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX pow_spent_expires ON pow_spent(expires_at);

-- The forms list counts each form's submissions and finds the last one.
CREATE INDEX events_form_actor ON events(actor, occurred_at) WHERE type IN ('form_submit', 'newsletter_signup', 'demo_request', 'trial_signup');
