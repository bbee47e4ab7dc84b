-- The funnel report's roll-up: one row per live contact (not merged into another) that
-- has entered a stage of the funnel's ladder, with when it was created, when it first
-- entered each stage of the ladder (null for a stage it never entered) and its time in
-- each stage (null unless it entered a later stage after some time), as
-- report.FunnelTally measures them. Partial indexes hold, for each stage, the contacts
-- that entered it by creation time with whether they entered the next and their time
-- in it, so the funnel of a period counts and lists them from one range of an index per
-- stage, without a lookup per stage entry or a row per contact through the driver.
--
-- funnel_paths_direct computes the same rows from contacts and contact_stages; the
-- triggers below write a contact's row again from it whenever its stage entries, its
-- creation time or its merge change, in the same transaction, so the roll-up stays exact.

CREATE VIEW funnel_paths_direct AS
    SELECT created_at, contact_id, subscriber_at, lead_at, mql_at, sql_at, opportunity_at, customer_at,
        NULLIF(max(NULLIF(min(COALESCE(lead_at, 9223372036854775807), COALESCE(mql_at, 9223372036854775807), COALESCE(sql_at, 9223372036854775807), COALESCE(opportunity_at, 9223372036854775807), COALESCE(customer_at, 9223372036854775807)), 9223372036854775807) - subscriber_at, 0), 0) AS subscriber_time,
        NULLIF(max(NULLIF(min(COALESCE(mql_at, 9223372036854775807), COALESCE(sql_at, 9223372036854775807), COALESCE(opportunity_at, 9223372036854775807), COALESCE(customer_at, 9223372036854775807)), 9223372036854775807) - lead_at, 0), 0) AS lead_time,
        NULLIF(max(NULLIF(min(COALESCE(sql_at, 9223372036854775807), COALESCE(opportunity_at, 9223372036854775807), COALESCE(customer_at, 9223372036854775807)), 9223372036854775807) - mql_at, 0), 0) AS mql_time,
        NULLIF(max(NULLIF(min(COALESCE(opportunity_at, 9223372036854775807), COALESCE(customer_at, 9223372036854775807)), 9223372036854775807) - sql_at, 0), 0) AS sql_time,
        NULLIF(max(customer_at - opportunity_at, 0), 0) AS opportunity_time
    FROM (SELECT c.created_at AS created_at, c.id AS contact_id,
            MIN(CASE WHEN s.stage = 'subscriber' THEN s.entered_at END) AS subscriber_at,
            MIN(CASE WHEN s.stage = 'lead' THEN s.entered_at END) AS lead_at,
            MIN(CASE WHEN s.stage = 'mql' THEN s.entered_at END) AS mql_at,
            MIN(CASE WHEN s.stage = 'sql' THEN s.entered_at END) AS sql_at,
            MIN(CASE WHEN s.stage = 'opportunity' THEN s.entered_at END) AS opportunity_at,
            MIN(CASE WHEN s.stage = 'customer' THEN s.entered_at END) AS customer_at
        FROM contacts c JOIN contact_stages s ON s.contact_id = c.id
        WHERE c.merged_into_id IS NULL AND s.stage IN ('subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer')
        GROUP BY c.id, c.created_at) e;

