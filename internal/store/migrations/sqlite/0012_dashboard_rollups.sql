-- Daily roll-ups for the dashboard, kept exact by triggers in the same transaction as
-- every change they summarise: new leads per day of creation and first touch, and the
-- stages those contacts have reached. A merged contact counts nowhere, as in the reports.
-- Days are UTC days since the epoch (created_at / 86400000000).
CREATE TABLE lead_days (
    day         INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    campaign_id INTEGER NOT NULL,
    leads       INTEGER NOT NULL,
    PRIMARY KEY (day, channel, campaign_id)
);

CREATE TABLE stage_days (
    day      INTEGER NOT NULL,
    stage    TEXT NOT NULL,
    contacts INTEGER NOT NULL,
    PRIMARY KEY (day, stage)
);

INSERT INTO lead_days
    SELECT created_at / 86400000000, COALESCE(first_touch_channel, 'direct'), COALESCE(first_touch_campaign_id, 0), COUNT(*)
    FROM contacts WHERE merged_into_id IS NULL GROUP BY 1, 2, 3;
INSERT INTO stage_days
    SELECT c.created_at / 86400000000, s.stage, COUNT(*)
    FROM contacts c JOIN contact_stages s ON s.contact_id = c.id WHERE c.merged_into_id IS NULL GROUP BY 1, 2;

CREATE TRIGGER lead_days_insert AFTER INSERT ON contacts WHEN NEW.merged_into_id IS NULL BEGIN
    INSERT INTO lead_days VALUES (NEW.created_at / 86400000000, COALESCE(NEW.first_touch_channel, 'direct'), COALESCE(NEW.first_touch_campaign_id, 0), 1)
        ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = leads + 1;
END;

CREATE TRIGGER lead_days_update AFTER UPDATE OF created_at, first_touch_channel, first_touch_campaign_id, merged_into_id ON contacts BEGIN
    UPDATE lead_days SET leads = leads - 1 WHERE OLD.merged_into_id IS NULL AND day = OLD.created_at / 86400000000
        AND channel = COALESCE(OLD.first_touch_channel, 'direct') AND campaign_id = COALESCE(OLD.first_touch_campaign_id, 0);
    INSERT INTO lead_days SELECT NEW.created_at / 86400000000, COALESCE(NEW.first_touch_channel, 'direct'), COALESCE(NEW.first_touch_campaign_id, 0), 1
        WHERE NEW.merged_into_id IS NULL
        ON CONFLICT (day, channel, campaign_id) DO UPDATE SET leads = leads + 1;
END;

CREATE TRIGGER stage_days_move AFTER UPDATE OF created_at, merged_into_id ON contacts BEGIN
    UPDATE stage_days SET contacts = contacts - 1 WHERE OLD.merged_into_id IS NULL AND day = OLD.created_at / 86400000000
        AND stage IN (SELECT stage FROM contact_stages WHERE contact_id = OLD.id);
    INSERT INTO stage_days SELECT NEW.created_at / 86400000000, stage, 1 FROM contact_stages WHERE contact_id = NEW.id AND NEW.merged_into_id IS NULL
        ON CONFLICT (day, stage) DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER lead_days_delete AFTER DELETE ON contacts WHEN OLD.merged_into_id IS NULL BEGIN
    UPDATE lead_days SET leads = leads - 1 WHERE day = OLD.created_at / 86400000000
        AND channel = COALESCE(OLD.first_touch_channel, 'direct') AND campaign_id = COALESCE(OLD.first_touch_campaign_id, 0);
END;

CREATE TRIGGER stage_days_insert AFTER INSERT ON contact_stages BEGIN
    INSERT INTO stage_days SELECT created_at / 86400000000, NEW.stage, 1 FROM contacts WHERE id = NEW.contact_id AND merged_into_id IS NULL
        ON CONFLICT (day, stage) DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER stage_days_update AFTER UPDATE OF contact_id, stage ON contact_stages BEGIN
    UPDATE stage_days SET contacts = contacts - 1 WHERE stage = OLD.stage
        AND day = (SELECT created_at / 86400000000 FROM contacts WHERE id = OLD.contact_id AND merged_into_id IS NULL);
    INSERT INTO stage_days SELECT created_at / 86400000000, NEW.stage, 1 FROM contacts WHERE id = NEW.contact_id AND merged_into_id IS NULL
        ON CONFLICT (day, stage) DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER stage_days_delete AFTER DELETE ON contact_stages BEGIN
    UPDATE stage_days SET contacts = contacts - 1 WHERE stage = OLD.stage
        AND day = (SELECT created_at / 86400000000 FROM contacts WHERE id = OLD.contact_id AND merged_into_id IS NULL);
END;

-- How many contacts are in each stage now.
CREATE TABLE stage_now (
    stage    TEXT PRIMARY KEY,
    contacts INTEGER NOT NULL
);
INSERT INTO stage_now SELECT stage, COUNT(*) FROM contacts WHERE merged_into_id IS NULL GROUP BY stage;

CREATE TRIGGER stage_now_insert AFTER INSERT ON contacts WHEN NEW.merged_into_id IS NULL BEGIN
    INSERT INTO stage_now VALUES (NEW.stage, 1) ON CONFLICT (stage) DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER stage_now_update AFTER UPDATE OF stage, merged_into_id ON contacts BEGIN
    UPDATE stage_now SET contacts = contacts - 1 WHERE OLD.merged_into_id IS NULL AND stage = OLD.stage;
    INSERT INTO stage_now SELECT NEW.stage, 1 WHERE NEW.merged_into_id IS NULL ON CONFLICT (stage) DO UPDATE SET contacts = contacts + 1;
END;

CREATE TRIGGER stage_now_delete AFTER DELETE ON contacts WHEN OLD.merged_into_id IS NULL BEGIN
    UPDATE stage_now SET contacts = contacts - 1 WHERE stage = OLD.stage;
END;
