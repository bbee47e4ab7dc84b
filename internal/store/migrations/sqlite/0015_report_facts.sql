-- What the sources report and the dashboard need of each cohort member beyond counts,
-- worked out once per contact by the store (report_facts.go) instead of at every read:
--
-- report_credits: for a contact that is not merged and has entered customer, one row per
-- model and source: the share of the customer (num/den, or the exact fraction as text in
-- exact when den is 0, as time_decay's are) and of its won deals' revenue that the model
-- gives the source. first_touch has one row: the contact's first touch, 1, and all its
-- won deals (and those of the contacts merged into it).
--
-- report_speed: for a contact that is not merged and has entered SQL, the microseconds
-- from entering SQL to its first sales touch, if it has one.
--
-- report_dirty: contacts whose facts may be out of date. Triggers add a contact here in
-- the transaction of every change the facts depend on; before reading, the store works
-- the facts of those contacts out again and takes them off the list in one transaction.
-- So the facts read are always those a direct computation would give. Rows are only
-- ever inserted by writers, never updated, so concurrent writers never wait on each
-- other here.
CREATE TABLE report_credits (
    contact_id  INTEGER NOT NULL,
    model       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    campaign_id INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    num         INTEGER NOT NULL,
    den         INTEGER NOT NULL,
    exact       TEXT NOT NULL,
    revenue     INTEGER NOT NULL,
    PRIMARY KEY (contact_id, model, channel, campaign_id)
);
CREATE INDEX report_credits_read ON report_credits(model, created_at, channel, campaign_id, den, num, revenue, exact);

CREATE TABLE report_speed (
    contact_id  INTEGER PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    campaign_id INTEGER NOT NULL,
    micros      INTEGER NOT NULL
);
CREATE INDEX report_speed_read ON report_speed(created_at, channel, campaign_id, micros);

CREATE TABLE report_dirty (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL
);

-- Existing data: every contact that has entered SQL or customer is worked out at the
-- first read.
INSERT INTO report_dirty (contact_id) SELECT DISTINCT contact_id FROM contact_stages WHERE stage IN ('sql', 'customer');

-- A touch or a sales touch counts for the contact it belongs to, or for the contact it
-- is merged into; only contacts that have entered SQL or customer have facts. A contact
-- that enters either later is marked then, with all its events. (SQLite runs one writer
-- at a time, so the test of the stages sees every change before this one; PostgreSQL,
-- whose writers run side by side, marks every touch and drops the useless marks when it
-- reads them.)
CREATE TRIGGER report_dirty_event_insert AFTER INSERT ON events
WHEN NEW.contact_id IS NOT NULL AND (NEW.channel IS NOT NULL OR NEW.type IN ('call', 'meeting_booked', 'email_sent')) BEGIN
    INSERT INTO report_dirty (contact_id) SELECT NEW.contact_id WHERE EXISTS (SELECT 1 FROM contact_stages s
        WHERE s.contact_id = COALESCE((SELECT merged_into_id FROM contacts WHERE id = NEW.contact_id), NEW.contact_id) AND s.stage IN ('sql', 'customer'));
END;

CREATE TRIGGER report_dirty_event_update AFTER UPDATE OF contact_id, type, occurred_at, channel, campaign_id, actor ON events BEGIN
    INSERT INTO report_dirty (contact_id) SELECT OLD.contact_id WHERE OLD.contact_id IS NOT NULL;
    INSERT INTO report_dirty (contact_id) SELECT NEW.contact_id WHERE NEW.contact_id IS NOT NULL AND EXISTS (SELECT 1 FROM contact_stages s
        WHERE s.contact_id = COALESCE((SELECT merged_into_id FROM contacts WHERE id = NEW.contact_id), NEW.contact_id) AND s.stage IN ('sql', 'customer'));
END;

CREATE TRIGGER report_dirty_event_delete AFTER DELETE ON events WHEN OLD.contact_id IS NOT NULL BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (OLD.contact_id);
END;

CREATE TRIGGER report_dirty_deal_insert AFTER INSERT ON deals BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (NEW.contact_id);
END;

CREATE TRIGGER report_dirty_deal_update AFTER UPDATE ON deals BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (OLD.contact_id);
    INSERT INTO report_dirty (contact_id) SELECT NEW.contact_id WHERE NEW.contact_id <> OLD.contact_id;
END;

CREATE TRIGGER report_dirty_deal_delete AFTER DELETE ON deals BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (OLD.contact_id);
END;

CREATE TRIGGER report_dirty_stage_insert AFTER INSERT ON contact_stages WHEN NEW.stage IN ('sql', 'opportunity', 'customer') BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (NEW.contact_id);
END;

CREATE TRIGGER report_dirty_stage_update AFTER UPDATE ON contact_stages BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (OLD.contact_id);
    INSERT INTO report_dirty (contact_id) SELECT NEW.contact_id WHERE NEW.contact_id <> OLD.contact_id;
END;

CREATE TRIGGER report_dirty_stage_delete AFTER DELETE ON contact_stages WHEN OLD.stage IN ('sql', 'opportunity', 'customer') BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (OLD.contact_id);
END;

-- A contact's creation time, first touch or merge: the contact itself, and the contacts
-- it was and is merged into.
CREATE TRIGGER report_dirty_contact_update AFTER UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id ON contacts
WHEN OLD.created_at IS NOT NEW.created_at OR OLD.first_touch_channel IS NOT NEW.first_touch_channel
    OR OLD.first_touch_campaign_id IS NOT NEW.first_touch_campaign_id OR OLD.merged_into_id IS NOT NEW.merged_into_id BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (NEW.id);
    INSERT INTO report_dirty (contact_id) SELECT OLD.merged_into_id WHERE OLD.merged_into_id IS NOT NULL;
    INSERT INTO report_dirty (contact_id) SELECT NEW.merged_into_id WHERE NEW.merged_into_id IS NOT NULL;
END;

CREATE TRIGGER report_dirty_contact_insert AFTER INSERT ON contacts WHEN NEW.merged_into_id IS NOT NULL BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (NEW.merged_into_id);
END;

CREATE TRIGGER report_dirty_contact_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO report_dirty (contact_id) VALUES (OLD.id);
    INSERT INTO report_dirty (contact_id) SELECT OLD.merged_into_id WHERE OLD.merged_into_id IS NOT NULL;
END;
