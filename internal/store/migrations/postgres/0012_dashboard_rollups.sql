-- Daily roll-ups for the dashboard, kept exact by triggers in the same transaction as
-- every change they summarise: new leads per day of creation and first touch, and the
-- stages those contacts have reached. A merged contact counts nowhere, as in the reports.
-- Days are UTC days since the epoch (created_at / 86400000000).
CREATE TABLE lead_days (
    day         BIGINT NOT NULL,
    channel     TEXT NOT NULL,
    campaign_id BIGINT NOT NULL,
    leads       BIGINT NOT NULL,
    PRIMARY KEY (day, channel, campaign_id)
);

CREATE TABLE stage_days (
    day      BIGINT NOT NULL,
    stage    TEXT NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (day, stage)
);

INSERT INTO lead_days
    SELECT created_at / 86400000000, COALESCE(first_touch_channel, 'direct'), COALESCE(first_touch_campaign_id, 0), COUNT(*)
    FROM contacts WHERE merged_into_id IS NULL GROUP BY 1, 2, 3;
INSERT INTO stage_days
    SELECT c.created_at / 86400000000, s.stage, COUNT(*)
    FROM contacts c JOIN contact_stages s ON s.contact_id = c.id WHERE c.merged_into_id IS NULL GROUP BY 1, 2;

CREATE FUNCTION lead_days_add(d BIGINT, ch TEXT, camp BIGINT, n BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO lead_days VALUES (d, COALESCE(ch, 'direct'), COALESCE(camp, 0), n)
        ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = lead_days.leads + n;
$$;

CREATE FUNCTION stage_days_add(d BIGINT, st TEXT, n BIGINT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO stage_days VALUES (d, st, n)
        ON CONFLICT (day, stage) DO UPDATE SET contacts = stage_days.contacts + n;
$$;

CREATE FUNCTION contacts_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.merged_into_id IS NULL THEN
        PERFORM lead_days_add(OLD.created_at / 86400000000, OLD.first_touch_channel, OLD.first_touch_campaign_id, -1);
        IF TG_OP = 'DELETE' OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.merged_into_id IS NOT NULL THEN
            PERFORM stage_days_add(OLD.created_at / 86400000000, s.stage, -1) FROM contact_stages s WHERE s.contact_id = OLD.id;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.merged_into_id IS NULL THEN
        PERFORM lead_days_add(NEW.created_at / 86400000000, NEW.first_touch_channel, NEW.first_touch_campaign_id, 1);
        IF TG_OP = 'UPDATE' AND (NEW.created_at IS DISTINCT FROM OLD.created_at OR OLD.merged_into_id IS NOT NULL) THEN
            PERFORM stage_days_add(NEW.created_at / 86400000000, s.stage, 1) FROM contact_stages s WHERE s.contact_id = NEW.id;
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contacts_rollup AFTER INSERT OR DELETE OR UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION contacts_rollup();

CREATE FUNCTION contact_stages_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM stage_days_add(c.created_at / 86400000000, OLD.stage, -1) FROM contacts c WHERE c.id = OLD.contact_id AND c.merged_into_id IS NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM stage_days_add(c.created_at / 86400000000, NEW.stage, 1) FROM contacts c WHERE c.id = NEW.contact_id AND c.merged_into_id IS NULL;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contact_stages_rollup AFTER INSERT OR DELETE OR UPDATE OF contact_id, stage
    ON contact_stages FOR EACH ROW EXECUTE FUNCTION contact_stages_rollup();

-- How many contacts are in each stage now.
CREATE TABLE stage_now (
    stage    TEXT PRIMARY KEY,
    contacts BIGINT NOT NULL
);
INSERT INTO stage_now SELECT stage, COUNT(*) FROM contacts WHERE merged_into_id IS NULL GROUP BY stage;

CREATE FUNCTION stage_now_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.merged_into_id IS NULL THEN
        UPDATE stage_now SET contacts = contacts - 1 WHERE stage = OLD.stage;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.merged_into_id IS NULL THEN
        INSERT INTO stage_now VALUES (NEW.stage, 1) ON CONFLICT (stage) DO UPDATE SET contacts = stage_now.contacts + 1;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER stage_now_rollup AFTER INSERT OR DELETE OR UPDATE OF stage, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION stage_now_rollup();
