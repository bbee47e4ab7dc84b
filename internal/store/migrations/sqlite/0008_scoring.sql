-- Scoring rules are kept as numbered versions: an edit writes a new pending version,
-- and a recompute makes it active for every contact at once (see scoring_recomputes).
CREATE TABLE scoring_rule_sets (
    version      INTEGER PRIMARY KEY,
    rules        TEXT NOT NULL,
    state        TEXT NOT NULL, -- pending, active or superseded
    created_at   INTEGER NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    activated_at INTEGER
);

-- A full recompute of every contact under a rule version, after a rule or threshold
-- change. It stages scores in score_staging, contact by contact after after_id, and
-- copies them into contacts in one transaction once the last contact is staged, so no
-- one ever sees half the contacts on the old rules and half on the new.
CREATE TABLE scoring_recomputes (
    id             INTEGER PRIMARY KEY,
    version        INTEGER NOT NULL REFERENCES scoring_rule_sets(version),
    state          TEXT NOT NULL, -- running, done or superseded
    total          INTEGER NOT NULL,
    done           INTEGER NOT NULL DEFAULT 0,
    after_id       INTEGER NOT NULL DEFAULT 0,
    start_event_id INTEGER NOT NULL,
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER
);

CREATE TABLE score_staging (
    recompute_id INTEGER NOT NULL,
    contact_id  INTEGER NOT NULL,
    fit         INTEGER NOT NULL,
    engagement  INTEGER NOT NULL,
    stage_score INTEGER NOT NULL, -- engagement since the contact was last recycled
    scored_at   INTEGER NOT NULL,
    PRIMARY KEY (recompute_id, contact_id)
);

-- A row per change of a contact's scores, with the old and new values and why.
CREATE TABLE score_history (
    id             INTEGER PRIMARY KEY,
    contact_id     INTEGER NOT NULL REFERENCES contacts(id),
    at             INTEGER NOT NULL,
    fit_old        INTEGER NOT NULL,
    fit_new        INTEGER NOT NULL,
    engagement_old INTEGER NOT NULL,
    engagement_new INTEGER NOT NULL,
    reason         TEXT NOT NULL
);
CREATE INDEX score_history_contact ON score_history(contact_id, id);

-- How far the scorer has read the events table. gaps holds ids below event_id not
-- yet seen, with when they were first missed: on PostgreSQL a transaction may commit
-- a lower id after a higher one.
CREATE TABLE scoring_watermark (
    name     TEXT PRIMARY KEY,
    event_id INTEGER NOT NULL,
    gaps     TEXT NOT NULL DEFAULT ''
);
INSERT INTO scoring_watermark (name, event_id) SELECT 'events', COALESCE(MAX(id), 0) FROM events;

-- The decay refresh visits contacts with engagement, oldest score first.
CREATE INDEX contacts_scored ON contacts(scored_at) WHERE engagement_score > 0;

-- Enrichment changes who a contact is without an event; the scorer follows
-- enriched_at of contacts and of companies after these marks (time, then id).
INSERT INTO scoring_watermark (name, event_id, gaps) VALUES ('contacts_enriched', 0, '0'), ('companies_enriched', 0, '0');
CREATE INDEX contacts_enriched ON contacts(enriched_at, id) WHERE enriched_at IS NOT NULL;
CREATE INDEX companies_enriched ON companies(enriched_at, id) WHERE enriched_at IS NOT NULL;
