-- contact_terms held a foreign key to contacts, checked once per word inserted: a group
-- commit of twenty form posts writes about two hundred words, and PostgreSQL ran a lookup
-- and a row lock on contacts for each of them (in EXPLAIN ANALYZE of such a group, 1.5 ms
-- of the 3 ms its word insert took). The words are an index of contacts.search, written
-- only in the transaction that creates or updates their contact (insertTerms,
-- writeTerms), so the check can never fail there. The key goes; so that a contact
-- deleted keeps no words behind (Lodestone deletes none today, but a maintenance script
-- or a later feature may), a trigger deletes the deleted contacts' words, once per
-- statement. Before, such a delete failed on the key instead.
ALTER TABLE contact_terms DROP CONSTRAINT contact_terms_contact_id_fkey;

CREATE FUNCTION contact_terms_of_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contact_terms t USING deleted_contacts d WHERE t.contact_id = d.id;
    RETURN NULL;
END $$;

CREATE TRIGGER contacts_terms_deleted AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS deleted_contacts FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_of_deleted();
