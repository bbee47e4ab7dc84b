-- A campaign's page and list count the contacts whose first touch was the campaign.
CREATE INDEX contacts_first_campaign ON contacts(first_touch_campaign_id) WHERE first_touch_campaign_id IS NOT NULL;

-- The sources report's customers are found by their stage, not by scanning the cohort.
CREATE INDEX contact_stages_stage ON contact_stages(stage, contact_id);

-- report_cohorts counts the contacts that are not merged into another, per UTC day of
-- creation and first touch (channel '' and campaign 0 when there is none): how many,
-- and how many of them have entered mql, sql and customer. Triggers keep it equal to
-- those counts over contacts and contact_stages at every commit, in the transaction of
-- the change, so the sources report reads a few hundred rows a day instead of every
-- contact of the period. TestReportCohortsExact holds it to the direct count.
CREATE TABLE report_cohorts (
    day         INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    campaign_id INTEGER NOT NULL,
    leads       INTEGER NOT NULL DEFAULT 0,
    mqls        INTEGER NOT NULL DEFAULT 0,
    sqls        INTEGER NOT NULL DEFAULT 0,
    customers   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, channel, campaign_id)
) WITHOUT ROWID;

INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
SELECT c.created_at - ((c.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(c.first_touch_channel, ''), COALESCE(c.first_touch_campaign_id, 0), COUNT(*),
    SUM(EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'mql')),
    SUM(EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'sql')),
    SUM(EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = c.id AND s.stage = 'customer'))
FROM contacts c WHERE c.merged_into_id IS NULL GROUP BY 1, 2, 3;

-- A counted contact comes or goes whole: with its lead and the stages it has entered.
CREATE TRIGGER report_cohorts_contact_insert AFTER INSERT ON contacts WHEN NEW.merged_into_id IS NULL BEGIN
    INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
    VALUES (NEW.created_at - ((NEW.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(NEW.first_touch_channel, ''), COALESCE(NEW.first_touch_campaign_id, 0), 1,
        EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = NEW.id AND s.stage = 'mql'),
        EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = NEW.id AND s.stage = 'sql'),
        EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = NEW.id AND s.stage = 'customer'))
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = leads + excluded.leads, mqls = mqls + excluded.mqls,
        sqls = sqls + excluded.sqls, customers = customers + excluded.customers;
END;

CREATE TRIGGER report_cohorts_contact_delete AFTER DELETE ON contacts WHEN OLD.merged_into_id IS NULL BEGIN
    INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
    VALUES (OLD.created_at - ((OLD.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(OLD.first_touch_channel, ''), COALESCE(OLD.first_touch_campaign_id, 0), -1,
        -EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = OLD.id AND s.stage = 'mql'),
        -EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = OLD.id AND s.stage = 'sql'),
        -EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = OLD.id AND s.stage = 'customer'))
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = leads + excluded.leads, mqls = mqls + excluded.mqls,
        sqls = sqls + excluded.sqls, customers = customers + excluded.customers;
END;

-- A change of creation time, first touch or merge moves the contact: out of its old
-- place if it was counted, into its new one if it still is.
CREATE TRIGGER report_cohorts_contact_update AFTER UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id ON contacts BEGIN
    INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
    SELECT OLD.created_at - ((OLD.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(OLD.first_touch_channel, ''), COALESCE(OLD.first_touch_campaign_id, 0), -1,
        -EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = OLD.id AND s.stage = 'mql'),
        -EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = OLD.id AND s.stage = 'sql'),
        -EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = OLD.id AND s.stage = 'customer')
    WHERE OLD.merged_into_id IS NULL
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = leads + excluded.leads, mqls = mqls + excluded.mqls,
        sqls = sqls + excluded.sqls, customers = customers + excluded.customers;
    INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
    SELECT NEW.created_at - ((NEW.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(NEW.first_touch_channel, ''), COALESCE(NEW.first_touch_campaign_id, 0), 1,
        EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = NEW.id AND s.stage = 'mql'),
        EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = NEW.id AND s.stage = 'sql'),
        EXISTS (SELECT 1 FROM contact_stages s WHERE s.contact_id = NEW.id AND s.stage = 'customer')
    WHERE NEW.merged_into_id IS NULL
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = leads + excluded.leads, mqls = mqls + excluded.mqls,
        sqls = sqls + excluded.sqls, customers = customers + excluded.customers;
END;

-- A stage entered or removed counts for a counted contact.
CREATE TRIGGER report_cohorts_stage_insert AFTER INSERT ON contact_stages WHEN NEW.stage IN ('mql', 'sql', 'customer') BEGIN
    INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
    SELECT c.created_at - ((c.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(c.first_touch_channel, ''), COALESCE(c.first_touch_campaign_id, 0), 0,
        NEW.stage = 'mql', NEW.stage = 'sql', NEW.stage = 'customer'
    FROM contacts c WHERE c.id = NEW.contact_id AND c.merged_into_id IS NULL
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET mqls = mqls + excluded.mqls, sqls = sqls + excluded.sqls, customers = customers + excluded.customers;
END;

CREATE TRIGGER report_cohorts_stage_delete AFTER DELETE ON contact_stages WHEN OLD.stage IN ('mql', 'sql', 'customer') BEGIN
    INSERT INTO report_cohorts (day, channel, campaign_id, leads, mqls, sqls, customers)
    SELECT c.created_at - ((c.created_at % 86400000000) + 86400000000) % 86400000000, COALESCE(c.first_touch_channel, ''), COALESCE(c.first_touch_campaign_id, 0), 0,
        -(OLD.stage = 'mql'), -(OLD.stage = 'sql'), -(OLD.stage = 'customer')
    FROM contacts c WHERE c.id = OLD.contact_id AND c.merged_into_id IS NULL
    ON CONFLICT (day, channel, campaign_id) DO UPDATE SET mqls = mqls + excluded.mqls, sqls = sqls + excluded.sqls, customers = customers + excluded.customers;
END;

CREATE TRIGGER report_cohorts_stage_update AFTER UPDATE OF contact_id, stage ON contact_stages BEGIN
    SELECT RAISE(ABORT, 'a stage entry is never moved: delete it and insert another');
END;
