-- Consent per purpose, with its evidence (SPEC section 10). Rows are only added: the
-- latest row of a contact and purpose is the state in force.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    purpose     TEXT NOT NULL,
    granted     INTEGER NOT NULL,
    basis       TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    wording     TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    recorded_at INTEGER NOT NULL
);
CREATE INDEX consents_contact ON consents(contact_id, purpose, id);

CREATE TABLE forms (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    campaign_id INTEGER REFERENCES campaigns(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    archived_at INTEGER
);
