-- The triggers that keep the roll-ups (report_cohorts, lead_days, stage_days, stage_now)
-- and the report_dirty marks ran once per row: a multi-row insert of an import batch of a
-- hundred new contacts called four trigger functions per contact, each appending its own
-- rows to rollup_deltas, and each appended row queued its own call of the deferred
-- rollup_deltas_apply. Inserts and deletes of contacts, of stage entries and of events now
-- run one trigger per statement, which reads the statement's rows from a transition table,
-- adds the changes up per roll-up key, and appends only the sums to rollup_deltas (one
-- row per day, channel and campaign touched, not one per contact). The sums are those of
-- the row triggers: each row counts as it did, evaluated, as before, once the statement
-- has changed all its rows. Everything after is unchanged: the deferred trigger applies
-- the transaction's changes once, at commit, in the fixed order of migration 0017.
--
-- Updates keep their row triggers. PostgreSQL allows transition tables only on triggers
-- without a column list, so a statement trigger on UPDATE of contacts would capture every
-- updated row of every update (scores, profile fields, enrichment) to find the few that
-- move a roll-up: measured, a whole-table update of contacts took half as long again.
-- The row triggers run only for updates of the columns they follow.

-- contacts: a new contact counts in, a deleted one out, unless merged away.
CREATE FUNCTION contacts_rollup_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dir CONSTANT BIGINT := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    INSERT INTO rollup_deltas (kind, day, channel, campaign_id, stage, leads, mqls, sqls, customers)
    SELECT v.kind, v.day, v.channel, v.campaign_id, v.stage, dir * SUM(v.n), dir * SUM(v.mqls), dir * SUM(v.sqls), dir * SUM(v.customers)
    FROM changed_contacts c
    -- OFFSET 0 keeps the lookups per row, by index, whatever the size of the statement
    -- the cached plan was first made for.
    CROSS JOIN LATERAL (SELECT COUNT(*) FILTER (WHERE s.stage = 'mql') AS mqls, COUNT(*) FILTER (WHERE s.stage = 'sql') AS sqls,
            COUNT(*) FILTER (WHERE s.stage = 'customer') AS customers
        FROM contact_stages s WHERE s.contact_id = c.id OFFSET 0) r
    CROSS JOIN LATERAL (VALUES
        (1, c.created_at - ((c.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(c.first_touch_channel, ''),
            COALESCE(c.first_touch_campaign_id, 0), '', 1, r.mqls, r.sqls, r.customers),
        (2, c.created_at / 86400000000, COALESCE(c.first_touch_channel, 'direct'), COALESCE(c.first_touch_campaign_id, 0), '', 1, 0, 0, 0),
        (4, 0, '', 0, c.stage, 1, 0, 0, 0)
    ) v(kind, day, channel, campaign_id, stage, n, mqls, sqls, customers)
    WHERE c.merged_into_id IS NULL
    GROUP BY v.kind, v.day, v.channel, v.campaign_id, v.stage
    HAVING SUM(v.n) <> 0 OR SUM(v.mqls) <> 0 OR SUM(v.sqls) <> 0 OR SUM(v.customers) <> 0;
    IF FOUND THEN
        PERFORM set_config('lodestone.rollup_applied', '', true);
    END IF;
    IF TG_OP = 'DELETE' THEN
        -- A deleted contact leaves the stages it still has (as the row trigger did, a new
        -- one adds none: its stages are entered after it).
        INSERT INTO rollup_deltas (kind, day, stage, leads)
        SELECT 3, c.created_at / 86400000000, s.stage, -COUNT(*)
        FROM changed_contacts c CROSS JOIN LATERAL (SELECT s.stage FROM contact_stages s WHERE s.contact_id = c.id OFFSET 0) s
        WHERE c.merged_into_id IS NULL
        GROUP BY 2, 3;
        IF FOUND THEN
            PERFORM set_config('lodestone.rollup_applied', '', true);
        END IF;
        INSERT INTO report_dirty (contact_id) SELECT c.id FROM changed_contacts c;
    END IF;
    INSERT INTO report_dirty (contact_id) SELECT c.merged_into_id FROM changed_contacts c WHERE c.merged_into_id IS NOT NULL;
    RETURN NULL;
END;
$$;

-- contact_stages: an entry counts in the cohort (mql, sql, customer) and in stage_days
-- of its contact, unless that contact is merged away; sql, opportunity and customer mark it.
CREATE FUNCTION contact_stages_rollup_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    dir CONSTANT BIGINT := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    INSERT INTO rollup_deltas (kind, day, channel, campaign_id, stage, leads, mqls, sqls, customers)
    SELECT v.kind, v.day, v.channel, v.campaign_id, v.stage, dir * SUM(v.n), dir * SUM(v.mqls), dir * SUM(v.sqls), dir * SUM(v.customers)
    FROM changed_stages s
    CROSS JOIN LATERAL (SELECT c.created_at, c.first_touch_channel, c.first_touch_campaign_id FROM contacts c
        WHERE c.id = s.contact_id AND c.merged_into_id IS NULL OFFSET 0) c
    CROSS JOIN LATERAL (VALUES
        (1, c.created_at - ((c.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(c.first_touch_channel, ''),
            COALESCE(c.first_touch_campaign_id, 0), '', 0, (s.stage = 'mql')::int, (s.stage = 'sql')::int, (s.stage = 'customer')::int),
        (3, c.created_at / 86400000000, '', 0, s.stage, 1, 0, 0, 0)
    ) v(kind, day, channel, campaign_id, stage, n, mqls, sqls, customers)
    GROUP BY v.kind, v.day, v.channel, v.campaign_id, v.stage
    HAVING SUM(v.n) <> 0 OR SUM(v.mqls) <> 0 OR SUM(v.sqls) <> 0 OR SUM(v.customers) <> 0;
    IF FOUND THEN
        PERFORM set_config('lodestone.rollup_applied', '', true);
    END IF;
    INSERT INTO report_dirty (contact_id) SELECT s.contact_id FROM changed_stages s WHERE s.stage IN ('sql', 'opportunity', 'customer');
    RETURN NULL;
END;
$$;

-- events: a new touch or sales touch marks its contact; a deleted event marks its contact.
CREATE FUNCTION report_dirty_event_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO report_dirty (contact_id) SELECT e.contact_id FROM changed_events e
        WHERE e.contact_id IS NOT NULL AND (e.channel IS NOT NULL OR e.type IN ('call', 'meeting_booked', 'email_sent'));
    ELSE
        INSERT INTO report_dirty (contact_id) SELECT e.contact_id FROM changed_events e WHERE e.contact_id IS NOT NULL;
    END IF;
    RETURN NULL;
END;
$$;

-- The row triggers keep only their updates; their functions are unchanged.
DROP TRIGGER report_cohorts_contacts ON contacts;
CREATE TRIGGER report_cohorts_contacts AFTER UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION report_cohorts_contacts();
DROP TRIGGER contacts_rollup ON contacts;
CREATE TRIGGER contacts_rollup AFTER UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_rollup();
DROP TRIGGER stage_now_rollup ON contacts;
CREATE TRIGGER stage_now_rollup AFTER UPDATE OF stage, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION stage_now_rollup();
DROP TRIGGER report_dirty_contacts ON contacts;
CREATE TRIGGER report_dirty_contacts AFTER UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION report_dirty_contacts();

DROP TRIGGER report_cohorts_stages ON contact_stages;
CREATE TRIGGER report_cohorts_stages AFTER UPDATE OF contact_id, stage ON contact_stages FOR EACH ROW EXECUTE FUNCTION report_cohorts_stages();
DROP TRIGGER contact_stages_rollup ON contact_stages;
CREATE TRIGGER contact_stages_rollup AFTER UPDATE OF contact_id, stage ON contact_stages FOR EACH ROW EXECUTE FUNCTION contact_stages_rollup();
DROP TRIGGER report_dirty_stages ON contact_stages;
CREATE TRIGGER report_dirty_stages AFTER UPDATE ON contact_stages FOR EACH ROW EXECUTE FUNCTION report_dirty_stages();

DROP TRIGGER report_dirty_events ON events;
CREATE TRIGGER report_dirty_events AFTER UPDATE OF contact_id, type, occurred_at, channel, campaign_id, actor
    ON events FOR EACH ROW EXECUTE FUNCTION report_dirty_events();

-- One trigger per event: PostgreSQL gives a trigger with transition tables one event only.
CREATE TRIGGER contacts_rollup_inserted AFTER INSERT ON contacts REFERENCING NEW TABLE AS changed_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_rollup_rows();
CREATE TRIGGER contacts_rollup_deleted AFTER DELETE ON contacts REFERENCING OLD TABLE AS changed_contacts
    FOR EACH STATEMENT EXECUTE FUNCTION contacts_rollup_rows();
CREATE TRIGGER contact_stages_rollup_inserted AFTER INSERT ON contact_stages REFERENCING NEW TABLE AS changed_stages
    FOR EACH STATEMENT EXECUTE FUNCTION contact_stages_rollup_rows();
CREATE TRIGGER contact_stages_rollup_deleted AFTER DELETE ON contact_stages REFERENCING OLD TABLE AS changed_stages
    FOR EACH STATEMENT EXECUTE FUNCTION contact_stages_rollup_rows();
CREATE TRIGGER report_dirty_events_inserted AFTER INSERT ON events REFERENCING NEW TABLE AS changed_events
    FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_event_rows();
CREATE TRIGGER report_dirty_events_deleted AFTER DELETE ON events REFERENCING OLD TABLE AS changed_events
    FOR EACH STATEMENT EXECUTE FUNCTION report_dirty_event_rows();
