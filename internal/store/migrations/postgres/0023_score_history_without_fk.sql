-- score_history held a foreign key to contacts, checked once per row inserted: a
-- recompute after a rule change writes a history row for nearly every contact in its
-- final transaction, and for each PostgreSQL looked the contact up and took a row
-- lock on it (a new row version's worth of work and a WAL record each), about half of
-- the history insert in EXPLAIN ANALYZE. Lodestone writes history only for contacts it
-- has just read in the same transaction, so the check never fails there. The key
-- goes; what it did for a delete stays: deleting a contact that has score history
-- fails, as a foreign key violation, checked once per statement.
ALTER TABLE score_history DROP CONSTRAINT score_history_contact_id_fkey;

CREATE FUNCTION score_history_of_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone BIGINT;
BEGIN
    SELECT d.id INTO gone FROM deleted_contacts d WHERE EXISTS (SELECT 1 FROM score_history h WHERE h.contact_id = d.id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'update or delete on table "contacts" violates foreign key constraint "score_history_contact_id_fkey" on table "score_history"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced from table "score_history".', gone);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER contacts_score_history_deleted AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS deleted_contacts FOR EACH STATEMENT EXECUTE FUNCTION score_history_of_deleted();
