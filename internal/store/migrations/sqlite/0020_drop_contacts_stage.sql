-- contacts_stage (stage, id) duplicates contacts_live_stage (stage) WHERE
-- merged_into_id IS NULL on SQLite: an SQLite index ends with the rowid, which is
-- contacts.id, so both hold (stage, id). Every query of contacts by stage (the
-- contacts list, segment counts, the stage roll-ups) reads live contacts and
-- carries "merged_into_id IS NULL", and the planner already picked
-- contacts_live_stage for all of them; contacts_stage only cost a B-tree insert on
-- each new contact and two on each stage move. On PostgreSQL an index does not
-- carry the id, the list walks contacts_stage newest first, and the deduplicated
-- (stage) index is what the counts read, so both stay there (no 0020 there).
DROP INDEX contacts_stage;