CREATE TABLE funnel_paths (
    created_at       INTEGER NOT NULL,
    contact_id       INTEGER NOT NULL,
    subscriber_at    INTEGER,
    lead_at          INTEGER,
    mql_at           INTEGER,
    sql_at           INTEGER,
    opportunity_at   INTEGER,
    customer_at      INTEGER,
    subscriber_time  INTEGER,
    lead_time        INTEGER,
    mql_time         INTEGER,
    sql_time         INTEGER,
    opportunity_time INTEGER,
    PRIMARY KEY (created_at, contact_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX funnel_paths_contact ON funnel_paths(contact_id);

INSERT INTO funnel_paths SELECT * FROM funnel_paths_direct;

-- The funnel of a period reads each stage from its index alone (each holds its stage's
-- own column too, so that it covers the condition on it).
CREATE INDEX funnel_paths_subscriber ON funnel_paths(created_at, lead_at, subscriber_time, subscriber_at) WHERE subscriber_at IS NOT NULL;
CREATE INDEX funnel_paths_lead ON funnel_paths(created_at, mql_at, lead_time, lead_at) WHERE lead_at IS NOT NULL;
CREATE INDEX funnel_paths_mql ON funnel_paths(created_at, sql_at, mql_time, mql_at) WHERE mql_at IS NOT NULL;
CREATE INDEX funnel_paths_sql ON funnel_paths(created_at, opportunity_at, sql_time, sql_at) WHERE sql_at IS NOT NULL;
CREATE INDEX funnel_paths_opportunity ON funnel_paths(created_at, customer_at, opportunity_time, opportunity_at) WHERE opportunity_at IS NOT NULL;
CREATE INDEX funnel_paths_customer ON funnel_paths(created_at, customer_at) WHERE customer_at IS NOT NULL;

-- A new stage entry sets its stage's time on the contact's row (a row of one stage
-- has no time in stage) and works the times out again from the row's times. A contact
-- enters a stage once (the primary key of contact_stages), so an entry never replaces
-- a time already on the row.
CREATE TRIGGER funnel_paths_entered AFTER INSERT ON contact_stages
        WHEN NEW.stage IN ('subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer') BEGIN
    INSERT INTO funnel_paths (created_at, contact_id, subscriber_at, lead_at, mql_at, sql_at, opportunity_at, customer_at)
        SELECT c.created_at, c.id,
            CASE WHEN NEW.stage = 'subscriber' THEN NEW.entered_at END,
            CASE WHEN NEW.stage = 'lead' THEN NEW.entered_at END,
            CASE WHEN NEW.stage = 'mql' THEN NEW.entered_at END,
            CASE WHEN NEW.stage = 'sql' THEN NEW.entered_at END,
            CASE WHEN NEW.stage = 'opportunity' THEN NEW.entered_at END,
            CASE WHEN NEW.stage = 'customer' THEN NEW.entered_at END
        FROM contacts c WHERE c.id = NEW.contact_id AND c.merged_into_id IS NULL
        ON CONFLICT (contact_id) DO UPDATE SET
            subscriber_at = COALESCE(excluded.subscriber_at, subscriber_at),
            lead_at = COALESCE(excluded.lead_at, lead_at),
            mql_at = COALESCE(excluded.mql_at, mql_at),
            sql_at = COALESCE(excluded.sql_at, sql_at),
            opportunity_at = COALESCE(excluded.opportunity_at, opportunity_at),
            customer_at = COALESCE(excluded.customer_at, customer_at),
            subscriber_time = NULLIF(max(NULLIF(min(COALESCE(excluded.lead_at, lead_at, 9223372036854775807), COALESCE(excluded.mql_at, mql_at, 9223372036854775807), COALESCE(excluded.sql_at, sql_at, 9223372036854775807), COALESCE(excluded.opportunity_at, opportunity_at, 9223372036854775807), COALESCE(excluded.customer_at, customer_at, 9223372036854775807)), 9223372036854775807) - COALESCE(excluded.subscriber_at, subscriber_at), 0), 0),
            lead_time = NULLIF(max(NULLIF(min(COALESCE(excluded.mql_at, mql_at, 9223372036854775807), COALESCE(excluded.sql_at, sql_at, 9223372036854775807), COALESCE(excluded.opportunity_at, opportunity_at, 9223372036854775807), COALESCE(excluded.customer_at, customer_at, 9223372036854775807)), 9223372036854775807) - COALESCE(excluded.lead_at, lead_at), 0), 0),
            mql_time = NULLIF(max(NULLIF(min(COALESCE(excluded.sql_at, sql_at, 9223372036854775807), COALESCE(excluded.opportunity_at, opportunity_at, 9223372036854775807), COALESCE(excluded.customer_at, customer_at, 9223372036854775807)), 9223372036854775807) - COALESCE(excluded.mql_at, mql_at), 0), 0),
            sql_time = NULLIF(max(NULLIF(min(COALESCE(excluded.opportunity_at, opportunity_at, 9223372036854775807), COALESCE(excluded.customer_at, customer_at, 9223372036854775807)), 9223372036854775807) - COALESCE(excluded.sql_at, sql_at), 0), 0),
            opportunity_time = NULLIF(max(COALESCE(excluded.customer_at, customer_at) - COALESCE(excluded.opportunity_at, opportunity_at), 0), 0);
END;

-- Every other change writes the contact's row again from funnel_paths_direct.

CREATE TRIGGER funnel_paths_stage_update AFTER UPDATE OF contact_id, stage, entered_at ON contact_stages BEGIN
    DELETE FROM funnel_paths WHERE contact_id IN (OLD.contact_id, NEW.contact_id);
    INSERT INTO funnel_paths SELECT * FROM funnel_paths_direct WHERE contact_id IN (OLD.contact_id, NEW.contact_id);
END;

CREATE TRIGGER funnel_paths_stage_delete AFTER DELETE ON contact_stages
    WHEN OLD.stage IN ('subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer') BEGIN
    DELETE FROM funnel_paths WHERE contact_id = OLD.contact_id;
    INSERT INTO funnel_paths SELECT * FROM funnel_paths_direct WHERE contact_id = OLD.contact_id;
END;

CREATE TRIGGER funnel_paths_contact_update AFTER UPDATE OF id, created_at, merged_into_id ON contacts
    WHEN NEW.id IS NOT OLD.id OR NEW.created_at IS NOT OLD.created_at OR NEW.merged_into_id IS NOT OLD.merged_into_id BEGIN
    DELETE FROM funnel_paths WHERE contact_id IN (OLD.id, NEW.id);
    INSERT INTO funnel_paths SELECT * FROM funnel_paths_direct WHERE contact_id IN (OLD.id, NEW.id);
END;

CREATE TRIGGER funnel_paths_contact_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM funnel_paths WHERE contact_id = OLD.id;
END;
