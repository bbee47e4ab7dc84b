-- A contact's page lists its open duplicate flags on either side of the pair: the
-- unique (contact_id, other_id) index finds one side, this one the other, so the
-- page does not scan every flag.
CREATE INDEX duplicate_flags_other ON duplicate_flags(other_id);
