-- Where the event scorer stood when a recompute started: the last event id it had
-- read and the ids below it it was still waiting for. An event the recompute's reads
-- did not see (on PostgreSQL a transaction can commit a lower id after a higher one)
-- but that the scorer then scored under the old rules is among the events after that
-- mark or among those ids, and finishRecompute scores its contact again under the
-- new rules. NULL for a recompute started before this column existed.
ALTER TABLE scoring_recomputes ADD COLUMN scorer_event_id BIGINT;
ALTER TABLE scoring_recomputes ADD COLUMN scorer_gaps TEXT;
