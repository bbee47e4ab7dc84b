-- A contact's age band (SPEC sections 4 and 8): one of contact.AgeBands, or '' when
-- nobody said. Captures, forms, imports and lead ads set it; a birth date or an age
-- brought in is turned into the band and not kept.
--
-- No index: like city, region, email_type and phone_type, and unlike country or
-- seniority, it is not what segments count on their own; with seven values and most
-- contacts without one, an index would narrow little, and every capture that creates
-- a contact would pay for one more B-tree insert.
ALTER TABLE contacts ADD COLUMN age_band TEXT NOT NULL DEFAULT '';
