-- Word-prefix search on contacts: one row per word of a contact's name, email,
-- company and phone, so a rare word is found through an index instead of a scan.
-- Byte order ("C") makes a prefix a plain index range.
CREATE TABLE contact_terms (
    term       TEXT COLLATE "C" NOT NULL,
    contact_id BIGINT NOT NULL REFERENCES contacts(id),
    PRIMARY KEY (term, contact_id)
);
CREATE INDEX contact_terms_contact ON contact_terms(contact_id);
