-- Times are UTC microseconds since the Unix epoch in both engines, so queries stay shared.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    available     INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    disabled_at   INTEGER
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE companies (
    id         INTEGER PRIMARY KEY,
    domain     TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    industry   TEXT NOT NULL DEFAULT '',
    size       TEXT NOT NULL DEFAULT '',
    owner_id   INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);

CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    channel      TEXT NOT NULL,
    utm_campaign TEXT UNIQUE,
    starts_on    TEXT NOT NULL DEFAULT '',
    ends_on      TEXT NOT NULL DEFAULT '',
    budget       INTEGER,
    notes        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);

CREATE TABLE cost_entries (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    spent_on         TEXT NOT NULL,
    amount           INTEGER NOT NULL,
    hours_hundredths INTEGER NOT NULL DEFAULT 0,
    note             TEXT NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL
);
CREATE INDEX cost_entries_campaign ON cost_entries(campaign_id, spent_on);

CREATE TABLE contacts (
    id                    INTEGER PRIMARY KEY,
    email                 TEXT UNIQUE,
    phone                 TEXT,
    first_name            TEXT NOT NULL DEFAULT '',
    last_name             TEXT NOT NULL DEFAULT '',
    job_title             TEXT NOT NULL DEFAULT '',
    company_name          TEXT NOT NULL DEFAULT '',
    company_id            INTEGER REFERENCES companies(id),
    street                TEXT NOT NULL DEFAULT '',
    postal_code           TEXT NOT NULL DEFAULT '',
    city                  TEXT NOT NULL DEFAULT '',
    region                TEXT NOT NULL DEFAULT '',
    country               TEXT NOT NULL DEFAULT '',
    custom                TEXT NOT NULL DEFAULT '{}',
    stage                 TEXT NOT NULL,
    owner_id              INTEGER REFERENCES users(id),
    fit_score             INTEGER NOT NULL DEFAULT 0,
    engagement_score      INTEGER NOT NULL DEFAULT 0,
    first_touch_at        INTEGER,
    first_touch_channel   TEXT,
    first_touch_campaign_id INTEGER REFERENCES campaigns(id),
    merged_into_id        INTEGER REFERENCES contacts(id),
    dedupe_key            TEXT NOT NULL DEFAULT '',
    search                TEXT NOT NULL DEFAULT '',
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX contacts_phone ON contacts(phone) WHERE phone IS NOT NULL;
CREATE INDEX contacts_created ON contacts(created_at);
CREATE INDEX contacts_stage ON contacts(stage, id);
CREATE INDEX contacts_owner ON contacts(owner_id, id);
CREATE INDEX contacts_company ON contacts(company_id);
CREATE INDEX contacts_dedupe ON contacts(dedupe_key) WHERE dedupe_key <> '';
CREATE INDEX contacts_merged ON contacts(merged_into_id) WHERE merged_into_id IS NOT NULL;

CREATE TABLE contact_stages (
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    stage      TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    PRIMARY KEY (contact_id, stage)
);

CREATE TABLE visitors (
    id            TEXT PRIMARY KEY,
    contact_id    INTEGER REFERENCES contacts(id),
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);
CREATE INDEX visitors_contact ON visitors(contact_id);

-- Events are append-only: no statement in Lodestone updates or deletes a row here,
-- except joining an anonymous visitor's rows to the contact it turned out to be.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER REFERENCES contacts(id),
    visitor_id  TEXT,
    type        TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    properties  TEXT NOT NULL DEFAULT '{}',
    channel     TEXT,
    campaign_id INTEGER REFERENCES campaigns(id),
    actor       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_contact ON events(contact_id, occurred_at);
CREATE INDEX events_visitor ON events(visitor_id, occurred_at) WHERE visitor_id IS NOT NULL;
CREATE INDEX events_type ON events(type, occurred_at);

CREATE TABLE deals (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    name       TEXT NOT NULL DEFAULT '',
    amount     INTEGER NOT NULL,
    status     TEXT NOT NULL,
    closed_at  INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX deals_contact ON deals(contact_id);
CREATE INDEX deals_closed ON deals(status, closed_at);

CREATE TABLE duplicate_flags (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    other_id    INTEGER NOT NULL REFERENCES contacts(id),
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    UNIQUE (contact_id, other_id)
);

CREATE TABLE merges (
    id         INTEGER PRIMARY KEY,
    winner_id  INTEGER NOT NULL REFERENCES contacts(id),
    loser_id   INTEGER NOT NULL REFERENCES contacts(id),
    actor      TEXT NOT NULL,
    snapshot   TEXT NOT NULL,
    merged_at  INTEGER NOT NULL,
    undone_at  INTEGER
);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE idempotency_keys (
    principal  TEXT NOT NULL,
    idem_key   TEXT NOT NULL,
    request    TEXT NOT NULL,
    status     INTEGER NOT NULL,
    response   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (principal, idem_key)
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
