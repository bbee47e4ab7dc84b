-- A campaign's page and list count the contacts whose first touch was the campaign.
CREATE INDEX contacts_first_campaign ON contacts(first_touch_campaign_id) WHERE first_touch_campaign_id IS NOT NULL;

-- The sources report's customers are found by their stage, not by scanning the cohort.
CREATE INDEX contact_stages_stage ON contact_stages(stage, contact_id);

-- report_cohorts: see the SQLite migration of the same name. Triggers keep it equal to
-- the counts over contacts and contact_stages in the transaction of every change.
CREATE TABLE report_cohorts (
    day         BIGINT NOT NULL,
    channel     TEXT NOT NULL,
    campaign_id BIGINT NOT NULL,
    leads       BIGINT NOT NULL DEFAULT 0,
    mqls        BIGINT NOT NULL DEFAULT 0,
    sqls        BIGINT NOT NULL DEFAULT 0,
    customers   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, channel, campaign_id)
);

-- report_cohort_add counts a contact in (sign 1) or out (sign -1): whole, with the stages
-- it has entered, when stage is null; else only that stage.
CREATE FUNCTION report_cohort_add(p_created BIGINT, p_channel TEXT, p_campaign BIGINT, p_contact BIGINT, p_sign INT, p_stage TEXT) RETURNS void AS $$
    INSERT INTO report_cohorts AS r (day, channel, campaign_id, leads, mqls, sqls, customers)
    VALUES (p_created - ((p_created % 86400000000) + 86400000000) % 86400000000, COALESCE(p_channel, ''), COALESCE(p_campaign, 0),
        CASE WHEN p_stage IS NULL THEN p_sign ELSE 0 END,
        CASE WHEN p_stage = 'mql' OR p_stage IS NULL AND EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = p_contact AND s.stage = 'mql') THEN p_sign ELSE 0 END,
        CASE WHEN p_stage = 'sql' OR p_stage IS NULL AND EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = p_contact AND s.stage = 'sql') THEN p_sign ELSE 0 END,
        CASE WHEN p_stage = 'customer' OR p_stage IS NULL AND EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = p_contact AND s.stage = 'customer') THEN p_sign ELSE 0 END)
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = r.leads + excluded.leads, mqls = r.mqls + excluded.mqls,
        sqls = r.sqls + excluded.sqls, customers = r.customers + excluded.customers
$$ LANGUAGE sql;

INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
SELECT c.created_at - ((c.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(c.first_touch_channel, ''), COALESCE(c.first_touch_campaign_id, 0), COUNT(*),
    COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'mql')),
    COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'sql')),
    COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'customer'))
FROM contacts c WHERE c.merged_into_id IS NULL GROUP BY 1, 2, 3;

CREATE FUNCTION report_cohorts_contacts() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.merged_into_id IS NULL THEN
        PERFORM report_cohort_add(OLD.created_at, OLD.first_touch_channel, OLD.first_touch_campaign_id, OLD.id, -1, NULL);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.merged_into_id IS NULL THEN
        PERFORM report_cohort_add(NEW.created_at, NEW.first_touch_channel, NEW.first_touch_campaign_id, NEW.id, 1, NULL);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER report_cohorts_contacts AFTER INSERT OR DELETE OR UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id
    ON contacts FOR EACH ROW EXECUTE FUNCTION report_cohorts_contacts();

CREATE FUNCTION report_cohorts_stages() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'a stage entry is never moved: delete it and insert another';
    END IF;
    IF TG_OP = 'INSERT' AND NEW.stage IN ('mql', 'sql', 'customer') THEN
        PERFORM report_cohort_add(c.created_at, c.first_touch_channel, c.first_touch_campaign_id, c.id, 1, NEW.stage)
        FROM contacts c WHERE c.id = NEW.contact_id AND c.merged_into_id IS NULL;
    END IF;
    IF TG_OP = 'DELETE' AND OLD.stage IN ('mql', 'sql', 'customer') THEN
        PERFORM report_cohort_add(c.created_at, c.first_touch_channel, c.first_touch_campaign_id, c.id, -1, OLD.stage)
        FROM contacts c WHERE c.id = OLD.contact_id AND c.merged_into_id IS NULL;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER report_cohorts_stages AFTER INSERT OR DELETE OR UPDATE OF contact_id, stage ON contact_stages FOR EACH ROW EXECUTE FUNCTION report_cohorts_stages();
