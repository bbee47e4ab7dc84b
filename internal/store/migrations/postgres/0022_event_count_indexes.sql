-- Two indexes for segment counts on event history (PostgreSQL only; SQLite needs neither).
--
-- Segment counts on event history read the events of a window ("page_view in the last
-- 14 days") and test their properties, which only the table holds. The only index on
-- the time, events_type_contact (type, occurred_at, contact_id), starts with the type,
-- whose order on disk PostgreSQL's statistics rightly call random, so the planner read
-- the whole table (10,000,000 events: 270,000 pages) rather than the window's part of
-- it. Events are written in about the order of their time, which a block-range index
-- records in a few pages: with it the planner reads only the ranges of the window
-- (about 40 % of the table for 14 days at the scale phase's data). A range written out
-- of order (an import of old events) only widens what is read, never what matches.
CREATE INDEX events_occurred_brin ON events USING brin (occurred_at);

-- A count whose filter reads only events ("no email open in 60 days") visits every live
-- contact and needs nothing of it but its id. On SQLite the partial index of live
-- contacts' stages holds the id (every SQLite index ends with the rowid); on PostgreSQL
-- it did not, and the count read the whole contacts table (at a million contacts, 1.6 s
-- of the 4.2 s of such a count on a loaded machine; the index alone, 0.12–0.26 s). The
-- index is the same entries with the id added: the same writes, and counts by stage
-- read it as before.
DROP INDEX contacts_live_stage;
CREATE INDEX contacts_live_stage ON contacts(stage, id) WHERE merged_into_id IS NULL;
