-- One-time links that let a user set their password: an admin adds a teammate, or
-- sends a new link to one who lost theirs (SPEC section 10). Kept by the hash of the
-- token only, like sessions and API keys; a link works once and until expires_at.
CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX password_tokens_user ON password_tokens(user_id);

-- The audit log screen and API read it newest first a page at a time, by (at, id).
CREATE INDEX audit_log_at ON audit_log(at, id);
