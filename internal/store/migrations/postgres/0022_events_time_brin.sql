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
