-- A change of scores rewrites a contact in place (PostgreSQL only).
--
-- A full rescore after a rule change updates the scores of nearly every contact in one
-- transaction. Each update was a new row version on another page with an entry in each
-- of the contacts' twenty indexes: at a million contacts 18 million WAL records, 13 GB of
-- WAL with the full-page images of every checkpoint it set off, and 175 s for the copy
-- alone. An update that changes no indexed column and finds room on its own page is a
-- heap-only (HOT) update: no index entry at all. Two things stood in the way:
--
-- * The scores' own indexes. Segment counts on a score now read the table (as a count on
--   a custom field does); the decay refresh walks the contacts in id order instead of
--   reading the oldest scored_at first (see RefreshDecay).
-- * Room on the page. The copy is one transaction, so a page needs room for a second
--   version of each of its rows: the table keeps half of each page free. After one full
--   rescore without it the table is twice its size anyway (half dead rows) and every
--   index twice too; with it the indexes stay as they are. The table is rewritten once
--   here so that the rows already stored get that room, and vacuumed after (see
--   afterMigration): 35–45 s at a million contacts.
DROP INDEX contacts_live_fit;
DROP INDEX contacts_live_engagement;
DROP INDEX contacts_scored;
ALTER TABLE contacts SET (fillfactor = 50);
-- A new database has nothing to rewrite.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM contacts) THEN
        CLUSTER contacts USING contacts_pkey;
    END IF;
END $$;
