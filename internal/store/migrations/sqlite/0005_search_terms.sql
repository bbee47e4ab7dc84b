-- Word-prefix search on contacts: one row per word of a contact's name, email,
-- company and phone, so a rare word is found through an index instead of a scan.
CREATE TABLE contact_terms (
    term       TEXT NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (term, contact_id)
) WITHOUT ROWID;
CREATE INDEX contact_terms_contact ON contact_terms(contact_id);
