-- time_decay's shares that are not simple fractions are now whole parts of 2^-62 of a
-- customer (attribution.Credits), held in report_credits as num over den = 2^62. Facts
-- worked out before hold them as exact fractions in text (den 0): mark those contacts,
-- so that the background or the next report works them out again.
INSERT INTO report_dirty (contact_id) SELECT DISTINCT contact_id FROM report_credits WHERE model = 'time_decay' AND den = 0;

-- The roll-ups of migrations 0011 and 0012 (report_cohorts, lead_days, stage_days,
-- stage_now) were changed by their triggers at once, row by row, in the order each
-- transaction happened to touch contacts and stages. Two transactions changing the same
-- roll-up rows in different orders (one moving a lead to mql, the other an mql back to
-- lead) waited for each other: a deadlock, and one of them failed. Now the triggers only
-- append each change to rollup_deltas, which has no unique key and takes no row lock,
-- and at commit a deferred trigger adds the transaction's changes up and applies them to
-- the roll-ups, table by table in one order and by key within a table. So every
-- transaction takes the roll-ups' row locks last, after all its other work, and in the
-- same order as every other: none can wait for one that waits for it. The roll-ups hold
-- the same rows and counts as before once the transaction commits; SQLite, with one
-- writer at a time, keeps its triggers.
CREATE TABLE rollup_deltas (
    xid         BIGINT NOT NULL DEFAULT txid_current(),
    kind        SMALLINT NOT NULL, -- 1 report_cohorts, 2 lead_days, 3 stage_days, 4 stage_now
    day         BIGINT NOT NULL DEFAULT 0,
    channel     TEXT NOT NULL DEFAULT '',
    campaign_id BIGINT NOT NULL DEFAULT 0,
    stage       TEXT NOT NULL DEFAULT '',
    leads       BIGINT NOT NULL DEFAULT 0, -- the count of lead_days, stage_days and stage_now
    mqls        BIGINT NOT NULL DEFAULT 0,
    sqls        BIGINT NOT NULL DEFAULT 0,
    customers   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX rollup_deltas_xid ON rollup_deltas(xid);

-- Every change appended clears lodestone.rollup_applied (see rollup_deltas_apply).
CREATE OR REPLACE FUNCTION report_cohort_add(p_created BIGINT, p_channel TEXT, p_campaign BIGINT, p_contact BIGINT, p_sign INT, p_stage TEXT) RETURNS void AS $$
    SELECT set_config('lodestone.rollup_applied', '', true);
    INSERT INTO rollup_deltas (kind, day, channel, campaign_id, leads, mqls, sqls, customers)
    VALUES (1, p_created - ((p_created % 86400000000) + 86400000000) % 86400000000, COALESCE(p_channel, ''), COALESCE(p_campaign, 0),
        CASE WHEN p_stage IS NULL THEN p_sign ELSE 0 END,
        CASE WHEN p_stage = 'mql' OR p_stage IS NULL AND EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = p_contact AND s.stage = 'mql') THEN p_sign ELSE 0 END,
        CASE WHEN p_stage = 'sql' OR p_stage IS NULL AND EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = p_contact AND s.stage = 'sql') THEN p_sign ELSE 0 END,
        CASE WHEN p_stage = 'customer' OR p_stage IS NULL AND EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = p_contact AND s.stage = 'customer') THEN p_sign ELSE 0 END)
$$ LANGUAGE sql;

CREATE OR REPLACE FUNCTION lead_days_add(d BIGINT, ch TEXT, camp BIGINT, n BIGINT) RETURNS void LANGUAGE sql AS $$
    SELECT set_config('lodestone.rollup_applied', '', true);
    INSERT INTO rollup_deltas (kind, day, channel, campaign_id, leads) VALUES (2, d, COALESCE(ch, 'direct'), COALESCE(camp, 0), n);
$$;

CREATE OR REPLACE FUNCTION stage_days_add(d BIGINT, st TEXT, n BIGINT) RETURNS void LANGUAGE sql AS $$
    SELECT set_config('lodestone.rollup_applied', '', true);
    INSERT INTO rollup_deltas (kind, day, stage, leads) VALUES (3, d, st, n);
$$;

CREATE OR REPLACE FUNCTION stage_now_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('lodestone.rollup_applied', '', true);
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.merged_into_id IS NULL THEN
        INSERT INTO rollup_deltas (kind, stage, leads) VALUES (4, OLD.stage, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.merged_into_id IS NULL THEN
        INSERT INTO rollup_deltas (kind, stage, leads) VALUES (4, NEW.stage, 1);
    END IF;
    RETURN NULL;
END;
$$;

-- rollup_deltas_apply runs at commit once per change appended; the first call applies
-- all of the transaction's changes and deletes them, and notes that in the setting
-- lodestone.rollup_applied, local to the transaction, so the other calls return at once
-- (looking for rows left would read every deleted one again: quadratic in a bulk
-- insert). A change appended after that, as after SET CONSTRAINTS ... IMMEDIATE, clears
-- the note, so the calls at commit apply it.
CREATE FUNCTION rollup_deltas_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('lodestone.rollup_applied', true) = 'yes' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('lodestone.rollup_applied', 'yes', true);
    WITH d AS (DELETE FROM rollup_deltas WHERE xid = NEW.xid AND kind = 1 RETURNING day, channel, campaign_id, leads, mqls, sqls, customers)
    INSERT INTO report_cohorts AS r (day, channel, campaign_id, leads, mqls, sqls, customers)
        SELECT day, channel, campaign_id, SUM(leads), SUM(mqls), SUM(sqls), SUM(customers) FROM d GROUP BY day, channel, campaign_id
        HAVING SUM(leads) <> 0 OR SUM(mqls) <> 0 OR SUM(sqls) <> 0 OR SUM(customers) <> 0
        ORDER BY day, channel, campaign_id
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = r.leads + excluded.leads, mqls = r.mqls + excluded.mqls,
        sqls = r.sqls + excluded.sqls, customers = r.customers + excluded.customers;
    WITH d AS (DELETE FROM rollup_deltas WHERE xid = NEW.xid AND kind = 2 RETURNING day, channel, campaign_id, leads)
    INSERT INTO lead_days AS r (day, channel, campaign_id, leads)
        SELECT day, channel, campaign_id, SUM(leads) FROM d GROUP BY day, channel, campaign_id HAVING SUM(leads) <> 0
        ORDER BY day, channel, campaign_id
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = r.leads + excluded.leads;
    WITH d AS (DELETE FROM rollup_deltas WHERE xid = NEW.xid AND kind = 3 RETURNING day, stage, leads)
    INSERT INTO stage_days AS r (day, stage, contacts)
        SELECT day, stage, SUM(leads) FROM d GROUP BY day, stage HAVING SUM(leads) <> 0 ORDER BY day, stage
    ON CONFLICT (day, stage) DO UPDATE SET contacts = r.contacts + excluded.contacts;
    WITH d AS (DELETE FROM rollup_deltas WHERE xid = NEW.xid AND kind = 4 RETURNING stage, leads)
    INSERT INTO stage_now AS r (stage, contacts)
        SELECT stage, SUM(leads) FROM d GROUP BY stage HAVING SUM(leads) <> 0 ORDER BY stage
    ON CONFLICT (stage) DO UPDATE SET contacts = r.contacts + excluded.contacts;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER rollup_deltas_apply AFTER INSERT ON rollup_deltas DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION rollup_deltas_apply();
