-- On SQLite a new contact's search words are written to contact_terms by a
-- background indexer, in large sorted batches, instead of in the transaction that
-- captures the contact. The watermark is the highest contact id whose words are
-- all in contact_terms; searches read the contacts above it ("the tail") from
-- contacts.search, so they stay exact. Every contact so far had its words written
-- with it.
CREATE TABLE search_watermark (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    contact_id INTEGER NOT NULL
);
INSERT INTO search_watermark (id, contact_id) SELECT 1, COALESCE(MAX(id), 0) FROM contacts;
